/**
 * Views of recommendations in use, from the impressions and clicks the gateways append
 * (`RecoShown`/`RecoClicked`, actor type `reco`; the A/B arm in `channel`, the list in `ref`):
 *
 * - `reco_ctr`: per arm and list, impressions, clicks, click-through, and the revenue attached
 *   to clicks (a clicked SKU in a paid order at the same table within two hours of the click);
 * - `reco_ab`: per arm, the tables shown recommendations and their paid orders, revenue and
 *   average ticket: the comparison the A/B switch (GATEWAY_RECO_SHARE_PERCENT) is for.
 *
 * Merged into the views of `queries.ts` (same parameters, same `/api/<view>` and CLI).
 */
import { TZ } from './schema.js';

const ZERO = `toDateTime64(0, 3, '${TZ}')`;
const STORE = `({store:String} = '' OR store = {store:String})`;
const IN_RANGE = (col: string): string => `toDate(${col}) BETWEEN {from:Date} AND {to:Date}`;

/** Paid orders placed at a table in the range, merged. */
const TABLE_ORDERS = `(
  SELECT store, order_id, max(table_id) AS table_id, max(created_at) AS created_at, max(paid_fen) AS paid_fen
  FROM orders WHERE ${STORE} GROUP BY store, order_id
  HAVING table_id != '' AND max(paid_at) > ${ZERO} AND ${IN_RANGE('created_at')})`;

const RECO_EVENTS = `(
  SELECT store, table_id, sku_id, toString(channel) AS variant, ref AS context, type, ts
  FROM events FINAL WHERE actor_type = 'reco' AND ${STORE} AND ${IN_RANGE('ts')})`;

export const RECO_SQL = {
  reco_ctr: `
    WITH clicks AS (
      SELECT store, table_id, sku_id, variant, context, min(ts) AS clicked_at
      FROM ${RECO_EVENTS} WHERE type = 'RecoClicked' AND table_id != ''
      GROUP BY store, table_id, sku_id, variant, context),
    attached AS (
      SELECT c.variant AS variant, c.context AS context, uniqExact(o.order_id) AS attached_orders,
             sum(l.amount_fen) AS attached_fen
      FROM clicks AS c
      INNER JOIN ${TABLE_ORDERS} AS o ON o.store = c.store AND o.table_id = c.table_id
      INNER JOIN order_lines AS l ON l.store = o.store AND l.order_id = o.order_id AND l.sku_id = c.sku_id
      WHERE o.created_at >= c.clicked_at AND o.created_at < c.clicked_at + INTERVAL 2 HOUR
      GROUP BY variant, context)
    SELECT e.variant AS variant, e.context AS context, countIf(e.type = 'RecoShown') AS impressions,
           countIf(e.type = 'RecoClicked') AS clicks, round(clicks / greatest(impressions, 1), 4) AS ctr_rate,
           any(a.attached_orders) AS attached_orders, any(a.attached_fen) AS attached_fen
    FROM ${RECO_EVENTS} AS e
    LEFT JOIN attached AS a ON a.variant = e.variant AND a.context = e.context
    GROUP BY variant, context
    ORDER BY variant, context`,

  reco_ab: `
    WITH arms AS (
      SELECT store, table_id, any(toString(channel)) AS variant
      FROM events WHERE actor_type = 'reco' AND type = 'RecoShown' AND table_id != '' AND ${STORE} AND ${IN_RANGE('ts')}
      GROUP BY store, table_id)
    SELECT a.variant AS variant, uniqExact(a.store, a.table_id) AS tables, countIf(o.order_id != '') AS paid_orders,
           sum(o.paid_fen) AS revenue_fen, round(revenue_fen / greatest(paid_orders, 1)) AS avg_ticket_fen,
           round(revenue_fen / greatest(tables, 1)) AS revenue_per_table_fen
    FROM arms AS a
    LEFT JOIN ${TABLE_ORDERS} AS o ON o.store = a.store AND o.table_id = a.table_id
    GROUP BY variant
    ORDER BY variant`,
} as const;

export const RECO_VIEW_HELP: Record<keyof typeof RECO_SQL, string> = {
  reco_ctr: 'recommendations per A/B arm and list: impressions, clicks, click-through, revenue attached to clicks',
  reco_ab: 'A/B comparison: tables per arm, their paid orders, revenue, average ticket',
};
