/**
 * Money is an integer number of fen (1 yuan = 100 fen) everywhere: in commands,
 * events, the catalog and the CSV files. Floating-point yuan never enter the
 * domain; `parseYuan` and `formatFen` convert at the edges without rounding.
 */
import { z } from 'zod';

/** Integer fen. A plain number, kept apart from other numbers by name only. */
export type Fen = number;

/** Largest amount the domain accepts: 100 million yuan, far from 2^53. */
export const MAX_FEN = 10_000_000_000;

export const FenSchema = z.number().int().min(0).max(MAX_FEN);
/** A signed amount, e.g. a price delta of an option. */
export const FenDeltaSchema = z.number().int().min(-MAX_FEN).max(MAX_FEN);

export function isFen(n: unknown): n is Fen {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_FEN;
}

/** Sum of fen amounts; throws on anything that is not an integer (a bug, not input). */
export function sumFen(amounts: readonly Fen[]): Fen {
  let s = 0;
  for (const a of amounts) {
    if (!Number.isSafeInteger(a)) throw new RangeError(`not an integer fen amount: ${a}`);
    s += a;
  }
  return s;
}

export function mulFen(unit: Fen, qty: number): Fen {
  if (!Number.isSafeInteger(unit) || !Number.isSafeInteger(qty)) throw new RangeError(`not integers: ${unit} × ${qty}`);
  return unit * qty;
}

/**
 * Splits `total` over `weights` in proportion, in whole fen, with the rounding
 * remainder going to the largest weights first, so the parts always add up to
 * `total` exactly (used to spread a discount over lines).
 */
export function allocateFen(total: Fen, weights: readonly number[]): Fen[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - parts.reduce((a, b) => a + b, 0);
  const order = weights.map((w, i) => [w, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) parts[order[k]![1]]! += 1;
  return parts;
}

const YUAN_RE = /^(-?)(\d{1,9})(?:\.(\d{1,2}))?$/;

/** "12", "12.5", "12.50" → 1250. Returns `undefined` for anything else (no floats involved). */
export function parseYuan(text: string): Fen | undefined {
  const m = YUAN_RE.exec(text.trim());
  if (m === null) return undefined;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -fen : fen;
}

/** 1250 → "12.50" (add "¥" at the display layer). */
export function formatFen(fen: Fen): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
