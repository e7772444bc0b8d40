/**
 * From the engine's records to typed rows of the raw `events` table. One row
 * per domain event; its id `<stream seq>:<entry index>:<event index>` is the
 * same on every delivery of the record, which is what makes re-delivery safe.
 *
 * Only columns with a value are set: JSONEachRow fills the rest with defaults.
 */
import type { BatchRecord, LogEntry, PartitionRecord } from '@lunchrush/engine';
import type { OrderEvent, StockEvent, TableEvent } from '@lunchrush/actors';

/** A row of `events`, as inserted (JSONEachRow). Times are ms since the epoch. */
export interface EventRow {
  event_id: string;
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
  order_id?: string;
  sku_id?: string;
  table_id?: string;
  session_id?: string;
  channel?: string;
  station?: string;
  ref?: string;
  role?: string;
  level?: string;
  reason?: string;
  amount_fen?: number;
  qty?: number;
  party_size?: number;
  stations?: string[];
  line_sku?: string[];
  line_spu?: string[];
  line_name?: string[];
  line_qty?: number[];
  line_amount_fen?: number[];
  line_cost_fen?: number[];
  line_has_cost?: number[];
  line_station?: string[];
  payload: string;
}

/** Where a record came from: its stream sequence, partition and JetStream time. */
export interface RecordOrigin {
  seq: number;
  partition: number;
  publishedMs: number;
}

export function isBatchRecord(r: unknown): r is BatchRecord {
  return typeof r === 'object' && r !== null && (r as { k?: unknown }).k === 'b' && Array.isArray((r as BatchRecord).x);
}

/** The partition number of an event subject `<ns>.ev.<p>` (-1 when it is not one). */
export function partitionOfSubject(subject: string): number {
  const i = subject.lastIndexOf('.');
  const p = Number(subject.slice(i + 1));
  return Number.isInteger(p) && p >= 0 ? p : -1;
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
    event_id: `${o.seq}:${e}:${i}`,
    seq: o.seq,
    entry: e,
    idx: i,
    partition: o.partition,
    ts: Math.trunc(at),
    published: Math.trunc(o.publishedMs),
    store,
    actor_type: actorType,
    actor_id: actorId,
    type: typeof ev.type === 'string' ? ev.type : '',
    payload: JSON.stringify(ev),
  };
  if (actorType === 'order') orderColumns(row, actorId, ev as unknown as OrderEvent);
  else if (actorType === 'stock') stockColumns(row, actorId, ev as unknown as StockEvent);
  else if (actorType === 'table') tableColumns(row, actorId, ev as unknown as TableEvent);
  return row;
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
