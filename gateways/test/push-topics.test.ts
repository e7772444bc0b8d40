/**
 * The staff and diner topics beyond a table: the board, a kitchen station's tickets and
 * progress, the printers' status and alarms, an order and the menu levels; and a kitchen
 * display opened before the kitchen stream exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encode } from '@lunchrush/engine';
import { jetstreamManager } from '@nats-io/jetstream';
import type { BoardPush, KitchenTicket } from '@lunchrush/actors';
import { wire } from '@lunchrush/actors/wire';
import { cleanupNamespace, uniqueNamespace, waitFor } from '@lunchrush/testkit';
import { createPushServer, type BoardSnapshot, type KitchenSnapshot, type MenuSnapshot } from '../src/push/index.js';
import type { PrintersSnapshot } from '../src/push/snapshots.js';
import { STORE, connectClient, placePaidOrder, type World } from './push-support.js';
import { startPushWorld, type PushWorld, type KitchenDelta, type KitchenProgress } from './push-harness.js';

let w: World;
let client: PushWorld['client'];
let track: PushWorld['track'];
let close: PushWorld['close'] | undefined;

beforeAll(async () => {
  ({ w, client, track, close } = await startPushWorld('pushtopics'));
});

afterAll(async () => {
  await close?.();
});

describe('kitchen and board topics', () => {
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
});

describe('printers, order and menu topics', () => {
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
    const status = w.t.nc.subscribe(wire(w.t.ns).printerStatus(STORE), {
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
      w.t.nc.publish(wire(w.t.ns).printerAlarms(STORE), encode(a), { headers: h });
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
      track(c);
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
