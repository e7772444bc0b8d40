/**
 * One order (`order` actor, id `o_…`): its state machine, the placement saga
 * and the refund rules. Every transition is an event.
 *
 *   (none)
 *     │ place: the saga (store.admit → catalog.quote → stock.reserve per SKU, all or nothing)
 *     ▼
 *   created ─▶ pending_payment ──paymentTimeout / cancel──▶ cancelled (stock released)
 *     │ confirmPayment, paid inside the window              │ payment arrives anyway: revived and paid if it
 *     ▼ (stock committed)                                   ▼ was inside the window and the stock is there, else refunded
 *   paid ──cancel (diner or store)──▶ cancelled ──▶ refund_requested ──refundCompleted──▶ refunded
 *     │ accept (staff): one kitchen ticket per station        ▲ requestRefund (full) per refund.ts;
 *     ▼                                                       │ rejectRefund goes back where it was
 *   accepted ─▶ sent_to_kitchen ─startStation─▶ cooking       │
 *     │ finishStation (every station), or serve               │
 *     ▼                                                       │
 *   ready ─serve─▶ served ─complete (or 30 min)─▶ completed ─review─▶ reviewed
 *
 * The placement saga runs in one engine transaction: `place` asks the store to
 * admit the order, the catalog to price the lines (prices never come from the
 * client), then every SKU actor to reserve its quantity; if any SKU is short the
 * order refuses and the engine discards every reservation made so far. Payment
 * inside the window commits the reservations; the timeout or a cancel releases
 * them. On acceptance one kitchen ticket per station goes out with a stable id.
 */
import { z } from 'zod';
import {
  defineActor,
  reject,
  type CallOutcome,
  type DecideContext,
  type Decision,
  type Rejection,
  type SideOutput,
  type TimerSpec,
} from '@lunchrush/engine';
import {
  ActorSchema,
  ActorTypes,
  AtSchema,
  CATALOG_ACTOR_ID,
  IdSchema,
  OrderIdSchema,
  STORE_ACTOR_ID,
  ServiceChannelSchema,
  parseCommand,
  type Actor,
  type ServiceChannel,
} from './domain.js';
import { dinerOrderTag } from './diner-orders.js';
import { ErrorCode, errorKind, refuse } from './errors.js';
import { newTickets, urgeTickets, voidTickets, type TicketOrder } from './kitchen.js';
import { FenSchema, sumFen, type Fen } from './money.js';
import { QuoteLineSchema, lineRefundFen, publicLines, type PricedLine, type Quote } from './pricing.js';
import { refundPolicy, refundStage, type OrderStatus } from './refund.js';
import { tryParseTableCode } from './table-code.js';
import type { StockResult } from './stock.js';
import type { Admission } from './store.js';
import {
  boardPushSubject,
  orderPushSubject,
  refundInstructionId,
  refundSubject,
  type BoardPush,
  type OrderPush,
  type RefundInstruction,
} from './outputs.js';

export type { OrderStatus } from './refund.js';

/** A diner may urge (催单) once per interval. */
export const DEFAULT_URGE_INTERVAL_MS = 5 * 60_000;
/** A served order completes by itself after this long (diners rarely press "done"). */
export const DEFAULT_AUTO_COMPLETE_MS = 30 * 60_000;
export const PAYMENT_TIMER = 'payment-timeout';
export const COMPLETE_TIMER = 'auto-complete';

const TableIdSchema = z.string().regex(/^\d{13}$/, 'expected a 13-digit table code');
const StationSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/);
const ReasonSchema = z.string().trim().min(1).max(200);
const RefundIdSchema = IdSchema;

export const DeliverySchema = z.strictObject({
  address: z.string().trim().min(1).max(200),
  contact: z.string().trim().min(1).max(40),
  phone: z.string().regex(/^[0-9+\- ]{5,20}$/),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const RefundLineSchema = z.strictObject({
  lineNo: z.number().int().min(1).max(50),
  qty: z.number().int().min(1).max(99),
});

const RequestHashSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const PlaceOrderSchema = z
  .object({
    type: z.literal('place'),
    channel: ServiceChannelSchema,
    lines: z.array(QuoteLineSchema).min(1).max(50),
    dinerId: z.string().min(1).max(64),
    tableId: TableIdSchema.optional(),
    tableLabel: z.string().max(40).optional(),
    sessionId: IdSchema.optional(),
    delivery: DeliverySchema.optional(),
    /**
     * A digest of the request that chose this order id (the gateway's Idempotency-Key body): a
     * repeat with the same digest is the same order, another digest is 422, whatever the lines.
     */
    requestHash: RequestHashSchema.optional(),
    at: AtSchema,
  })
  .superRefine((c, ctx) => {
    if (c.channel === 'delivery' && c.delivery === undefined)
      ctx.addIssue({ code: 'custom', path: ['delivery'], message: 'delivery orders need an address' });
  });

export const OrderCommandSchema = z.discriminatedUnion('type', [
  PlaceOrderSchema,
  /** From the payment callback: `paidAt` is the provider's success time, which decides the race with the timeout. */
  z.object({
    type: z.literal('confirmPayment'),
    paymentId: z.string().min(1).max(64),
    amountFen: FenSchema,
    paidAt: AtSchema,
    at: AtSchema,
  }),
  /** The durable timer set at placement; refused (and so spent) unless the order still awaits payment. */
  z.object({ type: z.literal('paymentTimeout'), at: AtSchema }),
  z.object({ type: z.literal('cancel'), by: ActorSchema, reason: ReasonSchema.optional(), at: AtSchema }),
  z.object({ type: z.literal('accept'), by: ActorSchema, at: AtSchema }),
  z.object({ type: z.literal('startStation'), station: StationSchema, at: AtSchema }),
  z.object({ type: z.literal('finishStation'), station: StationSchema, at: AtSchema }),
  z.object({ type: z.literal('serve'), by: ActorSchema, at: AtSchema }),
  z.object({ type: z.literal('complete'), at: AtSchema }),
  z.object({
    type: z.literal('review'),
    rating: z.number().int().min(1).max(5),
    comment: z.string().max(500).optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('urge'), by: ActorSchema, at: AtSchema }),
  /** Full refund without `lines`; single-item refunds name lines and quantities. */
  z.object({
    type: z.literal('requestRefund'),
    refundId: RefundIdSchema,
    lines: z.array(RefundLineSchema).min(1).max(50).optional(),
    reason: ReasonSchema,
    by: ActorSchema,
    overrideReason: ReasonSchema.optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('approveRefund'), refundId: RefundIdSchema, by: ActorSchema, at: AtSchema }),
  z.object({
    type: z.literal('rejectRefund'),
    refundId: RefundIdSchema,
    by: ActorSchema,
    reason: ReasonSchema,
    at: AtSchema,
  }),
  /** From the payment worker once the provider confirms the refund. */
  z.object({ type: z.literal('refundCompleted'), refundId: RefundIdSchema, at: AtSchema }),
  /** From the table actor when the diners move (transfer) or join another table (merge). */
  z.object({
    type: z.literal('relocate'),
    tableId: TableIdSchema,
    tableLabel: z.string().max(40).optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('get') }),
  /**
   * A repeat of a placement that already happened (the table found the order in its session):
   * the order as a duplicate when `requestHash` is the one it was placed with (or it kept none),
   * 422 `idempotency_conflict` when another request chose the same id. Changes nothing.
   */
  z.object({ type: z.literal('replay'), requestHash: RequestHashSchema.optional() }),
]);
export type OrderCommand = z.input<typeof OrderCommandSchema>;
export type PlaceOrderCommand = z.input<typeof PlaceOrderSchema>;
type Parsed = z.output<typeof OrderCommandSchema>;

export interface Payment {
  readonly paymentId: string;
  readonly amountFen: Fen;
  readonly paidAt: number;
  readonly at: number;
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
  readonly amountFen: Fen;
  readonly reason: string;
  readonly by: Actor;
  readonly overrideReason: string | null;
  readonly status: 'requested' | 'approved' | 'rejected' | 'completed';
  readonly at: number;
  readonly decidedBy: Actor | null;
  readonly decidedAt: number | null;
  readonly rejectReason: string | null;
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
      at: number;
    }
  | { type: 'PaymentRequested'; deadline: number; at: number }
  | { type: 'Paid'; paymentId: string; amountFen: Fen; paidAt: number; at: number }
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
}

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
}

export type OrderResult = OrderSummary | OrderDetail;

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

export function summaryOf(s: OrderState, duplicate = false): OrderSummary {
  const base: OrderSummary = {
    orderId: s.orderId,
    status: s.status as OrderStatus,
    totalFen: s.totalFen,
    deadline: s.deadline,
    paidFen: s.payment?.amountFen ?? 0,
    refundedFen: s.refundedFen,
  };
  return duplicate ? { ...base, duplicate } : base;
}

export function detailOf(s: OrderState, duplicate = false): OrderDetail {
  return {
    ...summaryOf(s, duplicate),
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
  };
}

type OrderDecision = Decision<OrderEvent, OrderResult, OrderCommand>;

interface Effects {
  outputs?: SideOutput[];
  timers?: TimerSpec<OrderCommand>[];
  cancelTimers?: string[];
  detail?: boolean;
}

/** Folds the events, pushes the new status to the diner's order page, answers with the new state. */
function emit(s: OrderState, events: OrderEvent[], at: number, fx: Effects = {}): OrderDecision {
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
    ...(fx.outputs ?? []),
  ];
  const d: OrderDecision = { events, result: fx.detail === true ? detailOf(next) : summaryOf(next), outputs };
  // A diner's placement is tagged on its record: the diner's order list follows the log's headers.
  const tag = events[0]?.type === 'Created' ? dinerOrderTag(events[0].dinerId, s.orderId, events[0].at) : undefined;
  return {
    ...d,
    ...(tag === undefined ? {} : { tags: [tag] }),
    ...(fx.timers === undefined ? {} : { timers: fx.timers }),
    ...(fx.cancelTimers === undefined ? {} : { cancelTimers: fx.cancelTimers }),
  };
}

const unchanged = (s: OrderState, detail = false): OrderDecision => ({
  result: detail ? detailOf(s, true) : summaryOf(s, true),
});

/** Hands a callee's refusal on unchanged (its code is already from this registry). */
function passOn(out: Extract<CallOutcome, { ok: false }>): Rejection {
  return reject(out.code, out.message, out.details, errorKind(out.code));
}

function wrongState(s: OrderState, what: string): Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  return refuse(ErrorCode.InvalidTransition, `cannot ${what} an order that is ${s.status}`, { status: s.status });
}

function isStaff(a: Actor): boolean {
  return a.role === 'staff' || a.role === 'manager' || a.role === 'system';
}

/** The status that counts for kitchen progress while a full refund request is pending. */
function kitchenStatus(s: OrderState): OrderStatus | 'none' {
  return s.status === 'refund_requested' && s.resumeStatus !== null ? s.resumeStatus : s.status;
}

const SYSTEM: Actor = { role: 'system', id: 'engine' };

function ticketOrder(s: OrderState): TicketOrder {
  return {
    store: s.store,
    orderId: s.orderId,
    channel: s.channel!,
    ...(s.tableId === null ? {} : { tableId: s.tableId }),
    ...(s.tableLabel === null ? {} : { tableLabel: s.tableLabel }),
    placedAt: s.placedAt,
  };
}

function boardPush(
  s: OrderState,
  seqAfter: number,
  event: Extract<BoardPush, { kind: 'order' }>['event'],
  at: number,
  extra: { count?: number; refundId?: string; amountFen?: number } = {},
): SideOutput {
  const data: BoardPush = { kind: 'order', event, orderId: s.orderId, tableId: s.tableId, at, ...extra };
  return { subject: boardPushSubject(s.store), id: `board:${s.orderId}:${seqAfter}`, data };
}

function sameLines(s: OrderState, c: Extract<Parsed, { type: 'place' }>): boolean {
  if (s.lines.length !== c.lines.length || s.channel !== c.channel) return false;
  return c.lines.every((l, i) => {
    const p = s.lines[i]!;
    const picks = l.options.map((o) => `${o.group}:${o.choice}`).join(',');
    return p.skuId === l.skuId && p.qty === l.qty && p.options.map((o) => `${o.group}:${o.choice}`).join(',') === picks;
  });
}

function replay(s: OrderState, c: Extract<Parsed, { type: 'replay' }>): OrderDecision | Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  const placedWith = s.requestHash ?? null;
  if (c.requestHash !== undefined && placedWith !== null && c.requestHash !== placedWith)
    return refuse(ErrorCode.IdempotencyConflict, `order ${s.orderId} was placed by another request`, {
      orderId: s.orderId,
    });
  return unchanged(s, true);
}

function heldSkus(lines: readonly PricedLine[]): HeldSku[] {
  const by = new Map<string, number>();
  for (const l of lines) by.set(l.skuId, (by.get(l.skuId) ?? 0) + l.qty);
  return [...by.entries()].map(([skuId, qty]) => ({ skuId, qty }));
}

// ---------------------------------------------------------------- the saga

function place(s: OrderState, c: Extract<Parsed, { type: 'place' }>, ctx: DecideContext): OrderDecision | Rejection {
  if (s.status !== 'none') {
    // The request digest decides when both sides have one (it covers what the lines do not: the
    // cart a table order was made from, a delivery address); the lines otherwise.
    const placedWith = s.requestHash ?? null; // snapshots from before 6 Dec have no field
    const same = c.requestHash !== undefined && placedWith !== null ? c.requestHash === placedWith : sameLines(s, c);
    if (same) return unchanged(s, true);
    return refuse(ErrorCode.IdempotencyConflict, `order ${s.orderId} was already placed with other lines`, {
      orderId: s.orderId,
    });
  }
  if (!OrderIdSchema.safeParse(s.orderId).success) {
    return refuse(ErrorCode.InvalidCommand, `order ids start with o_: ${s.orderId}`, { orderId: s.orderId });
  }
  if (c.tableId !== undefined) {
    // A table's code begins with its store: an order of store 002 at a table of 001 would be
    // cooked by one kitchen, seated at no table of its store, and billed to neither.
    const tableStore = tryParseTableCode(c.tableId)?.store;
    if (tableStore !== ctx.self.store)
      return refuse(ErrorCode.TableNotInStore, `table ${c.tableId} is not a table of store ${ctx.self.store}`, {
        tableId: c.tableId,
        store: ctx.self.store,
      });
  }

  const admitted = ctx.call<Admission>(ActorTypes.Store, STORE_ACTOR_ID, {
    type: 'admit',
    channel: c.channel,
    at: c.at,
  });
  if (!admitted.ok) return passOn(admitted);
  const quoted = ctx.call<Quote>(ActorTypes.Catalog, CATALOG_ACTOR_ID, {
    type: 'quote',
    channel: c.channel,
    lines: c.lines,
    at: c.at,
  });
  if (!quoted.ok) return passOn(quoted);
  const quote = quoted.result;

  // Reserve every SKU (lines of the same SKU add up), all or nothing: a refusal
  // below makes the engine discard the reservations that did succeed.
  const holds = heldSkus(quote.lines);
  const short: { skuId: string; requested: number; available: number }[] = [];
  for (const h of holds) {
    const r = ctx.call<StockResult>(ActorTypes.Stock, h.skuId, {
      type: 'reserve',
      channel: 'miniprogram',
      ref: s.orderId,
      qty: h.qty,
      at: c.at,
    });
    if (r.ok) continue;
    if (r.code !== ErrorCode.SoldOut) return passOn(r);
    const available = (r.details as { available?: number } | undefined)?.available ?? 0;
    short.push({ skuId: h.skuId, requested: h.qty, available });
  }
  if (short.length > 0) {
    const bySku = new Map(short.map((x) => [x.skuId, x]));
    const lines = quote.lines
      .filter((l) => bySku.has(l.skuId))
      .map((l) => ({
        lineNo: l.lineNo,
        skuId: l.skuId,
        name: l.name,
        spec: l.spec,
        qty: l.qty,
        available: bySku.get(l.skuId)!.available,
      }));
    const text = short
      .map((x) => {
        const l = lines.find((y) => y.skuId === x.skuId)!;
        const name = l.spec === '' ? l.name : `${l.name} (${l.spec})`;
        return x.available === 0 ? `${name} sold out` : `${name}: ${x.available} left, ${x.requested} wanted`;
      })
      .join('; ');
    return refuse(ErrorCode.SoldOut, text, { lines, skus: short });
  }

  const deadline = c.at + admitted.result.paymentTimeoutMs;
  const created: Extract<OrderEvent, { type: 'Created' }> = {
    type: 'Created',
    channel: c.channel,
    dinerId: c.dinerId,
    tableId: c.tableId ?? null,
    tableLabel: c.tableLabel ?? null,
    sessionId: c.sessionId ?? null,
    delivery: c.delivery ?? null,
    lines: quote.lines,
    itemsFen: quote.itemsFen,
    packagingFeeFen: quote.packagingFeeFen,
    deliveryFeeFen: quote.deliveryFeeFen,
    discountFen: quote.discountFen,
    totalFen: quote.totalFen,
    catalogRev: quote.catalogRev,
    holdRef: s.orderId,
    holds,
    at: c.at,
  };
  if (c.requestHash !== undefined) created.requestHash = c.requestHash;
  const events: OrderEvent[] = [created, { type: 'PaymentRequested', deadline, at: c.at }];
  return emit(s, events, c.at, {
    timers: [{ key: PAYMENT_TIMER, at: deadline, command: { type: 'paymentTimeout', at: deadline } }],
    detail: true,
  });
}

function stockCall(
  ctx: DecideContext,
  s: OrderState,
  skuId: string,
  command: Record<string, unknown>,
): CallOutcome<StockResult> {
  return ctx.call<StockResult>(ActorTypes.Stock, skuId, { channel: 'miniprogram', ref: s.holdRef, ...command });
}

function releaseAll(ctx: DecideContext, s: OrderState, at: number, reason: string): void {
  // Only the order moves its holds, so a release cannot find them gone; nothing to undo if it did.
  for (const h of s.holds) stockCall(ctx, s, h.skuId, { type: 'release', reason, at });
}

function tellTable(ctx: DecideContext, s: OrderState, type: 'orderPaid' | 'orderCancelled', at: number): void {
  // The table only keeps its board right; a table that moved on must never block money.
  if (s.tableId !== null) ctx.call(ActorTypes.Table, s.tableId, { type, orderId: s.orderId, at });
}

function fold(s: OrderState, events: readonly OrderEvent[]): OrderState {
  let next = s;
  for (const e of events) next = evolveOrder(next, e);
  return next;
}

/** Amount still refundable: paid minus every refund not rejected. */
function refundableFen(s: OrderState): Fen {
  const taken = sumFen(s.refunds.filter((r) => r.status !== 'rejected').map((r) => r.amountFen));
  return Math.max(0, (s.payment?.amountFen ?? 0) - taken);
}

/** Units of a line covered by refunds not rejected (other than `except`). */
function refundedQty(s: OrderState, lineNo: number, except?: string): number {
  let n = 0;
  for (const r of s.refunds) {
    if (r.status === 'rejected' || r.refundId === except) continue;
    for (const l of r.lines) if (l.lineNo === lineNo) n += l.qty;
  }
  return n;
}

function newRefund(o: {
  refundId: string;
  full: boolean;
  lines: { lineNo: number; qty: number }[];
  amountFen: Fen;
  reason: string;
  by: Actor;
  overrideReason?: string | undefined;
  at: number;
}): Refund {
  return {
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
  const outputs: SideOutput[] = [
    {
      subject: refundSubject(s.store),
      id: refundInstructionId(s.orderId, refund.refundId),
      data: {
        kind: 'refund',
        orderId: s.orderId,
        refundId: refund.refundId,
        paymentId: s.payment?.paymentId ?? null,
        amountFen: refund.amountFen,
        paidFen: s.payment?.amountFen ?? 0,
        reason: refund.reason,
        at,
      } satisfies RefundInstruction,
      jetstream: true,
    },
    boardPush(s, s.seq, 'refund', at, { refundId: refund.refundId, amountFen: refund.amountFen }),
  ];
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
function startRefund(
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

function confirmPayment(
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
  if (c.amountFen !== s.totalFen) {
    return refuse(ErrorCode.AmountMismatch, `paid ${c.amountFen} fen for an order of ${s.totalFen} fen`, {
      expected: s.totalFen,
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

function paymentTimeout(
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

function cancel(s: OrderState, c: Extract<Parsed, { type: 'cancel' }>, ctx: DecideContext): OrderDecision | Rejection {
  const reason = c.reason ?? (c.by.role === 'diner' ? 'diner_cancelled' : 'store_cancelled');
  if (s.status === 'cancelled') return unchanged(s);
  if (s.status === 'pending_payment') {
    releaseAll(ctx, s, c.at, reason);
    tellTable(ctx, s, 'orderCancelled', c.at);
    return emit(s, [{ type: 'Cancelled', by: c.by, reason, at: c.at }], c.at, { cancelTimers: [PAYMENT_TIMER] });
  }
  if (s.status === 'paid') {
    // Before acceptance the diner cancels by themselves (or the store declines): everything goes back.
    const refund = newRefund({
      refundId: `cancel-${s.seq + 1}`,
      full: true,
      lines: [],
      amountFen: refundableFen(s),
      reason,
      by: c.by,
      at: c.at,
    });
    return startRefund(s, [{ type: 'Cancelled', by: c.by, reason, at: c.at }], refund, c.by, c.at, ctx);
  }
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  return refuse(ErrorCode.InvalidTransition, `an order that is ${s.status} cannot be cancelled: request a refund`, {
    status: s.status,
  });
}

// ---------------------------------------------------------------- kitchen

function accept(s: OrderState, c: Extract<Parsed, { type: 'accept' }>, ctx: DecideContext): OrderDecision | Rejection {
  if (!isStaff(c.by)) return refuse(ErrorCode.Forbidden, 'only staff accept orders');
  if (s.acceptedAt !== null) return unchanged(s);
  if (s.status !== 'paid') return wrongState(s, 'accept');
  const stations = [...new Set(s.lines.map((l) => l.station))];
  ctx.call(ActorTypes.Store, STORE_ACTOR_ID, { type: 'ticketsOpened', orderId: s.orderId, stations, at: c.at });
  const events: OrderEvent[] = [
    { type: 'Accepted', by: c.by, at: c.at },
    { type: 'SentToKitchen', stations, at: c.at },
  ];
  return emit(s, events, c.at, { outputs: newTickets(ticketOrder(s), s.lines, c.at) });
}

const KITCHEN: ReadonlySet<string> = new Set(['sent_to_kitchen', 'cooking']);

function startStation(s: OrderState, c: Extract<Parsed, { type: 'startStation' }>): OrderDecision | Rejection {
  if (!KITCHEN.has(kitchenStatus(s))) return wrongState(s, 'start cooking');
  const p = s.stations.find((x) => x.station === c.station);
  if (p === undefined)
    return refuse(ErrorCode.UnknownStation, `order ${s.orderId} has nothing for station ${c.station}`, {
      station: c.station,
    });
  if (p.state !== 'queued') return unchanged(s);
  return emit(s, [{ type: 'StationStarted', station: c.station, at: c.at }], c.at);
}

function finishStation(
  s: OrderState,
  c: Extract<Parsed, { type: 'finishStation' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (!KITCHEN.has(kitchenStatus(s))) return wrongState(s, 'finish cooking');
  const p = s.stations.find((x) => x.station === c.station);
  if (p === undefined)
    return refuse(ErrorCode.UnknownStation, `order ${s.orderId} has nothing for station ${c.station}`, {
      station: c.station,
    });
  if (p.state === 'done' || p.state === 'void') return unchanged(s);
  ctx.call(ActorTypes.Store, STORE_ACTOR_ID, {
    type: 'ticketsClosed',
    orderId: s.orderId,
    stations: [c.station],
    at: c.at,
  });
  const events: OrderEvent[] = [{ type: 'StationDone', station: c.station, at: c.at }];
  const allDone = s.stations.every((x) => x.station === c.station || x.state === 'done' || x.state === 'void');
  if (allDone) events.push({ type: 'Ready', at: c.at });
  return emit(s, events, c.at, allDone ? { outputs: [boardPush(s, s.seq + 2, 'ready', c.at)] } : {});
}

function serve(s: OrderState, c: Extract<Parsed, { type: 'serve' }>, ctx: DecideContext): OrderDecision | Rejection {
  if (!isStaff(c.by)) return refuse(ErrorCode.Forbidden, 'only staff serve orders');
  const k = kitchenStatus(s);
  if (k === 'served' || k === 'completed' || k === 'reviewed') return unchanged(s);
  if (k !== 'ready' && !KITCHEN.has(k)) return wrongState(s, 'serve');
  // Stores without a kitchen display serve straight away: the open stations are done now.
  const events: OrderEvent[] = [];
  const open = s.stations.filter((x) => x.state === 'queued' || x.state === 'cooking').map((x) => x.station);
  if (open.length > 0)
    ctx.call(ActorTypes.Store, STORE_ACTOR_ID, { type: 'ticketsClosed', orderId: s.orderId, stations: open, at: c.at });
  for (const st of open) events.push({ type: 'StationDone', station: st, at: c.at });
  if (k !== 'ready') events.push({ type: 'Ready', at: c.at });
  events.push({ type: 'Served', by: c.by, at: c.at });
  return emit(s, events, c.at, {
    timers: [
      {
        key: COMPLETE_TIMER,
        at: c.at + DEFAULT_AUTO_COMPLETE_MS,
        command: { type: 'complete', at: c.at + DEFAULT_AUTO_COMPLETE_MS },
      },
    ],
  });
}

function complete(s: OrderState, c: Extract<Parsed, { type: 'complete' }>): OrderDecision | Rejection {
  if (s.status === 'completed' || s.status === 'reviewed') return unchanged(s);
  if (s.status !== 'served') return wrongState(s, 'complete');
  return emit(s, [{ type: 'Completed', at: c.at }], c.at, { cancelTimers: [COMPLETE_TIMER] });
}

function review(s: OrderState, c: Extract<Parsed, { type: 'review' }>): OrderDecision | Rejection {
  if (s.status === 'reviewed') return unchanged(s);
  if (s.status !== 'completed') return wrongState(s, 'review');
  return emit(s, [{ type: 'Reviewed', rating: c.rating, comment: c.comment ?? null, at: c.at }], c.at);
}

function urge(s: OrderState, c: Extract<Parsed, { type: 'urge' }>): OrderDecision | Rejection {
  const k = kitchenStatus(s);
  if (k !== 'paid' && !KITCHEN.has(k)) return wrongState(s, 'urge');
  if (s.lastUrgeAt !== null && c.at - s.lastUrgeAt < DEFAULT_URGE_INTERVAL_MS) {
    const retryAt = s.lastUrgeAt + DEFAULT_URGE_INTERVAL_MS;
    return refuse(ErrorCode.UrgeTooSoon, `urged at ${s.lastUrgeAt}; again from ${retryAt}`, { retryAt });
  }
  const n = s.urges + 1;
  const open = new Set(s.stations.filter((x) => x.state === 'queued' || x.state === 'cooking').map((x) => x.station));
  const outputs = [
    ...urgeTickets(ticketOrder(s), s.lines, open, n, c.at),
    boardPush(s, s.seq + 1, 'urge', c.at, { count: n }),
  ];
  return emit(s, [{ type: 'Urged', by: c.by, count: n, at: c.at }], c.at, { outputs });
}

// ---------------------------------------------------------------- refunds

function requestRefund(
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

  const remaining = refundableFen(s);
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
      amountFen = Math.min(
        remaining,
        sumFen(
          lines.map((l) =>
            lineRefundFen(
              s.lines.find((x) => x.lineNo === l.lineNo)!,
              l.qty,
            ),
          ),
        ),
      );
    }
  }
  const refund = newRefund({
    refundId: c.refundId,
    full,
    lines,
    amountFen,
    reason: c.reason,
    by: c.by,
    overrideReason: c.overrideReason,
    at: c.at,
  });
  return startRefund(s, [], refund, policy.approval === 'auto' ? c.by : null, c.at, ctx);
}

function approveRefund(
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

function rejectRefund(s: OrderState, c: Extract<Parsed, { type: 'rejectRefund' }>): OrderDecision | Rejection {
  if (!isStaff(c.by)) return refuse(ErrorCode.Forbidden, 'only staff reject refunds');
  const r = s.refunds.find((x) => x.refundId === c.refundId);
  if (r === undefined)
    return refuse(ErrorCode.UnknownRefund, `order ${s.orderId} has no refund ${c.refundId}`, { refundId: c.refundId });
  if (r.status === 'rejected') return unchanged(s);
  if (r.status !== 'requested')
    return refuse(ErrorCode.InvalidTransition, `refund ${c.refundId} is already ${r.status}`, { refundId: c.refundId });
  return emit(s, [{ type: 'RefundRejected', refundId: r.refundId, by: c.by, reason: c.reason, at: c.at }], c.at);
}

function refundCompleted(s: OrderState, c: Extract<Parsed, { type: 'refundCompleted' }>): OrderDecision | Rejection {
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

function relocate(s: OrderState, c: Extract<Parsed, { type: 'relocate' }>): OrderDecision | Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  const label = c.tableLabel ?? null;
  if (s.tableId === c.tableId && s.tableLabel === label) return unchanged(s);
  return emit(s, [{ type: 'TableChanged', tableId: c.tableId, tableLabel: label, at: c.at }], c.at);
}

// ---------------------------------------------------------------- decide / evolve

export function decideOrder(s: OrderState, command: OrderCommand, ctx: DecideContext): OrderDecision | Rejection {
  const p = parseCommand(OrderCommandSchema, command);
  return p.ok ? decideParsedOrder(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `orderActor.parse`, calls are trusted. */
function decideParsedOrder(s: OrderState, c: Parsed, ctx: DecideContext): OrderDecision | Rejection {
  switch (c.type) {
    case 'get':
      return s.status === 'none' ? refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`) : { result: detailOf(s) };
    case 'replay':
      return replay(s, c);
    case 'place':
      return place(s, c, ctx);
    case 'confirmPayment':
      return confirmPayment(s, c, ctx);
    case 'paymentTimeout':
      return paymentTimeout(s, c, ctx);
    case 'cancel':
      return cancel(s, c, ctx);
    case 'accept':
      return accept(s, c, ctx);
    case 'startStation':
      return startStation(s, c);
    case 'finishStation':
      return finishStation(s, c, ctx);
    case 'serve':
      return serve(s, c, ctx);
    case 'complete':
      return complete(s, c);
    case 'review':
      return review(s, c);
    case 'urge':
      return urge(s, c);
    case 'requestRefund':
      return requestRefund(s, c, ctx);
    case 'approveRefund':
      return approveRefund(s, c, ctx);
    case 'rejectRefund':
      return rejectRefund(s, c);
    case 'refundCompleted':
      return refundCompleted(s, c);
    case 'relocate':
      return relocate(s, c);
  }
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
      return {
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
      };
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
    case 'TableChanged':
      return { ...s, tableId: e.tableId, tableLabel: e.tableLabel };
  }
}

/** One `order` actor per order, id `o_…`, in its store's partition. */
export const orderActor = defineActor<OrderState, OrderCommand, OrderEvent, OrderResult>({
  name: ActorTypes.Order,
  initial: (ref) => initialOrder(ref.store, ref.id),
  parse: (command) => parseCommand(OrderCommandSchema, command),
  decide: decideParsedOrder,
  evolve: evolveOrder,
});
