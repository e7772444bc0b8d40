/**
 * From the engine's records to typed rows of the raw `events` table. One row
 * per domain event; its id `<stream seq>:<entry index>:<event index>` (the
 * `event_id` ALIAS column) is the same on every delivery of the record, which
 * is what makes re-delivery safe.
 *
 * Rows go to ClickHouse as TabSeparated text built here (`rowToTsv`), one line
 * per event, columns in `EVENT_COLUMNS` order: ClickHouse parses it faster than
 * JSONEachRow (no field names to match), and building it from a row whose
 * fields are all present in one order is cheaper than `JSON.stringify`.
 */
import { isBatchRecord, type LogEntry, type PartitionRecord } from '@lunchrush/engine/log';
import type { OrderEvent, StockEvent, TableEvent } from '@lunchrush/actors';

/** A row of `events` as inserted: every column present (one shape for V8). Times are ms since the epoch. */
export interface EventRow {
  seq: number;
  entry: number;
  idx: number;
  partition: number;
  ts: number;
  published: number;
  store: string;
  actor_type: string;
  actor_id: string;
  type: string;
  order_id: string;
  sku_id: string;
  table_id: string;
  session_id: string;
  channel: string;
  station: string;
  ref: string;
  role: string;
  level: string;
  reason: string;
  amount_fen: number;
  qty: number;
  party_size: number;
  stations: readonly string[];
  line_sku: readonly string[];
  line_spu: readonly string[];
  line_name: readonly string[];
  line_qty: readonly number[];
  line_amount_fen: readonly number[];
  line_cost_fen: readonly number[];
  line_has_cost: readonly number[];
  line_station: readonly string[];
  payload: string;
}

/** The columns of an insert into `events`, in the order `rowToTsv` writes them (`event_id` is computed). */
export const EVENT_COLUMNS: readonly (keyof EventRow)[] = [
  'seq',
  'entry',
  'idx',
  'partition',
  'ts',
  'published',
  'store',
  'actor_type',
  'actor_id',
  'type',
  'order_id',
  'sku_id',
  'table_id',
  'session_id',
  'channel',
  'station',
  'ref',
  'role',
  'level',
  'reason',
  'amount_fen',
  'qty',
  'party_size',
  'stations',
  'line_sku',
  'line_spu',
  'line_name',
  'line_qty',
  'line_amount_fen',
  'line_cost_fen',
  'line_has_cost',
  'line_station',
  'payload',
];

const NONE: readonly never[] = [];

/** Where a record came from: its stream sequence, partition and JetStream time. */
export interface RecordOrigin {
  seq: number;
  partition: number;
  publishedMs: number;
}

/** Every event of a record as rows; fences and entries without events give none. */
export function recordToRows(record: PartitionRecord, origin: RecordOrigin): EventRow[] {
  if (!isBatchRecord(record)) return [];
  const rows: EventRow[] = [];
  record.x.forEach((entry, e) => {
    entry.ev?.forEach((ev, i) => rows.push(eventRow(entry, e, i, ev, origin)));
  });
  return rows;
}

type AnyEvent = { type?: unknown; at?: unknown } & Record<string, unknown>;

function eventRow(entry: LogEntry, e: number, i: number, raw: unknown, o: RecordOrigin): EventRow {
  const [actorType, store, actorId] = entry.a;
  const ev = (typeof raw === 'object' && raw !== null ? raw : { value: raw }) as AnyEvent;
  const at = typeof ev.at === 'number' && Number.isFinite(ev.at) ? ev.at : o.publishedMs;
  const row: EventRow = {
    seq: o.seq,
    entry: e,
    idx: i,
    partition: o.partition,
    ts: Math.trunc(at),
    published: Math.trunc(o.publishedMs),
    store: String(store),
    actor_type: String(actorType),
    actor_id: String(actorId),
    type: typeof ev.type === 'string' ? ev.type : '',
    order_id: '',
    sku_id: '',
    table_id: '',
    session_id: '',
    channel: '',
    station: '',
    ref: '',
    role: '',
    level: '',
    reason: '',
    amount_fen: 0,
    qty: 0,
    party_size: 0,
    stations: NONE,
    line_sku: NONE,
    line_spu: NONE,
    line_name: NONE,
    line_qty: NONE,
    line_amount_fen: NONE,
    line_cost_fen: NONE,
    line_has_cost: NONE,
    line_station: NONE,
    payload: JSON.stringify(ev),
  };
  if (actorType === 'order') orderColumns(row, actorId, ev as unknown as OrderEvent);
  else if (actorType === 'stock') stockColumns(row, actorId, ev as unknown as StockEvent);
  else if (actorType === 'table') tableColumns(row, actorId, ev as unknown as TableEvent);
  else if (actorType === 'reco') recoColumns(row, ev);
  return row;
}

/** A recommendation shown or clicked (`RecoEvent`): the SKU, the table, the A/B arm in `channel`, the list in `ref`. */
function recoColumns(row: EventRow, ev: AnyEvent): void {
  if (typeof ev.skuId === 'string') row.sku_id = ev.skuId;
  if (typeof ev.tableId === 'string') row.table_id = ev.tableId;
  if (typeof ev.variant === 'string') row.channel = ev.variant;
  if (typeof ev.context === 'string') row.ref = ev.context;
  if (typeof ev.position === 'number' && Number.isInteger(ev.position)) row.qty = ev.position;
}

function orderColumns(row: EventRow, orderId: string, ev: OrderEvent): void {
  row.order_id = orderId;
  switch (ev.type) {
    case 'Created': {
      row.channel = ev.channel;
      if (ev.tableId !== null) row.table_id = ev.tableId;
      if (ev.sessionId !== null) row.session_id = ev.sessionId;
      row.amount_fen = ev.totalFen;
      row.qty = ev.lines.reduce((n, l) => n + l.qty, 0);
      row.line_sku = ev.lines.map((l) => l.skuId);
      row.line_spu = ev.lines.map((l) => l.spuId);
      row.line_name = ev.lines.map((l) => (l.spec === '' ? l.name : `${l.name} (${l.spec})`));
      row.line_qty = ev.lines.map((l) => l.qty);
      row.line_amount_fen = ev.lines.map((l) => l.amountFen);
      // The catalog's cost price is per unit of the SKU; options are not costed.
      row.line_cost_fen = ev.lines.map((l) => (l.costFen ?? 0) * l.qty);
      row.line_has_cost = ev.lines.map((l) => (l.costFen === undefined ? 0 : 1));
      row.line_station = ev.lines.map((l) => l.station);
      break;
    }
    case 'Paid':
    case 'PaymentReceived':
      row.amount_fen = ev.amountFen;
      row.ref = ev.paymentId;
      break;
    case 'Cancelled':
      row.reason = ev.reason;
      row.role = ev.by.role;
      break;
    case 'Accepted':
    case 'Served':
      row.role = ev.by.role;
      break;
    case 'SentToKitchen':
    case 'StationsVoided':
      row.stations = [...ev.stations];
      break;
    case 'StationStarted':
    case 'StationDone':
      row.station = ev.station;
      row.stations = [ev.station];
      break;
    case 'Urged':
      row.qty = ev.count;
      row.role = ev.by.role;
      break;
    case 'Reviewed':
      row.qty = ev.rating;
      break;
    case 'RefundRequested':
      row.ref = ev.refund.refundId;
      row.amount_fen = ev.refund.amountFen;
      row.reason = ev.refund.reason;
      row.role = ev.refund.by.role;
      break;
    case 'RefundApproved':
      row.ref = ev.refundId;
      row.role = ev.by.role;
      break;
    case 'RefundRejected':
      row.ref = ev.refundId;
      row.role = ev.by.role;
      row.reason = ev.reason;
      break;
    case 'RefundCompleted':
      row.ref = ev.refundId;
      break;
    case 'TableChanged':
      row.table_id = ev.tableId;
      break;
    case 'Revived':
      row.ref = ev.holdRef;
      break;
    default:
      break;
  }
}

/** Stock movement keys are `<channel>:<ref>`; mini-program refs are order ids (`o_…`, `o_….r` after a revival). */
function keyParts(key: string): { channel: string; ref: string } {
  const i = key.indexOf(':');
  return i < 0 ? { channel: '', ref: key } : { channel: key.slice(0, i), ref: key.slice(i + 1) };
}

function stockColumns(row: EventRow, skuId: string, ev: StockEvent): void {
  row.sku_id = skuId;
  if ('key' in ev) {
    const k = keyParts(ev.key);
    row.ref = k.ref;
    if (k.channel !== '') row.channel = k.channel;
    if (k.ref.startsWith('o_')) row.order_id = k.ref.replace(/\.r$/, '');
  }
  switch (ev.type) {
    case 'Reserved':
    case 'Sold':
      row.channel = ev.channel;
      row.qty = ev.qty;
      break;
    case 'Committed':
    case 'Released':
    case 'Returned':
    case 'Restocked':
      row.qty = ev.qty;
      if ('reason' in ev && typeof ev.reason === 'string') row.reason = ev.reason;
      break;
    case 'StockSet':
      row.qty = ev.available;
      if (ev.reason !== undefined) row.reason = ev.reason;
      break;
    case 'Adjusted':
      row.qty = ev.delta;
      row.reason = ev.reason;
      break;
    case 'EightySixed':
      row.level = ev.on ? 'on' : 'off';
      if (ev.reason !== undefined) row.reason = ev.reason;
      break;
    case 'LevelChanged':
      row.level = ev.level;
      row.qty = ev.available;
      break;
    case 'ThresholdSet':
      row.qty = ev.lowThreshold;
      break;
  }
}

function tableColumns(row: EventRow, tableId: string, ev: TableEvent): void {
  row.table_id = tableId;
  switch (ev.type) {
    case 'Seated':
      row.session_id = ev.sessionId;
      row.party_size = ev.partySize;
      break;
    case 'SessionReceived':
    case 'Absorbed':
      row.session_id = ev.session.sessionId;
      row.party_size = ev.session.partySize;
      row.ref = ev.fromTableId;
      break;
    case 'CartSubmitted':
      row.order_id = ev.orderId;
      row.amount_fen = ev.totalFen;
      break;
    case 'OrderPaidNoted':
    case 'OrderCancelledNoted':
      row.order_id = ev.orderId;
      break;
    case 'SessionClosed':
      row.role = ev.by.role;
      row.qty = ev.droppedLines;
      break;
    case 'MergedInto':
    case 'TransferredOut':
      row.ref = ev.tableId;
      break;
    case 'CartLineAdded':
      row.sku_id = ev.line.skuId;
      row.qty = ev.line.qty;
      break;
    default:
      break;
  }
}

/** Every event of a record as TabSeparated lines (each ending in a newline), and how many. */
export function recordToTsv(record: PartitionRecord, origin: RecordOrigin): { events: number; tsv: Buffer } {
  const rows = recordToRows(record, origin);
  let tsv = '';
  for (const r of rows) tsv += rowToTsv(r);
  return { events: rows.length, tsv: Buffer.from(tsv) };
}

/**
 * One TabSeparated line of `events` in `EVENT_COLUMNS` order. Numbers that are
 * not finite become 0 and strings are escaped, so a malformed event still
 * loads (a batch ClickHouse refuses would be re-delivered for ever).
 */
export function rowToTsv(r: EventRow): string {
  return (
    `${int(r.seq)}\t${int(r.entry)}\t${int(r.idx)}\t${int(r.partition)}\t${time(r.ts)}\t${time(r.published)}\t` +
    `${str(r.store)}\t${str(r.actor_type)}\t${str(r.actor_id)}\t${str(r.type)}\t${str(r.order_id)}\t` +
    `${str(r.sku_id)}\t${str(r.table_id)}\t${str(r.session_id)}\t${str(r.channel)}\t${str(r.station)}\t` +
    `${str(r.ref)}\t${str(r.role)}\t${str(r.level)}\t${str(r.reason)}\t` +
    `${int(r.amount_fen)}\t${int(r.qty)}\t${int(r.party_size)}\t${strs(r.stations)}\t` +
    `${strs(r.line_sku)}\t${strs(r.line_spu)}\t${strs(r.line_name)}\t${ints(r.line_qty)}\t` +
    `${ints(r.line_amount_fen)}\t${ints(r.line_cost_fen)}\t${ints(r.line_has_cost)}\t${strs(r.line_station)}\t` +
    `${str(r.payload)}\n`
  );
}

const int = (n: unknown): string => (typeof n === 'number' && Number.isFinite(n) ? String(Math.trunc(n)) : '0');

/**
 * A DateTime64(3) as text: seconds, zero-padded to 10 digits, and milliseconds.
 * ClickHouse reads a bare integer by its number of digits (`0` fails, `1234` is a
 * year, 13 digits are milliseconds), but 10 digits and a fraction always as Unix
 * time. Outside 1970…2286 clamps (no event of a restaurant lives there).
 */
function time(ms: number): string {
  const t = Number.isFinite(ms) ? Math.min(Math.max(Math.trunc(ms), 0), 9_999_999_999_999) : 0;
  const s = t >= 1e12 ? String(t) : String(t).padStart(13, '0');
  return `${s.slice(0, 10)}.${s.slice(10)}`;
}

// TabSeparated: a backslash starts an escape, tab and newline end a field or row.
const TSV_SPECIAL = /[\\\t\n\r]/;
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', "'": "\\'" };
const escapeChar = (c: string): string => TSV_ESCAPES[c]!;

/** A value meant to be a string: as is; numbers and booleans as text; objects as JSON; nothing as ''. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

function str(v: unknown): string {
  if (v === '') return '';
  const s = text(v);
  return TSV_SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, escapeChar) : s;
}

/** An array literal of strings: `['a','b']`, quotes and backslashes escaped. */
function strs(a: readonly unknown[]): string {
  if (a.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < a.length; i++) {
    const s = text(a[i]);
    out += `${i === 0 ? '' : ','}'${/[\\\t\n\r']/.test(s) ? s.replace(/[\\\t\n\r']/g, escapeChar) : s}'`;
  }
  return `${out}]`;
}

function ints(a: readonly unknown[]): string {
  if (a.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < a.length; i++) out += (i === 0 ? '' : ',') + int(a[i]);
  return `${out}]`;
}
