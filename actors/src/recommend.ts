/**
 * Recommendations, the pure part: the compact model the training job
 * (analytics) writes and the gateways serve from memory, a dish's content
 * features, and the ranking that blends item-CF, Slope One, the hot list and
 * content similarity for one context (meal period, hour, what the table
 * already has, the diner's own history). No I/O: analytics' offline
 * evaluation runs exactly the ranking the gateway serves.
 */
import { localClock } from './hours.js';
import type { CatalogDoc } from './menu.js';

export const RECO_PERIODS = ['lunch', 'dinner', 'other'] as const;
export type RecoPeriod = (typeof RECO_PERIODS)[number];
/** Model tables are per period and for the whole day (`all`), the fallback of a thin period. */
export type RecoSlice = RecoPeriod | 'all';

/** The model of one scope: a store (`001`) or the whole chain (`*`). JSON as stored. */
export interface RecoModel {
  readonly v: 1;
  readonly scope: string;
  readonly builtAt: number;
  /** Training window, local days, inclusive. */
  readonly trainedFrom: string;
  readonly trainedTo: string;
  readonly orders: number;
  /** Item-CF: a SKU's neighbours `[sku, cosine]` by co-occurrence in paid orders, best first. */
  readonly cf: Partial<Record<RecoSlice, Record<string, [string, number][]>>>;
  /** Weighted Slope One over diners' purchase counts: for SKU i, `[j, dev(j, i), diners]`. */
  readonly slope: Partial<Record<RecoSlice, Record<string, [string, number, number][]>>>;
  /** Hot list per local hour `'0'…'23'`: `[sku, units]`, best first. */
  readonly hot: Record<string, [string, number][]>;
  /** Hot list per party size at the table (`partyBucket`: `1`, `2`, `3-4`, `5+`), best first. */
  readonly party?: Record<string, [string, number][]>;
  /** Content neighbours `[sku, similarity]` from catalog attributes (cold start). */
  readonly content: Record<string, [string, number][]>;
}

/** A returning diner's purchase counts per SKU over the training window, most first. JSON as stored. */
export interface RecoDinerHistory {
  readonly v: 1;
  readonly builtAt: number;
  readonly skus: [string, number][];
}

export interface RecoWeights {
  readonly cf: number;
  readonly slope: number;
  readonly hot: number;
  readonly content: number;
  /** The diner's own favourites again (share of their orders that held the SKU). */
  readonly again: number;
}

export const DEFAULT_RECO_WEIGHTS: RecoWeights = { cf: 1, slope: 0.01, hot: 0.01, content: 0.01, again: 0.1 };

export type RecoReason = 'with_cart' | 'for_you' | 'hot' | 'similar';

export interface Recommendation {
  readonly skuId: string;
  readonly score: number;
  /** The part of the blend that contributed most; `similar` for a dish known only by its content. */
  readonly reason: RecoReason;
}

export interface RecoInput {
  readonly store?: RecoModel | undefined;
  readonly chain?: RecoModel | undefined;
  readonly period: RecoPeriod;
  /** Local hour 0–23. */
  readonly hour: number;
  /** People at the table, when known: the hot list is then half the hour's, half the party size's. */
  readonly party?: number | undefined;
  /** SKUs already on the table's cart (or order). */
  readonly cart: readonly string[];
  /** The diner's own purchase counts per SKU, when known. */
  readonly history?: ReadonlyMap<string, number> | undefined;
  /** Content neighbours from the live catalog; they win over the model's (a dish newer than the model). */
  readonly content?: ReadonlyMap<string, readonly (readonly [string, number])[]> | undefined;
  /** Whether a SKU may be shown at all (stock, windows, channel, switched off). */
  readonly eligible?: ((skuId: string) => boolean) | undefined;
  readonly limit: number;
  readonly weights?: RecoWeights | undefined;
}

export function recoPeriodOf(at: number, tzOffsetMin = 480): RecoPeriod {
  const { minute } = localClock(at, tzOffsetMin);
  return minute >= 630 && minute < 870 ? 'lunch' : minute >= 990 && minute < 1290 ? 'dinner' : 'other';
}

export const partyBucket = (n: number): string => (n <= 1 ? '1' : n === 2 ? '2' : n <= 4 ? '3-4' : '5+');

export function recoHourOf(at: number, tzOffsetMin = 480): number {
  return Math.floor(localClock(at, tzOffsetMin).minute / 60);
}

const NOT_CONTENT = new Set(['热销', '新品', '招牌']);

/** What a dish is made of, for content similarity: category, tags, spice, price band, station, main ingredients. */
export function itemFeatures(
  spu: {
    category: string;
    tags: readonly string[];
    ingredients: readonly string[];
    station: string;
    optionGroups?: readonly { id: string }[];
  },
  priceFen: number,
): string[] {
  const spicy = spu.tags.includes('辣') || (spu.optionGroups ?? []).some((g) => g.id === 'spice');
  const f = [
    `cat:${spu.category}`,
    `spicy:${spicy ? 'yes' : 'no'}`,
    `price:${Math.max(0, Math.floor(Math.log2(Math.max(1, priceFen) / 500)))}`,
    `station:${spu.station}`,
    ...spu.tags.filter((t) => !NOT_CONTENT.has(t) && t !== '辣').map((t) => `tag:${t}`),
    ...spu.ingredients.slice(0, 2).map((i) => `ing:${i}`),
  ];
  return [...new Set(f)];
}

export interface ItemFeatures {
  readonly skuId: string;
  readonly spuId: string;
  readonly features: readonly string[];
}

export function catalogFeatures(doc: CatalogDoc): ItemFeatures[] {
  return doc.spus
    .filter((s) => s.available)
    .flatMap((s) => s.skus.map((k) => ({ skuId: k.skuId, spuId: s.spuId, features: itemFeatures(s, k.priceFen) })));
}

/** Jaccard similarity of two feature sets. */
export function jaccard(a: readonly string[], b: readonly string[]): number {
  const set = new Set(a);
  let both = 0;
  for (const x of b) if (set.has(x)) both++;
  const union = set.size + b.length - both;
  return union === 0 ? 0 : both / union;
}

/** Each SKU's `limit` most similar SKUs of other dishes (the same SQL runs in ClickHouse for the model). */
export function contentNeighbours(items: readonly ItemFeatures[], limit = 10): Map<string, [string, number][]> {
  const out = new Map<string, [string, number][]>();
  for (const a of items) {
    const row: [string, number][] = [];
    for (const b of items) {
      if (b.spuId === a.spuId) continue;
      const s = jaccard(a.features, b.features);
      if (s > 0) row.push([b.skuId, Math.round(s * 1e4) / 1e4]);
    }
    row.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    out.set(a.skuId, row.slice(0, limit));
  }
  return out;
}

interface Parts {
  cf: number;
  slope: number;
  hot: number;
  content: number;
  again: number;
}

/** The first model of the two that has rows for `key`: the store's own, else the chain's. */
function rowsOf<T>(input: RecoInput, pick: (m: RecoModel) => Record<string, T[]> | undefined, key: string): T[] {
  return (
    (input.store === undefined ? undefined : pick(input.store)?.[key]) ??
    (input.chain === undefined ? undefined : pick(input.chain)?.[key]) ??
    []
  );
}

/** The blend's parts for every candidate SKU. */
function score(input: RecoInput): Map<string, Parts> {
  const { period } = input;
  const parts = new Map<string, Parts>();
  const at = (sku: string): Parts => {
    let p = parts.get(sku);
    if (p === undefined) parts.set(sku, (p = { cf: 0, slope: 0, hot: 0, content: 0, again: 0 }));
    return p;
  };
  for (const i of input.cart) {
    const rows = rowsOf(input, (m) => m.cf[period], i);
    for (const [j, cos] of rows.length > 0 ? rows : rowsOf(input, (m) => m.cf.all, i)) at(j).cf += cos;
  }
  // Weighted Slope One: ratings are the diner's purchase counts, plus one for what is on the cart.
  const ratings = new Map(input.history ?? []);
  for (const i of input.cart) ratings.set(i, (ratings.get(i) ?? 0) + 1);
  const num = new Map<string, number>();
  const den = new Map<string, number>();
  for (const [i, r] of ratings) {
    const rows = rowsOf(input, (m) => m.slope[period], i);
    for (const [j, dev, c] of rows.length > 0 ? rows : rowsOf(input, (m) => m.slope.all, i)) {
      num.set(j, (num.get(j) ?? 0) + (dev + r) * c);
      den.set(j, (den.get(j) ?? 0) + c);
    }
  }
  let most = 0;
  for (const n of input.history?.values() ?? []) most = Math.max(most, n);
  for (const [j, n] of input.history ?? []) at(j).again = n / most;
  for (const [j, d] of den) at(j).slope = Math.max(0, num.get(j)! / d) * (d / (d + 20));
  const hot = rowsOf(input, (m) => m.hot, String(input.hour));
  const party = input.party === undefined ? [] : rowsOf(input, (m) => m.party, partyBucket(input.party));
  const share = party.length > 0 ? 0.5 : 1;
  for (const list of [hot, party]) {
    const top = list[0]?.[1] ?? 1;
    for (const [j, units] of list) at(j).hot += (share * units) / top;
  }
  const liked = [...input.cart, ...[...(input.history ?? [])].sort((a, b) => b[1] - a[1]).map(([s]) => s)].slice(0, 6);
  for (const i of liked) {
    const rows = input.content?.get(i) ?? rowsOf(input, (m) => m.content, i);
    for (const [j, sim] of rows) at(j).content += sim;
  }
  return parts;
}

/**
 * The `limit` best SKUs for the context, cart items left out. When none of them is a dish only its
 * content speaks for (a new dish: no sales with the cart, by the diner or in this hour), the last
 * place goes to the best such dish similar to what the table has: without it a new dish could
 * never earn the history it needs.
 */
export function recommend(input: RecoInput): Recommendation[] {
  const w = input.weights ?? DEFAULT_RECO_WEIGHTS;
  const inCart = new Set(input.cart);
  const ranked: Recommendation[] = [];
  // Dishes nothing but their content speaks for: no sales with the cart, by the diner or in the hour.
  const contentOnly = new Set<string>();
  for (const [sku, p] of score(input)) {
    if (inCart.has(sku) || (input.eligible !== undefined && !input.eligible(sku))) continue;
    const weighted: [RecoReason, number][] = [
      ['with_cart', w.cf * p.cf],
      ['for_you', w.slope * p.slope + w.again * p.again],
      ['hot', w.hot * p.hot],
      ['similar', w.content * p.content],
    ];
    const total = weighted.reduce((n, [, x]) => n + x, 0);
    if (total <= 0) continue;
    const reason = weighted.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    ranked.push({ skuId: sku, score: Math.round(total * 1e4) / 1e4, reason });
    if (p.cf === 0 && p.slope === 0 && p.hot === 0 && p.again === 0) contentOnly.add(sku);
  }
  ranked.sort((a, b) => b.score - a.score || (a.skuId < b.skuId ? -1 : 1));
  const out = ranked.slice(0, input.limit);
  if (out.length === input.limit && input.limit > 1 && !out.some((r) => contentOnly.has(r.skuId))) {
    const fresh = ranked.slice(input.limit).find((r) => contentOnly.has(r.skuId));
    if (fresh !== undefined) out[out.length - 1] = fresh;
  }
  return out;
}

// ---------------------------------------------------------------- impressions and clicks

/**
 * Impressions and clicks of recommendations, appended by the gateways to the stream
 * `names(ns).outputStream(RECO_EVENTS_STREAM)` (`<NS>_RECO_EVENTS`) on `recoEventSubject(store)`
 * (relative: `recoev.<store>`), as records in the engine's format (`{ k: 'b', x: [{ a: ['reco',
 * store, table], ev }] }`), so analytics loads them with everything else.
 */
export const RECO_EVENTS_STREAM = 'RECO_EVENTS';
export const recoEventSubject = (store: string): string => `recoev.${store}`;
export const RECO_EVENT_SUBJECTS = 'recoev.>';

export interface RecoEvent {
  readonly type: 'RecoShown' | 'RecoClicked';
  readonly skuId: string;
  /** Where it was shown: the menu's 为你推荐, the cart's suggestions, the hot list. */
  readonly context: 'menu' | 'cart' | 'hot';
  readonly variant: 'reco' | 'control';
  /** Place in the list, from 0. */
  readonly position: number;
  readonly tableId: string | null;
  readonly dinerId: string | null;
  readonly at: number;
}
