/**
 * WebSocket push on real uWS, real NATS and a real engine: snapshots then
 * ordered deltas, gaps re-synced, a slow consumer dropped and re-synced with
 * bounded buffers, authentication and topic rules, kitchen and board topics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encode } from '@lunchrush/engine';
import type { BoardPush, KitchenTicket, TableView } from '@lunchrush/actors';
import { wire } from '@lunchrush/actors/wire';
import { jetstreamManager } from '@nats-io/jetstream';
import { cleanupNamespace, uniqueNamespace, waitFor } from '@lunchrush/testkit';
import {
  createPushServer,
  type BoardSnapshot,
  type KitchenSnapshot,
  type MenuSnapshot,
  type PushServer,
} from '../src/push/index.js';
import type { PrintersSnapshot } from '../src/push/snapshots.js';
import type { PushClient, PushClientOptions } from '../src/push/client.js';
import { STORE, connectClient, placePaidOrder, startWorld, tableOf, type World } from './push-support.js';

const BOUND = 64 * 1024;

let w: World;
let server: PushServer;
const clients: PushClient[] = [];

beforeAll(async () => {
  w = await startWorld('push');
  server = await createPushServer({
    nc: w.t.nc,
    namespace: w.t.ns,
    engine: w.client,
    authenticate: w.authenticate,
    maxBackpressureBytes: BOUND,
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  await w?.close();
});

async function client(token: string, opts: PushClientOptions = {}): Promise<PushClient> {
  const c = await connectClient(`${server.url}?token=${token}`, opts);
  clients.push(c);
  return c;
}

/** A kitchen station's deltas: a ticket, or an order's progress at the station. */
interface KitchenProgress {
  readonly kind: 'progress';
  readonly orderId: string;
  readonly station: string;
  readonly state: string;
  readonly status: string;
}
type KitchenDelta = { readonly kind: 'ticket'; readonly ticket: KitchenTicket } | KitchenProgress;

/** Every frame a client receives, parsed. */
function tap(c: PushClient): { type: string; topic?: string; seq?: number; data?: any }[] {
  const seen: { type: string; topic?: string }[] = [];
  (c.socket as unknown as WebSocket).on('message', (d: Buffer) =>
    seen.push(JSON.parse(d.toString()) as { type: string; topic?: string }),
  );
  return seen;
}

const tableGet = (id: string): Promise<TableView> => w.client.send<TableView>(STORE, 'table', id, { type: 'get' });
const tableCmd = (id: string, cmd: object): Promise<unknown> =>
  w.client.send(STORE, 'table', id, { ...cmd, at: Date.now() });

describe('authentication and topic rules', () => {
  it('refuses an upgrade without a valid token with 401', async () => {
    for (const url of [server.url, `${server.url}?token=nope`]) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error('upgraded without a token')));
        ws.on('error', () => undefined);
      });
      expect(status).toBe(401);
    }
    expect(server.hub.stats().refusedUpgrades).toBeGreaterThanOrEqual(2);
  });

  it('accepts the token in an Authorization header too', async () => {
    const ws = new WebSocket(server.url, { headers: { authorization: 'Bearer staff-token' } });
    const first = await new Promise<unknown>((resolve, reject) => {
      ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString())));
      ws.once('error', reject);
    });
    expect(first).toMatchObject({ type: 'welcome', kind: 'staff', store: STORE, role: 'manager' });
    ws.close();
  });

  it("refuses a diner's subscriptions outside their table, and malformed frames", async () => {
    const c = await client('diner-0');
    const errors: { code: string; topic?: string }[] = [];
    const c2 = await client('diner-0', { onError: (m) => errors.push(m) });
    c2.subscribe(`table:${tableOf(w, 1)}`);
    c2.subscribe('board');
    c2.subscribe('kitchen:wok');
    c2.subscribe('nonsense:x');
    (c2.socket as unknown as WebSocket).send('{not json');
    await placePaidOrder(w, 2, 'o_push_other');
    c2.subscribe('order:o_push_other');
    await waitFor(() => errors.length >= 6, { what: 'six errors' });
    expect(errors.map((e) => [e.code, e.topic])).toEqual(
      expect.arrayContaining([
        ['forbidden', `table:${tableOf(w, 1)}`],
        ['forbidden', 'board'],
        ['forbidden', 'kitchen:wok'],
        ['unknown_topic', 'nonsense:x'],
        ['bad_message', undefined],
        ['forbidden', 'order:o_push_other'],
      ]) as unknown,
    );
    // A frame past the size limit closes the socket.
    const closed = new Promise<number>((resolve) => (c2.socket as unknown as WebSocket).once('close', resolve));
    (c2.socket as unknown as WebSocket).send(JSON.stringify({ type: 'subscribe', topic: 'x'.repeat(8_000) }));
    expect(await closed).toBeGreaterThanOrEqual(1000);
    // Its own table is fine.
    let view: TableView | undefined;
    c.subscribe(`table:${tableOf(w, 0)}`, { snapshot: (d: TableView) => (view = d) });
    await waitFor(() => view, { what: 'own table snapshot' });
    expect(view!.tableId).toBe(tableOf(w, 0));
  });
});

describe('snapshot, then deltas in order', () => {
  it('a diner gets the table, then every change with consecutive seqs and rising versions', async () => {
    const T = tableOf(w, 4);
    const c = await client('diner-4');
    const seen = tap(c);
    let view: TableView | undefined;
    c.subscribe(`table:${T}`, {
      snapshot: (d: TableView) => (view = d),
      delta: (d: TableView) => (view = d),
    });
    await waitFor(() => view, { what: 'snapshot' });
    await tableCmd(T, { type: 'open', sessionId: 's-ord', partySize: 3, dinerId: 'd1' });
    for (let i = 0; i < 5; i++) {
      await tableCmd(T, {
        type: 'addLine',
        lineId: `d1-${i}`,
        dinerId: 'd1',
        skuId: 'mapo-doufu',
        qty: 1,
        options: [{ group: 'spice', choice: 'hot' }],
      });
    }
    await tableCmd(T, { type: 'updateLine', lineId: 'd1-0', qty: 3 });
    const truth = await tableGet(T);
    await waitFor(() => view?.version === truth.version, { what: 'the last delta' });
    expect(view!.cart.map((l) => [l.lineId, l.qty])).toEqual(truth.cart.map((l) => [l.lineId, l.qty]));
    const frames = seen.filter((m) => m.topic === `table:${T}`);
    expect(frames[0]!.type).toBe('snapshot');
    const deltas = frames.filter((m) => m.type === 'delta');
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => frames[0]!.seq! + i + 1));
    const versions = deltas.map((d) => (d.data as TableView).version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(deltas).toHaveLength(7);
  });

  it('a missed delta shows as a gap in seq and the client re-syncs to a fresh snapshot', async () => {
    const T = tableOf(w, 5);
    // The transport loses the second delta of the table, as a flaky network would.
    let deltasSeen = 0;
    class LossyWebSocket {
      readonly ws: WebSocket;
      onopen: ((ev: unknown) => void) | null = null;
      onmessage: ((ev: { data: string }) => void) | null = null;
      onerror: ((ev: unknown) => void) | null = null;
      onclose: ((ev: { code: number }) => void) | null = null;
      constructor(url: string) {
        this.ws = new WebSocket(url);
        this.ws.on('open', (e: unknown) => this.onopen?.(e));
        this.ws.on('error', (e: unknown) => this.onerror?.(e));
        this.ws.on('close', (code: number) => this.onclose?.({ code }));
        this.ws.on('message', (d: Buffer) => {
          const text = d.toString();
          if (text.includes('"type":"delta"') && ++deltasSeen === 2) return;
          this.onmessage?.({ data: text });
        });
      }
      get readyState(): number {
        return this.ws.readyState;
      }
      send(data: string): void {
        this.ws.send(data);
      }
      close(code?: number, reason?: string): void {
        this.ws.close(code, reason);
      }
    }
    const c = await client('diner-5', { WebSocket: LossyWebSocket as unknown as PushClientOptions['WebSocket'] });
    let view: TableView | undefined;
    c.subscribe(`table:${T}`, { snapshot: (d: TableView) => (view = d), delta: (d: TableView) => (view = d) });
    await waitFor(() => view, { what: 'snapshot' });
    await tableCmd(T, { type: 'open', sessionId: 's-gap', partySize: 2, dinerId: 'd1' });
    await tableCmd(T, {
      type: 'addLine',
      lineId: 'd1-0',
      dinerId: 'd1',
      skuId: 'mapo-doufu',
      qty: 1,
      options: [{ group: 'spice', choice: 'mild' }],
    });
    await tableCmd(T, {
      type: 'addLine',
      lineId: 'd1-1',
      dinerId: 'd1',
      skuId: 'mapo-doufu',
      qty: 2,
      options: [{ group: 'spice', choice: 'mild' }],
    });
    const truth = await tableGet(T);
    await waitFor(() => view?.version === truth.version && c.topics.get(`table:${T}`)?.ready, {
      what: 'resynced view',
    });
    expect(c.stats.gaps).toBe(1);
    expect(c.stats.resyncs).toBe(1);
    expect(c.stats.snapshots).toBe(2);
    expect(view!.cart.map((l) => l.lineId)).toEqual(['d1-0', 'd1-1']);
  });
});

describe('fan-out', () => {
  it('a push reaches only the sockets subscribed to its topic, in its store', async () => {
    const [A, B] = [tableOf(w, 6), tableOf(w, 7)];
    const a = await client('diner-6');
    const b = await client('diner-7');
    const staff = await client('staff-token');
    const seenA = tap(a);
    const seenB = tap(b);
    const board: BoardPush[] = [];
    let ra = 0;
    let rb = 0;
    a.subscribe(`table:${A}`, { snapshot: () => ra++, delta: () => ra++ });
    b.subscribe(`table:${B}`, { snapshot: () => rb++, delta: () => rb++ });
    staff.subscribe('board', { delta: (d: BoardPush) => board.push(d) });
    await waitFor(() => ra === 1 && rb === 1 && staff.topics.get('board')?.ready, { what: 'three snapshots' });

    // The same table id in another store, straight on NATS as the engine would publish it.
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `table:${A}:999`);
    w.t.nc.publish(`${w.t.ns}.push.002.table.${A}`, encode({ kind: 'table', tableId: A, version: 999 }), {
      headers: h,
    });
    await tableCmd(B, { type: 'open', sessionId: 's-b', partySize: 4, dinerId: 'db' });
    await waitFor(() => rb === 2, { what: "B's delta" });
    await tableCmd(A, { type: 'open', sessionId: 's-a', partySize: 2, dinerId: 'da' });
    await waitFor(() => ra === 2, { what: "A's delta" });
    await waitFor(() => board.filter((x) => x.kind === 'table').length >= 2, { what: 'board deltas' });

    expect(new Set(seenA.filter((m) => m.topic !== undefined).map((m) => m.topic))).toEqual(new Set([`table:${A}`]));
    expect(new Set(seenB.filter((m) => m.topic !== undefined).map((m) => m.topic))).toEqual(new Set([`table:${B}`]));
    expect(seenA.filter((m) => m.type === 'delta').map((m) => (m.data as TableView).version)).not.toContain(999);
    expect(board.filter((x) => x.kind === 'table').map((x) => x.kind === 'table' && x.tableId)).toEqual(
      expect.arrayContaining([A, B]) as unknown,
    );
  });
});

describe('failures', () => {
  it('a kitchen display opened before the kitchen stream exists retries until it does', async () => {
    const ns = uniqueNamespace('pushnostream');
    const lonely = await createPushServer({
      nc: w.t.nc,
      namespace: ns,
      engine: w.client,
      authenticate: w.authenticate,
    });
    try {
      const errors: string[] = [];
      const c = await connectClient(`${lonely.url}?token=staff-token`, {
        onError: (m) => errors.push(m.code),
        backoffMs: 50,
      });
      clients.push(c);
      let snap: KitchenSnapshot | undefined;
      c.subscribe('kitchen:wok', { snapshot: (d: KitchenSnapshot) => (snap = d) });
      await waitFor(() => errors.length >= 2, { what: 'two failed snapshot reads' });
      expect(new Set(errors)).toEqual(new Set(['snapshot_failed']));
      const jsm = await jetstreamManager(w.t.nc);
      await jsm.streams.add({ name: wire(ns).kitchenStream, subjects: [wire(ns).kitchenTickets()] });
      await waitFor(() => snap, { what: 'the snapshot once the stream exists' });
      expect(snap).toEqual({ station: 'wok', tickets: [] });
    } finally {
      await lonely.close();
      await cleanupNamespace(w.t.nc, ns);
    }
  });
});

describe('backpressure', () => {
  it('a slow consumer past the bound is dropped, not buffered, and re-syncs once it reads again', async () => {
    const T = tableOf(w, 8);
    const c = await client('diner-8');
    let view: TableView | undefined;
    let applied = 0;
    c.subscribe(`table:${T}`, {
      snapshot: (d: TableView) => (view = d),
      delta: (d: TableView) => {
        applied++;
        view = d;
      },
    });
    await waitFor(() => view, { what: 'snapshot' });
    const before = server.hub.stats();
    const ws = c.socket as unknown as WebSocket;
    ws.pause();

    // 4,000 table pushes of ~8 kB (32 MB) while the diner's phone does not read.
    const N = 4_000;
    const big = 'x'.repeat(8_000);
    let maxBuffered = 0;
    const sample = (): void => {
      for (const b of server.hub.bufferedBytes()) maxBuffered = Math.max(maxBuffered, b);
    };
    for (let i = 1; i <= N; i++) {
      const h = natsHeaders();
      h.set('Nats-Msg-Id', `table:${T}:${1_000_000 + i}`);
      const push = {
        kind: 'table',
        tableId: T,
        label: view!.label,
        status: 'seated',
        version: 1_000_000 + i,
        note: big,
        at: i,
      };
      w.t.nc.publish(`${w.t.ns}.push.${STORE}.table.${T}`, encode(push), { headers: h });
      if (i % 250 === 0) {
        await w.t.nc.flush();
        await waitFor(() => server.hub.stats().deltas >= before.deltas + i, { what: `${i} deltas fanned out` });
        sample();
      }
    }
    await waitFor(() => server.hub.stats().deltas >= before.deltas + N, { what: 'every delta fanned out' });
    sample();
    // Bounded: the bound plus at most one message in flight, never the 32 MB.
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + 16 * 1024);

    // Subscribing while past the bound: the gateway does not queue the snapshot, it marks
    // the socket, and once drained tells it to re-sync every topic.
    let menu: unknown;
    c.subscribe('menu', { snapshot: (d: unknown) => (menu = d) });
    await waitFor(() => server.hub.stats().droppedSends > before.droppedSends, { what: 'the snapshot dropped' });

    ws.resume();
    const topicSeq = (): number => c.topics.get(`table:${T}`)?.seq ?? -1;
    const target = before.deltas + N; // every delta of this test went to this one topic
    await waitFor(() => c.stats.snapshots >= 2 && c.topics.get(`table:${T}`)?.ready, {
      what: 're-synced snapshot',
      timeoutMs: 30_000,
    });
    const after = server.hub.stats();
    expect(after.resyncNotices + after.heads).toBeGreaterThan(before.resyncNotices + before.heads);
    expect(after.resyncNotices).toBeGreaterThan(before.resyncNotices);
    expect(c.stats.serverResyncs).toBeGreaterThan(0);
    await waitFor(() => menu, { what: 'the menu snapshot after the re-sync' });
    // It did not get all 4,000 (that would be unbounded buffering), and it is caught up now.
    expect(applied).toBeLessThan(N);
    expect(topicSeq()).toBeGreaterThanOrEqual(N - (target - after.deltas));
    expect(server.hub.stats().peakBufferedBytes).toBeLessThanOrEqual(BOUND + 16 * 1024);
  });
});

describe('kitchen, board and menu topics', () => {
  it('a paid order shows on the board; accepting it sends a ticket to the station; finishing it marks it ready', async () => {
    const staff = await client('staff-token');
    const board: BoardPush[] = [];
    const tickets: KitchenTicket[] = [];
    const progress: KitchenProgress[] = [];
    let kitchen: KitchenSnapshot | undefined;
    staff.subscribe('board', { delta: (d: BoardPush) => board.push(d) });
    staff.subscribe('kitchen:wok', {
      snapshot: (d: KitchenSnapshot) => (kitchen = d),
      delta: (d: KitchenDelta) => (d.kind === 'ticket' ? tickets.push(d.ticket) : progress.push(d)),
    });
    await waitFor(() => kitchen && staff.topics.get('board')?.ready, { what: 'board and kitchen snapshots' });

    const orderId = 'o_push_k1';
    await placePaidOrder(w, 9, orderId);
    await waitFor(() => board.some((b) => b.kind === 'order' && b.orderId === orderId && b.event === 'paid'), {
      what: 'paid on the board',
    });
    await staff.action('accept', orderId);
    await waitFor(() => tickets.some((t) => t.orderId === orderId && t.kind === 'new'), { what: 'the ticket' });

    // A display that connects now finds the ticket in its snapshot.
    const late = await client('staff-token');
    let lateSnap: KitchenSnapshot | undefined;
    late.subscribe('kitchen:wok', { snapshot: (d: KitchenSnapshot) => (lateSnap = d) });
    await waitFor(() => lateSnap, { what: 'late kitchen snapshot' });
    expect(lateSnap!.tickets.map((x) => [x.ticket.orderId, x.state])).toContainEqual([orderId, 'queued']);

    await staff.action('start', orderId, 'wok');
    await staff.action('finish', orderId, 'wok');
    await waitFor(() => progress.some((p) => p.orderId === orderId && p.state === 'done'), { what: 'done progress' });
    await waitFor(() => board.some((b) => b.kind === 'order' && b.orderId === orderId && b.event === 'ready'), {
      what: 'ready on the board',
    });
    expect(progress.filter((p) => p.orderId === orderId).map((p) => p.state)).toContain('cooking');

    // The board snapshot lists tables and the order waiting to be served.
    let boardSnap: BoardSnapshot | undefined;
    const again = await client('staff-token');
    again.subscribe('board', { snapshot: (d: BoardSnapshot) => (boardSnap = d) });
    await waitFor(() => boardSnap, { what: 'board snapshot' });
    expect(boardSnap!.store.store).toBe(STORE);
    expect(boardSnap!.tables.length).toBe(w.store.tables.length);
    expect(boardSnap!.orders.map((o: { orderId: string; status: string }) => [o.orderId, o.status])).toContainEqual([
      orderId,
      'ready',
    ]);
  });

  it("printers: the daemon's status as the snapshot, its alarms as deltas, staff only", async () => {
    const staffC = await client('staff-token');
    let snap: PrintersSnapshot | undefined;
    const alarms: { level: string; flags: string[] }[] = [];
    staffC.subscribe('printers', {
      snapshot: (d: PrintersSnapshot) => (snap = d),
      delta: (d: { level: string; flags: string[] }) => alarms.push(d),
    });
    await waitFor(() => snap, { what: 'printers snapshot without a daemon' });
    expect(snap).toMatchObject({ available: false, printers: [] });

    // A printer daemon answering the status request the way printer-daemon does (msgpack).
    const status = w.t.nc.subscribe(`${w.t.ns}.printers.${STORE}.status`, {
      callback: (_e, m) => {
        m.respond(
          encode({
            store: STORE,
            configured: true,
            printers: [
              { id: 'p-wok', name: '炒锅', host: '10.0.0.9', port: 9100, level: 'ok', flags: [], since: 1, held: 0 },
            ],
            stations: [{ station: 'wok', printer: 'p-wok', failoverFrom: null, held: 0 }],
          }),
        );
      },
    });
    await w.t.nc.flush();
    const second = await client('staff-token');
    let snap2: PrintersSnapshot | undefined;
    second.subscribe('printers', { snapshot: (d: PrintersSnapshot) => (snap2 = d) });
    await waitFor(() => snap2, { what: 'printers snapshot from the daemon' });
    expect(snap2).toMatchObject({ available: true, configured: true, printers: [{ id: 'p-wok', level: 'ok' }] });
    status.unsubscribe();

    const alarm = (n: number, level: string, flags: string[]): void => {
      const h = natsHeaders();
      h.set('Nats-Msg-Id', `alarm:${STORE}:4242:${n}`);
      const a = { kind: 'printer', store: STORE, printer: 'p-wok', level, flags, held: 3, since: n, at: Date.now() };
      w.t.nc.publish(`${w.t.ns}.alarms.${STORE}`, encode(a), { headers: h });
    };
    alarm(1, 'error', ['paper_out']);
    alarm(1, 'error', ['paper_out']); // the same alarm again: dropped
    alarm(2, 'ok', []);
    await waitFor(() => alarms.length >= 2, { what: 'two alarms' });
    expect(alarms.map((a) => [a.level, a.flags])).toEqual([
      ['error', ['paper_out']],
      ['ok', []],
    ]);

    const errors: string[] = [];
    const diner = await client('diner-12', { onError: (m) => errors.push(m.code) });
    diner.subscribe('printers');
    await waitFor(() => errors.length > 0, { what: 'refusal' });
    expect(errors).toEqual(['forbidden']);
  });

  it('refuses staff actions to diners and station actions to waiters', async () => {
    w.tokens.set('waiter-token', { kind: 'staff', store: STORE, role: 'waiter', id: 'w1' });
    const waiter = await client('waiter-token');
    const diner = await client('diner-11');
    await expect(waiter.action('finish', 'o_push_k1', 'wok')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(diner.action('accept', 'o_push_k1')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(waiter.action('accept', 'o_push_nope')).rejects.toMatchObject({ code: 'command_failed' });
  });

  it('a diner follows their order and the menu levels', async () => {
    const c = await client('diner-10');
    const orderId = 'o_push_d1';
    await placePaidOrder(w, 10, orderId);
    let order: { status: string } | undefined;
    let menu: MenuSnapshot | undefined;
    c.subscribe(`order:${orderId}`, {
      snapshot: (d: { status: string }) => (order = d),
      delta: (d: { status: string }) => (order = { ...order, status: d.status }),
    });
    c.subscribe('menu', { snapshot: (d: MenuSnapshot) => (menu = d) });
    await waitFor(() => order && menu, { what: 'order and menu snapshots' });
    expect(order!.status).toBe('paid');
    expect(menu!.levels['mapo-doufu']).toMatchObject({ level: expect.any(String) as unknown });
    const staff = await client('staff-token');
    await staff.action('accept', orderId);
    await waitFor(() => order!.status === 'sent_to_kitchen', { what: 'accepted status pushed' });
  });
});
