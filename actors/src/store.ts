/**
 * One store (`store` actor, id `store`): open / busy / closed, opening hours,
 * settings its orders follow (payment timeout), and the kitchen load: tickets
 * pending per station, which later drives admission control and routing.
 *
 * Every order asks `admit` before it reserves stock (read-only), and tells the
 * store when its tickets go to the kitchen and when each station is done. Every
 * table tells the store when it is set up (`tableAdded`): the store's table list
 * (`StoreView.tables`) is what the staff board and the QR sheet go through.
 */
import { z } from 'zod';
import { defineActor, type DecideContext, type Decision, type Rejection, type SideOutput } from '@lunchrush/engine';
import {
  ActorTypes,
  AtSchema,
  IdSchema,
  OrderIdSchema,
  SalesChannelSchema,
  ServiceChannelSchema,
  parseCommand,
} from './domain.js';
import { ErrorCode, refuse } from './errors.js';
import { DEFAULT_TZ_OFFSET_MIN, TimeWindowSchema, isWithin, type TimeWindow } from './hours.js';
import { channelHours, StoreSiteSchema, type StoreSite } from './geo/site.js';
import {
  AdmissionSettingsSchema,
  AdmissionTargetSchema,
  DEFAULT_ADMISSION,
  EMPTY_KITCHEN,
  OverrideModeSchema,
  kitchenLoad,
  overrideLoad,
  ticketsClosedLoad,
  ticketsOpenedLoad,
  type AdmissionTarget,
  type KitchenLevel,
  type KitchenLoad,
  type KitchenLoadState,
  type OverrideMode,
} from './kitchen-load.js';
import { boardPushSubject, type BoardPush } from './outputs.js';
import { MAX_STOCK_QTY, StockRefSchema } from './stock.js';
import { sellLines, type ChannelSale } from './store-sale.js';
import { tryParseTableCode } from './table-code.js';

export type { ChannelSale, ShortSkus } from './store-sale.js';

/** How long a diner has to pay before the order is cancelled and its stock released. */
export const DEFAULT_PAYMENT_TIMEOUT_MS = 15 * 60_000;
/** Pending kitchen tickets (all stations) from which the store reports itself busy. */
export const DEFAULT_BUSY_THRESHOLD_TICKETS = 40;

const StationSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/);
/** Tables a store lists at most (a 13-digit table code holds 3 area and 3 table digits). */
export const MAX_STORE_TABLES = 2_000;

export const StoreSettingsSchema = z.object({
  name: z.string().trim().min(1).max(60),
  hours: z.array(TimeWindowSchema).max(20).default([]),
  tzOffsetMin: z.number().int().min(-720).max(840).default(DEFAULT_TZ_OFFSET_MIN),
  paymentTimeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(24 * 3_600_000)
    .default(DEFAULT_PAYMENT_TIMEOUT_MS),
  busyThresholdTickets: z.number().int().min(1).max(100_000).default(DEFAULT_BUSY_THRESHOLD_TICKETS),
  /** On the map: location, delivery zone and fees, hours per channel (geo/site.ts). */
  site: StoreSiteSchema.optional(),
  /** When a backed-up kitchen quotes longer, pauses stations, pauses delivery (kitchen-load.ts). */
  admission: AdmissionSettingsSchema.optional(),
});
export type StoreSettings = z.output<typeof StoreSettingsSchema>;

/**
 * What a manager may change of a configured store's settings from the console: the rest (its site,
 * zone and fees, admission) stays as it is, where `configure` replaces the whole.
 */
export const StoreSettingsPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(60),
    hours: z.array(TimeWindowSchema).max(20),
    tzOffsetMin: z.number().int().min(-720).max(840),
    paymentTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(24 * 3_600_000),
    busyThresholdTickets: z.number().int().min(1).max(100_000),
  })
  .partial();

export const StoreCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('configure'), settings: StoreSettingsSchema, at: AtSchema }),
  z.object({ type: z.literal('updateSettings'), patch: StoreSettingsPatchSchema, at: AtSchema }),
  z.object({ type: z.literal('open'), at: AtSchema }),
  z.object({ type: z.literal('close'), at: AtSchema }),
  /** Staff switch "busy" on or off by hand; the kitchen load also makes the store busy. */
  z.object({ type: z.literal('setBusy'), busy: z.boolean(), at: AtSchema }),
  /** Read-only: may an order be placed now? */
  z.object({ type: z.literal('admit'), channel: ServiceChannelSchema, at: AtSchema }),
  z.object({
    type: z.literal('ticketsOpened'),
    orderId: OrderIdSchema,
    stations: z.array(StationSchema).min(1).max(20),
    at: AtSchema,
  }),
  z.object({
    type: z.literal('ticketsClosed'),
    orderId: OrderIdSchema,
    stations: z.array(StationSchema).min(1).max(20),
    at: AtSchema,
  }),
  /** A table of this store was set up (the table actor's `configure` sends it); listed once. */
  z.object({
    type: z.literal('tableAdded'),
    tableId: z.string().regex(/^\d{13}$/, 'expected a 13-digit table code'),
    at: AtSchema,
  }),
  z.object({ type: z.literal('get'), at: AtSchema.optional() }),
  /** Staff force the delivery channel or a station open or paused against its load, or back to `auto`. */
  z.object({
    type: z.literal('overrideAdmission'),
    target: AdmissionTargetSchema,
    mode: OverrideModeSchema,
    at: AtSchema,
  }),
  /** Read-only: the kitchen's load and quote, the site (what routing weighs). */
  z.object({ type: z.literal('load'), at: AtSchema }),
  /**
   * Legacy, for gateways from before the `sale` actor (`sale.ts`), which now sells channel
   * sales and records their lines: a channel sale of several SKUs as one transaction,
   * every SKU's stock `sell`s its quantity under the channel's id, all or nothing (a short
   * SKU discards the others' sales). Records no lines. Changes no store state.
   */
  z.object({
    type: z.literal('sell'),
    channel: SalesChannelSchema,
    ref: StockRefSchema,
    lines: z
      .array(z.object({ skuId: IdSchema, qty: z.number().int().min(1).max(MAX_STOCK_QTY) }))
      .min(1)
      .max(50),
    at: AtSchema,
  }),
]);
export type StoreCommand = z.input<typeof StoreCommandSchema>;
type Parsed = z.output<typeof StoreCommandSchema>;

export type StoreStatus = 'open' | 'busy' | 'closed';

export type StoreEvent =
  | { type: 'Configured'; settings: StoreSettings; at: number }
  | { type: 'Opened'; at: number }
  | { type: 'Closed'; at: number }
  | { type: 'BusySet'; busy: boolean; at: number }
  | { type: 'TicketsOpened'; orderId: string; stations: string[]; at: number }
  | { type: 'TicketsClosed'; orderId: string; stations: string[]; at: number }
  | { type: 'TableAdded'; tableId: string; at: number }
  | { type: 'AdmissionOverridden'; target: AdmissionTarget; mode: OverrideMode; at: number }
  /** Open ↔ busy ↔ closed as staff and the kitchen load see it (opening hours apply at `admit`). */
  | { type: 'StatusChanged'; status: StoreStatus; at: number };

export interface StoreState {
  readonly store: string;
  readonly settings: StoreSettings | null;
  /** Staff opened the store (and did not close it since). */
  readonly opened: boolean;
  readonly manualBusy: boolean;
  readonly status: StoreStatus;
  readonly pending: Readonly<Record<string, number>>;
  /** The store's table ids, sorted. */
  readonly tables: readonly string[];
  /** Open tickets' ages, recent bumps, staff overrides: the kitchen load's facts. */
  readonly kitchen: KitchenLoadState;
  readonly seq: number;
}

export interface StoreView {
  readonly store: string;
  readonly name: string;
  readonly status: StoreStatus;
  readonly withinHours: boolean;
  readonly pending: Readonly<Record<string, number>>;
  readonly pendingTotal: number;
  readonly paymentTimeoutMs: number;
  /** Opening hours (empty: all day) and the pending tickets from which it reports itself busy. */
  readonly hours: readonly TimeWindow[];
  readonly busyThresholdTickets: number;
  /** Every table set up in this store (13-digit table codes), sorted. */
  readonly tables: readonly string[];
}

export interface Admission {
  readonly status: 'open' | 'busy';
  readonly paymentTimeoutMs: number;
  readonly pendingTickets: number;
  /** Minutes a new order is quoted (the slowest station's); an order's own is `quoteFor` its stations. */
  readonly quotedWaitMin: number;
  readonly kitchen: KitchenLevel;
  /** Stations taking no new orders now: an order with a line for one is refused (`station_paused`). */
  readonly pausedStations: readonly string[];
  /** Each station's quote with tickets or bumps lately; a station not listed quotes `basePrepMin`. */
  readonly stationQuotes: Readonly<Record<string, number>>;
  readonly basePrepMin: number;
}

/** What routing weighs of a store: is it open, where is it, how loaded is its kitchen. */
export interface StoreLoad {
  readonly store: string;
  readonly status: StoreStatus;
  readonly site: StoreSite | null;
  readonly kitchen: KitchenLoad;
}

export type StoreResult = StoreView | Admission | ChannelSale | StoreLoad | undefined;

export function initialStore(store: string): StoreState {
  return {
    store,
    settings: null,
    opened: false,
    manualBusy: false,
    status: 'closed',
    pending: {},
    tables: [],
    kitchen: EMPTY_KITCHEN,
    seq: 0,
  };
}

export function loadOf(s: StoreState, at: number): KitchenLoad {
  return kitchenLoad(s.kitchen, s.pending, s.settings?.admission ?? DEFAULT_ADMISSION, at);
}

export function pendingTotal(s: StoreState): number {
  let n = 0;
  for (const v of Object.values(s.pending)) n += v;
  return n;
}

/** Status without opening hours: staff switches and the kitchen load. */
export function statusOf(s: StoreState): StoreStatus {
  if (!s.opened || s.settings === null) return 'closed';
  return s.manualBusy || pendingTotal(s) >= s.settings.busyThresholdTickets ? 'busy' : 'open';
}

function view(s: StoreState, at: number | undefined): StoreView {
  const within =
    s.settings === null ? false : at === undefined ? true : isWithin(s.settings.hours, at, s.settings.tzOffsetMin);
  return {
    store: s.store,
    name: s.settings?.name ?? '',
    status: within ? s.status : 'closed',
    withinHours: within,
    pending: s.pending,
    pendingTotal: pendingTotal(s),
    paymentTimeoutMs: s.settings?.paymentTimeoutMs ?? DEFAULT_PAYMENT_TIMEOUT_MS,
    hours: s.settings?.hours ?? [],
    busyThresholdTickets: s.settings?.busyThresholdTickets ?? DEFAULT_BUSY_THRESHOLD_TICKETS,
    tables: s.tables,
  };
}

type StoreDecision = Decision<StoreEvent, StoreResult, StoreCommand>;

function emit(s: StoreState, events: StoreEvent[], at: number): StoreDecision {
  let next = s;
  for (const e of events) next = evolveStore(next, e);
  const status = statusOf(next);
  const outputs: SideOutput[] = [];
  if (status !== s.status) {
    const e: StoreEvent = { type: 'StatusChanged', status, at };
    events.push(e);
    next = evolveStore(next, e);
  }
  outputs.push({
    subject: boardPushSubject(s.store),
    id: `store:${s.store}:${next.seq}`,
    data: { kind: 'store', status: next.status, pending: next.pending, at } satisfies BoardPush,
  });
  return { events, result: view(next, at), outputs };
}

export function decideStore(s: StoreState, command: StoreCommand, ctx?: DecideContext): StoreDecision | Rejection {
  const p = parseCommand(StoreCommandSchema, command);
  return p.ok ? decideParsedStore(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `storeActor.parse`, calls are trusted. */
function decideParsedStore(s: StoreState, c: Parsed, ctx?: DecideContext): StoreDecision | Rejection {
  switch (c.type) {
    case 'get':
      return { result: view(s, c.at) };
    case 'configure':
      return emit(s, [{ type: 'Configured', settings: c.settings, at: c.at }], c.at);
    case 'updateSettings':
      if (s.settings === null) return refuse(ErrorCode.StoreNotConfigured, `store ${s.store} has no settings yet`);
      return emit(s, [{ type: 'Configured', settings: { ...s.settings, ...c.patch }, at: c.at }], c.at);
    case 'open':
      if (s.settings === null) return refuse(ErrorCode.StoreNotConfigured, `store ${s.store} has no settings yet`);
      if (s.opened) return { result: view(s, c.at) };
      return emit(s, [{ type: 'Opened', at: c.at }], c.at);
    case 'close':
      if (!s.opened) return { result: view(s, c.at) };
      return emit(s, [{ type: 'Closed', at: c.at }], c.at);
    case 'setBusy':
      if (s.manualBusy === c.busy) return { result: view(s, c.at) };
      return emit(s, [{ type: 'BusySet', busy: c.busy, at: c.at }], c.at);
    case 'admit': {
      if (s.settings === null) return refuse(ErrorCode.StoreNotConfigured, `store ${s.store} has no settings yet`);
      if (!s.opened) return refuse(ErrorCode.StoreClosed, `store ${s.store} is closed`, { store: s.store });
      const hours = channelHours(s.settings.hours, s.settings.site, c.channel);
      if (!isWithin(hours, c.at, s.settings.tzOffsetMin)) {
        return refuse(ErrorCode.StoreClosed, `store ${s.store} is outside its ${c.channel} hours`, {
          store: s.store,
          hours,
        });
      }
      return admit(s, s.settings, c);
    }
    case 'ticketsOpened':
      return emit(s, [{ type: 'TicketsOpened', orderId: c.orderId, stations: c.stations, at: c.at }], c.at);
    case 'ticketsClosed':
      return emit(s, [{ type: 'TicketsClosed', orderId: c.orderId, stations: c.stations, at: c.at }], c.at);
    case 'sell':
      return sellLines(c, ctx);
    case 'tableAdded':
      return addTable(s, c);
    case 'overrideAdmission':
      return emit(s, [{ type: 'AdmissionOverridden', target: c.target, mode: c.mode, at: c.at }], c.at);
    case 'load': {
      const load: StoreLoad = {
        store: s.store,
        status: s.status,
        site: s.settings?.site ?? null,
        kitchen: loadOf(s, c.at),
      };
      return { result: load };
    }
  }
}

/** Open hours passed: the kitchen's load decides (delivery paused is a refusal; paused stations the order checks). */
function admit(
  s: StoreState,
  settings: StoreSettings,
  c: Extract<Parsed, { type: 'admit' }>,
): StoreDecision | Rejection {
  const load = loadOf(s, c.at);
  if (c.channel === 'delivery' && load.deliveryPaused)
    return refuse(
      ErrorCode.ChannelPaused,
      `store ${s.store} has paused delivery (kitchen quote ${load.quoteMin} min)`,
      {
        store: s.store,
        channel: c.channel,
        quotedWaitMin: load.quoteMin,
        by: load.deliveryPausedBy,
      },
    );
  const admission: Admission = {
    status: s.status === 'busy' ? 'busy' : 'open',
    paymentTimeoutMs: settings.paymentTimeoutMs,
    pendingTickets: pendingTotal(s),
    quotedWaitMin: load.quoteMin,
    kitchen: load.level,
    pausedStations: load.stations.filter((x) => x.paused).map((x) => x.station),
    stationQuotes: Object.fromEntries(load.stations.map((x) => [x.station, x.quoteMin])),
    basePrepMin: load.basePrepMin,
  };
  return { result: admission };
}

/** No board push: a board learns a table from the table's own pushes, and reads the list on a snapshot. */
function addTable(s: StoreState, c: Extract<Parsed, { type: 'tableAdded' }>): StoreDecision | Rejection {
  if (tryParseTableCode(c.tableId)?.store !== s.store)
    return refuse(ErrorCode.InvalidTableCode, `${c.tableId} is not a table code of store ${s.store}`, {
      tableId: c.tableId,
    });
  if (s.tables.includes(c.tableId)) return { result: view(s, c.at) };
  if (s.tables.length >= MAX_STORE_TABLES)
    return refuse(ErrorCode.InvalidCommand, `store ${s.store} lists ${MAX_STORE_TABLES} tables already`);
  const events: StoreEvent[] = [{ type: 'TableAdded', tableId: c.tableId, at: c.at }];
  return { events, result: view(evolveStore(s, events[0]!), c.at) };
}

function bump(
  pending: Readonly<Record<string, number>>,
  stations: readonly string[],
  by: 1 | -1,
): Record<string, number> {
  const next: Record<string, number> = { ...pending };
  for (const st of stations) {
    const n = Math.max(0, (next[st] ?? 0) + by);
    if (n === 0) delete next[st];
    else next[st] = n;
  }
  return next;
}

export function evolveStore(s: StoreState, e: StoreEvent): StoreState {
  const seq = s.seq + 1;
  switch (e.type) {
    case 'Configured':
      return { ...s, seq, settings: e.settings };
    case 'Opened':
      return { ...s, seq, opened: true };
    case 'Closed':
      return { ...s, seq, opened: false };
    case 'BusySet':
      return { ...s, seq, manualBusy: e.busy };
    case 'TicketsOpened':
      return {
        ...s,
        seq,
        pending: bump(s.pending, e.stations, 1),
        kitchen: ticketsOpenedLoad(s.kitchen, e.orderId, e.stations, e.at),
      };
    case 'TicketsClosed':
      return {
        ...s,
        seq,
        pending: bump(s.pending, e.stations, -1),
        kitchen: ticketsClosedLoad(s.kitchen, e.orderId, e.stations, e.at),
      };
    case 'AdmissionOverridden':
      return { ...s, seq, kitchen: overrideLoad(s.kitchen, e.target, e.mode) };
    case 'StatusChanged':
      return { ...s, seq, status: e.status };
    case 'TableAdded':
      return { ...s, seq, tables: [...s.tables, e.tableId].sort() };
  }
}

export const storeActor = defineActor<StoreState, StoreCommand, StoreEvent, StoreResult>({
  name: ActorTypes.Store,
  initial: (ref) => initialStore(ref.store),
  parse: (command) => parseCommand(StoreCommandSchema, command),
  decide: decideParsedStore,
  evolve: evolveStore,
  snapshot: {
    encode: (s) => s,
    // A snapshot from before the store kept its table list has none; from before the kitchen
    // load, no ticket ages or bumps (its pending counts still count).
    decode: (raw) => {
      const s = raw as Omit<StoreState, 'tables' | 'kitchen'> & {
        tables?: readonly string[];
        kitchen?: KitchenLoadState;
      };
      return { ...s, tables: s.tables ?? [], kitchen: s.kitchen ?? EMPTY_KITCHEN };
    },
  },
});
