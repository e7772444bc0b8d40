/**
 * What a stock actor answers: its view, and with a command's result the units it moved. Written
 * out as literals: see `resultOf`.
 */
import type { Mutable } from './domain.js';
import type { StockLevel, StockState } from './stock.js';

export interface StockView {
  readonly skuId: string;
  readonly available: number;
  readonly reserved: number;
  readonly sold: number;
  readonly level: StockLevel;
  readonly eightySixed: boolean;
}

export type StockResult = StockView & {
  /** Units this command moved (0 for a duplicate). */
  readonly qty?: number;
  /** True when the business id was seen before and nothing changed. */
  readonly duplicate?: boolean;
  readonly status?: 'reserved' | 'committed' | 'released' | 'sold';
};

export function viewOf(s: StockState): StockView {
  return {
    skuId: s.skuId,
    available: s.available,
    reserved: s.reserved,
    sold: s.sold,
    level: s.level,
    eightySixed: s.eightySixed,
  };
}

/**
 * The view with the command's own fields set on it, not spread together (`{ ...view, ...extra }`):
 * V8 builds a spread given new keys slowly (see `summaryOf` in order/detail.ts), and every
 * reservation answers one of these.
 */
export function resultOf(s: StockState, extra: Partial<StockResult>): StockResult {
  const r: Mutable<StockResult> = viewOf(s);
  if (extra.qty !== undefined) r.qty = extra.qty;
  if (extra.duplicate !== undefined) r.duplicate = extra.duplicate;
  if (extra.status !== undefined) r.status = extra.status;
  return r;
}
