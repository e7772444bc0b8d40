/**
 * What happened to an order (`OrderEvent`), and the records its events carry:
 * a payment, a kitchen station's progress, a refund, a held SKU.
 */
import type { Actor, ServiceChannel } from '../domain.js';
import type { Fen } from '../money.js';
import type { PricedLine } from '../pricing.js';
import type { RoutingNote } from '../routing/note.js';
import type { Delivery } from './commands.js';

export interface Payment {
  readonly paymentId: string;
  readonly amountFen: Fen;
  readonly paidAt: number;
  readonly at: number;
  /**
   * WeChat Pay's out_trade_no of the payment when it is not the order id: a group-buy seat (`gp_…`)
   * or a bargain (`bp_…`) paid before its order existed. Refunds go back against it.
   */
  readonly outTradeNo?: string;
}

export interface StationProgress {
  readonly station: string;
  readonly state: 'queued' | 'cooking' | 'done' | 'void';
}

export interface Refund {
  readonly refundId: string;
  readonly full: boolean;
  /** Per line for single-item refunds; empty for a full refund. */
  readonly lines: readonly { readonly lineNo: number; readonly qty: number }[];
  /** What WeChat Pay gives back (all of it on an order without a member's stored value or points). */
  readonly amountFen: Fen;
  /** A member's stored value given back to the card (absent: none). */
  readonly balanceFen?: Fen;
  /** The worth of the member's points given back to the card (absent: none). */
  readonly pointsFen?: Fen;
  readonly reason: string;
  readonly by: Actor;
  readonly overrideReason: string | null;
  readonly status: 'requested' | 'approved' | 'rejected' | 'completed';
  readonly at: number;
  readonly decidedBy: Actor | null;
  readonly decidedAt: number | null;
  readonly rejectReason: string | null;
}

/** What a member paid an order with besides WeChat Pay: coupons, points and stored value. */
export interface MemberPayment {
  readonly memberId: string;
  readonly couponIds: readonly string[];
  readonly points: number;
  /** The points' worth, one of the order's discounts. */
  readonly pointsFen: Fen;
  /** Stored value paid: part of the total, not a discount. */
  readonly balanceFen: Fen;
}

/** A discount as the order keeps and shows it: what, why and how much. */
export interface OrderDiscount {
  readonly id: string;
  readonly kind: 'promotion' | 'coupon' | 'points';
  readonly label: string;
  readonly reason: string;
  readonly amountFen: Fen;
}

export interface HeldSku {
  readonly skuId: string;
  readonly qty: number;
}

export type OrderEvent =
  | {
      type: 'Created';
      channel: ServiceChannel;
      dinerId: string;
      tableId: string | null;
      tableLabel: string | null;
      sessionId: string | null;
      delivery: Delivery | null;
      /** Absent on orders placed without one (and before 6 Dec). */
      requestHash?: string;
      lines: readonly PricedLine[];
      itemsFen: Fen;
      packagingFeeFen: Fen;
      deliveryFeeFen: Fen;
      discountFen: Fen;
      totalFen: Fen;
      catalogRev: number;
      holdRef: string;
      holds: readonly HeldSku[];
      /** Present when promotions, coupons or points took something off. */
      discounts?: readonly OrderDiscount[];
      /** Per line, its amount less its promotions and coupons (what refunding it is worth); with `discounts`. */
      lineNetFen?: readonly Fen[];
      /** Present when a member's coupons, points or stored value pay part of it. */
      member?: MemberPayment;
      /** Present when the order was routed to this store (`place.routing`). */
      routing?: RoutingNote;
      /** Minutes the kitchen quoted for it when it was placed (absent before 6 Dec's kitchen load). */
      quotedWaitMin?: number;
      at: number;
    }
  | { type: 'PaymentRequested'; deadline: number; at: number }
  | {
      type: 'Paid';
      paymentId: string;
      amountFen: Fen;
      paidAt: number;
      /** Only when the trade is not the order id (a campaign's seat or bargain, `placeCampaign`). */
      outTradeNo?: string;
      at: number;
    }
  /** Money arrived for an order that will not be made (late, or after a cancel): a refund follows. */
  | { type: 'PaymentReceived'; paymentId: string; amountFen: Fen; paidAt: number; at: number }
  /** A timed-out order whose payment was inside the window, sold again from stock under a new hold. */
  | { type: 'Revived'; holdRef: string; at: number }
  | { type: 'Accepted'; by: Actor; at: number }
  | { type: 'SentToKitchen'; stations: readonly string[]; at: number }
  | { type: 'StationStarted'; station: string; at: number }
  | { type: 'StationDone'; station: string; at: number }
  | { type: 'StationsVoided'; stations: readonly string[]; at: number }
  | { type: 'Ready'; at: number }
  | { type: 'Served'; by: Actor; at: number }
  | { type: 'Completed'; at: number }
  | { type: 'Reviewed'; rating: number; comment: string | null; at: number }
  | { type: 'Cancelled'; by: Actor; reason: string; at: number }
  | { type: 'Urged'; by: Actor; count: number; at: number }
  | { type: 'RefundRequested'; refund: Refund; at: number }
  | { type: 'RefundApproved'; refundId: string; by: Actor; at: number }
  | { type: 'RefundRejected'; refundId: string; by: Actor; reason: string; at: number }
  | { type: 'RefundCompleted'; refundId: string; at: number }
  | { type: 'TableChanged'; tableId: string; tableLabel: string | null; at: number };
