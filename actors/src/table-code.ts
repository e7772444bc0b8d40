/**
 * Table identity, as printed in a table's QR code (the gateway signs it inside
 * a token; this module only knows the digits):
 *
 *   SSS AAAA TTTTT C    e.g. 001-0002-00015-3
 *   │   │    │     └── check digit: Luhn mod 10 (ISO/IEC 7812-1 annex B) over the 12 digits before it
 *   │   │    └──────── table number in the area, 00001–99999
 *   │   └───────────── area (hall, floor, terrace), 0001–9999
 *   └───────────────── store, 001–999 (000 is the chain)
 *
 * Luhn catches every single mistyped digit and every swap of two neighbouring
 * digits except 09 ↔ 90, with one decimal digit, and staff can check it by
 * hand. The 13 digits without separators are the table actor's id.
 */
import { TableCodeError } from './errors.js';

export interface TableCode {
  readonly store: string;
  readonly area: string;
  readonly table: string;
  readonly check: number;
}

/** Luhn check digit of a string of decimal digits. */
export function luhnCheckDigit(digits: string): number {
  if (!/^\d+$/.test(digits)) throw new TableCodeError(`not digits: "${digits}"`);
  let sum = 0;
  // Double every second digit starting from the rightmost, which sits next to the check digit.
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(digitsWithCheck: string): boolean {
  if (!/^\d{2,}$/.test(digitsWithCheck)) return false;
  return luhnCheckDigit(digitsWithCheck.slice(0, -1)) === Number(digitsWithCheck.slice(-1));
}

/** Builds a table code from its parts (numbers or zero-padded strings). */
export function makeTableCode(store: string | number, area: string | number, table: string | number): TableCode {
  const s = pad(store, 3, 'store');
  const a = pad(area, 4, 'area');
  const t = pad(table, 5, 'table');
  if (Number(t) === 0) throw new TableCodeError('table number 00000 is not used');
  if (Number(a) === 0) throw new TableCodeError('area 0000 is not used');
  return { store: s, area: a, table: t, check: luhnCheckDigit(s + a + t) };
}

function pad(v: string | number, width: number, what: string): string {
  const text = typeof v === 'number' ? String(v) : v;
  if (!/^\d+$/.test(text) || text.length > width)
    throw new TableCodeError(`${what} must be up to ${width} digits, got "${text}"`);
  return text.padStart(width, '0');
}

/** 13 digits: the table actor's id. */
export function tableId(code: TableCode): string {
  return `${code.store}${code.area}${code.table}${code.check}`;
}

/** "001-0002-00015-3": how it is printed under the QR code. */
export function formatTableCode(code: TableCode): string {
  return `${code.store}-${code.area}-${code.table}-${code.check}`;
}

/**
 * Parses a table code with or without separators (spaces or dashes) and checks
 * its check digit. Throws `TableCodeError` (code `invalid_table_code`).
 */
export function parseTableCode(text: string): TableCode {
  const digits = text.trim().replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(digits)) throw new TableCodeError(`a table code is 13 digits (SSS-AAAA-TTTTT-C), got "${text}"`);
  if (!isLuhnValid(digits)) throw new TableCodeError(`check digit of table code "${text}" is wrong`);
  const code = {
    store: digits.slice(0, 3),
    area: digits.slice(3, 7),
    table: digits.slice(7, 12),
    check: Number(digits.slice(12)),
  };
  if (Number(code.area) === 0 || Number(code.table) === 0)
    throw new TableCodeError(`table code "${text}" has an empty area or table number`);
  return code;
}

/**
 * Whether `id` is a table actor's id (13 digits, check digit right, area and table not 0) of
 * `store`: what `tryParseTableCode(id)?.store === store` says, without trimming, splitting or an object (every
 * table command checks its own id).
 */
export function isTableIdOf(id: string, store: string): boolean {
  if (store.length !== 3 || !id.startsWith(store) || !/^\d{13}$/.test(id)) return false;
  if (id.startsWith('0000', 3) || id.startsWith('00000', 7)) return false;
  return luhnCheckDigit(id.slice(0, 12)) === id.charCodeAt(12) - 48;
}

/** Non-throwing form of `parseTableCode`. */
export function tryParseTableCode(text: string): TableCode | undefined {
  try {
    return parseTableCode(text);
  } catch {
    return undefined;
  }
}
