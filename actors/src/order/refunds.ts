/**
 * Refunds: what is still refundable, requesting one by the rules of
 * `refund.ts`, staff approving or rejecting it, what an approval sets in motion
 * (the payment worker's instruction, stock returned, void tickets), and the
 * payment worker's confirmation.
 */
import type { DecideContext, Rejection, SideOutput } from '@lunchrush/engine';
import { ActorTypes, STORE_ACTOR_ID, type Actor } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import { voidTickets } from '../kitchen.js';
import { sumFen, type Fen } from '../money.js';
import { refundInstructionId, refundSubject, type RefundInstruction } from '../outputs.js';
import { lineRefundFen } from '../pricing.js';
import { refundPolicy, refundStage } from '../refund.js';
import type { Parsed } from './commands.js';
import {
  boardPush,
  emit,
  isStaff,
  stockCall,
  ticketOrder,
  unchanged,
  type Effects,
  type OrderDecision,
} from './decision.js';
import type { OrderEvent, Refund } from './events.js';
import { fold, type OrderState } from './evolve.js';
import { memberRefundParts, netLineRefundFen } from './member.js';
import { leftToRefund } from './rules.js';

/** Units of a line covered by refunds not rejected (other than `except`). */
function refundedQty(s: OrderState, lineNo: number, except?: string): number {
  let n = 0;
  for (const r of s.refunds) {
    if (r.status === 'rejected' || r.refundId === except) continue;
    for (const l of r.lines) if (l.lineNo === lineNo) n += l.qty;
  }
  return n;
}

export function newRefund(o: {
  refundId: string;
  full: boolean;
  lines: { lineNo: number; qty: number }[];
  amountFen: Fen;
  reason: string;
  by: Actor;
  overrideReason?: string | undefined;
  at: number;
  member?: { balanceFen: Fen; pointsFen: Fen };
}): Refund {
  const r: Refund = {
    refundId: o.refundId,
    full: o.full,
    lines: o.lines,
    amountFen: o.amountFen,
    reason: o.reason,
    by: o.by,
    overrideReason: o.overrideReason ?? null,
    status: 'requested',
    at: o.at,
    decidedBy: null,
    decidedAt: null,
    rejectReason: null,
  };
  return o.member === undefined ? r : { ...r, balanceFen: o.member.balanceFen, pointsFen: o.member.pointsFen };
}

/**
 * What an approved refund sets in motion, given the state after its approval
 * event: the instruction to the payment worker (JetStream, id stable per
 * refund); units back on sale when nothing was cooked yet; void tickets, and for
 * a full refund the store's kitchen load, when the kitchen already has it.
 */
function approvalEffects(
  s: OrderState,
  refund: Refund,
  at: number,
  ctx: DecideContext,
): { events: OrderEvent[]; outputs: SideOutput[] } {
  const events: OrderEvent[] = [];
  // A refund all in stored value and points has nothing for WeChat Pay: it is complete at once.
  const cardOnly = refund.amountFen === 0 && (refund.balanceFen !== undefined || refund.pointsFen !== undefined);
  if (cardOnly) events.push({ type: 'RefundCompleted', refundId: refund.refundId, at });
  const outputs: SideOutput[] = [
    {
      subject: refundSubject(s.store),
      id: refundInstructionId(s.orderId, refund.refundId),
      data: {
        kind: 'refund',
        orderId: s.orderId,
        refundId: refund.refundId,
        paymentId: s.payment?.paymentId ?? null,
        outTradeNo: s.payment?.outTradeNo ?? null,
        amountFen: refund.amountFen,
        paidFen: s.payment?.amountFen ?? 0,
        reason: refund.reason,
        at,
      } satisfies RefundInstruction,
      jetstream: true,
    },
    boardPush(s, s.seq, 'refund', at, { refundId: refund.refundId, amountFen: refund.amountFen }),
  ];
  if (cardOnly) outputs.shift();
  const qtyByLine = new Map<number, number>(
    refund.full
      ? s.lines
          .map((l) => [l.lineNo, l.qty - refundedQty(s, l.lineNo, refund.refundId)] as [number, number])
          .filter(([, q]) => q > 0)
      : refund.lines.map((l) => [l.lineNo, l.qty] as [number, number]),
  );
  if (s.acceptedAt === null) {
    if (s.stock === 'sold' || s.stock === 'returned') {
      const bySku = new Map<string, number>();
      for (const l of s.lines) {
        const q = qtyByLine.get(l.lineNo);
        if (q !== undefined) bySku.set(l.skuId, (bySku.get(l.skuId) ?? 0) + q);
      }
      for (const [skuId, qty] of bySku)
        stockCall(ctx, s, skuId, { type: 'return', qty, reason: `refund ${refund.refundId}`, at });
    }
  } else {
    const open = new Set(s.stations.filter((p) => p.state === 'queued' || p.state === 'cooking').map((p) => p.station));
    if (open.size > 0) {
      outputs.push(...voidTickets(ticketOrder(s), s.lines, qtyByLine, open, refund.refundId, at));
      if (refund.full) {
        events.push({ type: 'StationsVoided', stations: [...open], at });
        ctx.call(ActorTypes.Store, STORE_ACTOR_ID, {
          type: 'ticketsClosed',
          orderId: s.orderId,
          stations: [...open],
          at,
        });
      }
    }
  }
  return { events, outputs };
}

/** Requests (and, when the rules say so, approves) a refund after `pre` events. */
export function startRefund(
  s: OrderState,
  pre: OrderEvent[],
  refund: Refund,
  approvedBy: Actor | null,
  at: number,
  ctx: DecideContext,
  fx: Effects = {},
): OrderDecision {
  const events: OrderEvent[] = [...pre, { type: 'RefundRequested', refund, at }];
  const outputs: SideOutput[] = [...(fx.outputs ?? [])];
  if (approvedBy !== null) {
    events.push({ type: 'RefundApproved', refundId: refund.refundId, by: approvedBy, at });
    const effects = approvalEffects(fold(s, events), refund, at, ctx);
    events.push(...effects.events);
    outputs.push(...effects.outputs);
  } else {
    outputs.push(
      boardPush(s, s.seq + events.length, 'refund_requested', at, {
        refundId: refund.refundId,
        amountFen: refund.amountFen,
      }),
    );
  }
  return emit(s, events, at, { ...fx, outputs });
}

export function requestRefund(
  s: OrderState,
  c: Extract<Parsed, { type: 'requestRefund' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  if (s.refunds.some((r) => r.refundId === c.refundId)) return unchanged(s);
  if (s.status === 'refund_requested')
    return refuse(ErrorCode.RefundInProgress, `a full refund of ${s.orderId} is already under way`);
  const policy = refundPolicy(refundStage(s.status), c.by.role, c.overrideReason);
  if (!policy.ok) return refuse(policy.code, policy.message, { status: s.status });

  const remaining = leftToRefund(s);
  if (remaining === 0) return refuse(ErrorCode.NothingToRefund, `nothing left to refund on ${s.orderId}`);
  let full = c.lines === undefined;
  let amountFen = remaining;
  let lines: { lineNo: number; qty: number }[] = [];
  if (c.lines !== undefined) {
    const want = new Map<number, number>();
    for (const l of c.lines) want.set(l.lineNo, (want.get(l.lineNo) ?? 0) + l.qty);
    for (const [lineNo, qty] of want) {
      const line = s.lines.find((x) => x.lineNo === lineNo);
      if (line === undefined)
        return refuse(ErrorCode.UnknownLine, `order ${s.orderId} has no line ${lineNo}`, { lineNo });
      const left = line.qty - refundedQty(s, lineNo);
      if (qty > left)
        return refuse(ErrorCode.NothingToRefund, `line ${lineNo} has ${left} left to refund, not ${qty}`, {
          lineNo,
          left,
        });
    }
    lines = [...want.entries()].map(([lineNo, qty]) => ({ lineNo, qty }));
    const everything = s.lines.every((l) => l.qty - refundedQty(s, l.lineNo) === (want.get(l.lineNo) ?? 0));
    if (everything) {
      // Every remaining unit: that is the full refund, fees included.
      full = true;
      lines = [];
    } else {
      // After its discounts when the order had any (a line's share of promotions and coupons stays).
      const worth = (l: { lineNo: number; qty: number }): Fen =>
        s.lineNetFen === undefined
          ? lineRefundFen(
              s.lines.find((x) => x.lineNo === l.lineNo)!,
              l.qty,
            )
          : netLineRefundFen(s, l.lineNo, l.qty);
      amountFen = Math.min(remaining, sumFen(lines.map(worth)));
    }
  }
  // A member's order gives back WeChat Pay, stored value and points in proportion (`memberRefundParts`).
  const parts = s.member === undefined ? undefined : memberRefundParts(s, full, amountFen);
  const refund = newRefund({
    refundId: c.refundId,
    full,
    lines,
    amountFen: parts?.amountFen ?? amountFen,
    ...(parts === undefined ? {} : { member: { balanceFen: parts.balanceFen, pointsFen: parts.pointsFen } }),
    reason: c.reason,
    by: c.by,
    overrideReason: c.overrideReason,
    at: c.at,
  });
  return startRefund(s, [], refund, policy.approval === 'auto' ? c.by : null, c.at, ctx);
}

export function approveRefund(
  s: OrderState,
  c: Extract<Parsed, { type: 'approveRefund' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (!isStaff(c.by)) return refuse(ErrorCode.Forbidden, 'only staff approve refunds');
  const r = s.refunds.find((x) => x.refundId === c.refundId);
  if (r === undefined)
    return refuse(ErrorCode.UnknownRefund, `order ${s.orderId} has no refund ${c.refundId}`, { refundId: c.refundId });
  if (r.status === 'approved' || r.status === 'completed') return unchanged(s);
  if (r.status === 'rejected')
    return refuse(ErrorCode.InvalidTransition, `refund ${c.refundId} was rejected`, { refundId: c.refundId });
  const events: OrderEvent[] = [{ type: 'RefundApproved', refundId: r.refundId, by: c.by, at: c.at }];
  const effects = approvalEffects(fold(s, events), r, c.at, ctx);
  return emit(s, [...events, ...effects.events], c.at, { outputs: effects.outputs });
}

export function rejectRefund(s: OrderState, c: Extract<Parsed, { type: 'rejectRefund' }>): OrderDecision | Rejection {
  if (!isStaff(c.by)) return refuse(ErrorCode.Forbidden, 'only staff reject refunds');
  const r = s.refunds.find((x) => x.refundId === c.refundId);
  if (r === undefined)
    return refuse(ErrorCode.UnknownRefund, `order ${s.orderId} has no refund ${c.refundId}`, { refundId: c.refundId });
  if (r.status === 'rejected') return unchanged(s);
  if (r.status !== 'requested')
    return refuse(ErrorCode.InvalidTransition, `refund ${c.refundId} is already ${r.status}`, { refundId: c.refundId });
  return emit(s, [{ type: 'RefundRejected', refundId: r.refundId, by: c.by, reason: c.reason, at: c.at }], c.at);
}

export function refundCompleted(
  s: OrderState,
  c: Extract<Parsed, { type: 'refundCompleted' }>,
): OrderDecision | Rejection {
  const r = s.refunds.find((x) => x.refundId === c.refundId);
  if (r === undefined)
    return refuse(ErrorCode.UnknownRefund, `order ${s.orderId} has no refund ${c.refundId}`, { refundId: c.refundId });
  if (r.status === 'completed') return unchanged(s);
  if (r.status !== 'approved')
    return refuse(ErrorCode.InvalidTransition, `refund ${c.refundId} is ${r.status}, not approved`, {
      refundId: c.refundId,
    });
  return emit(s, [{ type: 'RefundCompleted', refundId: r.refundId, at: c.at }], c.at);
}
