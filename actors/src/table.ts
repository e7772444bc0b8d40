/**
 * One dining table (`table` actor, id = its 13-digit table code): the session
 * of the party sitting there, their shared cart, the orders they placed, and
 * merging and moving tables.
 *
 *   free ─open─▶ seated ─addLine─▶ ordering ─submit─▶ awaiting_payment ─(order paid/cancelled)─▶ seated / ordering
 *     ▲                                                                                            │ close
 *     └──────────────cleaned─────────── cleaning ◀─────────────────────────────────────────────────┘
 *   merge: this table's party joins another table's session; this table shows `merged` and
 *          forwards every diner command to it until the session closes (then both need cleaning).
 *   transfer: the whole session moves to a free table; this one goes to cleaning.
 *
 * The shared cart: every diner's phone sends its own commands; the actor's
 * mailbox takes them one at a time, so concurrent adds never overwrite each
 * other, and each line's client-chosen `lineId` makes a retried add harmless.
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
} from '@lunchrush/engine';
import {
  ActorSchema,
  ActorTypes,
  AtSchema,
  CATALOG_ACTOR_ID,
  IdSchema,
  OrderIdSchema,
  parseCommand,
  type Actor,
} from './domain.js';
import { ErrorCode, errorKind, refuse } from './errors.js';
import type { Fen } from './money.js';
import type { OrderDetail } from './order.js';
import { OptionPickSchema, QuoteLineSchema, type OptionPick, type Quote } from './pricing.js';
import { boardPushSubject, tablePushSubject, type BoardPush } from './outputs.js';
import { tryParseTableCode } from './table-code.js';

export const MAX_CART_LINES = 100;
const LineIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1–64 of A–Z a–z 0–9 _ . : -');
const DinerIdSchema = z.string().min(1).max(64);
const TableIdSchema = z.string().regex(/^\d{13}$/, 'expected a 13-digit table code');

export interface CartLine {
  readonly lineId: string;
  readonly dinerId: string;
  readonly skuId: string;
  readonly qty: number;
  readonly options: readonly OptionPick[];
  readonly note: string | null;
  /** For display only; the order prices the lines again from the catalog. */
  readonly name: string;
  readonly spec: string;
  readonly unitPriceFen: Fen;
  readonly addedAt: number;
}

export interface SessionOrder {
  readonly orderId: string;
  readonly state: 'unpaid' | 'paid' | 'cancelled';
  readonly totalFen: Fen;
}

export interface TableSession {
  readonly sessionId: string;
  readonly partySize: number;
  readonly openedAt: number;
  readonly diners: readonly string[];
  readonly cart: readonly CartLine[];
  readonly orders: readonly SessionOrder[];
  /** Tables whose parties merged into this session. */
  readonly mergedFrom: readonly string[];
}

export const TableConfigSchema = z.object({
  label: z.string().trim().min(1).max(40),
  areaName: z.string().trim().min(1).max(40),
  seats: z.number().int().min(1).max(50),
});
export type TableConfig = z.output<typeof TableConfigSchema>;

const CartLineSchema = z.object({
  lineId: LineIdSchema,
  dinerId: DinerIdSchema,
  skuId: IdSchema,
  qty: z.number().int().min(1).max(99),
  options: z.array(OptionPickSchema).max(30),
  note: z.string().max(100).nullable(),
  name: z.string().max(60),
  spec: z.string().max(30),
  unitPriceFen: z.number().int(),
  addedAt: AtSchema,
});
const SessionSchema = z.object({
  sessionId: z.string().min(1).max(64),
  partySize: z.number().int().min(0).max(500),
  openedAt: AtSchema,
  diners: z.array(DinerIdSchema).max(500),
  cart: z.array(CartLineSchema).max(MAX_CART_LINES * 10),
  orders: z
    .array(
      z.object({ orderId: OrderIdSchema, state: z.enum(['unpaid', 'paid', 'cancelled']), totalFen: z.number().int() }),
    )
    .max(1000),
  mergedFrom: z.array(TableIdSchema).max(50),
});

export const TableCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('configure'), config: TableConfigSchema, at: AtSchema }),
  /** A diner scanned the QR code: opens the session, or joins the one already open. */
  z.object({
    type: z.literal('open'),
    sessionId: IdSchema,
    partySize: z.number().int().min(1).max(50),
    dinerId: DinerIdSchema,
    at: AtSchema,
  }),
  z.object({
    type: z.literal('addLine'),
    lineId: LineIdSchema,
    dinerId: DinerIdSchema,
    skuId: IdSchema,
    qty: z.number().int().min(1).max(99),
    options: z.array(OptionPickSchema).max(30).default([]),
    note: z.string().max(100).optional(),
    at: AtSchema,
  }),
  /** `qty: 0` removes the line. */
  z.object({ type: z.literal('updateLine'), lineId: LineIdSchema, qty: z.number().int().min(0).max(99), at: AtSchema }),
  z.object({ type: z.literal('removeLine'), lineId: LineIdSchema, at: AtSchema }),
  /**
   * Turns the whole cart into one order (id chosen by the gateway), or, with `lines`, orders
   * those lines at this table and leaves the cart as it is: either way the order carries the
   * table's label and session and appears on the table's board.
   */
  z.object({
    type: z.literal('submit'),
    orderId: OrderIdSchema,
    dinerId: DinerIdSchema,
    lines: z.array(QuoteLineSchema).min(1).max(50).optional(),
    /** The digest of the request that chose `orderId` (see the order's `place`): repeats are told apart by it. */
    requestHash: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('orderPaid'), orderId: OrderIdSchema, at: AtSchema }),
  z.object({ type: z.literal('orderCancelled'), orderId: OrderIdSchema, at: AtSchema }),
  /** The party leaves. Refused while an order is unpaid unless staff force it. */
  z.object({ type: z.literal('close'), by: ActorSchema, force: z.boolean().default(false), at: AtSchema }),
  z.object({ type: z.literal('cleaned'), at: AtSchema }),
  z.object({ type: z.literal('merge'), intoTableId: TableIdSchema, at: AtSchema }),
  z.object({ type: z.literal('transfer'), toTableId: TableIdSchema, at: AtSchema }),
  /** Internal (merge): another table's session joins this one. */
  z.object({ type: z.literal('absorb'), fromTableId: TableIdSchema, session: SessionSchema, at: AtSchema }),
  /** Internal (transfer): a session arrives from another table. */
  z.object({ type: z.literal('receive'), fromTableId: TableIdSchema, session: SessionSchema, at: AtSchema }),
  /** Internal (close of a merged session): this table's party left with the others. */
  z.object({ type: z.literal('release'), at: AtSchema }),
  z.object({ type: z.literal('get') }),
]);
export type TableCommand = z.input<typeof TableCommandSchema>;
type Parsed = z.output<typeof TableCommandSchema>;

export type TableStatus = 'free' | 'seated' | 'ordering' | 'awaiting_payment' | 'cleaning' | 'merged';

export type TableEvent =
  | { type: 'Configured'; config: TableConfig; at: number }
  | { type: 'Seated'; sessionId: string; partySize: number; dinerId: string; at: number }
  | { type: 'DinerJoined'; dinerId: string; at: number }
  | { type: 'CartLineAdded'; line: CartLine; at: number }
  | { type: 'CartLineUpdated'; lineId: string; qty: number; at: number }
  | { type: 'CartLineRemoved'; lineId: string; at: number }
  | { type: 'CartSubmitted'; orderId: string; lineIds: readonly string[]; totalFen: Fen; dinerId: string; at: number }
  | { type: 'OrderPaidNoted'; orderId: string; at: number }
  | { type: 'OrderCancelledNoted'; orderId: string; at: number }
  | { type: 'SessionClosed'; by: Actor; droppedLines: number; at: number }
  | { type: 'Cleaned'; at: number }
  | { type: 'MergedInto'; tableId: string; at: number }
  | { type: 'Absorbed'; fromTableId: string; session: TableSession; at: number }
  | { type: 'TransferredOut'; tableId: string; at: number }
  | { type: 'SessionReceived'; fromTableId: string; session: TableSession; at: number }
  | { type: 'Released'; at: number };

export interface TableState {
  readonly store: string;
  readonly tableId: string;
  readonly config: TableConfig | null;
  readonly status: TableStatus;
  readonly session: TableSession | null;
  readonly mergedInto: string | null;
  readonly cleaning: boolean;
  readonly seq: number;
}

export interface TableView {
  readonly tableId: string;
  readonly label: string;
  readonly status: TableStatus;
  readonly sessionId: string | null;
  readonly partySize: number;
  readonly diners: readonly string[];
  readonly cart: readonly CartLine[];
  readonly cartTotalFen: Fen;
  readonly orders: readonly SessionOrder[];
  readonly mergedInto: string | null;
  readonly version: number;
  readonly duplicate?: boolean;
}

/** `push.<store>.table.<tableId>`: the table's view after each change, for every phone at the table. */
export type TablePush = TableView & { readonly kind: 'table'; readonly at: number };

export type TableResult = TableView | (TableView & { readonly order: OrderDetail });

export function initialTable(store: string, tableId: string): TableState {
  return { store, tableId, config: null, status: 'free', session: null, mergedInto: null, cleaning: false, seq: 0 };
}

export function statusOf(s: Omit<TableState, 'status'>): TableStatus {
  if (s.mergedInto !== null) return 'merged';
  if (s.cleaning) return 'cleaning';
  if (s.session === null) return 'free';
  if (s.session.orders.some((o) => o.state === 'unpaid')) return 'awaiting_payment';
  return s.session.cart.length > 0 ? 'ordering' : 'seated';
}

export function viewOf(s: TableState, duplicate = false): TableView {
  const cart = s.session?.cart ?? [];
  const v: TableView = {
    tableId: s.tableId,
    label: s.config?.label ?? '',
    status: s.status,
    sessionId: s.session?.sessionId ?? null,
    partySize: s.session?.partySize ?? 0,
    diners: s.session?.diners ?? [],
    cart,
    cartTotalFen: cart.reduce((a, l) => a + l.unitPriceFen * l.qty, 0),
    orders: s.session?.orders ?? [],
    mergedInto: s.mergedInto,
    version: s.seq,
  };
  return duplicate ? { ...v, duplicate } : v;
}

type TableDecision = Decision<TableEvent, TableResult, TableCommand>;

function emit(
  s: TableState,
  events: TableEvent[],
  extra: { order?: OrderDetail; outputs?: SideOutput[] } = {},
): TableDecision {
  let next = s;
  for (const e of events) next = evolveTable(next, e);
  const view = viewOf(next);
  const at = events[events.length - 1]?.at ?? 0;
  const outputs: SideOutput[] = [
    {
      subject: tablePushSubject(s.store, s.tableId),
      id: `table:${s.tableId}:${next.seq}`,
      data: { kind: 'table', ...view, at } satisfies TablePush,
    },
    ...(extra.outputs ?? []),
  ];
  if (next.status !== s.status) {
    outputs.push({
      subject: boardPushSubject(s.store),
      id: `board:${s.tableId}:${next.seq}`,
      data: {
        kind: 'table',
        tableId: s.tableId,
        label: view.label,
        status: next.status,
        partySize: view.partySize,
        at,
      } satisfies BoardPush,
    });
  }
  return { events, result: extra.order === undefined ? view : { ...view, order: extra.order }, outputs };
}

const same = (s: TableState): TableDecision => ({ result: viewOf(s, true) });

function passOn(out: Extract<CallOutcome, { ok: false }>, details?: unknown): Rejection {
  return reject(out.code, out.message, details ?? out.details, errorKind(out.code));
}

/** Diner commands on a merged table go to the table it merged into. */
const FORWARDED: ReadonlySet<string> = new Set(['open', 'addLine', 'updateLine', 'removeLine', 'submit']);

export function decideTable(s: TableState, command: TableCommand, ctx: DecideContext): TableDecision | Rejection {
  const p = parseCommand(TableCommandSchema, command);
  return p.ok ? decideParsedTable(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `tableActor.parse`, calls are trusted. */
function decideParsedTable(s: TableState, c: Parsed, ctx: DecideContext): TableDecision | Rejection {
  const code = tryParseTableCode(s.tableId);
  if (code === undefined || code.store !== s.store) {
    return refuse(ErrorCode.InvalidTableCode, `${s.tableId} is not a valid table code of store ${s.store}`, {
      tableId: s.tableId,
    });
  }
  if (c.type === 'get') return { result: viewOf(s) };
  if (c.type === 'configure') {
    if (s.config !== null && JSON.stringify(s.config) === JSON.stringify(c.config)) return same(s);
    return emit(s, [{ type: 'Configured', config: c.config, at: c.at }]);
  }
  if (s.config === null)
    return refuse(ErrorCode.TableNotConfigured, `table ${s.tableId} is not set up`, { tableId: s.tableId });
  if (s.mergedInto !== null && FORWARDED.has(c.type)) {
    // Parsed here already: the table it merged into trusts the call.
    const out = ctx.call<TableResult>(ActorTypes.Table, s.mergedInto, c);
    return out.ok ? { result: out.result } : passOn(out);
  }
  switch (c.type) {
    case 'open':
      return open(s, c);
    case 'addLine':
      return addLine(s, c, ctx);
    case 'updateLine':
    case 'removeLine': {
      const session = s.session;
      if (session === null) return noSession(s);
      const line = session.cart.find((l) => l.lineId === c.lineId);
      if (line === undefined)
        return refuse(ErrorCode.UnknownLine, `no line ${c.lineId} in the cart`, { lineId: c.lineId });
      if (c.type === 'removeLine' || c.qty === 0)
        return emit(s, [{ type: 'CartLineRemoved', lineId: c.lineId, at: c.at }]);
      if (line.qty === c.qty) return same(s);
      return emit(s, [{ type: 'CartLineUpdated', lineId: c.lineId, qty: c.qty, at: c.at }]);
    }
    case 'submit':
      return submit(s, c, ctx);
    case 'orderPaid':
    case 'orderCancelled': {
      const o = s.session?.orders.find((x) => x.orderId === c.orderId);
      if (o === undefined || o.state !== 'unpaid') return same(s);
      return emit(s, [
        c.type === 'orderPaid'
          ? { type: 'OrderPaidNoted', orderId: c.orderId, at: c.at }
          : { type: 'OrderCancelledNoted', orderId: c.orderId, at: c.at },
      ]);
    }
    case 'close':
      return close(s, c, ctx);
    case 'cleaned':
      if (s.status === 'free') return same(s);
      if (s.status !== 'cleaning')
        return refuse(ErrorCode.InvalidTransition, `table ${s.tableId} is ${s.status}, not cleaning`, {
          status: s.status,
        });
      return emit(s, [{ type: 'Cleaned', at: c.at }]);
    case 'merge':
      return merge(s, c, ctx);
    case 'transfer':
      return transfer(s, c, ctx);
    case 'absorb':
      if (s.session === null || s.cleaning || s.mergedInto !== null) {
        return refuse(ErrorCode.NoSession, `table ${s.tableId} has no party to merge into`, { tableId: s.tableId });
      }
      if (s.session.mergedFrom.includes(c.fromTableId)) return same(s);
      return emit(s, [{ type: 'Absorbed', fromTableId: c.fromTableId, session: c.session, at: c.at }]);
    case 'receive':
      if (s.status !== 'free')
        return refuse(ErrorCode.TableOccupied, `table ${s.tableId} is ${s.status}`, { status: s.status });
      return emit(s, [{ type: 'SessionReceived', fromTableId: c.fromTableId, session: c.session, at: c.at }]);
    case 'release':
      if (s.mergedInto === null) return same(s);
      return emit(s, [{ type: 'Released', at: c.at }]);
  }
}

function noSession(s: TableState): Rejection {
  if (s.cleaning) return refuse(ErrorCode.TableNotReady, `table ${s.tableId} is being cleaned`, { tableId: s.tableId });
  return refuse(ErrorCode.NoSession, `nobody is seated at table ${s.tableId}: scan to open it`, { tableId: s.tableId });
}

function open(s: TableState, c: Extract<Parsed, { type: 'open' }>): TableDecision | Rejection {
  if (s.cleaning) return refuse(ErrorCode.TableNotReady, `table ${s.tableId} is being cleaned`, { tableId: s.tableId });
  if (s.session === null)
    return emit(s, [{ type: 'Seated', sessionId: c.sessionId, partySize: c.partySize, dinerId: c.dinerId, at: c.at }]);
  if (s.session.diners.includes(c.dinerId)) return same(s);
  return emit(s, [{ type: 'DinerJoined', dinerId: c.dinerId, at: c.at }]);
}

function addLine(
  s: TableState,
  c: Extract<Parsed, { type: 'addLine' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  const session = s.session;
  if (session === null) return noSession(s);
  const existing = session.cart.find((l) => l.lineId === c.lineId);
  if (existing !== undefined) {
    const same_ =
      existing.skuId === c.skuId &&
      existing.qty === c.qty &&
      JSON.stringify(existing.options) === JSON.stringify(c.options);
    return same_
      ? same(s)
      : refuse(ErrorCode.IdempotencyConflict, `line ${c.lineId} is already in the cart with other contents`, {
          lineId: c.lineId,
        });
  }
  if (session.cart.length >= MAX_CART_LINES)
    return refuse(ErrorCode.InvalidCommand, `a cart holds at most ${MAX_CART_LINES} lines`);
  // Validates the SKU and options now, so a diner learns at once; prices shown are indicative.
  const quoted = ctx.call<Quote>(ActorTypes.Catalog, CATALOG_ACTOR_ID, {
    type: 'quote',
    channel: 'dine_in',
    lines: [{ skuId: c.skuId, qty: c.qty, options: c.options }],
    at: c.at,
  });
  if (!quoted.ok) return passOn(quoted);
  const priced = quoted.result.lines[0]!;
  const line: CartLine = {
    lineId: c.lineId,
    dinerId: c.dinerId,
    skuId: c.skuId,
    qty: c.qty,
    options: c.options,
    note: c.note ?? null,
    name: priced.name,
    spec: priced.spec,
    unitPriceFen: priced.unitPriceFen,
    addedAt: c.at,
  };
  return emit(s, [{ type: 'CartLineAdded', line, at: c.at }]);
}

/**
 * A repeat of a submit whose order exists answers that order (`duplicate`), or 422 when another
 * request chose the same id: the order actor judges (`replay`), so this holds for as long as the
 * order does, not only while the engine remembers the command id.
 */
function replayOrder(ctx: DecideContext, c: Extract<Parsed, { type: 'submit' }>): CallOutcome<OrderDetail> {
  return ctx.call<OrderDetail>(ActorTypes.Order, c.orderId, {
    type: 'replay',
    ...(c.requestHash === undefined ? {} : { requestHash: c.requestHash }),
  });
}

function submit(s: TableState, c: Extract<Parsed, { type: 'submit' }>, ctx: DecideContext): TableDecision | Rejection {
  const session = s.session;
  if (session === null) {
    // The party may have left since the first attempt: a repeat still gets its order.
    const again = replayOrder(ctx, c);
    if (again.ok) return { result: { ...viewOf(s, true), order: again.result } };
    return again.code === ErrorCode.OrderNotFound ? noSession(s) : passOn(again);
  }
  if (session.orders.some((o) => o.orderId === c.orderId)) {
    const again = replayOrder(ctx, c);
    return again.ok ? { result: { ...viewOf(s, true), order: again.result } } : passOn(again);
  }
  const cart = c.lines === undefined ? session.cart : [];
  if (c.lines === undefined && cart.length === 0)
    return refuse(ErrorCode.EmptyCart, `the cart of table ${s.tableId} is empty`);
  const placed = ctx.call<OrderDetail>(ActorTypes.Order, c.orderId, {
    type: 'place',
    channel: 'dine_in',
    lines:
      c.lines ??
      cart.map((l) => ({
        skuId: l.skuId,
        qty: l.qty,
        options: l.options,
        ...(l.note === null ? {} : { note: l.note }),
      })),
    dinerId: c.dinerId,
    tableId: s.tableId,
    tableLabel: s.config!.label,
    sessionId: session.sessionId,
    ...(c.requestHash === undefined ? {} : { requestHash: c.requestHash }),
    at: c.at,
  });
  if (!placed.ok) {
    // Name the cart lines (not just order line numbers) that could not be had.
    const d = placed.details as { lines?: { lineNo: number }[] } | undefined;
    const details =
      d?.lines === undefined || c.lines !== undefined
        ? placed.details
        : { ...d, lines: d.lines.map((l) => ({ ...l, lineId: cart[l.lineNo - 1]?.lineId ?? null })) };
    return passOn(placed, details);
  }
  const order = placed.result;
  // Placed at an earlier session of this table (a repeat after the party left and others sat down):
  // the order is answered, not added to this session.
  if (order.duplicate === true) return { result: { ...viewOf(s, true), order } };
  return emit(
    s,
    [
      {
        type: 'CartSubmitted',
        orderId: c.orderId,
        lineIds: cart.map((l) => l.lineId),
        totalFen: order.totalFen,
        dinerId: c.dinerId,
        at: c.at,
      },
    ],
    {
      order,
    },
  );
}

function close(s: TableState, c: Extract<Parsed, { type: 'close' }>, ctx: DecideContext): TableDecision | Rejection {
  if (s.mergedInto !== null)
    return refuse(ErrorCode.TableMerged, `table ${s.tableId} is merged into ${s.mergedInto}: close that one`, {
      mergedInto: s.mergedInto,
    });
  const session = s.session;
  if (session === null) return s.cleaning ? same(s) : noSession(s);
  const unpaid = session.orders.filter((o) => o.state === 'unpaid').map((o) => o.orderId);
  const staff = c.by.role === 'staff' || c.by.role === 'manager';
  if (unpaid.length > 0 && !(c.force && staff)) {
    return refuse(ErrorCode.UnpaidOrders, `table ${s.tableId} has unpaid orders: ${unpaid.join(', ')}`, {
      orders: unpaid,
    });
  }
  for (const t of session.mergedFrom) ctx.call(ActorTypes.Table, t, { type: 'release', at: c.at });
  return emit(s, [{ type: 'SessionClosed', by: c.by, droppedLines: session.cart.length, at: c.at }]);
}

function relocateOrders(ctx: DecideContext, session: TableSession, tableId: string, label: string, at: number): void {
  for (const o of session.orders)
    ctx.call(ActorTypes.Order, o.orderId, { type: 'relocate', tableId, tableLabel: label, at });
}

function merge(s: TableState, c: Extract<Parsed, { type: 'merge' }>, ctx: DecideContext): TableDecision | Rejection {
  if (c.intoTableId === s.tableId) return refuse(ErrorCode.InvalidCommand, 'a table cannot merge into itself');
  if (s.mergedInto !== null)
    return s.mergedInto === c.intoTableId
      ? same(s)
      : refuse(ErrorCode.TableMerged, `table ${s.tableId} is already merged into ${s.mergedInto}`);
  if (s.cleaning) return refuse(ErrorCode.TableNotReady, `table ${s.tableId} is being cleaned`);
  if ((s.session?.mergedFrom.length ?? 0) > 0)
    return refuse(ErrorCode.TableMerged, `other tables are merged into ${s.tableId}: merge the other way`);
  const session: TableSession = s.session ?? {
    sessionId: `merge-${s.tableId}`,
    partySize: 0,
    openedAt: c.at,
    diners: [],
    cart: [],
    orders: [],
    mergedFrom: [],
  };
  const out = ctx.call<TableView>(ActorTypes.Table, c.intoTableId, {
    type: 'absorb',
    fromTableId: s.tableId,
    session,
    at: c.at,
  });
  if (!out.ok) return passOn(out);
  relocateOrders(ctx, session, c.intoTableId, out.result.label, c.at);
  return emit(s, [{ type: 'MergedInto', tableId: c.intoTableId, at: c.at }]);
}

function transfer(
  s: TableState,
  c: Extract<Parsed, { type: 'transfer' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  if (c.toTableId === s.tableId) return refuse(ErrorCode.InvalidCommand, 'a table cannot transfer to itself');
  if (s.mergedInto !== null) return refuse(ErrorCode.TableMerged, `table ${s.tableId} is merged into ${s.mergedInto}`);
  const session = s.session;
  if (session === null) return noSession(s);
  if (session.mergedFrom.length > 0)
    return refuse(ErrorCode.TableMerged, `tables are merged into ${s.tableId}: move them one by one`);
  const out = ctx.call<TableView>(ActorTypes.Table, c.toTableId, {
    type: 'receive',
    fromTableId: s.tableId,
    session,
    at: c.at,
  });
  if (!out.ok) return passOn(out);
  relocateOrders(ctx, session, c.toTableId, out.result.label, c.at);
  return emit(s, [{ type: 'TransferredOut', tableId: c.toTableId, at: c.at }]);
}

function withSession(s: TableState, f: (x: TableSession) => TableSession): TableSession | null {
  return s.session === null ? null : f(s.session);
}

function addDiner(diners: readonly string[], d: string): readonly string[] {
  return diners.includes(d) ? diners : [...diners, d];
}

function orderState(s: TableState, orderId: string, state: SessionOrder['state']): TableSession | null {
  return withSession(s, (x) => ({ ...x, orders: x.orders.map((o) => (o.orderId === orderId ? { ...o, state } : o)) }));
}

export function evolveTable(s0: TableState, e: TableEvent): TableState {
  const s = { ...s0, seq: s0.seq + 1 };
  const next = ((): Omit<TableState, 'status'> => {
    switch (e.type) {
      case 'Configured':
        return { ...s, config: e.config };
      case 'Seated':
        return {
          ...s,
          session: {
            sessionId: e.sessionId,
            partySize: e.partySize,
            openedAt: e.at,
            diners: [e.dinerId],
            cart: [],
            orders: [],
            mergedFrom: [],
          },
        };
      case 'DinerJoined':
        return { ...s, session: withSession(s, (x) => ({ ...x, diners: addDiner(x.diners, e.dinerId) })) };
      case 'CartLineAdded':
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            diners: addDiner(x.diners, e.line.dinerId),
            cart: [...x.cart, e.line],
          })),
        };
      case 'CartLineUpdated':
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            cart: x.cart.map((l) => (l.lineId === e.lineId ? { ...l, qty: e.qty } : l)),
          })),
        };
      case 'CartLineRemoved':
        return { ...s, session: withSession(s, (x) => ({ ...x, cart: x.cart.filter((l) => l.lineId !== e.lineId) })) };
      case 'CartSubmitted':
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            cart: x.cart.filter((l) => !e.lineIds.includes(l.lineId)),
            orders: [...x.orders, { orderId: e.orderId, state: 'unpaid', totalFen: e.totalFen }],
          })),
        };
      case 'OrderPaidNoted':
        return { ...s, session: orderState(s, e.orderId, 'paid') };
      case 'OrderCancelledNoted':
        return { ...s, session: orderState(s, e.orderId, 'cancelled') };
      case 'SessionClosed':
        return { ...s, session: null, cleaning: true };
      case 'Cleaned':
        return { ...s, cleaning: false };
      case 'MergedInto':
        return { ...s, session: null, mergedInto: e.tableId };
      case 'Absorbed': {
        const from = e.session;
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            partySize: x.partySize + from.partySize,
            diners: from.diners.reduce(addDiner, x.diners),
            cart: [...x.cart, ...from.cart.filter((l) => !x.cart.some((m) => m.lineId === l.lineId))],
            orders: [...x.orders, ...from.orders],
            mergedFrom: [...x.mergedFrom, e.fromTableId],
          })),
        };
      }
      case 'TransferredOut':
        return { ...s, session: null, cleaning: true };
      case 'SessionReceived':
        return { ...s, session: e.session, cleaning: false };
      case 'Released':
        return { ...s, mergedInto: null, cleaning: true };
    }
  })();
  return { ...next, status: statusOf(next) };
}

/** One `table` actor per table, id = its 13-digit code (`SSSAAAATTTTTC`). */
export const tableActor = defineActor<TableState, TableCommand, TableEvent, TableResult>({
  name: ActorTypes.Table,
  initial: (ref) => initialTable(ref.store, ref.id),
  parse: (command) => parseCommand(TableCommandSchema, command),
  decide: decideParsedTable,
  evolve: evolveTable,
});
