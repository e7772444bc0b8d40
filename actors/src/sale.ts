/**
 * One channel sale (`sale` actor, id = `saleActorId(channel, ref)`): a POS sale or a
 * delivery platform's paid order, as one idempotent business fact.
 *
 * `sell` checks every SKU against the store's menu (`unknown_sku`), then sells each
 * SKU's units from its stock actor under the channel's key (`<channel>:<ref>`) in one
 * transaction, all or nothing, and records the sale: its lines (per SKU) and what it
 * answered. From then on the same id with the same lines answers that first outcome
 * (`duplicate: true`) without touching stock, however many other sales the SKUs see
 * and for as long as the actor's events are kept (snapshots and replay restore it
 * like any actor); the same id with other lines is `idempotency_conflict`. The SKU
 * actors' own memory of finished keys is a window (`RECENT_LIMIT`) a busy SKU washes
 * out in an hour; this record has none.
 *
 * A refused sale (`sold_out`, `unknown_sku`) is not recorded: nothing was sold, so a
 * repeat cannot sell twice, and a retry after a restock or a menu fix may go through.
 * This is deliberate: a POS re-sends a sale that really happened at the counter until
 * it is counted, and counting it late is better than never (stock would show units
 * that are gone). A platform that has cancelled a refused order must not send the same
 * id again; a new attempt takes a new id anyway.
 *
 * Data from before the sale actor: a sale an older gateway began is finished here (a
 * SKU already sold under the key answers `duplicate`; an open reservation under the
 * key is committed if its quantity matches). Its lines were never recorded, so only
 * the SKUs' own memory guards it until this actor records it on its next retry.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  defineActor,
  reject,
  type CallOutcome,
  type DecideContext,
  type Decision,
  type Rejection,
} from '@lunchrush/engine';
import { ActorTypes, AtSchema, CATALOG_ACTOR_ID, IdSchema, parseCommand } from './domain.js';
import { ErrorCode, errorKind, refuse } from './errors.js';
import { MAX_STOCK_QTY, StockRefSchema, stockKey, type StockResult } from './stock.js';
import type { ShortSkus } from './store.js';

/** The channels that sell through a sale actor (the mini-program sells through orders). */
export const SaleChannelSchema = z.enum(['pos', 'delivery']);
export type SaleChannel = z.infer<typeof SaleChannelSchema>;

export const SaleLineSchema = z.object({ skuId: IdSchema, qty: z.number().int().min(1).max(MAX_STOCK_QTY) });
export type SaleLine = z.infer<typeof SaleLineSchema>;

export const SaleCommandSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sell'),
    channel: SaleChannelSchema,
    /** The channel's own id: the POS sale id, `<platform>.<platform order id>`. */
    ref: StockRefSchema,
    lines: z.array(SaleLineSchema).min(1).max(50),
    at: AtSchema,
  }),
  /** Read-only: the recorded sale, or `null`. */
  z.object({ type: z.literal('get') }),
]);
export type SaleCommand = z.input<typeof SaleCommandSchema>;
type Parsed = z.output<typeof SaleCommandSchema>;

/** One SKU of a sale: the units sold (lines of one SKU add up) and what the SKU had left right after. */
export interface SoldSku {
  readonly skuId: string;
  readonly qty: number;
  readonly available: number;
}

export type SaleEvent = {
  type: 'SaleRecorded';
  channel: SaleChannel;
  ref: string;
  /** Per SKU, in the order the lines first name them. */
  skus: SoldSku[];
  at: number;
};

export interface SaleRecord {
  readonly channel: SaleChannel;
  readonly ref: string;
  readonly skus: readonly SoldSku[];
  readonly at: number;
}

export interface SaleState {
  readonly store: string;
  readonly id: string;
  readonly sale: SaleRecord | null;
}

/** What `sell` answers, the first time and on every repeat. */
export interface SaleResult {
  readonly channel: SaleChannel;
  readonly ref: string;
  /** True when nothing changed: a repeat (or, the first time, a sale every SKU had already counted). */
  readonly duplicate: boolean;
  /** `available` is what each SKU had left right after the sale, also on a repeat. */
  readonly skus: readonly SoldSku[];
  /** When the sale was first recorded (the command's `at`). */
  readonly at: number;
}

export function initialSale(store: string, id: string): SaleState {
  return { store, id, sale: null };
}

const CHANNEL_PREFIX: Readonly<Record<SaleChannel, string>> = { pos: 'pos', delivery: 'dlv' };

/**
 * The sale actor's id for a channel's own id. Refs may hold `.` and `:`, which actor
 * ids may not, so they are escaped (`_` → `__`, `.` → `_d`, `:` → `_c`: one id per
 * ref, still readable in logs); a ref too long for that is hashed (SHA-256).
 * `pos_…` and `pos-…` never meet, so the two forms never collide either.
 */
export function saleActorId(channel: SaleChannel, ref: string): string {
  let esc = '';
  for (const ch of ref) esc += ch === '_' ? '__' : ch === '.' ? '_d' : ch === ':' ? '_c' : ch;
  const prefix = CHANNEL_PREFIX[channel];
  const id = `${prefix}_${esc}`;
  if (id.length <= 64) return id;
  return `${prefix}-${createHash('sha256').update(ref).digest('base64url')}`;
}

/** Lines of one SKU add up; SKUs in the order the lines first name them. */
export function saleTotals(lines: readonly SaleLine[]): SaleLine[] {
  const by = new Map<string, number>();
  for (const l of lines) by.set(l.skuId, (by.get(l.skuId) ?? 0) + l.qty);
  return [...by].map(([skuId, qty]) => ({ skuId, qty }));
}

/** The same units of the same SKUs, whatever the order or split of the lines. */
function sameTotals(recorded: readonly SoldSku[], totals: readonly SaleLine[]): boolean {
  if (recorded.length !== totals.length) return false;
  const by = new Map(recorded.map((k) => [k.skuId, k.qty]));
  return totals.every((l) => by.get(l.skuId) === l.qty);
}

function resultOf(r: SaleRecord, duplicate: boolean): SaleResult {
  return { channel: r.channel, ref: r.ref, duplicate, skus: r.skus, at: r.at };
}

const passOn = (out: Extract<CallOutcome, { ok: false }>): Rejection =>
  reject(out.code, out.message, out.details, errorKind(out.code));

type SaleDecision = Decision<SaleEvent, SaleResult | null, SaleCommand>;

export function decideSale(s: SaleState, command: SaleCommand, ctx?: DecideContext): SaleDecision | Rejection {
  const p = parseCommand(SaleCommandSchema, command);
  return p.ok ? decideParsedSale(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `saleActor.parse`, calls are trusted. */
function decideParsedSale(s: SaleState, c: Parsed, ctx?: DecideContext): SaleDecision | Rejection {
  if (c.type === 'get') return { result: s.sale === null ? null : resultOf(s.sale, true) };
  const key = stockKey(c.channel, c.ref);
  if (saleActorId(c.channel, c.ref) !== s.id) {
    return refuse(ErrorCode.InvalidCommand, `sale ${key} belongs to the sale actor ${saleActorId(c.channel, c.ref)}`);
  }
  const totals = saleTotals(c.lines);
  if (s.sale !== null) {
    if (sameTotals(s.sale.skus, totals)) return { result: resultOf(s.sale, true) };
    return refuse(ErrorCode.IdempotencyConflict, `sale ${key} was recorded with other lines`, {
      key,
      lines: s.sale.skus.map((k) => ({ skuId: k.skuId, qty: k.qty })),
    });
  }
  const over = totals.find((l) => l.qty > MAX_STOCK_QTY);
  if (over !== undefined) return refuse(ErrorCode.InvalidCommand, `${over.skuId}: at most ${MAX_STOCK_QTY} per sale`);
  if (ctx === undefined) return refuse(ErrorCode.InvalidCommand, 'a sale needs the engine (it calls stock actors)');
  return sell(s, c, totals, ctx);
}

function sell(
  s: SaleState,
  c: Extract<Parsed, { type: 'sell' }>,
  totals: readonly SaleLine[],
  ctx: DecideContext,
): SaleDecision | Rejection {
  const known = ctx.call(ActorTypes.Catalog, CATALOG_ACTOR_ID, { type: 'hasSkus', skuIds: totals.map((l) => l.skuId) });
  if (!known.ok) return passOn(known);
  const skus: SoldSku[] = [];
  const short: { skuId: string; requested: number; available: number }[] = [];
  let duplicate = true;
  for (const { skuId, qty } of totals) {
    const base = { channel: c.channel, ref: c.ref, at: c.at };
    let r = ctx.call<StockResult>(ActorTypes.Stock, skuId, { type: 'sell', qty, ...base });
    if (!r.ok && r.code === ErrorCode.IdempotencyConflict) {
      // The key was reserved (an older gateway's reserve + commit): the same quantity finishes
      // it, another one is the conflict the reserve names.
      const held = ctx.call<StockResult>(ActorTypes.Stock, skuId, { type: 'reserve', qty, ...base });
      r = held.ok ? ctx.call<StockResult>(ActorTypes.Stock, skuId, { type: 'commit', ...base }) : held;
    }
    if (r.ok) {
      skus.push({ skuId, qty, available: r.result.available });
      if (r.result.duplicate !== true) duplicate = false;
      continue;
    }
    if (r.code !== ErrorCode.SoldOut) return passOn(r);
    short.push({ skuId, requested: qty, available: (r.details as { available?: number } | undefined)?.available ?? 0 });
  }
  if (short.length > 0) {
    // Refusing discards the sales of the SKUs that had enough: all or nothing, and nothing recorded.
    return refuse(
      ErrorCode.SoldOut,
      short.map((x) => `${x.skuId}: ${x.available} left, ${x.requested} wanted`).join('; '),
      { skus: short } satisfies ShortSkus,
    );
  }
  const e: SaleEvent = { type: 'SaleRecorded', channel: c.channel, ref: c.ref, skus, at: c.at };
  return { events: [e], result: resultOf(evolveSale(s, e).sale!, duplicate) };
}

export function evolveSale(s: SaleState, e: SaleEvent): SaleState {
  switch (e.type) {
    case 'SaleRecorded':
      return { ...s, sale: { channel: e.channel, ref: e.ref, skus: e.skus, at: e.at } };
  }
}

/** One `sale` actor per channel sale, in its store's partition. */
export const saleActor = defineActor<SaleState, SaleCommand, SaleEvent, SaleResult | null>({
  name: ActorTypes.Sale,
  initial: (ref) => initialSale(ref.store, ref.id),
  parse: (command) => parseCommand(SaleCommandSchema, command),
  decide: decideParsedSale,
  evolve: evolveSale,
});
