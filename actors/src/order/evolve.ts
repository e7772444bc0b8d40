/**
 * The order's state and how each event changes it (`evolveOrder`): the one
 * place a status moves.
 */
import type { Actor, ServiceChannel } from '../domain.js';
import type { Fen } from '../money.js';
import type { PricedLine } from '../pricing.js';
import type { OrderStatus } from '../refund.js';
import type { RoutingNote } from '../routing/note.js';
import type { Delivery } from './commands.js';
import type { HeldSku, MemberPayment, OrderDiscount, OrderEvent, Payment, Refund, StationProgress } from './events.js';

export interface OrderState {
  readonly store: string;
  readonly orderId: string;
  readonly status: OrderStatus | 'none';
  readonly seq: number;
  readonly channel: ServiceChannel | null;
  readonly dinerId: string | null;
  readonly tableId: string | null;
  readonly tableLabel: string | null;
  readonly sessionId: string | null;
  readonly delivery: Delivery | null;
  /** The digest of the request that placed it (`place.requestHash`); null when none was given. */
  readonly requestHash: string | null;
  readonly lines: readonly PricedLine[];
  readonly itemsFen: Fen;
  readonly packagingFeeFen: Fen;
  readonly deliveryFeeFen: Fen;
  readonly discountFen: Fen;
  readonly totalFen: Fen;
  readonly catalogRev: number;
  /** The stock key's ref: the order id, or `<orderId>.r` after a revival. */
  readonly holdRef: string;
  readonly holds: readonly HeldSku[];
  /** Where this order's units are: held for payment, sold, released back, or returned after a refund. */
  readonly stock: 'none' | 'held' | 'sold' | 'released' | 'returned';
  readonly placedAt: number;
  readonly deadline: number;
  readonly payment: Payment | null;
  readonly acceptedAt: number | null;
  readonly stations: readonly StationProgress[];
  readonly readyAt: number | null;
  readonly servedAt: number | null;
  readonly completedAt: number | null;
  readonly review: { readonly rating: number; readonly comment: string | null } | null;
  readonly cancel: { readonly by: Actor; readonly reason: string; readonly at: number } | null;
  readonly refunds: readonly Refund[];
  readonly refundedFen: Fen;
  /** Where a full refund request returns to if staff reject it. */
  readonly resumeStatus: OrderStatus | null;
  readonly urges: number;
  readonly lastUrgeAt: number | null;
  /** Discount lines with their reasons; absent when nothing was taken off. */
  readonly discounts?: readonly OrderDiscount[];
  readonly lineNetFen?: readonly Fen[];
  /** The member's coupons, points and stored value paying part of it; absent without a member. */
  readonly member?: MemberPayment;
  /** Where routing ranked this store and its scores; absent on an order placed at a named store. */
  readonly routing?: RoutingNote;
  /** Minutes the kitchen quoted when it was placed; absent on orders from before the kitchen load. */
  readonly quotedWaitMin?: number;
}

export function initialOrder(store: string, orderId: string): OrderState {
  return {
    store,
    orderId,
    status: 'none',
    seq: 0,
    channel: null,
    dinerId: null,
    tableId: null,
    tableLabel: null,
    sessionId: null,
    delivery: null,
    requestHash: null,
    lines: [],
    itemsFen: 0,
    packagingFeeFen: 0,
    deliveryFeeFen: 0,
    discountFen: 0,
    totalFen: 0,
    catalogRev: 0,
    holdRef: orderId,
    holds: [],
    stock: 'none',
    placedAt: 0,
    deadline: 0,
    payment: null,
    acceptedAt: null,
    stations: [],
    readyAt: null,
    servedAt: null,
    completedAt: null,
    review: null,
    cancel: null,
    refunds: [],
    refundedFen: 0,
    resumeStatus: null,
    urges: 0,
    lastUrgeAt: null,
  };
}

export function fold(s: OrderState, events: readonly OrderEvent[]): OrderState {
  let next = s;
  for (const e of events) next = evolveOrder(next, e);
  return next;
}

/** Kitchen progress while a full refund request is pending moves the status it will return to. */
function advance(s: OrderState, status: OrderStatus): OrderState {
  return s.status === 'refund_requested' ? { ...s, resumeStatus: status } : { ...s, status };
}

function setStation(s: OrderState, station: string, state: StationProgress['state']): readonly StationProgress[] {
  return s.stations.map((p) => (p.station === station ? { station, state } : p));
}

function updateRefund(s: OrderState, refundId: string, f: (r: Refund) => Refund): readonly Refund[] {
  return s.refunds.map((r) => (r.refundId === refundId ? f(r) : r));
}

export function evolveOrder(s0: OrderState, e: OrderEvent): OrderState {
  const s = { ...s0, seq: s0.seq + 1 };
  switch (e.type) {
    case 'Created':
      return withPlacement(e, {
        ...s,
        status: 'created',
        channel: e.channel,
        dinerId: e.dinerId,
        tableId: e.tableId,
        tableLabel: e.tableLabel,
        sessionId: e.sessionId,
        delivery: e.delivery,
        requestHash: e.requestHash ?? null,
        lines: e.lines,
        itemsFen: e.itemsFen,
        packagingFeeFen: e.packagingFeeFen,
        deliveryFeeFen: e.deliveryFeeFen,
        discountFen: e.discountFen,
        totalFen: e.totalFen,
        catalogRev: e.catalogRev,
        holdRef: e.holdRef,
        holds: e.holds,
        stock: 'held',
        placedAt: e.at,
      });
    case 'PaymentRequested':
      return { ...s, status: 'pending_payment', deadline: e.deadline };
    case 'Paid':
      return {
        ...s,
        status: 'paid',
        stock: 'sold',
        payment: { paymentId: e.paymentId, amountFen: e.amountFen, paidAt: e.paidAt, at: e.at },
      };
    case 'PaymentReceived':
      return { ...s, payment: { paymentId: e.paymentId, amountFen: e.amountFen, paidAt: e.paidAt, at: e.at } };
    case 'Revived':
      return { ...s, status: 'pending_payment', holdRef: e.holdRef, stock: 'held', cancel: null };
    case 'Accepted':
      return { ...s, status: 'accepted', acceptedAt: e.at };
    case 'SentToKitchen':
      return {
        ...s,
        status: 'sent_to_kitchen',
        stations: e.stations.map((station) => ({ station, state: 'queued' as const })),
      };
    case 'StationStarted':
      return { ...advance(s, 'cooking'), stations: setStation(s, e.station, 'cooking') };
    case 'StationDone':
      return { ...s, stations: setStation(s, e.station, 'done') };
    case 'StationsVoided':
      return {
        ...s,
        stations: s.stations.map((p) =>
          e.stations.includes(p.station) ? { station: p.station, state: 'void' as const } : p,
        ),
      };
    case 'Ready':
      return { ...advance(s, 'ready'), readyAt: e.at };
    case 'Served':
      return { ...advance(s, 'served'), servedAt: e.at };
    case 'Completed':
      return { ...s, status: 'completed', completedAt: e.at };
    case 'Reviewed':
      return { ...s, status: 'reviewed', review: { rating: e.rating, comment: e.comment } };
    case 'Cancelled':
      return {
        ...s,
        status: 'cancelled',
        cancel: { by: e.by, reason: e.reason, at: e.at },
        stock: s.stock === 'held' ? 'released' : s.stock,
      };
    case 'Urged':
      return { ...s, urges: e.count, lastUrgeAt: e.at };
    case 'RefundRequested':
    case 'RefundApproved':
    case 'RefundRejected':
    case 'RefundCompleted':
      return evolveRefund(s, e);
    case 'TableChanged':
      return { ...s, tableId: e.tableId, tableLabel: e.tableLabel };
  }
}

/**
 * The optional parts of a placement, set on the new state rather than spread in as
 * `...(x === undefined ? {} : { x })`: on Node 20 a literal ending in such a spread took ~200× the
 * time of the same literal followed by an `if` and an assignment (one process, interleaved).
 */
function withPlacement(e: Extract<OrderEvent, { type: 'Created' }>, s: Mutable<OrderState>): OrderState {
  if (e.discounts !== undefined) {
    s.discounts = e.discounts;
    s.lineNetFen = e.lineNetFen ?? [];
  }
  if (e.member !== undefined) s.member = e.member;
  if (e.routing !== undefined) s.routing = e.routing;
  if (e.quotedWaitMin !== undefined) s.quotedWaitMin = e.quotedWaitMin;
  return s;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type RefundEvent = Extract<
  OrderEvent,
  { type: 'RefundRequested' | 'RefundApproved' | 'RefundRejected' | 'RefundCompleted' }
>;

/** The refund events, given the state with its `seq` already counted. */
function evolveRefund(s: OrderState, e: RefundEvent): OrderState {
  switch (e.type) {
    case 'RefundRequested':
      return e.refund.full
        ? {
            ...s,
            refunds: [...s.refunds, e.refund],
            status: 'refund_requested',
            resumeStatus: s.status === 'refund_requested' ? s.resumeStatus : (s.status as OrderStatus),
          }
        : { ...s, refunds: [...s.refunds, e.refund] };
    case 'RefundApproved': {
      const r = s.refunds.find((x) => x.refundId === e.refundId);
      const returned = r?.full === true && s.acceptedAt === null && s.stock === 'sold';
      return {
        ...s,
        refunds: updateRefund(s, e.refundId, (x) => ({ ...x, status: 'approved', decidedBy: e.by, decidedAt: e.at })),
        stock: returned ? 'returned' : s.stock,
      };
    }
    case 'RefundRejected': {
      const r = s.refunds.find((x) => x.refundId === e.refundId);
      const refunds = updateRefund(s, e.refundId, (x) => ({
        ...x,
        status: 'rejected',
        decidedBy: e.by,
        decidedAt: e.at,
        rejectReason: e.reason,
      }));
      if (r?.full === true && s.status === 'refund_requested')
        return { ...s, refunds, status: s.resumeStatus ?? 'paid', resumeStatus: null };
      return { ...s, refunds };
    }
    case 'RefundCompleted': {
      const r = s.refunds.find((x) => x.refundId === e.refundId);
      const refundedFen = s.refundedFen + (r?.amountFen ?? 0);
      const refunds = updateRefund(s, e.refundId, (x) => ({ ...x, status: 'completed' }));
      if (r?.full === true) return { ...s, refunds, refundedFen, status: 'refunded', resumeStatus: null };
      return { ...s, refunds, refundedFen };
    }
  }
}
