/**
 * Payment against the timeout: the provider's success time (`paidAt`) decides
 * the race, not which message arrives first; and cancelling before acceptance.
 */
import type { DecideContext, Rejection } from '@lunchrush/engine';
import { ActorTypes } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import type { StockResult } from '../stock.js';
import { PAYMENT_TIMER, type Parsed } from './commands.js';
import {
  SYSTEM,
  boardPush,
  emit,
  releaseAll,
  stockCall,
  tellTable,
  unchanged,
  wrongState,
  type Effects,
  type OrderDecision,
} from './decision.js';
import type { OrderEvent } from './events.js';
import type { OrderState } from './evolve.js';
import { dueFen, memberRefundParts } from './member.js';
import { newRefund, startRefund } from './refunds.js';
import { mayCancel, refundableFen } from './rules.js';

/** Money arrived for an order that will not be made: record it and refund it in full at once. */
function refundArrivedPayment(
  s: OrderState,
  c: Extract<Parsed, { type: 'confirmPayment' }>,
  reason: string,
  pre: OrderEvent[],
  ctx: DecideContext,
  fx: Effects = {},
): OrderDecision {
  const events: OrderEvent[] = [
    ...pre,
    { type: 'PaymentReceived', paymentId: c.paymentId, amountFen: c.amountFen, paidAt: c.paidAt, at: c.at },
  ];
  const refund = newRefund({
    refundId: `auto-${s.seq + events.length + 1}`,
    full: true,
    lines: [],
    amountFen: c.amountFen,
    reason,
    by: SYSTEM,
    at: c.at,
  });
  return startRefund(s, events, refund, SYSTEM, c.at, ctx, fx);
}

export function confirmPayment(
  s: OrderState,
  c: Extract<Parsed, { type: 'confirmPayment' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  if (s.payment !== null) {
    if (s.payment.paymentId === c.paymentId) return unchanged(s);
    return refuse(ErrorCode.AlreadyPaid, `order ${s.orderId} is already paid by ${s.payment.paymentId}`, {
      paymentId: s.payment.paymentId,
    });
  }
  // WeChat Pay collects the total less a member's stored value (`dueFen`).
  const due = dueFen(s);
  if (c.amountFen !== due) {
    return refuse(ErrorCode.AmountMismatch, `paid ${c.amountFen} fen for an order of ${due} fen`, {
      expected: due,
      paid: c.amountFen,
    });
  }
  const inWindow = c.paidAt <= s.deadline;

  if (s.status === 'pending_payment') {
    if (inWindow) {
      // Paid wins inside the window, even when its timer is due but has not fired yet.
      for (const h of s.holds) stockCall(ctx, s, h.skuId, { type: 'commit', at: c.at });
      tellTable(ctx, s, 'orderPaid', c.at);
      const events: OrderEvent[] = [
        { type: 'Paid', paymentId: c.paymentId, amountFen: c.amountFen, paidAt: c.paidAt, at: c.at },
      ];
      return emit(s, events, c.at, {
        cancelTimers: [PAYMENT_TIMER],
        outputs: [boardPush(s, s.seq + 1, 'paid', c.at)],
      });
    }
    // Paid after the deadline but before the timer fired: the timeout wins and the money goes back.
    releaseAll(ctx, s, c.at, 'payment_timeout');
    tellTable(ctx, s, 'orderCancelled', c.at);
    return refundArrivedPayment(
      s,
      c,
      'late_payment',
      [{ type: 'Cancelled', by: SYSTEM, reason: 'payment_timeout', at: c.at }],
      ctx,
      {
        cancelTimers: [PAYMENT_TIMER],
      },
    );
  }

  if (s.status === 'cancelled') {
    if (s.cancel?.reason === 'payment_timeout' && inWindow) {
      // The timer fired before the in-window payment was reported: paid still wins if
      // the stock is still there. Check every SKU before selling any, so it is all or nothing.
      const ref = `${s.orderId}.r`;
      const allThere = s.holds.every((h) => {
        const g = ctx.call<StockResult>(ActorTypes.Stock, h.skuId, { type: 'get' });
        return g.ok && !g.result.eightySixed && g.result.available >= h.qty;
      });
      if (allThere) {
        for (const h of s.holds)
          ctx.call(ActorTypes.Stock, h.skuId, { type: 'sell', channel: 'miniprogram', ref, qty: h.qty, at: c.at });
        tellTable(ctx, s, 'orderPaid', c.at);
        const events: OrderEvent[] = [
          { type: 'Revived', holdRef: ref, at: c.at },
          { type: 'Paid', paymentId: c.paymentId, amountFen: c.amountFen, paidAt: c.paidAt, at: c.at },
        ];
        return emit(s, events, c.at, { outputs: [boardPush(s, s.seq + 2, 'paid', c.at)] });
      }
      return refundArrivedPayment(s, c, 'stock_gone_after_timeout', [], ctx);
    }
    return refundArrivedPayment(
      s,
      c,
      s.cancel?.reason === 'payment_timeout' ? 'late_payment' : 'paid_after_cancel',
      [],
      ctx,
    );
  }
  return wrongState(s, 'pay');
}

export function paymentTimeout(
  s: OrderState,
  c: Extract<Parsed, { type: 'paymentTimeout' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (s.status !== 'pending_payment') return wrongState(s, 'time out');
  if (c.at < s.deadline)
    return refuse(ErrorCode.InvalidTransition, `the payment window of ${s.orderId} is open until ${s.deadline}`, {
      deadline: s.deadline,
    });
  releaseAll(ctx, s, c.at, 'payment_timeout');
  tellTable(ctx, s, 'orderCancelled', c.at);
  return emit(s, [{ type: 'Cancelled', by: SYSTEM, reason: 'payment_timeout', at: c.at }], c.at);
}

export function cancel(
  s: OrderState,
  c: Extract<Parsed, { type: 'cancel' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  const reason = c.reason ?? (c.by.role === 'diner' ? 'diner_cancelled' : 'store_cancelled');
  if (s.status === 'cancelled') return unchanged(s);
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  if (!mayCancel(s))
    return refuse(ErrorCode.InvalidTransition, `an order that is ${s.status} cannot be cancelled: request a refund`, {
      status: s.status,
    });
  if (s.status === 'pending_payment') {
    releaseAll(ctx, s, c.at, reason);
    tellTable(ctx, s, 'orderCancelled', c.at);
    return emit(s, [{ type: 'Cancelled', by: c.by, reason, at: c.at }], c.at, { cancelTimers: [PAYMENT_TIMER] });
  }
  // Paid, not accepted yet: the diner cancels by themselves (or the store declines), everything goes back.
  const parts = s.member === undefined ? undefined : memberRefundParts(s, true, 0);
  const refund = newRefund({
    refundId: `cancel-${s.seq + 1}`,
    full: true,
    lines: [],
    amountFen: parts?.amountFen ?? refundableFen(s),
    ...(parts === undefined ? {} : { member: { balanceFen: parts.balanceFen, pointsFen: parts.pointsFen } }),
    reason,
    by: c.by,
    at: c.at,
  });
  return startRefund(s, [{ type: 'Cancelled', by: c.by, reason, at: c.at }], refund, c.by, c.at, ctx);
}
