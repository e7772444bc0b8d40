/**
 * The ClickHouse schema: one SQL for chDB and a server.
 *
 * How re-delivery never double-counts (two layers):
 *
 * 1. Exactly-once into `events`. The ingester inserts a batch as ONE insert into
 *    `events` (a single block: it lands whole or not at all, and every derived
 *    table below is fed by materialized views in the same insert). Before it
 *    inserts records it may have seen before (re-delivered, or at or below the
 *    highest sequence already stored), it asks `events` which of their stream
 *    sequences are present and drops those records. So a batch inserted and then
 *    re-delivered because the ack was lost adds nothing, and the summing views
 *    stay exact.
 * 2. Idempotent storage as the safety net. `events` is a ReplacingMergeTree whose
 *    sorting key ends in the event id (seq, entry, idx), so a duplicate that slips
 *    past layer 1 (two ingesters racing on one message after an ack-wait expiry)
 *    collapses; raw queries use FINAL. Per-order, per-line and per-station facts
 *    are merged with `max` (idempotent), so they are exact even then.
 *
 * Insert de-duplication tokens were the alternative: they only recognise a
 * byte-identical block, and a JetStream re-delivery after a crash regroups
 * messages into different batches, so the token would differ and the rows
 * would count twice.
 */
import type { Warehouse } from './warehouse.js';

export const TZ = 'Asia/Shanghai';
const DT = `DateTime64(3, '${TZ}')`;
const ZERO = `toDateTime64(0, 3, '${TZ}')`;
const EVENT_ID_ALIAS = `concat(toString(seq), ':', toString(entry), ':', toString(idx))`;
const max = (t: string): string => `SimpleAggregateFunction(max, ${t})`;

/** Tables in dependency order (views after their targets). */
export const TABLES = ['events', 'sales_slots', 'orders', 'order_lines', 'kitchen_stations', 'refunds'] as const;

export const DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS events (
    event_id String ALIAS ${EVENT_ID_ALIAS},
    seq UInt64,
    entry UInt32,
    idx UInt32,
    partition UInt16,
    ts ${DT},
    published ${DT},
    store LowCardinality(String),
    actor_type LowCardinality(String),
    actor_id String,
    type LowCardinality(String),
    order_id String,
    sku_id LowCardinality(String),
    table_id String,
    session_id String,
    channel LowCardinality(String),
    station LowCardinality(String),
    ref String,
    role LowCardinality(String),
    level LowCardinality(String),
    reason String,
    amount_fen Int64,
    qty Int32,
    party_size UInt16,
    stations Array(LowCardinality(String)),
    line_sku Array(String),
    line_spu Array(String),
    line_name Array(String),
    line_qty Array(UInt32),
    line_amount_fen Array(Int64),
    line_cost_fen Array(Int64),
    line_has_cost Array(UInt8),
    line_station Array(String),
    payload String CODEC(ZSTD(1)),
    INDEX seq_minmax seq TYPE minmax GRANULARITY 1
  ) ENGINE = ReplacingMergeTree
  PARTITION BY toYYYYMM(ts)
  ORDER BY (store, actor_type, type, ts, seq, entry, idx)`,

  // Paid orders and revenue per store, day and 30-minute slot (0 = 00:00–00:30 … 47).
  // The hourly heatmap is this table rolled up by slot / 2.
  `CREATE TABLE IF NOT EXISTS sales_slots (
    store LowCardinality(String),
    day Date,
    slot UInt8,
    orders UInt64,
    revenue_fen Int64
  ) ENGINE = SummingMergeTree
  ORDER BY (store, day, slot)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS sales_slots_mv TO sales_slots AS
  SELECT store, toDate(ts) AS day, toUInt8(toHour(ts) * 2 + intDiv(toMinute(ts), 30)) AS slot,
         count() AS orders, sum(amount_fen) AS revenue_fen
  FROM events WHERE actor_type = 'order' AND type = 'Paid'
  GROUP BY store, day, slot`,

  // One row per order once merged: each event contributes its own columns, max() merges them.
  `CREATE TABLE IF NOT EXISTS orders (
    store LowCardinality(String),
    order_id String,
    created_at ${max(DT)},
    channel ${max('String')},
    table_id ${max('String')},
    session_id ${max('String')},
    total_fen ${max('Int64')},
    items ${max('Int32')},
    paid_at ${max(DT)},
    paid_fen ${max('Int64')},
    cancelled_at ${max(DT)},
    cancel_reason ${max('String')},
    accepted_at ${max(DT)},
    ready_at ${max(DT)},
    served_at ${max(DT)},
    completed_at ${max(DT)},
    refund_requested_at ${max(DT)}
  ) ENGINE = AggregatingMergeTree
  ORDER BY (store, order_id)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS orders_mv TO orders AS
  SELECT store, order_id,
    if(type = 'Created', ts, ${ZERO}) AS created_at,
    if(type = 'Created', toString(channel), '') AS channel,
    if(type = 'Created', table_id, '') AS table_id,
    if(type = 'Created', session_id, '') AS session_id,
    if(type = 'Created', amount_fen, 0) AS total_fen,
    if(type = 'Created', qty, 0) AS items,
    if(type = 'Paid', ts, ${ZERO}) AS paid_at,
    if(type = 'Paid', amount_fen, 0) AS paid_fen,
    if(type = 'Cancelled', ts, ${ZERO}) AS cancelled_at,
    if(type = 'Cancelled', reason, '') AS cancel_reason,
    if(type = 'Accepted', ts, ${ZERO}) AS accepted_at,
    if(type = 'Ready', ts, ${ZERO}) AS ready_at,
    if(type = 'Served', ts, ${ZERO}) AS served_at,
    if(type = 'Completed', ts, ${ZERO}) AS completed_at,
    if(type = 'RefundRequested', ts, ${ZERO}) AS refund_requested_at
  FROM events
  WHERE actor_type = 'order'
    AND type IN ('Created', 'Paid', 'Cancelled', 'Accepted', 'Ready', 'Served', 'Completed', 'RefundRequested')`,

  // The priced lines of every order, as the catalog priced them (cost price included).
  `CREATE TABLE IF NOT EXISTS order_lines (
    store LowCardinality(String),
    order_id String,
    line_no UInt16,
    created_at ${DT},
    sku_id LowCardinality(String),
    spu_id LowCardinality(String),
    name String,
    qty UInt32,
    amount_fen Int64,
    cost_fen Int64,
    has_cost UInt8,
    station LowCardinality(String)
  ) ENGINE = ReplacingMergeTree
  ORDER BY (store, order_id, line_no)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS order_lines_mv TO order_lines AS
  SELECT store, order_id, toUInt16(n) AS line_no, ts AS created_at, sku AS sku_id, spu AS spu_id, nm AS name,
         q AS qty, amt AS amount_fen, cost AS cost_fen, hc AS has_cost, stn AS station
  FROM events
  ARRAY JOIN line_sku AS sku, line_spu AS spu, line_name AS nm, line_qty AS q, line_amount_fen AS amt,
             line_cost_fen AS cost, line_has_cost AS hc, line_station AS stn, arrayEnumerate(line_sku) AS n
  WHERE actor_type = 'order' AND type = 'Created'`,

  // One row per order and kitchen station once merged: sent (= accepted), started, done, voided.
  `CREATE TABLE IF NOT EXISTS kitchen_stations (
    store LowCardinality(String),
    order_id String,
    station LowCardinality(String),
    sent_at ${max(DT)},
    started_at ${max(DT)},
    done_at ${max(DT)},
    voided ${max('UInt8')}
  ) ENGINE = AggregatingMergeTree
  ORDER BY (store, order_id, station)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS kitchen_stations_mv TO kitchen_stations AS
  SELECT store, order_id, st AS station,
    if(type = 'SentToKitchen', ts, ${ZERO}) AS sent_at,
    if(type = 'StationStarted', ts, ${ZERO}) AS started_at,
    if(type = 'StationDone', ts, ${ZERO}) AS done_at,
    toUInt8(type = 'StationsVoided') AS voided
  FROM events
  ARRAY JOIN stations AS st
  WHERE actor_type = 'order' AND type IN ('SentToKitchen', 'StationStarted', 'StationDone', 'StationsVoided')`,

  // One row per refund once merged: asked (with its amount), approved, rejected, paid back to the diner.
  `CREATE TABLE IF NOT EXISTS refunds (
    store LowCardinality(String),
    order_id String,
    refund_id String,
    requested_at ${max(DT)},
    amount_fen ${max('Int64')},
    reason ${max('String')},
    approved_at ${max(DT)},
    rejected_at ${max(DT)},
    completed_at ${max(DT)}
  ) ENGINE = AggregatingMergeTree
  ORDER BY (store, order_id, refund_id)`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS refunds_mv TO refunds AS
  SELECT store, order_id, ref AS refund_id,
    if(type = 'RefundRequested', ts, ${ZERO}) AS requested_at,
    if(type = 'RefundRequested', amount_fen, 0) AS amount_fen,
    if(type = 'RefundRequested', reason, '') AS reason,
    if(type = 'RefundApproved', ts, ${ZERO}) AS approved_at,
    if(type = 'RefundRejected', ts, ${ZERO}) AS rejected_at,
    if(type = 'RefundCompleted', ts, ${ZERO}) AS completed_at
  FROM events
  WHERE actor_type = 'order' AND type IN ('RefundRequested', 'RefundApproved', 'RefundRejected', 'RefundCompleted')`,
];

/** Creates whatever is missing and brings older tables up to date. Safe to run at every start. */
export async function migrate(wh: Warehouse): Promise<void> {
  for (const sql of DDL) await wh.command(sql);
  // Before the TabSeparated insert, `event_id` was a stored column the ingester filled; inserts
  // now leave it out, so an older table gets the ALIAS (its stored ids equal the computed ones).
  const [col] = await wh.query<{ kind: string }>(
    `SELECT default_kind AS kind FROM system.columns
     WHERE database = currentDatabase() AND table = 'events' AND name = 'event_id'`,
  );
  if (col !== undefined && col.kind !== 'ALIAS') {
    await wh.command('ALTER TABLE events DROP COLUMN event_id');
    await wh.command(`ALTER TABLE events ADD COLUMN event_id String ALIAS ${EVENT_ID_ALIAS} FIRST`);
  }
}

/** Empties every table (the views stay): the first step of a rebuild. */
export async function truncateAll(wh: Warehouse): Promise<void> {
  for (const t of TABLES) await wh.command(`TRUNCATE TABLE IF EXISTS ${t}`);
}
