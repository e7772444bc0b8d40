/**
 * The menu's model: SPUs (a dish) with SKUs (its sizes or specs, each with a
 * price and its own stock actor), option groups, fees, the catalog document,
 * and how a store's menu is merged from the chain template, its own layer and
 * its overrides (`mergeCatalog`). The `catalog` actor (`catalog.ts`) keeps it;
 * pricing (`pricing.ts`) reads it. Nothing here imports either of them.
 */
import { z } from 'zod';
import { IdSchema, ServiceChannelSchema, SERVICE_CHANNELS } from './domain.js';
import { DEFAULT_TZ_OFFSET_MIN, TimeWindowSchema } from './hours.js';
import { FenDeltaSchema, FenSchema, type Fen } from './money.js';

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
