/**
 * The analysts' views: one SQL each, parameters bound by ClickHouse
 * (`{store:String}`, `{from:Date}`, `{to:Date}`), run the same on chDB and a
 * server. `store` '' means every store; `from`/`to` are local (Asia/Shanghai)
 * dates, both inclusive. Served by `/api/<view>` and `analytics <view>`.
 */
import { AnalyticsError, ErrorCode } from './errors.js';
import { CAMPAIGN_SQL, CAMPAIGN_VIEW_HELP } from './campaign-views.js';
import { MEMBER_SQL, MEMBER_VIEW_HELP } from './member-views.js';
import { RECO_SQL, RECO_VIEW_HELP } from './reco-views.js';
import { TZ } from './schema.js';
import type { Warehouse } from './warehouse.js';

export interface ViewParams {
  /** 3-digit store id, or '' for all stores. */
  store: string;
  from: string;
  to: string;
  limit: number;
}

const ZERO = `toDateTime64(0, 3, '${TZ}')`;
const STORE = `({store:String} = '' OR store = {store:String})`;
const IN_RANGE = (col: string): string => `toDate(${col}) BETWEEN {from:Date} AND {to:Date}`;

/** Lunch 10:30–14:30, dinner 16:30–21:30 local time; the rest is "other". */
export const MEAL_PERIODS = { lunch: ['10:30', '14:30'], dinner: ['16:30', '21:30'] } as const;
const minuteOfDay = (col: string): string => `(toHour(${col}) * 60 + toMinute(${col}))`;
const PERIOD = (col: string): string =>
  `multiIf(${minuteOfDay(col)} >= 630 AND ${minuteOfDay(col)} < 870, 'lunch', ${minuteOfDay(col)} >= 990 AND ${minuteOfDay(col)} < 1290, 'dinner', 'other')`;

/** Per order, merged: the `orders` table's partial rows folded with max(). */
const ORDERS = `(
  SELECT store, order_id, max(created_at) AS created_at, max(channel) AS channel, max(total_fen) AS total_fen,
         max(paid_at) AS paid_at, max(paid_fen) AS paid_fen, max(cancelled_at) AS cancelled_at,
         max(cancel_reason) AS cancel_reason
  FROM orders WHERE ${STORE} GROUP BY store, order_id)`;

/** Per refund, merged. */
const REFUNDS = `(
  SELECT store, order_id, refund_id, max(requested_at) AS requested_at, max(amount_fen) AS amount_fen,
         max(reason) AS reason, max(approved_at) AS approved_at, max(rejected_at) AS rejected_at,
         max(completed_at) AS completed_at
  FROM refunds WHERE ${STORE} GROUP BY store, order_id, refund_id)`;

export const SQL = {
  heatmap: `
    SELECT toDayOfWeek(day) AS weekday, intDiv(slot, 2) AS hour,
           sum(orders) AS orders, sum(revenue_fen) AS revenue_fen
    FROM sales_slots
    WHERE ${STORE} AND day BETWEEN {from:Date} AND {to:Date}
    GROUP BY weekday, hour
    ORDER BY weekday, hour`,

  slots: `
    SELECT slot, concat(leftPad(toString(intDiv(slot, 2)), 2, '0'), if(slot % 2 = 0, ':00', ':30')) AS starts,
           sum(orders) AS orders, sum(revenue_fen) AS revenue_fen,
           round(orders / (dateDiff('day', {from:Date}, {to:Date}) + 1), 2) AS orders_per_day
    FROM sales_slots
    WHERE ${STORE} AND day BETWEEN {from:Date} AND {to:Date}
    GROUP BY slot
    ORDER BY slot`,

  turnover: `
    WITH sessions AS (
      SELECT store, table_id, ts AS seated_at, next_type, next_ts FROM (
        SELECT store, table_id, ts, type, party_size,
               leadInFrame(toString(type)) OVER w AS next_type,
               leadInFrame(ts) OVER w AS next_ts
        FROM events FINAL
        WHERE ${STORE} AND actor_type = 'table'
          AND type IN ('Seated', 'SessionReceived', 'SessionClosed', 'TransferredOut', 'MergedInto', 'Released')
          AND toDate(ts) BETWEEN {from:Date} AND {to:Date} + 1
        WINDOW w AS (PARTITION BY store, table_id ORDER BY ts, seq, entry, idx ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)
      )
      WHERE type IN ('Seated', 'SessionReceived') AND ${IN_RANGE('ts')}
    ),
    (SELECT greatest(uniqExact(table_id), 1) FROM events
      WHERE ${STORE} AND actor_type = 'table' AND type = 'Configured') AS tables,
    dateDiff('day', {from:Date}, {to:Date}) + 1 AS days
    SELECT ${PERIOD('seated_at')} AS period,
           count() AS sessions,
           tables,
           round(count() / (tables * days), 3) AS turns_per_table_day,
           countIf(next_type IN ('SessionClosed', 'TransferredOut', 'MergedInto', 'Released')) AS closed,
           round(avgIf(dateDiff('second', seated_at, next_ts) / 60,
                       next_type IN ('SessionClosed', 'TransferredOut', 'MergedInto', 'Released')), 1) AS avg_seated_min
    FROM sessions
    GROUP BY period
    ORDER BY indexOf(['lunch', 'dinner', 'other'], period)`,

  dishes: `
    SELECT sku_id, name, station, qty, revenue_fen, cost_fen,
           costed_fen - cost_fen AS margin_fen,
           round((costed_fen - cost_fen) / nullIf(costed_fen, 0), 4) AS margin_rate
    FROM (
      SELECT sku_id, any(name) AS name, any(station) AS station,
             sum(qty) AS qty, sum(amount_fen) AS revenue_fen,
             sumIf(l.cost_fen, has_cost = 1) AS cost_fen,
             sumIf(amount_fen, has_cost = 1) AS costed_fen
      FROM order_lines AS l FINAL
      WHERE ${STORE} AND ${IN_RANGE('created_at')}
        AND (store, order_id) IN (SELECT store, order_id FROM ${ORDERS} WHERE paid_at > ${ZERO})
      GROUP BY sku_id
    )
    ORDER BY revenue_fen DESC, sku_id
    LIMIT {limit:UInt32}`,

  channels: `
    SELECT channel, count() AS orders, sum(paid_fen) AS revenue_fen,
           round(count() / sum(count()) OVER (), 4) AS order_share,
           round(sum(paid_fen) / sum(sum(paid_fen)) OVER (), 4) AS revenue_share,
           round(avg(paid_fen)) AS avg_ticket_fen
    FROM ${ORDERS}
    WHERE paid_at > ${ZERO} AND ${IN_RANGE('paid_at')}
    GROUP BY channel
    ORDER BY revenue_fen DESC, channel`,

  soldout: `
    SELECT store, sku_id, count() AS times_out,
           min(ts) AS first_out, max(ts) AS last_out,
           round(sumIf(dateDiff('second', ts, next_ts), next_ts > ${ZERO}) / 60, 1) AS minutes_out,
           countIf(next_ts = ${ZERO}) AS still_out
    FROM (
      SELECT store, sku_id, ts, level, leadInFrame(ts) OVER w AS next_ts
      FROM events FINAL
      WHERE ${STORE} AND actor_type = 'stock' AND type = 'LevelChanged'
        AND toDate(ts) BETWEEN {from:Date} AND {to:Date} + 1
      WINDOW w AS (PARTITION BY store, sku_id ORDER BY ts, seq, entry, idx ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)
    )
    WHERE level = 'out' AND ${IN_RANGE('ts')}
    GROUP BY store, sku_id
    ORDER BY times_out DESC, minutes_out DESC, store, sku_id
    LIMIT {limit:UInt32}`,

  conversion: `
    SELECT toDate(created_at) AS day,
           count() AS placed,
           countIf(paid_at > ${ZERO}) AS paid,
           countIf(paid_at = ${ZERO} AND cancel_reason = 'payment_timeout') AS timed_out,
           countIf(paid_at = ${ZERO} AND cancelled_at > ${ZERO} AND cancel_reason != 'payment_timeout') AS cancelled,
           countIf(paid_at = ${ZERO} AND cancelled_at = ${ZERO}) AS awaiting,
           round(countIf(paid_at > ${ZERO}) / count(), 4) AS conversion,
           round(avgIf(dateDiff('millisecond', created_at, paid_at) / 1000, paid_at > ${ZERO}), 1) AS avg_seconds_to_pay
    FROM ${ORDERS}
    WHERE created_at > ${ZERO} AND ${IN_RANGE('created_at')}
    GROUP BY day
    ORDER BY day`,

  kitchen: `
    SELECT station, count() AS tickets,
           round(avg(lead_s), 1) AS avg_s,
           round(quantileExact(0.5)(lead_s), 1) AS p50_s,
           round(quantileExact(0.9)(lead_s), 1) AS p90_s,
           round(max(lead_s), 1) AS max_s
    FROM (
      SELECT station, dateDiff('millisecond', max(sent_at), max(done_at)) / 1000 AS lead_s,
             max(sent_at) AS sent, max(done_at) AS done, max(voided) AS void
      FROM kitchen_stations WHERE ${STORE}
      GROUP BY store, order_id, station
    )
    WHERE sent > ${ZERO} AND done > ${ZERO} AND void = 0 AND ${IN_RANGE('sent')}
    GROUP BY station
    ORDER BY station`,

  stores: `
    SELECT store, argMax(JSONExtractString(payload, 'settings', 'name'), ts) AS name
    FROM events FINAL
    WHERE actor_type = 'store' AND type = 'Configured'
    GROUP BY store
    ORDER BY store`,

  refunds: `
    SELECT toDate(requested_at) AS day,
           count() AS requested,
           countIf(rejected_at > ${ZERO}) AS rejected,
           countIf(completed_at > ${ZERO}) AS completed,
           countIf(approved_at > ${ZERO} AND completed_at = ${ZERO}) AS awaiting_payout,
           sumIf(amount_fen, completed_at > ${ZERO}) AS refunded_fen,
           sumIf(amount_fen, approved_at > ${ZERO} AND completed_at = ${ZERO}) AS awaiting_fen
    FROM ${REFUNDS}
    WHERE requested_at > ${ZERO} AND ${IN_RANGE('requested_at')}
    GROUP BY day
    ORDER BY day`,

  summary: `
    WITH (SELECT sumIf(amount_fen, completed_at > ${ZERO} AND ${IN_RANGE('completed_at')}) FROM ${REFUNDS}) AS refunded
    SELECT orders, revenue AS revenue_fen, refunded AS refunded_fen, revenue - refunded AS net_revenue_fen,
           (SELECT count() FROM events) AS events,
           (SELECT max(ts) FROM events) AS last_event_at
    FROM (
      SELECT sum(orders) AS orders, sum(revenue_fen) AS revenue
      FROM sales_slots
      WHERE ${STORE} AND day BETWEEN {from:Date} AND {to:Date}
    )`,

  ...RECO_SQL,
  ...MEMBER_SQL,
  ...CAMPAIGN_SQL,
} as const;

export type ViewName = keyof typeof SQL;
export const VIEW_NAMES = Object.keys(SQL) as ViewName[];

export const VIEW_HELP: Record<ViewName, string> = {
  heatmap: 'paid orders and revenue by weekday (1 = Monday) × hour',
  slots: 'paid orders and revenue per 30-minute slot',
  turnover: 'table sessions per meal period, turns per table per day, minutes seated',
  dishes: 'top dishes of paid orders: quantity, revenue, cost, gross margin',
  channels: 'paid orders and revenue by channel (dine-in, takeaway, delivery, retail)',
  soldout: 'SKUs that went out of stock: how often, for how long',
  conversion: 'orders placed → paid, cancelled by payment timeout or otherwise, per day',
  kitchen: 'kitchen lead time per station, accepted → station done (seconds)',
  stores: 'stores and their names',
  refunds: 'refunds per day they were asked: rejected, paid back (and how much), approved but not yet paid out',
  summary: 'paid orders, revenue, refunds paid back in the range, net revenue, events stored',
  ...RECO_VIEW_HELP,
  ...MEMBER_VIEW_HELP,
  ...CAMPAIGN_VIEW_HELP,
};

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Validates raw parameters (from a query string or argv); dates default to the last 30 days. */
export function parseViewParams(raw: Record<string, string | undefined>, today = new Date()): ViewParams {
  const store = raw.store === undefined || raw.store === '' || raw.store === 'all' ? '' : raw.store;
  if (store !== '' && !/^\d{3}$/.test(store))
    throw new AnalyticsError(ErrorCode.BadRequest, `store must be a 3-digit id or "all", got "${store}"`);
  const localToday = new Date(today.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const to = raw.to ?? localToday;
  const from = raw.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  for (const [k, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!DATE_RE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
      throw new AnalyticsError(ErrorCode.BadRequest, `${k} must be a date YYYY-MM-DD, got "${v}"`);
  }
  if (from > to) throw new AnalyticsError(ErrorCode.BadRequest, `from (${from}) is after to (${to})`);
  const limit = raw.limit === undefined ? 20 : Number(raw.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new AnalyticsError(ErrorCode.BadRequest, `limit must be 1–10000, got "${raw.limit}"`);
  return { store, from, to, limit };
}

export function isViewName(s: string): s is ViewName {
  return (VIEW_NAMES as string[]).includes(s);
}

export async function runView<T = Record<string, unknown>>(wh: Warehouse, view: ViewName, p: ViewParams): Promise<T[]> {
  return wh.query<T>(SQL[view], { store: p.store, from: p.from, to: p.to, limit: p.limit });
}
