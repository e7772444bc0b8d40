/**
 * How every order decision is put together: the events folded, the push to the
 * diner's order page (and the placement's tag), the answer; and the small rules
 * every command shares (who is staff, the wrong-state refusal, board pushes).
 */
import type { DecideContext, CallOutcome, Decision, Rejection, SideOutput, TimerSpec } from '@lunchrush/engine';
import { reject } from '@lunchrush/engine';
import { ActorTypes, type Actor, type Mutable } from '../domain.js';
import { dinerOrderTag } from '../diner-orders.js';
import { ErrorCode, errorKind, refuse } from '../errors.js';
import type { TicketOrder } from '../kitchen.js';
import { boardPushSubject, orderPushSubject, type BoardPush, type OrderPush } from '../outputs.js';
import type { StockResult } from '../stock.js';
import type { OrderCommand } from './commands.js';
import { detailOf, summaryOf, type OrderResult } from './detail.js';
import type { OrderEvent } from './events.js';
import { evolveOrder, type OrderState } from './evolve.js';

export type OrderDecision = Decision<OrderEvent, OrderResult, OrderCommand>;

export interface Effects {
  outputs?: SideOutput[];
  timers?: TimerSpec<OrderCommand>[];
  cancelTimers?: string[];
  detail?: boolean;
}

/** Folds the events, pushes the new status to the diner's order page, answers with the new state. */
export function emit(s: OrderState, events: OrderEvent[], at: number, fx: Effects = {}): OrderDecision {
  let next = s;
  for (const e of events) next = evolveOrder(next, e);
  const outputs: SideOutput[] = [
    {
      subject: orderPushSubject(s.store, s.orderId),
      id: `order:${s.orderId}:${next.seq}`,
      data: {
        kind: 'order',
        orderId: s.orderId,
        status: next.status,
        seq: next.seq,
        events: events.map((e) => e.type),
        at,
      } satisfies OrderPush,
    },
  ];
  if (fx.outputs !== undefined) for (const o of fx.outputs) outputs.push(o);
  // Set on one literal, not spread in (`...(x ? {} : { x })`): see `summaryOf` in detail.ts.
  const d: Mutable<OrderDecision> = {
    events,
    result: fx.detail === true ? detailOf(next) : summaryOf(next),
    outputs,
    folded: { from: s, to: next },
  };
  // A diner's placement is tagged on its record: the diner's order list follows the log's headers.
  const tag = events[0]?.type === 'Created' ? dinerOrderTag(events[0].dinerId, s.orderId, events[0].at) : undefined;
  if (tag !== undefined) d.tags = [tag];
  if (fx.timers !== undefined) d.timers = fx.timers;
  if (fx.cancelTimers !== undefined) d.cancelTimers = fx.cancelTimers;
  return d;
}

export const unchanged = (s: OrderState, detail = false): OrderDecision => ({
  result: detail ? detailOf(s, true) : summaryOf(s, true),
});

/** Hands a callee's refusal on unchanged (its code is already from this registry). */
export function passOn(out: Extract<CallOutcome, { ok: false }>): Rejection {
  return reject(out.code, out.message, out.details, errorKind(out.code));
}

export function wrongState(s: OrderState, what: string): Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  return refuse(ErrorCode.InvalidTransition, `cannot ${what} an order that is ${s.status}`, { status: s.status });
}

export function isStaff(a: Actor): boolean {
  return a.role === 'staff' || a.role === 'manager' || a.role === 'system';
}

export const SYSTEM: Actor = { role: 'system', id: 'engine' };

export function ticketOrder(s: OrderState): TicketOrder {
  const t: Mutable<TicketOrder> = { store: s.store, orderId: s.orderId, channel: s.channel!, placedAt: s.placedAt };
  if (s.tableId !== null) t.tableId = s.tableId;
  if (s.tableLabel !== null) t.tableLabel = s.tableLabel;
  return t;
}

export function boardPush(
  s: OrderState,
  seqAfter: number,
  event: Extract<BoardPush, { kind: 'order' }>['event'],
  at: number,
  extra: { count?: number; refundId?: string; amountFen?: number } = {},
): SideOutput {
  const data: Mutable<Extract<BoardPush, { kind: 'order' }>> = {
    kind: 'order',
    event,
    orderId: s.orderId,
    tableId: s.tableId,
    at,
  };
  if (extra.count !== undefined) data.count = extra.count;
  if (extra.refundId !== undefined) data.refundId = extra.refundId;
  if (extra.amountFen !== undefined) data.amountFen = extra.amountFen;
  return { subject: boardPushSubject(s.store), id: `board:${s.orderId}:${seqAfter}`, data };
}

export function stockCall(
  ctx: DecideContext,
  s: OrderState,
  skuId: string,
  command: Record<string, unknown>,
): CallOutcome<StockResult> {
  return ctx.call<StockResult>(ActorTypes.Stock, skuId, { channel: 'miniprogram', ref: s.holdRef, ...command });
}

export function releaseAll(ctx: DecideContext, s: OrderState, at: number, reason: string): void {
  // Only the order moves its holds, so a release cannot find them gone; nothing to undo if it did.
  for (const h of s.holds) stockCall(ctx, s, h.skuId, { type: 'release', reason, at });
}

export function tellTable(ctx: DecideContext, s: OrderState, type: 'orderPaid' | 'orderCancelled', at: number): void {
  // The table only keeps its board right; a table that moved on must never block money.
  if (s.tableId !== null) ctx.call(ActorTypes.Table, s.tableId, { type, orderId: s.orderId, at });
}
