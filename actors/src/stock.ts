/**
 * Stock of one SKU in one store (`stock` actor, id = skuId). Every channel goes
 * through it: mini-program orders reserve and commit on payment; POS sales and
 * delivery-platform orders deduct directly (`sell`), called by their `sale` actor.
 *
 *   available ──reserve──▶ reserved ──commit──▶ sold
 *       ▲                     │                  │
 *       └──────release────────┘                  │
 *       └──────────────────return────────────────┘   (refund before cooking, POS void)
 *   restock / set / adjust change `available` only.
 *
 * Invariants: available ≥ 0 always; available + reserved + sold = restocked + adjusted,
 * where `adjusted` is the signed sum of `set` and `adjust` deltas.
 *
 * Idempotency by business id: every movement is keyed `<channel>:<ref>` (the
 * order id, POS sale id, platform order id). Open reservations are kept until
 * committed or released; finished keys are remembered (at least the last 4,096)
 * so a retry of the same order through another command id changes nothing.
 * A busy SKU forgets a finished key after 4,096–8,192 later ones: a channel
 * sale's lasting memory is its `sale` actor (`sale.ts`), not this window.
 * Both live in persistent hash tries, so a hot SKU with thousands of open
 * reservations copies a few small arrays per event, not all of them.
 */
import { z } from 'zod';
import { defineActor, type DecideContext, type Decision, type Rejection, type SideOutput } from '@lunchrush/engine';
import {
  emptyRecentMap,
  emptyTrie,
  rmGet,
  rmSet,
  trieDelete,
  trieGet,
  trieSet,
  upgradeRecentMap,
  upgradeTrie,
  type HashTrie,
  type RecentMap,
} from './collections.js';
import { ActorTypes, AtSchema, SalesChannelSchema, parseCommand, type SalesChannel } from './domain.js';
import { ErrorCode, refuse } from './errors.js';
import { resultOf, viewOf, type StockResult, type StockView } from './stock-view.js';
import { menuPushSubject, platformSyncSubject, type PlatformSyncChange, type StockLevelPush } from './outputs.js';

export const DEFAULT_LOW_STOCK_THRESHOLD = 5;
export const MAX_STOCK_QTY = 1_000_000;

const QtySchema = z.number().int().min(1).max(MAX_STOCK_QTY);
/** The channel's own id for the movement: order id, POS sale id, platform order id. */
export const StockRefSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, 'expected 1–80 of A–Z a–z 0–9 _ . : -');
const ReasonSchema = z.string().trim().min(1).max(100);

export const StockCommandSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('reserve'),
    channel: SalesChannelSchema,
    ref: StockRefSchema,
    qty: QtySchema,
    at: AtSchema,
  }),
  z.object({ type: z.literal('commit'), channel: SalesChannelSchema, ref: StockRefSchema, at: AtSchema }),
  z.object({
    type: z.literal('release'),
    channel: SalesChannelSchema,
    ref: StockRefSchema,
    reason: ReasonSchema.optional(),
    at: AtSchema,
  }),
  /** Direct deduction: a POS sale, or a platform order that arrives already paid. */
  z.object({ type: z.literal('sell'), channel: SalesChannelSchema, ref: StockRefSchema, qty: QtySchema, at: AtSchema }),
  /** Puts sold units back (refund before cooking, POS void); all that remain when `qty` is absent. */
  z.object({
    type: z.literal('return'),
    channel: SalesChannelSchema,
    ref: StockRefSchema,
    qty: QtySchema.optional(),
    reason: ReasonSchema,
    at: AtSchema,
  }),
  z.object({ type: z.literal('restock'), qty: QtySchema, at: AtSchema }),
  /** Stocktake: sets `available` to a count (open reservations stay). */
  z.object({
    type: z.literal('set'),
    available: z.number().int().min(0).max(MAX_STOCK_QTY),
    reason: ReasonSchema.optional(),
    at: AtSchema,
  }),
  /** Waste, breakage, found stock: a signed change with a reason. */
  z.object({
    type: z.literal('adjust'),
    delta: z
      .number()
      .int()
      .min(-MAX_STOCK_QTY)
      .max(MAX_STOCK_QTY)
      .refine((d) => d !== 0, 'delta must not be 0'),
    reason: ReasonSchema,
    at: AtSchema,
  }),
  /** "86" the SKU: every channel sees it sold out until it is switched back. */
  z.object({ type: z.literal('set86'), on: z.boolean(), reason: ReasonSchema.optional(), at: AtSchema }),
  z.object({ type: z.literal('setThreshold'), lowThreshold: z.number().int().min(0).max(MAX_STOCK_QTY), at: AtSchema }),
  z.object({ type: z.literal('get') }),
]);
export type StockCommand = z.input<typeof StockCommandSchema>;
type Parsed = z.output<typeof StockCommandSchema>;

export type StockLevel = 'ok' | 'low' | 'out';

export type StockEvent =
  | { type: 'Reserved'; key: string; channel: SalesChannel; qty: number; at: number }
  | { type: 'Committed'; key: string; qty: number; at: number }
  | { type: 'Released'; key: string; qty: number; reason?: string; at: number }
  | { type: 'Sold'; key: string; channel: SalesChannel; qty: number; at: number }
  | { type: 'Returned'; key: string; qty: number; reason: string; at: number }
  | { type: 'Restocked'; qty: number; at: number }
  | { type: 'StockSet'; available: number; delta: number; reason?: string; at: number }
  | { type: 'Adjusted'; delta: number; reason: string; at: number }
  | { type: 'EightySixed'; on: boolean; reason?: string; at: number }
  | { type: 'ThresholdSet'; lowThreshold: number; at: number }
  /** The level diners see changed: ok → low (at or under the threshold) → out (0 or 86'd) and back. */
  | { type: 'LevelChanged'; level: StockLevel; available: number; at: number };

export interface Hold {
  readonly channel: SalesChannel;
  readonly qty: number;
  readonly at: number;
}

/** What became of a finished key: committed or sold (with units returned since), or released. */
export type Outcome =
  | { readonly s: 'committed' | 'sold'; readonly qty: number; readonly returned: number }
  | { readonly s: 'released'; readonly qty: number };

export interface StockState {
  readonly store: string;
  readonly skuId: string;
  readonly available: number;
  readonly reserved: number;
  readonly sold: number;
  readonly restocked: number;
  readonly adjusted: number;
  readonly eightySixed: boolean;
  readonly lowThreshold: number;
  readonly level: StockLevel;
  /** Events applied so far: the version of this actor, used for stable push ids. */
  readonly seq: number;
  readonly holds: HashTrie<Hold>;
  readonly done: RecentMap<Outcome>;
}

export function initialStock(store: string, skuId: string): StockState {
  return {
    store,
    skuId,
    available: 0,
    reserved: 0,
    sold: 0,
    restocked: 0,
    adjusted: 0,
    eightySixed: false,
    lowThreshold: DEFAULT_LOW_STOCK_THRESHOLD,
    level: 'out',
    seq: 0,
    holds: emptyTrie(),
    done: emptyRecentMap(),
  };
}

export const stockKey = (channel: SalesChannel, ref: string): string => `${channel}:${ref}`;

export function levelOf(available: number, lowThreshold: number, eightySixed: boolean): StockLevel {
  if (eightySixed || available === 0) return 'out';
  return available <= lowThreshold ? 'low' : 'ok';
}

type StockDecision = Decision<StockEvent, StockResult, StockCommand>;

/**
 * Adds the level change the events cause (and its push to every diner's menu)
 * and the result, computed on the state after the events.
 */
function emit(s: StockState, events: StockEvent[], at: number, extra: Partial<StockResult> = {}): StockDecision {
  let next = s;
  for (const e of events) next = evolveStock(next, e);
  const level = levelOf(next.available, next.lowThreshold, next.eightySixed);
  const outputs: SideOutput[] = [];
  if (level !== s.level) {
    const e: StockEvent = { type: 'LevelChanged', level, available: next.available, at };
    events.push(e);
    next = evolveStock(next, e);
    outputs.push({
      subject: menuPushSubject(s.store),
      id: `stock:${s.skuId}:${next.seq}`,
      data: { kind: 'stock', skuId: s.skuId, level, available: next.available, at } satisfies StockLevelPush,
    });
    // The same change, durable, for the delivery platforms (the push above may be dropped).
    const change: PlatformSyncChange = {
      kind: 'stock',
      store: s.store,
      skuId: s.skuId,
      level,
      available: next.available,
      seq: next.seq,
      at,
    };
    outputs.push({
      subject: platformSyncSubject(s.store),
      id: `sync:stock:${s.skuId}:${next.seq}`,
      data: change,
      jetstream: true,
    });
  }
  const result = resultOf(next, extra);
  const folded = { from: s, to: next };
  return outputs.length > 0 ? { events, result, outputs, folded } : { events, result, folded };
}

const same = (s: StockState, extra: Partial<StockResult>): StockDecision => ({ result: resultOf(s, extra) });

function soldOut(s: StockState, requested: number): Rejection {
  const message = s.eightySixed
    ? `${s.skuId} is sold out (86)`
    : s.available === 0
      ? `${s.skuId} is sold out`
      : `only ${s.available} of ${s.skuId} left, ${requested} wanted`;
  return refuse(ErrorCode.SoldOut, message, { skuId: s.skuId, requested, available: s.eightySixed ? 0 : s.available });
}

export function decideStock(s: StockState, command: StockCommand, ctx?: DecideContext): StockDecision | Rejection {
  const p = parseCommand(StockCommandSchema, command);
  return p.ok ? decideParsedStock(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `stockActor.parse`, calls are trusted. */
function decideParsedStock(s: StockState, c: Parsed, _ctx?: DecideContext): StockDecision | Rejection {
  switch (c.type) {
    case 'get':
      return same(s, {});
    case 'reserve':
      return reserve(s, c);
    case 'commit':
      return commit(s, c);
    case 'release':
      return release(s, c);
    case 'sell':
      return sell(s, c);
    case 'return':
      return returnSold(s, c);
    case 'restock':
      return emit(s, [{ type: 'Restocked', qty: c.qty, at: c.at }], c.at, { qty: c.qty });
    case 'set': {
      const delta = c.available - s.available;
      if (delta === 0) return same(s, { qty: 0 });
      const e: StockEvent =
        c.reason === undefined
          ? { type: 'StockSet', available: c.available, delta, at: c.at }
          : { type: 'StockSet', available: c.available, delta, reason: c.reason, at: c.at };
      return emit(s, [e], c.at);
    }
    case 'adjust':
      if (s.available + c.delta < 0) {
        return refuse(ErrorCode.InsufficientStock, `cannot take ${-c.delta} of ${s.skuId}: ${s.available} available`, {
          skuId: s.skuId,
          available: s.available,
        });
      }
      return emit(s, [{ type: 'Adjusted', delta: c.delta, reason: c.reason, at: c.at }], c.at);
    case 'set86': {
      if (s.eightySixed === c.on) return same(s, {});
      const e: StockEvent =
        c.reason === undefined
          ? { type: 'EightySixed', on: c.on, at: c.at }
          : { type: 'EightySixed', on: c.on, reason: c.reason, at: c.at };
      return emit(s, [e], c.at);
    }
    case 'setThreshold':
      if (s.lowThreshold === c.lowThreshold) return same(s, {});
      return emit(s, [{ type: 'ThresholdSet', lowThreshold: c.lowThreshold, at: c.at }], c.at);
  }
}

function reserve(s: StockState, c: Extract<Parsed, { type: 'reserve' }>): StockDecision | Rejection {
  const key = stockKey(c.channel, c.ref);
  const hold = trieGet(s.holds, key);
  if (hold !== undefined) {
    if (hold.qty !== c.qty) return conflict(key, `holds ${hold.qty}, not ${c.qty}`);
    return same(s, { qty: 0, duplicate: true, status: 'reserved' });
  }
  const done = rmGet(s.done, key);
  if (done !== undefined) return finished(s, key, done, c.qty, 'reserve');
  if (s.eightySixed || c.qty > s.available) return soldOut(s, c.qty);
  return emit(s, [{ type: 'Reserved', key, channel: c.channel, qty: c.qty, at: c.at }], c.at, {
    qty: c.qty,
    status: 'reserved',
  });
}

function commit(s: StockState, c: Extract<Parsed, { type: 'commit' }>): StockDecision | Rejection {
  const key = stockKey(c.channel, c.ref);
  const hold = trieGet(s.holds, key);
  if (hold !== undefined)
    return emit(s, [{ type: 'Committed', key, qty: hold.qty, at: c.at }], c.at, {
      qty: hold.qty,
      status: 'committed',
    });
  const done = rmGet(s.done, key);
  if (done === undefined)
    return refuse(ErrorCode.UnknownReservation, `no reservation ${key} of ${s.skuId}`, { skuId: s.skuId, key });
  if (done.s === 'released')
    return refuse(ErrorCode.ReservationReleased, `reservation ${key} of ${s.skuId} was released`, {
      skuId: s.skuId,
      key,
    });
  return same(s, { qty: 0, duplicate: true, status: 'committed' });
}

function release(s: StockState, c: Extract<Parsed, { type: 'release' }>): StockDecision | Rejection {
  const key = stockKey(c.channel, c.ref);
  const hold = trieGet(s.holds, key);
  if (hold !== undefined) {
    const e: StockEvent =
      c.reason === undefined
        ? { type: 'Released', key, qty: hold.qty, at: c.at }
        : { type: 'Released', key, qty: hold.qty, reason: c.reason, at: c.at };
    return emit(s, [e], c.at, { qty: hold.qty, status: 'released' });
  }
  const done = rmGet(s.done, key);
  if (done === undefined)
    return refuse(ErrorCode.UnknownReservation, `no reservation ${key} of ${s.skuId}`, { skuId: s.skuId, key });
  if (done.s !== 'released')
    return refuse(ErrorCode.AlreadyCommitted, `${key} of ${s.skuId} is already sold: return it instead`, {
      skuId: s.skuId,
      key,
    });
  return same(s, { qty: 0, duplicate: true, status: 'released' });
}

function sell(s: StockState, c: Extract<Parsed, { type: 'sell' }>): StockDecision | Rejection {
  const key = stockKey(c.channel, c.ref);
  if (trieGet(s.holds, key) !== undefined) return conflict(key, 'is an open reservation: commit it instead');
  const done = rmGet(s.done, key);
  if (done !== undefined) return finished(s, key, done, c.qty, 'sell');
  if (s.eightySixed || c.qty > s.available) return soldOut(s, c.qty);
  return emit(s, [{ type: 'Sold', key, channel: c.channel, qty: c.qty, at: c.at }], c.at, {
    qty: c.qty,
    status: 'sold',
  });
}

function returnSold(s: StockState, c: Extract<Parsed, { type: 'return' }>): StockDecision | Rejection {
  const key = stockKey(c.channel, c.ref);
  const done = rmGet(s.done, key);
  if (done === undefined || done.s === 'released') {
    return refuse(ErrorCode.UnknownReservation, `nothing sold under ${key} of ${s.skuId}`, { skuId: s.skuId, key });
  }
  const left = done.qty - done.returned;
  if (c.qty === undefined && left === 0) return same(s, { qty: 0, duplicate: true });
  const qty = c.qty ?? left;
  if (qty > left)
    return refuse(ErrorCode.InvalidQuantity, `only ${left} of ${key} left to return, not ${qty}`, {
      skuId: s.skuId,
      key,
      left,
    });
  return emit(s, [{ type: 'Returned', key, qty, reason: c.reason, at: c.at }], c.at, { qty });
}

function conflict(key: string, why: string): Rejection {
  return refuse(ErrorCode.IdempotencyConflict, `${key} ${why}`, { key });
}

/** A reserve or sell for a key that is already finished: the first outcome stands. */
function finished(
  s: StockState,
  key: string,
  done: Outcome,
  qty: number,
  verb: 'reserve' | 'sell',
): StockDecision | Rejection {
  if (done.s === 'released')
    return refuse(ErrorCode.ReservationReleased, `${key} of ${s.skuId} was released: use a new id`, {
      skuId: s.skuId,
      key,
    });
  if (done.qty !== qty) return conflict(key, `was ${done.s} with ${done.qty}, not ${qty}`);
  if (verb === 'sell' && done.s !== 'sold') return conflict(key, 'was a reservation, not a direct sale');
  return same(s, { qty: 0, duplicate: true, status: done.s });
}

export function evolveStock(s: StockState, e: StockEvent): StockState {
  const seq = s.seq + 1;
  switch (e.type) {
    case 'Reserved':
      return {
        ...s,
        seq,
        available: s.available - e.qty,
        reserved: s.reserved + e.qty,
        holds: trieSet(s.holds, e.key, { channel: e.channel, qty: e.qty, at: e.at }),
      };
    case 'Committed':
      return {
        ...s,
        seq,
        reserved: s.reserved - e.qty,
        sold: s.sold + e.qty,
        holds: trieDelete(s.holds, e.key),
        done: rmSet(s.done, e.key, { s: 'committed', qty: e.qty, returned: 0 }),
      };
    case 'Released':
      return {
        ...s,
        seq,
        reserved: s.reserved - e.qty,
        available: s.available + e.qty,
        holds: trieDelete(s.holds, e.key),
        done: rmSet(s.done, e.key, { s: 'released', qty: e.qty }),
      };
    case 'Sold':
      return {
        ...s,
        seq,
        available: s.available - e.qty,
        sold: s.sold + e.qty,
        done: rmSet(s.done, e.key, { s: 'sold', qty: e.qty, returned: 0 }),
      };
    case 'Returned': {
      const prev = rmGet(s.done, e.key);
      const done =
        prev !== undefined && prev.s !== 'released'
          ? rmSet(s.done, e.key, { ...prev, returned: prev.returned + e.qty })
          : s.done;
      return { ...s, seq, sold: s.sold - e.qty, available: s.available + e.qty, done };
    }
    case 'Restocked':
      return { ...s, seq, available: s.available + e.qty, restocked: s.restocked + e.qty };
    case 'StockSet':
      return { ...s, seq, available: e.available, adjusted: s.adjusted + e.delta };
    case 'Adjusted':
      return { ...s, seq, available: s.available + e.delta, adjusted: s.adjusted + e.delta };
    case 'EightySixed':
      return { ...s, seq, eightySixed: e.on };
    case 'ThresholdSet':
      return { ...s, seq, lowThreshold: e.lowThreshold };
    case 'LevelChanged':
      return { ...s, seq, level: e.level };
  }
}

/** One `stock` actor per store × SKU, id = the SKU id. */
export const stockActor = defineActor<StockState, StockCommand, StockEvent, StockResult>({
  name: ActorTypes.Stock,
  initial: (ref) => initialStock(ref.store, ref.id),
  parse: (command) => parseCommand(StockCommandSchema, command),
  decide: decideParsedStock,
  evolve: evolveStock,
  snapshot: {
    encode: (s) => s,
    // Snapshots written before 2 Dec hold the tries in their old fixed-depth layout.
    decode: (raw) => {
      const s = raw as StockState;
      return { ...s, holds: upgradeTrie(s.holds), done: upgradeRecentMap(s.done) };
    },
  },
});

export { viewOf, type StockResult, type StockView };
