/**
 * What groups tell the world: instructions for the payment worker and the order
 * hand-off on `groupbuy.<store>` (JetStream, de-duplicated by id), and the live
 * member count on `push.<store>.group.<groupId>` (core NATS: a page that misses
 * one reads the group again).
 */
import type { OutputStream } from '@lunchrush/engine';

/** The stream of group instructions (`groupbuy.>`), relative to the engine namespace. */
export const GROUPBUY_OUTPUT: OutputStream = { name: 'GROUPBUY', subjects: ['groupbuy.>'] };

export const groupBuySubject = (store: string): string => `groupbuy.${store}`;
export const groupPushSubject = (store: string, groupId: string): string => `push.${store}.group.${groupId}`;
export const groupRefundId = (groupId: string, paymentId: string): string => `group-refund:${groupId}:${paymentId}`;
export const groupCompletedId = (groupId: string): string => `group-completed:${groupId}`;

/** Refund one payment in full, once (`group-refund:<groupId>:<paymentId>`); the worker answers `refundCompleted`. */
export interface GroupRefundInstruction {
  readonly kind: 'group-refund';
  readonly store: string;
  readonly groupId: string;
  readonly memberId: string;
  readonly paymentId: string;
  readonly amountFen: number;
  /** The trade the payment was made under, when the group knows it. */
  readonly outTradeNo?: string;
  /** `expired`, `dissolved`, `left`, `group_closed`, `already_paid`, `after_deadline`, `seat_expired`, `no_seat`. */
  readonly reason: string;
  readonly at: number;
}

/** The group completed (`group-completed:<groupId>`): each member's purchase goes on to the kitchen. */
export interface GroupCompleted {
  readonly kind: 'group-completed';
  readonly store: string;
  readonly groupId: string;
  readonly campaignId: string;
  readonly skuId: string;
  readonly qty: number;
  readonly priceFen: number;
  /** Each member's payment, and the stock reference its seat's units were sold under (`g.<groupId>.<n>`). */
  readonly members: readonly {
    readonly memberId: string;
    readonly paymentId: string;
    readonly amountFen: number;
    readonly stockRef: string;
    /** The trade the member paid under, when the group knows it. */
    readonly outTradeNo?: string;
  }[];
  /** Places the store filled at the deadline (an auto-filled campaign); 0 when N members paid. */
  readonly filled: number;
  readonly at: number;
}

export type GroupInstruction = GroupRefundInstruction | GroupCompleted;

/** `push.<store>.group.<groupId>`: the group's status and live member count. */
export interface GroupPush {
  readonly kind: 'group';
  readonly groupId: string;
  readonly status: string;
  readonly members: number;
  readonly paid: number;
  readonly size: number;
  readonly seq: number;
  readonly at: number;
}
