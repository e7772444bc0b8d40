/**
 * The menu of one store: SPUs (a dish) with SKUs (its sizes or specs, each
 * with a price and its own stock actor), option groups, allergens, kitchen
 * station, channels and availability windows.
 *
 * Where it lives: one `catalog` actor per store (id `menu`). Chain templates:
 * the chain's menu is a catalog document kept by the `catalog` actor of store
 * `000`; rolling it out means sending each store's catalog a `setTemplate`
 * command carrying that document (actors of different stores live in
 * different partitions, so a store cannot read the chain's actor while it
 * prices an order). The store keeps the template and its own layer apart:
 *
 *   effective menu = template SPUs − hidden − those a local SPU of the same id replaces
 *                    + local SPUs (`import`, `upsertSpu`)
 *                    with price overrides (`setPrice`) and on/off switches (`setAvailability`)
 *
 * so a new template keeps the store's prices, switches and local dishes.
 * Orders get prices only from here, through the read-only `quote` command.
 */
import { z } from 'zod';
import { defineActor, type DecideContext, type Decision, type Rejection } from '@lunchrush/engine';
import { ActorTypes, AtSchema, IdSchema, ServiceChannelSchema, parseCommand } from './domain.js';
import { ErrorCode, refuse } from './errors.js';
import {
  CatalogDocSchema,
  EMPTY_OVERRIDES,
  FeesSchema,
  SpuSchema,
  mergeCatalog,
  type CatalogDoc,
  type CatalogOverrides,
  type EffectiveCatalog,
  type Fees,
  type Spu,
} from './menu.js';
import { FenSchema, type Fen } from './money.js';
import { QuoteLineSchema, priceLines, type Quote } from './pricing.js';
import { catalogChangedSubject, platformSyncSubject, type CatalogChanged, type PlatformSyncChange } from './outputs.js';

// ---------------------------------------------------------------- commands and events

export const CatalogCommandSchema = z.discriminatedUnion('type', [
  /** Replaces the chain template this store inherits. */
  z.object({ type: z.literal('setTemplate'), template: CatalogDocSchema, at: AtSchema }),
  /** Replaces the store's own layer: its SPUs (which replace template SPUs of the same id), categories, fees. */
  z.object({ type: z.literal('import'), catalog: CatalogDocSchema, at: AtSchema }),
  z.object({ type: z.literal('upsertSpu'), spu: SpuSchema, at: AtSchema }),
  /** Removes one of the store's own SPUs; a template SPU is hidden instead. */
  z.object({ type: z.literal('removeSpu'), spuId: IdSchema, at: AtSchema }),
  /** A store price for any SKU it sells; `null` goes back to the inherited price. */
  z.object({ type: z.literal('setPrice'), skuId: IdSchema, priceFen: FenSchema.nullable(), at: AtSchema }),
  /** The manual on/off switch; `null` goes back to the inherited switch. */
  z.object({ type: z.literal('setAvailability'), spuId: IdSchema, available: z.boolean().nullable(), at: AtSchema }),
  z.object({ type: z.literal('hideSpu'), spuId: IdSchema, hidden: z.boolean(), at: AtSchema }),
  z.object({ type: z.literal('setFees'), fees: FeesSchema.nullable(), at: AtSchema }),
  /** Read-only: prices lines for an order. */
  z.object({
    type: z.literal('quote'),
    channel: ServiceChannelSchema,
    lines: z.array(QuoteLineSchema).min(1).max(50),
    at: AtSchema,
  }),
  /** Read-only: every SKU is on the effective menu (a channel sale's check), else `unknown_sku` naming the others. */
  z.object({ type: z.literal('hasSkus'), skuIds: z.array(IdSchema).min(1).max(50) }),
  /** Read-only: the effective menu. */
  z.object({ type: z.literal('get') }),
]);
export type CatalogCommand = z.input<typeof CatalogCommandSchema>;
type ParsedCatalogCommand = z.output<typeof CatalogCommandSchema>;

export type CatalogEvent =
  | { type: 'TemplateSet'; template: CatalogDoc; at: number }
  | { type: 'Imported'; catalog: CatalogDoc; at: number }
  | { type: 'SpuUpserted'; spu: Spu; at: number }
  | { type: 'SpuRemoved'; spuId: string; at: number }
  | { type: 'PriceSet'; skuId: string; priceFen: Fen | null; at: number }
  | { type: 'AvailabilitySet'; spuId: string; available: boolean | null; at: number }
  | { type: 'SpuHidden'; spuId: string; hidden: boolean; at: number }
  | { type: 'FeesSet'; fees: Fees | null; at: number };

export interface CatalogState {
  readonly store: string;
  /** Bumped by every change; quotes and orders carry it. */
  readonly rev: number;
  readonly updatedAt: number;
  readonly template: CatalogDoc | null;
  readonly local: CatalogDoc | null;
  readonly overrides: CatalogOverrides;
  /** Derived from the three above on every change (and on snapshot decode). */
  readonly effective: EffectiveCatalog;
}

export type CatalogResult = { rev: number } | Quote | { rev: number; catalog: CatalogDoc };

function withDerived(s: Omit<CatalogState, 'effective'>): CatalogState {
  return { ...s, effective: mergeCatalog(s.template, s.local, s.overrides).catalog };
}

export function initialCatalog(store: string): CatalogState {
  return withDerived({ store, rev: 0, updatedAt: 0, template: null, local: null, overrides: EMPTY_OVERRIDES });
}

type CatalogDecision = Decision<CatalogEvent, CatalogResult, CatalogCommand>;

/** Every change bumps `rev` and tells the gateways (`catalog.<store>`), whose menu caches follow it. */
function changed(s: CatalogState, e: CatalogEvent): CatalogDecision {
  const rev = s.rev + 1;
  const note: CatalogChanged = { kind: 'catalog', store: s.store, rev };
  return {
    events: [e],
    result: { rev },
    outputs: [
      { subject: catalogChangedSubject(s.store), id: `catalog:${s.store}:${rev}`, data: note },
      {
        subject: platformSyncSubject(s.store),
        id: `sync:catalog:${s.store}:${rev}`,
        data: { kind: 'catalog', store: s.store, rev, at: e.at } satisfies PlatformSyncChange,
        jetstream: true,
      },
    ],
  };
}

function conflictsAfter(s: CatalogState, e: CatalogEvent): Rejection | undefined {
  const next = evolveCatalog(s, e);
  const { conflicts } = mergeCatalog(next.template, next.local, next.overrides);
  if (conflicts.length === 0) return undefined;
  return refuse(ErrorCode.CatalogConflict, `skuId ${conflicts.join(', ')} would belong to two SPUs`, {
    skuIds: conflicts,
  });
}

export function decideCatalog(
  s: CatalogState,
  command: CatalogCommand,
  ctx?: DecideContext,
): CatalogDecision | Rejection {
  const p = parseCommand(CatalogCommandSchema, command);
  return p.ok ? decideParsedCatalog(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `catalogActor.parse`, calls are trusted. */
function decideParsedCatalog(
  s: CatalogState,
  c: ParsedCatalogCommand,
  _ctx?: DecideContext,
): CatalogDecision | Rejection {
  switch (c.type) {
    case 'get':
      return { result: { rev: s.rev, catalog: s.effective.doc } };
    case 'hasSkus': {
      const unknown = c.skuIds.filter((k) => !Object.hasOwn(s.effective.bySku, k));
      if (unknown.length === 0) return { result: { rev: s.rev } };
      return refuse(ErrorCode.UnknownSku, `no SKU ${unknown.join(', ')} on this store's menu`, { skuIds: unknown });
    }
    case 'quote': {
      const q = priceLines(s.effective, { channel: c.channel, lines: c.lines, at: c.at }, s.rev);
      if (q.ok) return { result: q.quote };
      const first = q.errors[0]!;
      return refuse(first.code, q.errors.map((e) => `line ${e.lineNo} (${e.skuId}): ${e.message}`).join('; '), {
        lines: q.errors,
      });
    }
    case 'setTemplate': {
      const e: CatalogEvent = { type: 'TemplateSet', template: c.template, at: c.at };
      return conflictsAfter(s, e) ?? changed(s, e);
    }
    case 'import': {
      const e: CatalogEvent = { type: 'Imported', catalog: c.catalog, at: c.at };
      return conflictsAfter(s, e) ?? changed(s, e);
    }
    case 'upsertSpu': {
      const e: CatalogEvent = { type: 'SpuUpserted', spu: c.spu, at: c.at };
      return conflictsAfter(s, e) ?? changed(s, e);
    }
    case 'removeSpu': {
      if (!(s.local?.spus ?? []).some((x) => x.spuId === c.spuId)) {
        const inTemplate = (s.template?.spus ?? []).some((x) => x.spuId === c.spuId);
        return refuse(
          ErrorCode.UnknownSpu,
          inTemplate
            ? `${c.spuId} comes from the chain template: hide it instead`
            : `no SPU ${c.spuId} in this store's own menu`,
          { spuId: c.spuId },
        );
      }
      return changed(s, { type: 'SpuRemoved', spuId: c.spuId, at: c.at });
    }
    case 'setPrice': {
      const known = mergeCatalog(s.template, s.local, { ...s.overrides, hidden: [] }).catalog;
      if (!Object.hasOwn(known.bySku, c.skuId))
        return refuse(ErrorCode.UnknownSku, `no SKU ${c.skuId} on this store's menu`, { skuId: c.skuId });
      return changed(s, { type: 'PriceSet', skuId: c.skuId, priceFen: c.priceFen, at: c.at });
    }
    case 'setAvailability':
    case 'hideSpu': {
      const all = [...(s.template?.spus ?? []), ...(s.local?.spus ?? [])];
      if (!all.some((x) => x.spuId === c.spuId))
        return refuse(ErrorCode.UnknownSpu, `no SPU ${c.spuId} on this store's menu`, { spuId: c.spuId });
      return c.type === 'hideSpu'
        ? changed(s, { type: 'SpuHidden', spuId: c.spuId, hidden: c.hidden, at: c.at })
        : changed(s, { type: 'AvailabilitySet', spuId: c.spuId, available: c.available, at: c.at });
    }
    case 'setFees':
      return changed(s, { type: 'FeesSet', fees: c.fees, at: c.at });
  }
}

function without<V>(r: Readonly<Record<string, V>>, key: string): Record<string, V> {
  const next = { ...r };
  delete next[key];
  return next;
}

export function evolveCatalog(s: CatalogState, e: CatalogEvent): CatalogState {
  const base = {
    store: s.store,
    rev: s.rev + 1,
    updatedAt: e.at,
    template: s.template,
    local: s.local,
    overrides: s.overrides,
  };
  switch (e.type) {
    case 'TemplateSet':
      return withDerived({ ...base, template: e.template });
    case 'Imported':
      return withDerived({ ...base, local: e.catalog });
    case 'SpuUpserted': {
      const local = s.local ?? CatalogDocSchema.parse({});
      const spus = local.spus.some((x) => x.spuId === e.spu.spuId)
        ? local.spus.map((x) => (x.spuId === e.spu.spuId ? e.spu : x))
        : [...local.spus, e.spu];
      return withDerived({ ...base, local: { ...local, spus } });
    }
    case 'SpuRemoved': {
      const local = s.local ?? CatalogDocSchema.parse({});
      return withDerived({ ...base, local: { ...local, spus: local.spus.filter((x) => x.spuId !== e.spuId) } });
    }
    case 'PriceSet': {
      const prices =
        e.priceFen === null ? without(s.overrides.prices, e.skuId) : { ...s.overrides.prices, [e.skuId]: e.priceFen };
      return withDerived({ ...base, overrides: { ...s.overrides, prices } });
    }
    case 'AvailabilitySet': {
      const availability =
        e.available === null
          ? without(s.overrides.availability, e.spuId)
          : { ...s.overrides.availability, [e.spuId]: e.available };
      return withDerived({ ...base, overrides: { ...s.overrides, availability } });
    }
    case 'SpuHidden': {
      const rest = s.overrides.hidden.filter((x) => x !== e.spuId);
      return withDerived({ ...base, overrides: { ...s.overrides, hidden: e.hidden ? [...rest, e.spuId] : rest } });
    }
    case 'FeesSet': {
      const { fees: _drop, ...rest } = s.overrides;
      return withDerived({ ...base, overrides: e.fees === null ? rest : { ...rest, fees: e.fees } });
    }
  }
}

/** One `catalog` actor per store, id `menu`. Snapshots leave out the derived menu and rebuild it. */
export const catalogActor = defineActor<CatalogState, CatalogCommand, CatalogEvent, CatalogResult>({
  name: ActorTypes.Catalog,
  initial: (ref) => initialCatalog(ref.store),
  parse: (command) => parseCommand(CatalogCommandSchema, command),
  decide: decideParsedCatalog,
  evolve: evolveCatalog,
  snapshot: {
    encode: ({ effective: _derived, ...rest }) => rest,
    decode: (raw) => withDerived(raw as Omit<CatalogState, 'effective'>),
  },
});
