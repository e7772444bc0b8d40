/**
 * Offline evaluation of the recommendations: train on the history up to the
 * held-out days, then for every paid order of those days with two or more
 * dishes, show the ranking the first half of its cart (in the order the lines
 * were added) and the diner's own earlier orders, and see how much of the
 * second half it finds. The same `recommend()` the gateways serve.
 *
 * - precision@5: share of the top 5 that the order really went on to hold;
 * - recall@10: share of the rest of the order found in the top 10;
 * - coverage: share of the catalog's SKUs that appear in anyone's top 5.
 *
 * The baseline is popularity: the store's best sellers of the training window,
 * what the old static 热销 tag stood for.
 */
import {
  DEFAULT_RECO_WEIGHTS,
  isWithin,
  recommend,
  recoHourOf,
  recoPeriodOf,
  type CatalogDoc,
  type RecoWeights,
} from '@lunchrush/actors';
import { readModels } from './reco-export.js';
import { trainModels, trainWindow } from './reco-train.js';
import type { Warehouse } from './warehouse.js';

export interface EvalOptions {
  /** Held-out days at the end of the history (default 7). */
  readonly holdoutDays?: number;
  /** Days of history in all, held-out days included (default 90). */
  readonly days?: number;
  /** Last held-out day (default: the newest order's day); an earlier one leaves a validation week to tune on. */
  readonly to?: string | undefined;
  readonly catalog: CatalogDoc;
  /** Blends to score (default: the served one and each model alone). */
  readonly methods?: readonly (readonly [string, RecoWeights])[];
}

export interface EvalRow {
  readonly method: string;
  readonly orders: number;
  readonly precision_at_5: number;
  readonly recall_at_10: number;
  readonly coverage: number;
}

export interface EvalResult {
  readonly trainedFrom: string;
  readonly trainedTo: string;
  readonly heldOutFrom: string;
  readonly heldOutTo: string;
  readonly rows: EvalRow[];
}

interface TestOrder {
  store: string;
  at: number;
  diner: string;
  /** People at the table; 0 off the table. */
  party: number;
  skus: string[];
}

type Ranker = (o: TestOrder, cart: string[]) => string[];

const METHODS: (readonly [string, RecoWeights])[] = [
  ['blend (served)', DEFAULT_RECO_WEIGHTS],
  ['item-CF only', { cf: 1, slope: 0, hot: 0, content: 0, again: 0 }],
  ['Slope One only', { cf: 0, slope: 1, hot: 0, content: 0, again: 0 }],
  ['hot by hour and party size only', { cf: 0, slope: 0, hot: 1, content: 0, again: 0 }],
  ["diner's favourites only", { cf: 0, slope: 0, hot: 0, content: 0, again: 1 }],
];

async function testOrders(wh: Warehouse, from: string, to: string): Promise<TestOrder[]> {
  const rows = await wh.query<{ store: string; at: number; diner: string; party: number; skus: string[] }>(
    `SELECT b.store AS store, b.at AS at, b.diner AS diner, ifNull(p.party, 0) AS party, b.skus AS skus FROM (
       SELECT store, order_id, toUnixTimestamp64Milli(any(ts)) AS at, any(JSONExtractString(payload, 'dinerId')) AS diner,
              any(session_id) AS session, any(line_sku) AS skus
       FROM events
       WHERE actor_type = 'order' AND type = 'Created' AND toDate(ts) BETWEEN {from:Date} AND {to:Date}
         AND (store, order_id) IN (SELECT store, order_id FROM events
                                   WHERE actor_type = 'order' AND type = 'Paid' AND toDate(ts) >= {from:Date})
       GROUP BY store, order_id) AS b
     LEFT JOIN (
       SELECT store, session_id, max(party_size) AS party FROM events
       WHERE actor_type = 'table' AND type = 'Seated' AND session_id != '' AND toDate(ts) >= {from:Date} - 1
       GROUP BY store, session_id) AS p ON p.store = b.store AND p.session_id = b.session
     ORDER BY b.store, b.order_id
     SETTINGS join_use_nulls = 1`,
    { from, to },
  );
  return rows
    .map((r) => ({ ...r, at: Number(r.at), party: Number(r.party), skus: [...new Set(r.skus)] }))
    .filter((r) => r.skus.length >= 2);
}

async function histories(wh: Warehouse): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of await wh.query<{ diner: string; sku: string; n: number }>(
    `SELECT diner, s AS sku, count() AS n FROM reco_baskets ARRAY JOIN skus AS s GROUP BY diner, sku`,
  )) {
    let m = out.get(r.diner);
    if (m === undefined) out.set(r.diner, (m = new Map<string, number>()));
    m.set(r.sku, Number(r.n));
  }
  return out;
}

async function popularity(wh: Warehouse): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await wh.query<{ store: string; skus: string[] }>(
    `SELECT store, groupArray(sku) AS skus FROM (
       SELECT toString(store) AS store, s AS sku, count() AS n FROM reco_baskets ARRAY JOIN skus AS s
       GROUP BY store, sku ORDER BY store, n DESC, sku)
     GROUP BY store`,
  ))
    out.set(r.store, r.skus);
  return out;
}

function measure(method: string, orders: readonly TestOrder[], rank: Ranker, catalogSkus: number): EvalRow {
  let p5 = 0;
  let r10 = 0;
  const shown = new Set<string>();
  for (const o of orders) {
    const half = Math.ceil(o.skus.length / 2);
    const cart = o.skus.slice(0, half);
    const hidden = new Set(o.skus.slice(half));
    const top = rank(o, cart);
    const hits = (k: number): number => top.slice(0, k).filter((s) => hidden.has(s)).length;
    p5 += hits(5) / 5;
    r10 += hits(10) / hidden.size;
    for (const s of top.slice(0, 5)) shown.add(s);
  }
  const n = Math.max(1, orders.length);
  const round = (x: number): number => Math.round(x * 10_000) / 10_000;
  return {
    method,
    orders: orders.length,
    precision_at_5: round(p5 / n),
    recall_at_10: round(r10 / n),
    coverage: round(shown.size / catalogSkus),
  };
}

/** Trains on the days before the held-out ones and scores every method and the baseline on them. */
export async function evaluate(wh: Warehouse, o: EvalOptions): Promise<EvalResult> {
  const holdout = o.holdoutDays ?? 7;
  const days = o.days ?? 90;
  const all = await trainWindow(wh, { days, to: o.to });
  const train = await trainWindow(wh, {
    to: new Date(Date.parse(`${all.to}T00:00:00Z`) - holdout * 86_400_000).toISOString().slice(0, 10),
    days: days - holdout,
  });
  const heldOutFrom = new Date(Date.parse(`${train.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const run = await trainModels(wh, train, o.catalog);
  const models = await readModels(wh, run);
  const orders = await testOrders(wh, heldOutFrom, all.to);
  const history = await histories(wh);
  const popular = await popularity(wh);
  const windows = new Map(o.catalog.spus.flatMap((s) => s.skus.map((k) => [k.skuId, s.windows] as const)));
  const open = (at: number) => (sku: string) => isWithin(windows.get(sku), at, 480);
  const catalogSkus = windows.size;
  const ranker =
    (weights: RecoWeights): Ranker =>
    (t, cart) =>
      recommend({
        store: models.get(t.store),
        chain: models.get('*'),
        period: recoPeriodOf(t.at),
        hour: recoHourOf(t.at),
        party: t.party > 0 ? t.party : undefined,
        cart,
        history: history.get(t.diner),
        eligible: open(t.at),
        limit: 10,
        weights,
      }).map((r) => r.skuId);
  const rows = (o.methods ?? METHODS).map(([name, w]) => measure(name, orders, ranker(w), catalogSkus));
  const baseline: Ranker = (t, cart) =>
    (popular.get(t.store) ?? []).filter((s) => !cart.includes(s) && open(t.at)(s)).slice(0, 10);
  rows.push(measure('popularity (baseline)', orders, baseline, catalogSkus));
  return { trainedFrom: train.from, trainedTo: train.to, heldOutFrom, heldOutTo: all.to, rows };
}
