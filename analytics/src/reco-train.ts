/**
 * Recommendation models trained in ClickHouse: the SQL does the heavy lifting
 * (baskets of paid orders, pair counts, per-diner deviations, hot lists,
 * feature overlap), and writes compact model tables:
 *
 * | table | what |
 * |---|---|
 * | `reco_baskets` | one row per paid order of the window: store, local time, meal period, diner, distinct SKUs |
 * | `reco_cf` | item-CF per scope (a store, or `*` the chain) and period (`lunch`/`dinner`/`other`/`all`): co-occurrence and cosine, top 15 per SKU |
 * | `reco_slope` | weighted Slope One per scope and period over diners with 2+ orders: dev(b, a), diners, top 15 per SKU |
 * | `reco_hot` | orders per scope, local hour and SKU over the window's last 28 days, top 15 |
 * | `reco_hot_party` | the same per party size at the table (1, 2, 3-4, 5+; dine-in), top 15 |
 * | `reco_items`, `reco_content` | catalog features per SKU; Jaccard similarity of other dishes, top 10 (cold start) |
 * | `reco_diners` | a returning diner's (2+ orders) purchase counts per SKU, top 10: "for you" when logged in |
 * | `reco_runs` | one row per training run (window, orders, when) |
 *
 * Rerunnable and idempotent: a run empties the model tables and fills them from the window
 * again (the serving side reads the models exported to KV, never these tables mid-run), so the
 * same window gives the same rows; only `reco_runs` grows.
 */
import { catalogFeatures, type CatalogDoc } from '@lunchrush/actors';
import { AnalyticsError, ErrorCode } from './errors.js';
import { TZ } from './schema.js';
import type { Warehouse } from './warehouse.js';

/** Neighbours kept per SKU in `reco_cf` and `reco_slope`. */
export const RECO_NEIGHBOURS = 15;
export const RECO_HOT_DAYS = 28;

const MODEL_TABLES = [
  'reco_baskets',
  'reco_cf',
  'reco_slope',
  'reco_hot',
  'reco_hot_party',
  'reco_items',
  'reco_content',
  'reco_diners',
] as const;

/** SKUs kept per diner in `reco_diners`. */
export const RECO_DINER_SKUS = 10;

const DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS reco_baskets (
    store LowCardinality(String), order_id String, at DateTime64(3, '${TZ}'), period LowCardinality(String),
    diner String, party UInt16, skus Array(String)
  ) ENGINE = MergeTree ORDER BY (store, order_id)`,
  `CREATE TABLE IF NOT EXISTS reco_cf (
    scope LowCardinality(String), period LowCardinality(String), sku_a String, sku_b String, co UInt32, score Float64
  ) ENGINE = ReplacingMergeTree ORDER BY (scope, period, sku_a, sku_b)`,
  `CREATE TABLE IF NOT EXISTS reco_slope (
    scope LowCardinality(String), period LowCardinality(String), sku_a String, sku_b String, dev Float64, diners UInt32
  ) ENGINE = ReplacingMergeTree ORDER BY (scope, period, sku_a, sku_b)`,
  `CREATE TABLE IF NOT EXISTS reco_hot (
    scope LowCardinality(String), hour UInt8, sku_id String, orders UInt64
  ) ENGINE = ReplacingMergeTree ORDER BY (scope, hour, sku_id)`,
  `CREATE TABLE IF NOT EXISTS reco_hot_party (
    scope LowCardinality(String), party LowCardinality(String), sku_id String, orders UInt64
  ) ENGINE = ReplacingMergeTree ORDER BY (scope, party, sku_id)`,
  `CREATE TABLE IF NOT EXISTS reco_items (sku_id String, spu_id String, features Array(String))
  ENGINE = ReplacingMergeTree ORDER BY sku_id`,
  `CREATE TABLE IF NOT EXISTS reco_content (sku_a String, sku_b String, score Float64)
  ENGINE = ReplacingMergeTree ORDER BY (sku_a, sku_b)`,
  `CREATE TABLE IF NOT EXISTS reco_diners (diner String, sku_id String, orders UInt32)
  ENGINE = ReplacingMergeTree ORDER BY (diner, sku_id)`,
  `CREATE TABLE IF NOT EXISTS reco_runs (
    built_at DateTime64(3, '${TZ}'), trained_from Date, trained_to Date, orders UInt64, seconds Float64
  ) ENGINE = MergeTree ORDER BY built_at`,
];

export async function migrateReco(wh: Warehouse): Promise<void> {
  for (const sql of DDL) await wh.command(sql);
  // Baskets made before party size was kept.
  await wh.command(`ALTER TABLE reco_baskets ADD COLUMN IF NOT EXISTS party UInt16 AFTER diner`);
}

export interface TrainWindow {
  /** First and last local day of the training window, inclusive (YYYY-MM-DD). */
  readonly from: string;
  readonly to: string;
}

export interface TrainResult extends TrainWindow {
  readonly orders: number;
  readonly builtAt: number;
  readonly seconds: number;
  readonly rows: Record<(typeof MODEL_TABLES)[number], number>;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The window ending on `to` (default: the newest order's day) and `days` long. */
export async function trainWindow(wh: Warehouse, o: { to?: string; days?: number }): Promise<TrainWindow> {
  const days = o.days ?? 90;
  if (!Number.isInteger(days) || days < 1 || days > 3660)
    throw new AnalyticsError(ErrorCode.BadRequest, `days must be 1–3660, got ${days}`);
  let to = o.to;
  if (to === undefined) {
    const [r] = await wh.query<{ d: string }>(
      `SELECT toString(toDate(max(ts))) AS d FROM events WHERE actor_type = 'order' AND type = 'Created'`,
    );
    to = r?.d ?? '1970-01-01';
  }
  if (!DAY_RE.test(to) || Number.isNaN(Date.parse(to)))
    throw new AnalyticsError(ErrorCode.BadRequest, `expected YYYY-MM-DD, got "${to}"`);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}

const PERIOD_SQL = (t: string): string =>
  `multiIf(toHour(${t}) * 60 + toMinute(${t}) >= 630 AND toHour(${t}) * 60 + toMinute(${t}) < 870, 'lunch',
           toHour(${t}) * 60 + toMinute(${t}) >= 990 AND toHour(${t}) * 60 + toMinute(${t}) < 1290, 'dinner', 'other')`;

/** Every scope (its store and the chain) and slice (its period and the whole day) a basket counts in. */
const SCOPED = `SELECT sc AS scope, p AS period, diner, skus FROM reco_baskets
  ARRAY JOIN [toString(store), '*'] AS sc ARRAY JOIN [toString(period), 'all'] AS p`;

function trainingSql(w: TrainWindow): string[] {
  const k = RECO_NEIGHBOURS;
  return [
    // The party seated at the table (0 off the table), from the table's Seated event of the order's session.
    `INSERT INTO reco_baskets
     SELECT b.store, b.order_id, b.at, ${PERIOD_SQL('b.at')} AS period, b.diner, ifNull(p.party, 0) AS party, b.skus
     FROM (
       SELECT store, order_id, any(ts) AS at, any(JSONExtractString(payload, 'dinerId')) AS diner,
              any(session_id) AS session, arraySort(arrayDistinct(any(line_sku))) AS skus
       FROM events
       WHERE actor_type = 'order' AND type = 'Created' AND toDate(ts) BETWEEN '${w.from}' AND '${w.to}'
         AND (store, order_id) IN (SELECT store, order_id FROM events
                                   WHERE actor_type = 'order' AND type = 'Paid' AND toDate(ts) >= '${w.from}')
       GROUP BY store, order_id) AS b
     LEFT JOIN (
       SELECT store, session_id, max(party_size) AS party FROM events
       WHERE actor_type = 'table' AND type = 'Seated' AND session_id != '' AND toDate(ts) BETWEEN toDate('${w.from}') - 1 AND '${w.to}'
       GROUP BY store, session_id) AS p ON p.store = b.store AND p.session_id = b.session
     SETTINGS join_use_nulls = 1`,
    `INSERT INTO reco_cf
     WITH scoped AS (${SCOPED}),
       n AS (SELECT scope, period, s AS sku, count() AS cnt FROM scoped ARRAY JOIN skus AS s GROUP BY scope, period, sku),
       pairs AS (SELECT scope, period, a, b, count() AS co FROM scoped ARRAY JOIN skus AS a ARRAY JOIN skus AS b
                 WHERE a != b GROUP BY scope, period, a, b HAVING co >= 2)
     SELECT pairs.scope, pairs.period, pairs.a, pairs.b, pairs.co, round(pairs.co / sqrt(na.cnt * nb.cnt), 5) AS score
     FROM pairs
     INNER JOIN n AS na ON na.scope = pairs.scope AND na.period = pairs.period AND na.sku = pairs.a
     INNER JOIN n AS nb ON nb.scope = pairs.scope AND nb.period = pairs.period AND nb.sku = pairs.b
     ORDER BY pairs.scope, pairs.period, pairs.a, score DESC, pairs.b
     LIMIT ${k} BY pairs.scope, pairs.period, pairs.a`,
    // Weighted Slope One: a diner's rating of a SKU is how many of their orders held it (at most 5).
    `INSERT INTO reco_slope
     WITH regulars AS (SELECT diner FROM reco_baskets GROUP BY diner HAVING count() >= 2),
       ratings AS (SELECT scope, period, diner, s AS sku, toFloat64(least(count(), 5)) AS r
                   FROM (${SCOPED}) ARRAY JOIN skus AS s WHERE diner IN regulars GROUP BY scope, period, diner, sku),
       rated AS (SELECT scope, period, diner, groupArray((sku, r)) AS items FROM ratings GROUP BY scope, period, diner)
     SELECT scope, period, a.1 AS sku_a, b.1 AS sku_b, round(avg(b.2 - a.2), 5) AS dev, count() AS diners
     FROM rated ARRAY JOIN items AS a ARRAY JOIN items AS b
     WHERE a.1 != b.1
     GROUP BY scope, period, sku_a, sku_b
     HAVING diners >= 3
     ORDER BY scope, period, sku_a, diners DESC, sku_b
     LIMIT ${k} BY scope, period, sku_a`,
    `INSERT INTO reco_hot
     SELECT sc AS scope, toHour(at) AS hour, s AS sku_id, count() AS orders
     FROM reco_baskets ARRAY JOIN [toString(store), '*'] AS sc ARRAY JOIN skus AS s
     WHERE toDate(at) > toDate('${w.to}') - ${RECO_HOT_DAYS}
     GROUP BY scope, hour, sku_id
     ORDER BY scope, hour, orders DESC, sku_id
     LIMIT ${k} BY scope, hour`,
    `INSERT INTO reco_hot_party
     SELECT sc AS scope, multiIf(party = 1, '1', party = 2, '2', party <= 4, '3-4', '5+') AS party_bucket,
            s AS sku_id, count() AS orders
     FROM reco_baskets ARRAY JOIN [toString(store), '*'] AS sc ARRAY JOIN skus AS s
     WHERE party > 0 AND toDate(at) > toDate('${w.to}') - ${RECO_HOT_DAYS}
     GROUP BY scope, party_bucket, sku_id
     ORDER BY scope, party_bucket, orders DESC, sku_id
     LIMIT ${k} BY scope, party_bucket`,
    `INSERT INTO reco_diners
     SELECT diner, s AS sku_id, count() AS orders
     FROM reco_baskets ARRAY JOIN skus AS s
     WHERE diner != '' AND diner IN (SELECT diner FROM reco_baskets GROUP BY diner HAVING count() >= 2)
     GROUP BY diner, sku_id
     ORDER BY diner, orders DESC, sku_id
     LIMIT ${RECO_DINER_SKUS} BY diner`,
    `INSERT INTO reco_content
     SELECT a.sku_id AS sku_a, b.sku_id AS sku_b,
            round(length(arrayIntersect(a.features, b.features)) / length(arrayDistinct(arrayConcat(a.features, b.features))), 4) AS score
     FROM reco_items AS a CROSS JOIN reco_items AS b
     WHERE a.spu_id != b.spu_id AND score > 0
     ORDER BY sku_a, score DESC, sku_b
     LIMIT 10 BY sku_a`,
  ];
}

/**
 * Trains every model from the paid orders of the window and the catalog's features.
 * The tables hold exactly one run's models afterwards.
 */
export async function trainModels(wh: Warehouse, w: TrainWindow, catalog: CatalogDoc): Promise<TrainResult> {
  const t0 = performance.now();
  await migrateReco(wh);
  for (const t of MODEL_TABLES) await wh.command(`TRUNCATE TABLE ${t}`);
  await wh.insert(
    'reco_items',
    catalogFeatures(catalog).map((f) => ({ sku_id: f.skuId, spu_id: f.spuId, features: f.features })),
  );
  for (const sql of trainingSql(w)) await wh.command(sql);
  const rows = {} as Record<(typeof MODEL_TABLES)[number], number>;
  for (const t of MODEL_TABLES)
    rows[t] = Number((await wh.query<{ n: number }>(`SELECT count() AS n FROM ${t}`))[0]?.n ?? 0);
  const builtAt = Date.now();
  const seconds = Math.round(performance.now() - t0) / 1000;
  await wh.insert('reco_runs', [
    { built_at: builtAt, trained_from: w.from, trained_to: w.to, orders: rows.reco_baskets, seconds },
  ]);
  return { ...w, orders: rows.reco_baskets, builtAt, seconds, rows };
}
