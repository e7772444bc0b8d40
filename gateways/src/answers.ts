/**
 * What each route answers, as zod schemas: the OpenAPI document's response schemas
 * (`components.schemas`, by the `id` each is registered under here), so a client
 * generated from `/openapi.json` knows every field. They are documentation: nothing
 * validates an answer at run time (the hot path pays nothing); a test parses real
 * answers of every main route with them, and the `Same` checks below fail the type
 * check when an actor's answer type and its schema part.
 *
 * Diners never see costs: no diner answer lists `costFen` (staff answers may).
 * Request schemas live in `schemas.ts`.
 */
import {
  ActorSchema,
  CatalogDocSchema,
  ORDER_STATUSES,
  FeesSchema,
  ServiceChannelSchema,
  SkuSchema,
  SpuSchema,
  type OrderDetail,
  type OrderSummary,
  type Quote,
  type StockResult,
  type StockView,
  type StoreView,
  type TableView,
} from '@lunchrush/actors';
import { z } from 'zod';
import type { PrepayResult, SimPayResult } from '@lunchrush/payments';

/** Every answer schema with its component name (and description): what `openapi.ts` turns into `components.schemas`. */
export const answerRegistry = z.registry<{ id?: string; description?: string; format?: string }>();

function named<T extends z.ZodType>(id: string, description: string, schema: T): T {
  answerRegistry.add(schema, { id, description });
  return schema;
}

const MEDIA = new WeakMap<z.ZodType, Readonly<Record<string, z.ZodType>>>();

/** An answer sent as something other than JSON (or as one of several types), each with its schema. */
export function media(types: Readonly<Record<string, z.ZodType>>): z.ZodType {
  const s = z.unknown();
  MEDIA.set(s, types);
  return s;
}

/** The media types of an answer and the schema of each (JSON unless made with `media`). */
export function answerMedia(schema: z.ZodType): Readonly<Record<string, z.ZodType>> {
  return MEDIA.get(schema) ?? { 'application/json': schema };
}

const int = (): z.ZodNumber => z.number().int();
/** Integer fen (1 yuan = 100 fen). */
const fen = (): z.ZodNumber => z.number().int();
/** Milliseconds since the epoch. */
const ms = (): z.ZodNumber => z.number().int();

// ---------------------------------------------------------------- errors

export const ErrorBody = named(
  'Error',
  'Every 4xx/5xx answer: a stable `code` (see x-error-codes), a message for people, and details where the code has some (e.g. `issues` of validation_failed, `skus` of sold_out).',
  z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
);

// ---------------------------------------------------------------- orders

export const OrderStatusAnswer = named('OrderStatus', 'Where an order is in its life', z.enum(ORDER_STATUSES));

const orderSummaryShape = {
  orderId: z.string(),
  status: OrderStatusAnswer,
  totalFen: fen(),
  /** When an unpaid order is cancelled (ms). */
  deadline: ms(),
  paidFen: fen(),
  refundedFen: fen(),
  duplicate: z.boolean().optional(),
};

export const OrderSummaryAnswer = named(
  'OrderSummary',
  'What an order command answers: the order after it (`duplicate: true` when the command had been applied before and nothing changed)',
  z.object(orderSummaryShape),
);

export const PricedOptionAnswer = named(
  'PricedOption',
  'An option picked on a line, with its price',
  z.object({ group: z.string(), choice: z.string(), name: z.string(), priceDeltaFen: z.number().int() }),
);

const pricedLineShape = {
  /** 1-based position in the order. */
  lineNo: int(),
  skuId: z.string(),
  spuId: z.string(),
  name: z.string(),
  spec: z.string(),
  /** The dish's menu category (what category-scoped coupons and promotions match). */
  category: z.string().optional(),
  qty: int(),
  basePriceFen: fen(),
  options: z.array(PricedOptionAnswer),
  unitPriceFen: fen(),
  amountFen: fen(),
  packagingFeeFen: fen(),
  station: z.string(),
  prepTimeSec: int(),
  note: z.string().optional(),
};

export const PricedLineAnswer = named(
  'PricedLine',
  'A line priced from the catalog (never from the request)',
  z.object(pricedLineShape),
);

export const RefundAnswer = named(
  'Refund',
  'A refund of an order: full, or per line',
  z.object({
    refundId: z.string(),
    full: z.boolean(),
    lines: z.array(z.object({ lineNo: int(), qty: int() })),
    amountFen: fen(),
    reason: z.string(),
    by: ActorSchema,
    overrideReason: z.string().nullable(),
    status: z.enum(['requested', 'approved', 'rejected', 'completed']),
    at: ms(),
    decidedBy: ActorSchema.nullable(),
    decidedAt: ms().nullable(),
    rejectReason: z.string().nullable(),
  }),
);

const orderDetailShape = {
  ...orderSummaryShape,
  channel: ServiceChannelSchema,
  /** Who placed it (null for an order no diner placed). */
  dinerId: z.string().nullable(),
  tableId: z.string().nullable(),
  /** The table as staff named it (`B01`); null off a table. */
  tableLabel: z.string().nullable(),
  lines: z.array(PricedLineAnswer),
  itemsFen: fen(),
  packagingFeeFen: fen(),
  deliveryFeeFen: fen(),
  discountFen: fen(),
  stations: z.array(z.object({ station: z.string(), state: z.enum(['queued', 'cooking', 'done', 'void']) })),
  refunds: z.array(RefundAnswer),
  urges: int(),
  /** The order's version (its event count): a push (`v` of an `order:<id>` delta) at or below it is already in. */
  version: int(),
  /** What the order's diner may do now, by the order actor's own rules: the buttons the mini-program shows. */
  dinerActions: z.array(z.enum(['pay', 'cancel', 'urge', 'refund', 'review'])),
  /** A routed delivery order's store: its rank among the stores that could serve (1 = best) and its scores. */
  routing: z
    .object({
      routingId: z.string(),
      rank: int(),
      of: int(),
      score: z.number(),
      distanceM: int(),
      kitchenMin: z.number(),
      rideMin: int(),
      etaMin: z.number(),
      feeFen: fen(),
    })
    .optional(),
  /** Minutes the kitchen quoted for the order when it was placed (its slowest station's). */
  quotedWaitMin: int().optional(),
};

export const OrderDetailAnswer = named(
  'OrderDetail',
  'An order: status, priced lines, totals, kitchen stations, refunds, what its diner may do now',
  z.object(orderDetailShape),
);

export const PlacedOrderAnswer = named('PlacedOrder', 'The order just placed', z.object({ order: OrderDetailAnswer }));

export const OrderListAnswer = named(
  'OrderList',
  "The diner's recent orders, newest first",
  z.object({ orders: z.array(OrderDetailAnswer) }),
);

export const StaffOrderDetailAnswer = named(
  'StaffOrderDetail',
  'An order as staff see it, with the delivery contact decrypted (null when the order has none)',
  z.object({
    ...orderDetailShape,
    delivery: z.object({ address: z.string(), contact: z.string(), phone: z.string() }).nullable(),
  }),
);

export const QuoteAnswer = named(
  'Quote',
  'Server-computed prices and totals of the lines',
  z.object({
    catalogRev: int(),
    channel: ServiceChannelSchema,
    lines: z.array(PricedLineAnswer),
    itemsFen: fen(),
    packagingFeeFen: fen(),
    deliveryFeeFen: fen(),
    discountFen: fen(),
    discounts: z.array(z.object({ id: z.string(), label: z.string(), amountFen: fen() })),
    totalFen: fen(),
  }),
);

export const PrepayAnswer = named(
  'Prepay',
  'What the mini-program passes to wx.requestPayment; with the simulator, where to pay instead',
  z.object({
    orderId: z.string(),
    amountFen: fen(),
    deadline: ms(),
    provider: z.string(),
    prepayId: z.string(),
    requestPayment: z.object({
      timeStamp: z.string(),
      nonceStr: z.string(),
      package: z.string(),
      signType: z.literal('RSA'),
      paySign: z.string(),
    }),
    simulator: z.object({ payUrl: z.string(), body: z.object({ prepayId: z.string() }) }).optional(),
  }),
);

// ---------------------------------------------------------------- diner: login, tables, menu

export const LoginAnswer = named(
  'Login',
  'A diner session: send sessionToken as a bearer token',
  z.object({ sessionToken: z.string(), dinerId: z.string(), expiresInS: int() }),
);

const tableRefShape = { store: z.string(), area: z.string(), table: z.string(), tableId: z.string() };
export const TableRefAnswer = named('TableRef', 'The table a QR token names', z.object(tableRefShape));
export const QrTableAnswer = named(
  'QrTable',
  'The table a printed QR code names, with the token to scan it with',
  z.object({ ...tableRefShape, tableToken: z.string() }),
);

export const CartLineAnswer = named(
  'CartLine',
  "A line of the table's shared cart (its price is for display: the order prices it again)",
  z.object({
    lineId: z.string(),
    dinerId: z.string(),
    skuId: z.string(),
    qty: int(),
    options: z.array(z.object({ group: z.string(), choice: z.string() })),
    note: z.string().nullable(),
    name: z.string(),
    spec: z.string(),
    unitPriceFen: fen(),
    addedAt: ms(),
  }),
);

export const TableViewAnswer = named(
  'Table',
  'A table: status, party, shared cart and the orders of its session',
  z.object({
    tableId: z.string(),
    label: z.string(),
    status: z.enum(['free', 'seated', 'ordering', 'awaiting_payment', 'cleaning', 'merged']),
    sessionId: z.string().nullable(),
    partySize: int(),
    diners: z.array(z.string()),
    cart: z.array(CartLineAnswer),
    cartTotalFen: fen(),
    orders: z.array(z.object({ orderId: z.string(), state: z.enum(['unpaid', 'paid', 'cancelled']), totalFen: fen() })),
    mergedInto: z.string().nullable(),
    version: int(),
    duplicate: z.boolean().optional(),
  }),
);

const StoreStatusAnswer = z.enum(['open', 'busy', 'closed']);

export const ScanAnswer = named(
  'Scan',
  'The table the diner now sits at, its store, where its menu is, and the session token that names the table (send it from now on)',
  z.object({
    store: z.object({ storeId: z.string(), name: z.string(), status: StoreStatusAnswer }),
    table: TableViewAnswer,
    menuUrl: z.string(),
    sessionToken: z.string(),
    expiresInS: int(),
  }),
);

export const CartLineAddedAnswer = named(
  'CartLineAdded',
  'The id of the added line and the table after it',
  z.object({ lineId: z.string(), table: TableViewAnswer }),
);

export const MenuSkuAnswer = named(
  'MenuSku',
  'A size or spec of a dish, with its price',
  SkuSchema.omit({ costFen: true }),
);
export const MenuSpuAnswer = named(
  'MenuSpu',
  'A dish with its SKUs, options, allergens, station and availability',
  SpuSchema.safeExtend({ skus: z.array(MenuSkuAnswer) }),
);
export const MenuAnswer = named(
  'Menu',
  "A store's menu as diners see it (no cost prices)",
  z.object({
    store: z.string(),
    rev: int(),
    currency: z.literal('CNY'),
    categories: z.array(z.string()),
    fees: FeesSchema.nullable(),
    spus: z.array(MenuSpuAnswer),
  }),
);

const StockLevelAnswer = z.enum(['ok', 'low', 'out']);

export const StockLevelsAnswer = named(
  'StockLevels',
  'Level and remaining count of every SKU on the menu',
  z.object({
    store: z.string(),
    at: ms(),
    skus: z.array(z.object({ skuId: z.string(), level: StockLevelAnswer, available: int() })),
  }),
);

// ---------------------------------------------------------------- staff

export const StoreViewAnswer = named(
  'Store',
  'A store: status (opening hours and kitchen load), open kitchen tickets per station, its tables (13-digit table codes, sorted)',
  z.object({
    store: z.string(),
    name: z.string(),
    status: StoreStatusAnswer,
    withinHours: z.boolean(),
    pending: z.record(z.string(), int()),
    pendingTotal: int(),
    paymentTimeoutMs: int(),
    /** Opening hours (empty: all day); days are ISO weekdays 1–7, absent for every day. */
    hours: z.array(z.object({ days: z.array(int()).optional(), from: z.string(), to: z.string() })),
    busyThresholdTickets: int(),
    tables: z.array(z.string()),
  }),
);

export const BoardAnswer = named(
  'Board',
  'The table board: the store and every table',
  z.object({ store: StoreViewAnswer, tables: z.array(TableViewAnswer), at: ms() }),
);

const stockViewShape = {
  skuId: z.string(),
  available: int(),
  reserved: int(),
  sold: int(),
  level: StockLevelAnswer,
  eightySixed: z.boolean(),
};
export const StockViewAnswer = named('Stock', "A SKU's stock", z.object(stockViewShape));
export const StockResultAnswer = named(
  'StockChange',
  "A SKU's stock after a change (`qty`: units it moved)",
  z.object({
    ...stockViewShape,
    qty: int().optional(),
    duplicate: z.boolean().optional(),
    status: z.enum(['reserved', 'committed', 'released', 'sold']).optional(),
  }),
);

export const CatalogDocAnswer = named(
  'CatalogDoc',
  "A store's effective menu in the catalog import/export format, with cost prices",
  CatalogDocSchema,
);
export const CatalogExportAnswer = media({ 'application/json': CatalogDocAnswer, 'text/csv': z.string() });
export const CatalogImportedAnswer = named(
  'CatalogImported',
  "The catalog's new revision and how many dishes the import had",
  z.object({ rev: int(), spus: int() }),
);

export const Binary = z.string();
answerRegistry.add(Binary, { format: 'binary' });
export const QrSheetAnswer = media({ 'application/pdf': Binary, 'image/png': Binary });

// ---------------------------------------------------------------- channels, payments, system

const soldSkus = z.array(z.object({ skuId: z.string(), qty: int(), available: int() }));
export const PosSaleAnswer = named(
  'PosSale',
  'What a POS sale deducted, per SKU with what remains (`duplicate`: the sale had been recorded before; nothing changed)',
  z.object({ saleId: z.string(), duplicate: z.boolean(), skus: soldSkus }),
);
export const DeliverySaleAnswer = named(
  'DeliverySale',
  'What a delivery-platform order deducted, per SKU with what remains (`duplicate`: recorded before; nothing changed)',
  z.object({
    platform: z.enum(['meituan', 'eleme', 'douyin']),
    platformOrderId: z.string(),
    duplicate: z.boolean(),
    skus: soldSkus,
  }),
);

export const SimPayAnswer = named(
  'SimulatedPayment',
  "The simulator's payment and the gateway's answer to the callback it sent (null when none was sent)",
  z.object({
    orderId: z.string(),
    transactionId: z.string(),
    notified: z.boolean(),
    callbackStatus: int().nullable(),
    callbackBody: z.string().nullable(),
  }),
);

export const HealthAnswer = named(
  'Health',
  'The process serves HTTP; `uws` names the uWebSockets.js build it loaded',
  z.object({ ok: z.literal(true), pid: int(), uws: z.string() }),
);
export const ReadyAnswer = named('Ready', 'Redis and NATS answer', z.object({ ok: z.literal(true) }));
export const MetricsAnswer = media({ 'text/plain': z.string() });
export const OpenApiAnswer = named('OpenApiDocument', 'An OpenAPI 3.0 document', z.record(z.string(), z.unknown()));

// ---------------------------------------------------------------- compile-time agreement with the actors' types

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
/** `true` when what the code answers (`Code`) and what is documented (`Doc`) are assignable both ways. */
export type Same<Doc extends z.ZodType, Code> = [DeepReadonly<Code>] extends [DeepReadonly<z.output<Doc>>]
  ? [DeepReadonly<z.output<Doc>>] extends [DeepReadonly<Code>]
    ? true
    : false
  : false;
/** A type check that fails to compile unless `T` is `true` (see `Same`). */
export type Expect<T extends true> = T;

// A failure here ("'false' does not satisfy the constraint 'true'") means an answer type changed
// without its schema (or the other way round): the OpenAPI document would lie.
export type _Agreement = [
  Expect<Same<typeof OrderSummaryAnswer, OrderSummary>>,
  Expect<Same<typeof OrderDetailAnswer, OrderDetail>>,
  Expect<Same<typeof QuoteAnswer, Quote>>,
  Expect<Same<typeof TableViewAnswer, TableView>>,
  Expect<Same<typeof StoreViewAnswer, StoreView>>,
  Expect<Same<typeof StockViewAnswer, StockView>>,
  Expect<Same<typeof StockResultAnswer, StockResult>>,
  Expect<Same<typeof PrepayAnswer.shape.requestPayment, PrepayResult['requestPayment']>>,
  Expect<Same<typeof SimPayAnswer, SimPayResult>>,
];
