/** What the stock tests share: one SKU's stock actor run by hand, and its commands. */
import { isRejection, type Decision, type Rejection } from '@lunchrush/engine';
import {
  decideStock,
  evolveStock,
  initialStock,
  stockRef,
  type StockCommand,
  type StockEvent,
  type StockResult,
  type StockState,
} from '@lunchrush/actors';
import { STORE, T0, ctxOf } from './helpers.js';

export const ref = stockRef(STORE, 'noodle');
export const ctx = ctxOf(ref);

export function run(
  s: StockState,
  c: StockCommand,
): { s: StockState; d: Decision<StockEvent, StockResult> | Rejection } {
  const d = decideStock(s, c, ctx);
  if (isRejection(d)) return { s, d };
  let next = s;
  for (const e of d.events ?? []) next = evolveStock(next, e);
  return { s: next, d };
}

/** Applies commands that must succeed; returns the state. */
export function given(...cs: StockCommand[]): StockState {
  let s = initialStock(STORE, 'noodle');
  for (const c of cs) {
    const r = run(s, c);
    if (isRejection(r.d)) throw new Error(`given ${c.type}: ${r.d.reject.code}`);
    s = r.s;
  }
  return s;
}

export const at = T0;
export const set = (available: number): StockCommand => ({ type: 'set', available, at });
export const reserve = (
  ref_: string,
  qty: number,
  channel: 'miniprogram' | 'pos' | 'delivery' = 'miniprogram',
): StockCommand => ({
  type: 'reserve',
  channel,
  ref: ref_,
  qty,
  at,
});
export const commit = (ref_: string, channel: 'miniprogram' | 'pos' | 'delivery' = 'miniprogram'): StockCommand => ({
  type: 'commit',
  channel,
  ref: ref_,
  at,
});
export const release = (ref_: string, channel: 'miniprogram' | 'pos' | 'delivery' = 'miniprogram'): StockCommand => ({
  type: 'release',
  channel,
  ref: ref_,
  at,
});
export const sell = (ref_: string, qty: number): StockCommand => ({ type: 'sell', channel: 'pos', ref: ref_, qty, at });
