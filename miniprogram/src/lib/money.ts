/** Money is integer fen everywhere in lunchrush; the diner sees yuan. */

/** 1234 → "12.34"; -50 → "-0.50". Integer arithmetic only, no float rounding. */
export function yuan(fen: number): string {
  if (!Number.isInteger(fen)) throw new RangeError(`not a whole number of fen: ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const cents = String(abs % 100).padStart(2, '0');
  return `${sign}${Math.floor(abs / 100)}.${cents}`;
}

/** "¥12.34" */
export function price(fen: number): string {
  return `¥${yuan(fen)}`;
}

/** "+¥2" style for option deltas: whole yuan without decimals, else two. */
export function delta(fen: number): string {
  if (fen === 0) return '';
  const s = fen % 100 === 0 ? String(Math.abs(fen) / 100) : yuan(Math.abs(fen));
  return `${fen > 0 ? '+' : '-'}¥${s}`;
}
