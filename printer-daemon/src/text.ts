/**
 * Column layout for thermal paper: a CJK or full-width character takes two
 * columns, everything else one (a 12×24 font A cell vs a 24×24 Chinese cell).
 * None of the ESC/POS libraries counts this way, so it lives here.
 */

/** Columns of font A per paper width: 384 dots / 12 and 576 dots / 12. */
export const COLUMNS: Readonly<Record<58 | 80, number>> = { 58: 32, 80: 48 };
export const DOTS: Readonly<Record<58 | 80, number>> = { 58: 384, 80: 576 };

export function charWidth(cp: number): 1 | 2 {
  if (cp < 0x1100) return 1;
  if (cp <= 0x115f) return 2; // Hangul Jamo
  if (cp >= 0xff61 && cp <= 0xffdc) return 1; // half-width forms
  if (cp >= 0xffe8 && cp <= 0xffee) return 1;
  if (cp >= 0x2e80 && cp <= 0xa4cf) return 2; // CJK radicals … Yi
  if (cp >= 0xac00 && cp <= 0xd7a3) return 2; // Hangul syllables
  if (cp >= 0xf900 && cp <= 0xfaff) return 2; // CJK compatibility ideographs
  if (cp >= 0xfe30 && cp <= 0xfe4f) return 2; // CJK compatibility forms
  if (cp >= 0xff00 && cp <= 0xff60) return 2; // full-width forms
  if (cp >= 0xffe0 && cp <= 0xffe6) return 2;
  if (cp >= 0x20000 && cp <= 0x3fffd) return 2; // CJK extension B and later
  return 1;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0) ?? 0);
  return w;
}

/** Splits `s` into lines of at most `columns` columns, never inside a character. */
export function wrap(s: string, columns: number): string[] {
  const out: string[] = [];
  let line = '';
  let w = 0;
  for (const ch of s) {
    if (ch === '\n') {
      out.push(line);
      line = '';
      w = 0;
      continue;
    }
    const cw = charWidth(ch.codePointAt(0) ?? 0);
    if (w + cw > columns && line !== '') {
      out.push(line);
      line = '';
      w = 0;
    }
    line += ch;
    w += cw;
  }
  if (line !== '' || out.length === 0) out.push(line);
  return out;
}

/** `left` and `right` on one line, padded to `columns` (wrapped when they do not fit). */
export function leftRight(left: string, right: string, columns: number): string[] {
  const gap = columns - displayWidth(left) - displayWidth(right);
  if (gap >= 1) return [left + ' '.repeat(gap) + right];
  return [...wrap(left, columns), ...wrap(right, columns)];
}

/** Local "HH:MM" at `tzOffsetMin` minutes east of UTC. */
export function clock(at: number, tzOffsetMin: number): string {
  const d = new Date(at + tzOffsetMin * 60_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}
