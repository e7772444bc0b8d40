/**
 * What an order answers: the small summary most commands return (the engine
 * keeps it for idempotent repeats) and the detail `place` and `get` return.
 */
import type { Mutable, ServiceChannel } from '../domain.js';
import type { Fen } from '../money.js';
import { publicLines, type PricedLine } from '../pricing.js';
import type { OrderStatus } from '../refund.js';
import type { RoutingNote } from '../routing/note.js';
import type { MemberPayment, OrderDiscount, Refund, StationProgress } from './events.js';
import type { OrderState } from './evolve.js';
import { dinerActionsOf, type DinerOrderAction } from './rules.js';

/** What most commands answer: small, because the engine keeps it for idempotent repeats. */
export interface OrderSummary {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly totalFen: Fen;
  readonly deadline: number;
  readonly paidFen: Fen;
  readonly refundedFen: Fen;
  readonly duplicate?: boolean;
}

/** What `place` and `get` answer. */
export interface OrderDetail extends OrderSummary {
  readonly channel: ServiceChannel;
  /** Who placed it: the gateway lets its diner (and the diners of its table) see and act on it. */
  readonly dinerId: string | null;
  readonly tableId: string | null;
  /** The table as staff named it (`B01`), for the diner's screen; null off a table. */
  readonly tableLabel: string | null;
  /** Without `costFen`: answers reach diners, and the chain's costs are its own. */
  readonly lines: readonly PricedLine[];
  readonly itemsFen: Fen;
  readonly packagingFeeFen: Fen;
  readonly deliveryFeeFen: Fen;
  readonly discountFen: Fen;
  readonly stations: readonly StationProgress[];
  readonly refunds: readonly Refund[];
  readonly urges: number;
  /**
   * The order's version: how many events it has, as its pushes carry it (`OrderPush.seq`, the
   * `Nats-Msg-Id` `order:<id>:<seq>`). A push at or below it is already in this detail.
   */
  readonly version: number;
  /** What the order's diner may do now (the order actor's own checks, `rules.ts`): the buttons a diner sees. */
  readonly dinerActions: readonly DinerOrderAction[];
  /** Every discount with its reason (promotions, coupons, points); absent when nothing was taken off. */
  readonly discounts?: readonly OrderDiscount[];
  /** The member's coupons, points and stored value in it; WeChat Pay collects `totalFen − member.balanceFen`. */
  readonly member?: MemberPayment;
  /** Where routing ranked this order's store and its scores; absent on an order placed at a named store. */
  readonly routing?: RoutingNote;
  /** Minutes the kitchen quoted for it when it was placed (its slowest station's). */
  readonly quotedWaitMin?: number;
}

export type OrderResult = OrderSummary | OrderDetail;

export function summaryOf(s: OrderState, duplicate = false): OrderSummary {
  // Literals written out, never `{ ...summary, more }` or `...(x ? {} : { x })`: on Node 20 the spread
  // form of `detailOf` took 5–60× the time of this one (one process, interleaved, 10k calls), and its
  // results often did not even share a map, which slows every reader of them (the codec, JSON).
  const base: Mutable<OrderSummary> = {
    orderId: s.orderId,
    status: s.status as OrderStatus,
    totalFen: s.totalFen,
    deadline: s.deadline,
    paidFen: s.payment?.amountFen ?? 0,
    refundedFen: s.refundedFen,
  };
  if (duplicate) base.duplicate = true;
  return base;
}

export function detailOf(s: OrderState, duplicate = false): OrderDetail {
  const d: Mutable<OrderDetail> = {
    orderId: s.orderId,
    status: s.status as OrderStatus,
    totalFen: s.totalFen,
    deadline: s.deadline,
    paidFen: s.payment?.amountFen ?? 0,
    refundedFen: s.refundedFen,
    channel: s.channel!,
    dinerId: s.dinerId,
    tableId: s.tableId,
    tableLabel: s.tableLabel,
    lines: publicLines(s.lines),
    itemsFen: s.itemsFen,
    packagingFeeFen: s.packagingFeeFen,
    deliveryFeeFen: s.deliveryFeeFen,
    discountFen: s.discountFen,
    stations: s.stations,
    refunds: s.refunds,
    urges: s.urges,
    version: s.seq,
    dinerActions: dinerActionsOf(s),
  };
  if (duplicate) d.duplicate = true;
  if (s.discounts !== undefined) d.discounts = s.discounts;
  if (s.member !== undefined) d.member = s.member;
  if (s.routing !== undefined) d.routing = s.routing;
  if (s.quotedWaitMin !== undefined) d.quotedWaitMin = s.quotedWaitMin;
  return d;
}
