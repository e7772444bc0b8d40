/**
 * Snapshots: the full state of a topic, read through the engine's `get`
 * commands (and, for a kitchen station, the kitchen stream), so a client
 * starts from the truth and only needs deltas afterwards.
 */
import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decode, encode } from '@lunchrush/engine';
import { wire, type PrinterStatusAnswer } from '@lunchrush/actors/wire';
import {
  catalogOf,
  isKitchenClosed,
  needsStaff,
  orderOf,
  stockOf,
  storeOf,
  tableOf,
  type KitchenTicket,
  type OrderDetail,
  type StockView,
  type StoreView,
  type TableView,
} from '@lunchrush/actors';
import { groupOf, type GroupPush } from '@lunchrush/actors/campaigns';
import type { PushEngine } from './deps.js';
import type { Topic } from './protocol.js';

export interface Snapshot {
  readonly data: unknown;
  /** Entity versions the snapshot already contains (keys as in deltas). */
  readonly versions: Record<string, number>;
}

export interface SnapshotSources {
  /** Reads go through the gateway's in-flight limit (`PushDeps.engine`). */
  readonly engine: PushEngine;
  /** NATS, for the printer daemon's status request. */
  readonly nc: NatsConnection;
  readonly namespace: string;
  /** The store's view with its table list (`PushDeps.readStore`); without it the store actor is read. */
  readonly readStore?: ((store: string, at: number) => Promise<StoreView>) | undefined;
  /** JetStream, for the kitchen station snapshot. */
  readonly js: JetStreamClient;
  /** How far back a kitchen display looks for open tickets. */
  readonly kitchenWindowMs: number;
}

/** Thrown when the entity a topic names does not exist. */
export class SnapshotNotFound extends Error {}

function notFound(e: unknown): boolean {
  return (e as { reason?: unknown }).reason === 'order_not_found';
}

export async function readSnapshot(src: SnapshotSources, store: string, topic: Topic): Promise<Snapshot> {
  switch (topic.kind) {
    case 'table': {
      const view = await tableOf(src.engine, store, topic.id).send({ type: 'get' });
      return { data: view, versions: { [`table:${topic.id}`]: view.version } };
    }
    case 'order': {
      let detail: OrderDetail;
      try {
        detail = await orderOf(src.engine, store, topic.id).send({ type: 'get' });
      } catch (e) {
        if (notFound(e)) throw new SnapshotNotFound(`order ${topic.id} not found`);
        throw e;
      }
      // The order's pushes carry `order:<id>:<version>`: a client drops one at or below this.
      return { data: detail, versions: { [`order:${topic.id}`]: detail.version } };
    }
    case 'board':
      return readBoard(src, store);
    case 'menu':
      return readMenu(src, store);
    case 'kitchen':
      return readKitchen(src, store, topic.id);
    case 'printers':
      return readPrinters(src, store);
    case 'group':
      return readGroup(src, store, topic.id);
  }
}

/** A group's counts, in the shape of its pushes (`GroupPush`): no member ids, any diner of the store may follow it. */
async function readGroup(src: SnapshotSources, store: string, groupId: string): Promise<Snapshot> {
  const g = await groupOf(src.engine, store, groupId)
    .send({ type: 'get' })
    .catch((e: unknown) => {
      if ((e as { reason?: unknown }).reason === 'group_not_found')
        throw new SnapshotNotFound(`group ${groupId} not found`);
      throw e;
    });
  const data: GroupPush = {
    kind: 'group',
    groupId,
    status: g.status,
    members: g.members,
    paid: g.paid,
    size: g.size,
    seq: g.version,
    at: Date.now(),
  };
  // The group's pushes carry `group:<id>:<seq>`: a client drops one at or below this.
  return { data, versions: { [`group:${groupId}`]: g.version } };
}

/** The printer daemon's answer on `<ns>.printers.<store>.status`; `available: false` when no daemon answered. */
export type PrintersSnapshot = Pick<PrinterStatusAnswer, 'configured' | 'printers' | 'stations'> & {
  readonly available: boolean;
};

export const PRINTER_STATUS_TIMEOUT_MS = 2_000;

async function readPrinters(src: SnapshotSources, store: string): Promise<Snapshot> {
  let data: PrintersSnapshot;
  try {
    const m = await src.nc.request(wire(src.namespace).printerStatus(store), encode({}), {
      timeout: PRINTER_STATUS_TIMEOUT_MS,
    });
    const r = decode<PrinterStatusAnswer>(m.data);
    data = { available: true, configured: r.configured, printers: r.printers, stations: r.stations };
  } catch {
    // No printer daemon serves this store (or it is restarting): the board says so, alarms still arrive.
    data = { available: false, configured: false, printers: [], stations: [] };
  }
  return { data, versions: {} };
}

export interface BoardSnapshot {
  readonly store: StoreView;
  readonly tables: readonly TableView[];
  /** Orders waiting for staff: paid (to accept), ready (to serve), refund requested. */
  readonly orders: readonly OrderDetail[];
}

async function readBoard(src: SnapshotSources, store: string): Promise<Snapshot> {
  const at = Date.now();
  const view = await (src.readStore?.(store, at) ?? storeOf(src.engine, store).send({ type: 'get', at }));
  const tables = (
    await Promise.all(view.tables.map((id) => tableOf(src.engine, store, id).send({ type: 'get' })))
  ).filter((t) => t.label !== '');
  const orderIds = tables.flatMap((t) => t.orders.filter((o) => o.state === 'paid').map((o) => o.orderId));
  const orders = (await Promise.all(orderIds.map((id) => orderOf(src.engine, store, id).send({ type: 'get' })))).filter(
    (o) => needsStaff(o.status),
  );
  const versions: Record<string, number> = {};
  for (const t of tables) versions[`board:${t.tableId}`] = t.version;
  const data: BoardSnapshot = { store: view, tables, orders };
  return { data, versions };
}

export interface MenuSnapshot {
  readonly levels: Record<string, { readonly level: StockView['level']; readonly available: number }>;
}

async function readMenu(src: SnapshotSources, store: string): Promise<Snapshot> {
  const cat = await catalogOf(src.engine, store).send({ type: 'get' });
  const skuIds = cat.catalog.spus.flatMap((s) => s.skus.map((k) => k.skuId));
  const views = await Promise.all(skuIds.map((id) => stockOf(src.engine, store, id).send({ type: 'get' })));
  const levels: MenuSnapshot['levels'] = {};
  for (const v of views) levels[v.skuId] = { level: v.level, available: v.available };
  const data: MenuSnapshot = { levels };
  return { data, versions: {} };
}

/** One open ticket on a kitchen display. */
export interface StationTicket {
  readonly ticket: KitchenTicket;
  /** The station's progress on this order. */
  readonly state: 'queued' | 'cooking';
  readonly status: string;
  readonly urges: number;
}

export interface KitchenSnapshot {
  readonly station: string;
  readonly tickets: readonly StationTicket[];
}

/** Every kitchen message of one station since `since`, in stream order, with its stream sequence. */
export async function readStationTickets(
  js: JetStreamClient,
  ns: string,
  store: string,
  station: string,
  since: number,
): Promise<{ ticket: KitchenTicket; seq: number }[]> {
  const w = wire(ns);
  const c = await js.consumers.get(w.kitchenStream, {
    filter_subjects: w.kitchenSubject(store, station),
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(since).toISOString(),
  });
  try {
    const info = await c.info(true);
    if (info.num_pending === 0) return [];
    const out: { ticket: KitchenTicket; seq: number }[] = [];
    const msgs = await c.consume({ max_messages: 512 });
    for await (const m of msgs) {
      out.push({ ticket: decode<KitchenTicket>(m.data), seq: m.seq });
      if (m.info.pending === 0) break;
    }
    return out;
  } finally {
    await c.delete().catch(() => undefined);
  }
}

async function readKitchen(src: SnapshotSources, store: string, station: string): Promise<Snapshot> {
  const msgs = await readStationTickets(src.js, src.namespace, store, station, Date.now() - src.kitchenWindowMs);
  const byOrder = new Map<string, { ticket?: KitchenTicket; voided: boolean; urges: number }>();
  const versions: Record<string, number> = {};
  for (const { ticket, seq } of msgs) {
    versions[ticket.ticketId] = seq;
    let o = byOrder.get(ticket.orderId);
    if (o === undefined) byOrder.set(ticket.orderId, (o = { voided: false, urges: 0 }));
    if (ticket.kind === 'new') o.ticket = ticket;
    else if (ticket.kind === 'urge') o.urges = Math.max(o.urges + 1, ticket.urgeCount ?? 0);
    else if (ticket.kind === 'void') o.voided = true;
  }
  const open = [...byOrder].filter(([, o]) => o.ticket !== undefined);
  const details = await Promise.all(open.map(([id]) => readOrderStations(src, store, id)));
  const tickets: StationTicket[] = [];
  open.forEach(([orderId, o], i) => {
    const d = details[i];
    if (d === null || d === undefined || isKitchenClosed(d.status)) return;
    const progress = d.stations.find((s) => s.station === station);
    if (progress === undefined || (progress.state !== 'queued' && progress.state !== 'cooking')) return;
    tickets.push({ ticket: o.ticket!, state: progress.state, status: d.status, urges: o.urges });
    // `progress` deltas carry the order's version: one at or below this is already in the snapshot.
    versions[`progress:${orderId}`] = d.version;
  });
  const data: KitchenSnapshot = { station, tickets };
  return { data, versions };
}

/** The kitchen-relevant view of one order: each station's progress, for `progress` deltas. */
export async function readOrderStations(
  src: SnapshotSources,
  store: string,
  orderId: string,
): Promise<OrderDetail | null> {
  try {
    return await orderOf(src.engine, store, orderId).send({ type: 'get' });
  } catch (e) {
    if (notFound(e)) return null;
    throw e;
  }
}
