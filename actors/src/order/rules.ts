/**
 * What an order allows in the state it is in: the checks the deciders make (cancel, urge,
 * review, ask for a refund) and, from the same checks, what the order's diner may do now
 * (`dinerActionsOf`), which every order detail carries so the mini-program shows the buttons
 * the actor would accept instead of keeping its own copy of the rules.
 */
import { sumFen, type Fen } from '../money.js';
import { refundPolicy, refundStage, type OrderStatus } from '../refund.js';
import type { OrderState } from './evolve.js';
import { leftToRefundFen } from './member.js';

/** What a diner may do to an order: pay it, cancel it, urge the kitchen, ask for a refund, review it. */
export type DinerOrderAction = 'pay' | 'cancel' | 'urge' | 'refund' | 'review';

/** Statuses in which the kitchen is working on the order. */
export const KITCHEN_WORKING: ReadonlySet<string> = new Set<OrderStatus>(['sent_to_kitchen', 'cooking']);

/** The status that counts for kitchen progress while a full refund request is pending. */
export function kitchenStatus(s: OrderState): OrderStatus | 'none' {
  return s.status === 'refund_requested' && s.resumeStatus !== null ? s.resumeStatus : s.status;
}

/** Amount still refundable: paid minus every refund not rejected. */
export function refundableFen(s: OrderState): Fen {
  const taken = sumFen(s.refunds.filter((r) => r.status !== 'rejected').map((r) => r.amountFen));
  return Math.max(0, (s.payment?.amountFen ?? 0) - taken);
}

/** What a refund may still give back: what was paid less refunds not rejected; for a member's order, its stored value and points too. */
export const leftToRefund = (s: OrderState): Fen => (s.member === undefined ? refundableFen(s) : leftToRefundFen(s));

/** Paying (the gateway's prepay, then the payment callback) is for an order awaiting payment. */
export const mayPay = (s: OrderState): boolean => s.status === 'pending_payment';

/** Unpaid, or paid and not accepted yet: cancelling gives everything back. Later, a refund is asked for. */
export const mayCancel = (s: OrderState): boolean => s.status === 'pending_payment' || s.status === 'paid';

/** Paid and waiting to be accepted, or in the kitchen (a pending full refund counts as where it was). */
export function mayUrge(s: OrderState): boolean {
  const k = kitchenStatus(s);
  return k === 'paid' || KITCHEN_WORKING.has(k);
}

/** A review is taken once the order is completed. */
export const mayReview = (s: OrderState): boolean => s.status === 'completed';

/** The refund rules (`refund.ts`) let `role` ask, no full refund is under way and something is left to refund. */
export function mayAskRefund(s: OrderState, role: 'diner' | 'staff'): boolean {
  if (s.status === 'none' || s.status === 'refund_requested') return false;
  return refundPolicy(refundStage(s.status), role, undefined).ok && leftToRefund(s) > 0;
}

/** What the order's diner may do now, by the checks above. */
export function dinerActionsOf(s: OrderState): DinerOrderAction[] {
  const out: DinerOrderAction[] = [];
  if (mayPay(s)) out.push('pay');
  if (mayCancel(s)) out.push('cancel');
  if (mayUrge(s)) out.push('urge');
  if (mayAskRefund(s, 'diner')) out.push('refund');
  if (mayReview(s)) out.push('review');
  return out;
}
