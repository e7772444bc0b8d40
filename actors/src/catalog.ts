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
import { ActorTypes, AtSchema, IdSchema, ServiceChannelSchema, SERVICE_CHANNELS, parseCommand } from './domain.js';
import { ErrorCode, refuse } from './errors.js';
import { DEFAULT_TZ_OFFSET_MIN, TimeWindowSchema } from './hours.js';
import { FenDeltaSchema, FenSchema, type Fen } from './money.js';
import { QuoteLineSchema, priceLines, type Quote } from './pricing.js';
import { catalogChangedSubject, type CatalogChanged } from './outputs.js';

// ---------------------------------------------------------------- the model

/** Short ids for option groups and choices (`spice`, `hot`): they travel in every cart line. */
const ShortIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected 1–32 of A–Z a–z 0–9 _ -');
const NameSchema = z.string().trim().min(1).max(60);
const ListItemSchema = z.string().trim().min(1).max(40);

export const SkuSchema = z.object({
  /** Unique in the store's menu; also the id of the SKU's stock actor. */
  skuId: IdSchema,
  /** Size or spec shown beside the name: 大份, 小份, 500g. Empty for single-spec dishes. */
  spec: z.string().trim().max(30).default(''),
  priceFen: FenSchema,
  /** For margin analytics; never shown to diners. */
  costFen: FenSchema.optional(),
});

export const OptionChoiceSchema = z.object({
  id: ShortIdSchema,
  name: NameSchema,
  priceDeltaFen: FenDeltaSchema.default(0),
  available: z.boolean().default(true),
});

export const OptionGroupSchema = z
  .object({
    id: ShortIdSchema,
    name: NameSchema,
    /** Picks required; `min ≥ 1` makes the group required. */
    min: z.number().int().min(0).max(20),
    max: z.number().int().min(1).max(20),
    choices: z.array(OptionChoiceSchema).min(1).max(30),
  })
  .superRefine((g, ctx) => {
    if (g.min > g.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${g.min} is above max ${g.max}` });
    if (g.min > g.choices.length)
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${g.min} is above the ${g.choices.length} choices` });
    dupes(g.choices.map((c) => c.id)).forEach((id) =>
      ctx.addIssue({ code: 'custom', path: ['choices'], message: `choice id ${id} appears twice` }),
    );
  });

export const SpuSchema = z
  .object({
    spuId: IdSchema,
    name: NameSchema,
    /** Menu section: 热销, 招牌, 凉菜, … */
    category: z.string().trim().min(1).max(20),
    description: z.string().max(500).default(''),
    skus: z.array(SkuSchema).min(1).max(20),
    optionGroups: z.array(OptionGroupSchema).max(10).default([]),
    allergens: z.array(ListItemSchema).max(20).default([]),
    ingredients: z.array(ListItemSchema).max(40).default([]),
    caloriesKcal: z.number().int().min(0).max(20_000).optional(),
    /** Estimated preparation time, for the kitchen and the diner's ETA. */
    prepTimeSec: z.number().int().min(0).max(7_200).default(300),
    /** Kitchen station the dish is cooked at: its tickets go to `kitchen.<store>.<station>`. */
    station: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected a lowercase station id'),
    channels: z
      .array(ServiceChannelSchema)
      .min(1)
      .default([...SERVICE_CHANNELS]),
    /** Empty means all day; e.g. breakfast only: [{ from: '07:00', to: '10:30' }]. */
    windows: z.array(TimeWindowSchema).max(10).default([]),
    /** 招牌, 新品, 热销, 辣 … */
    tags: z.array(z.string().trim().min(1).max(10)).max(10).default([]),
    sort: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    images: z.array(z.url()).max(10).default([]),
    /** Per unit, charged on takeaway, delivery and retail orders. */
    packagingFeeFen: FenSchema.default(0),
    /** The manual on/off switch (下架); stock-outs are the stock actor's business. */
    available: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    dupes(s.skus.map((k) => k.skuId)).forEach((id) =>
      ctx.addIssue({ code: 'custom', path: ['skus'], message: `skuId ${id} appears twice` }),
    );
    dupes(s.optionGroups.map((g) => g.id)).forEach((id) =>
      ctx.addIssue({ code: 'custom', path: ['optionGroups'], message: `option group ${id} appears twice` }),
    );
  });

export const FeesSchema = z.object({
  deliveryFeeFen: FenSchema.default(0),
  /** Delivery is free from this items total on; absent means never. */
  freeDeliveryOverFen: FenSchema.optional(),
});

export const CatalogDocSchema = z
  .object({
    /** Free text, e.g. the template's release: `2024-spring-2`. */
    version: z.string().max(40).default(''),
    currency: z.literal('CNY').default('CNY'),
    /** Category display order; categories not listed follow in order of appearance. */
    categories: z.array(z.string().trim().min(1).max(20)).max(50).default([]),
    fees: FeesSchema.optional(),
    /** Local time of availability windows; China is UTC+8 all year. */
    tzOffsetMin: z.number().int().min(-720).max(840).optional(),
    spus: z.array(SpuSchema).max(2_000).default([]),
  })
  .superRefine((d, ctx) => {
    dupes(d.spus.map((s) => s.spuId)).forEach((id) =>
      ctx.addIssue({ code: 'custom', path: ['spus'], message: `spuId ${id} appears twice` }),
    );
    dupes(d.spus.flatMap((s) => s.skus.map((k) => k.skuId))).forEach((id) =>
      ctx.addIssue({ code: 'custom', path: ['spus'], message: `skuId ${id} appears in two SPUs` }),
    );
  });

export type Sku = z.output<typeof SkuSchema>;
export type OptionChoice = z.output<typeof OptionChoiceSchema>;
export type OptionGroup = z.output<typeof OptionGroupSchema>;
export type Spu = z.output<typeof SpuSchema>;
export type SpuInput = z.input<typeof SpuSchema>;
export type Fees = z.output<typeof FeesSchema>;
export type CatalogDoc = z.output<typeof CatalogDocSchema>;
export type CatalogDocInput = z.input<typeof CatalogDocSchema>;

function dupes(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const id of ids) (seen.has(id) ? out : seen).add(id);
  return [...out];
}

/** The store's own layer over the template. */
export interface CatalogOverrides {
  readonly prices: Readonly<Record<string, Fen>>;
  readonly availability: Readonly<Record<string, boolean>>;
  readonly hidden: readonly string[];
  readonly fees?: Fees;
}

/** The menu a store sells, after inheritance, with an index from skuId to its SPU and SKU. */
export interface EffectiveCatalog {
  readonly doc: CatalogDoc;
  readonly fees: Fees;
  readonly tzOffsetMin: number;
  readonly bySku: Readonly<Record<string, readonly [number, number]>>;
}

export const EMPTY_OVERRIDES: CatalogOverrides = { prices: {}, availability: {}, hidden: [] };

/**
 * Merges the chain template, the store's own SPUs and its overrides into the
 * menu it sells. Deterministic: SPUs sorted by category order, then `sort`,
 * then id. Throws nothing; `conflicts` lists skuIds two SPUs claim.
 */
export function mergeCatalog(
  template: CatalogDoc | null,
  local: CatalogDoc | null,
  overrides: CatalogOverrides,
): { catalog: EffectiveCatalog; conflicts: string[] } {
  const localIds = new Set((local?.spus ?? []).map((s) => s.spuId));
  const hidden = new Set(overrides.hidden);
  const inherited = (template?.spus ?? []).filter((s) => !localIds.has(s.spuId) && !hidden.has(s.spuId));
  const merged = [...inherited, ...(local?.spus ?? []).filter((s) => !hidden.has(s.spuId))].map((s) =>
    applyOverrides(s, overrides),
  );

  const categories: string[] = [];
  for (const c of [...(template?.categories ?? []), ...(local?.categories ?? []), ...merged.map((s) => s.category)]) {
    if (!categories.includes(c)) categories.push(c);
  }
  const rank = new Map(categories.map((c, i) => [c, i]));
  merged.sort((a, b) => rank.get(a.category)! - rank.get(b.category)! || a.sort - b.sort || cmp(a.spuId, b.spuId));

  const bySku: Record<string, readonly [number, number]> = {};
  const conflicts: string[] = [];
  merged.forEach((spu, i) =>
    spu.skus.forEach((sku, j) => {
      if (Object.hasOwn(bySku, sku.skuId)) conflicts.push(sku.skuId);
      else bySku[sku.skuId] = [i, j];
    }),
  );
  const fees = overrides.fees ?? local?.fees ?? template?.fees ?? { deliveryFeeFen: 0 };
  const tzOffsetMin = local?.tzOffsetMin ?? template?.tzOffsetMin ?? DEFAULT_TZ_OFFSET_MIN;
  const doc: CatalogDoc = {
    version: [template?.version, local?.version].filter((v) => v !== undefined && v !== '').join('+'),
    currency: 'CNY',
    categories,
    fees,
    tzOffsetMin,
    spus: merged,
  };
  return { catalog: { doc, fees, tzOffsetMin, bySku }, conflicts };
}

function applyOverrides(spu: Spu, o: CatalogOverrides): Spu {
  const avail = o.availability[spu.spuId];
  const priced = spu.skus.some((k) => Object.hasOwn(o.prices, k.skuId));
  if (avail === undefined && !priced) return spu;
  return {
    ...spu,
    available: avail ?? spu.available,
    skus: priced
      ? spu.skus.map((k) => (Object.hasOwn(o.prices, k.skuId) ? { ...k, priceFen: o.prices[k.skuId]! } : k))
      : spu.skus,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function findSku(c: EffectiveCatalog, skuId: string): { spu: Spu; sku: Sku } | undefined {
  if (!Object.hasOwn(c.bySku, skuId)) return undefined;
  const [i, j] = c.bySku[skuId]!;
  const spu = c.doc.spus[i]!;
  return { spu, sku: spu.skus[j]! };
}

/** Every SKU id of a document, e.g. to create its stock actors. */
export function skuIdsOf(doc: CatalogDoc): string[] {
  return doc.spus.flatMap((s) => s.skus.map((k) => k.skuId));
}

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
    outputs: [{ subject: catalogChangedSubject(s.store), id: `catalog:${s.store}:${rev}`, data: note }],
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
