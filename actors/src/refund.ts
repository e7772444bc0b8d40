/**
 * Who may refund what, and when. One table, used by the order actor:
 *
 *   order stage          │ diner                    │ staff            │ manager
 *   ─────────────────────┼──────────────────────────┼──────────────────┼──────────────────────────
 *   unpaid               │ nothing to refund: cancel the order instead
 *   before acceptance    │ self-service, full or per item, approved at once, stock goes back
 *   in the kitchen       │ request; staff approve   │ approved at once │ approved at once
 *   (accepted … ready)   │                          │                  │
 *   after serving        │ refused                  │ refused          │ approved with an override reason
 *   refunded / cancelled │ nothing left to refund
 */
import type { Role } from './domain.js';
import { ErrorCode, type DomainErrorCode } from './errors.js';

export type OrderStatus =
  | 'created'
  | 'pending_payment'
  | 'paid'
  | 'accepted'
  | 'sent_to_kitchen'
  | 'cooking'
  | 'ready'
  | 'served'
  | 'completed'
  | 'reviewed'
  | 'cancelled'
  | 'refund_requested'
  | 'refunded';

export type RefundStage = 'unpaid' | 'before_acceptance' | 'in_kitchen' | 'after_serving' | 'closed';

export function refundStage(status: OrderStatus): RefundStage {
  switch (status) {
    case 'created':
    case 'pending_payment':
      return 'unpaid';
    case 'paid':
      return 'before_acceptance';
    case 'accepted':
    case 'sent_to_kitchen':
    case 'cooking':
    case 'ready':
      return 'in_kitchen';
    case 'served':
    case 'completed':
    case 'reviewed':
      return 'after_serving';
    case 'cancelled':
    case 'refund_requested':
    case 'refunded':
      return 'closed';
  }
}

export type RefundDecision =
  | { readonly ok: true; readonly approval: 'auto' | 'staff' }
  | { readonly ok: false; readonly code: DomainErrorCode; readonly message: string };

/** The refund rules; `overrideReason` only counts from a manager. */
export function refundPolicy(stage: RefundStage, role: Role, overrideReason: string | undefined): RefundDecision {
  switch (stage) {
    case 'unpaid':
      return { ok: false, code: ErrorCode.RefundNotAllowed, message: 'the order is not paid: cancel it instead' };
    case 'before_acceptance':
      return { ok: true, approval: 'auto' };
    case 'in_kitchen':
      return { ok: true, approval: role === 'diner' ? 'staff' : 'auto' };
    case 'after_serving':
      if (role === 'manager' && overrideReason !== undefined && overrideReason.trim() !== '')
        return { ok: true, approval: 'auto' };
      return {
        ok: false,
        code: ErrorCode.RefundNotAllowed,
        message:
          role === 'manager'
            ? 'after serving a refund needs an override reason'
            : 'no refund after serving unless a manager overrides with a reason',
      };
    case 'closed':
      return { ok: false, code: ErrorCode.NothingToRefund, message: 'the order is already cancelled or refunded' };
  }
}
