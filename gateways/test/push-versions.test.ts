/**
 * Versions and limits of the push hub on real uWS, NATS and engine: an order's
 * snapshot carries the order's version, so a push at or below it (late, repeated,
 * from an old owner) is dropped by the hub or the client instead of rolling the
 * order back; a kitchen display's snapshot carries each open order's version for
 * its `progress` deltas; and the hub's engine commands go through the gateway's
 * in-flight limit when it hands one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encode } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { boardPushSubject, orderPushSubject } from '@lunchrush/actors/wire';
import type { OrderDetail, OrderPush } from '@lunchrush/actors';
import { waitFor } from '@lunchrush/testkit';
import { EngineGate } from '../src/engine-gate.js';
import { createPushServer, type KitchenSnapshot, type PushServer } from '../src/push/index.js';
import type { DeltaMessage, ErrorMessage, PushClient, SnapshotMessage } from '../src/push/client.js';
import { STORE, connectClient, placePaidOrder, startWorld, type World } from './push-support.js';

let w: World;
let server: PushServer;
const clients: PushClient[] = [];

beforeAll(async () => {
  w = await startWorld('pushver');
  server = await createPushServer({
    nc: w.t.nc,
    namespace: w.t.ns,
    engine: w.client,
    authenticate: w.authenticate,
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  await w?.close();
});

async function client(url: string, token: string): Promise<PushClient> {
  const c = await connectClient(`${url}?token=${token}`, { backoffMs: 50 });
  clients.push(c);
  return c;
}

const getOrder = (id: string): Promise<OrderDetail> => w.client.send<OrderDetail>(STORE, 'order', id, { type: 'get' });

/** An order push as the engine publishes it, straight on NATS. */
function publishOrderPush(orderId: string, seq: number, status: string): void {
  const h = natsHeaders();
  h.set('Nats-Msg-Id', `order:${orderId}:${seq}`);
  const push: OrderPush = { kind: 'order', orderId, status, seq, events: ['Created'], at: Date.now() };
  w.t.nc.publish(names(w.t.ns).subject(orderPushSubject(STORE, orderId)), encode(push), { headers: h });
}

describe('order versions', () => {
  it("an order's snapshot carries its version: older pushes are dropped, newer ones apply", async () => {
    const orderId = 'o_pushver_o1';
    await placePaidOrder(w, 1, orderId);
    const c = await client(server.url, 'diner-1');
    let snapshot: SnapshotMessage | undefined;
    const applied: string[] = [];
    c.subscribe(`order:${orderId}`, {
      snapshot: (_d: unknown, m) => (snapshot = m),
      delta: (d: OrderPush, m: DeltaMessage) => applied.push(`${d.status}@${m.v}`),
    });
    await waitFor(() => snapshot, { what: 'the order snapshot' });
    const truth = await getOrder(orderId);
    expect(truth.status).toBe('paid');
    expect(truth.version).toBeGreaterThan(0);
    expect((snapshot!.data as OrderDetail).version).toBe(truth.version);
    expect(snapshot!.versions).toEqual({ [`order:${orderId}`]: truth.version });

    // A push of the version the snapshot already holds arrives late (the hub has not seen it: it
    // is the first push of this order here), then an older one (the hub has: it drops that one).
    const droppedBefore = server.hub.stats().staleDropped;
    publishOrderPush(orderId, truth.version, 'created');
    await waitFor(() => c.stats.stale === 1, { what: 'the client drops the push its snapshot holds' });
    publishOrderPush(orderId, truth.version - 1, 'created');
    await waitFor(() => server.hub.stats().staleDropped === droppedBefore + 1, {
      what: 'the hub drops the older push',
    });

    const staff = await client(server.url, 'staff-token');
    await staff.action('accept', orderId);
    const accepted = await getOrder(orderId);
    await waitFor(() => applied.length > 0, { what: 'the accepted push' });
    expect(applied).toEqual([`sent_to_kitchen@${accepted.version}`]);
    expect(c.stats.deltas).toBe(1);
  });

  it("a kitchen display's snapshot holds each open order's version, as its progress deltas carry it", async () => {
    const orderId = 'o_pushver_k1';
    await placePaidOrder(w, 2, orderId);
    const staff = await client(server.url, 'staff-token');
    const progress: { state: string; v: number }[] = [];
    let tickets = 0;
    staff.subscribe('kitchen:wok', {
      delta: (d: { kind: string; state: string }, m: DeltaMessage) =>
        d.kind === 'ticket' ? tickets++ : progress.push({ state: d.state, v: m.v }),
    });
    await waitFor(() => staff.topics.get('kitchen:wok')?.ready, { what: 'kitchen snapshot' });
    await staff.action('accept', orderId);
    await waitFor(() => tickets > 0, { what: 'the ticket' });

    const late = await client(server.url, 'staff-token');
    let snap: SnapshotMessage | undefined;
    late.subscribe('kitchen:wok', { snapshot: (_d: KitchenSnapshot, m) => (snap = m) });
    await waitFor(() => snap, { what: 'the late kitchen snapshot' });
    const queued = await getOrder(orderId);
    expect((snap!.data as KitchenSnapshot).tickets.map((t) => t.ticket.orderId)).toContain(orderId);
    expect(snap!.versions[`progress:${orderId}`]).toBe(queued.version);

    await staff.action('start', orderId, 'wok');
    const cooking = await getOrder(orderId);
    await waitFor(() => progress.some((p) => p.state === 'cooking'), { what: 'cooking progress' });
    expect(progress.find((p) => p.state === 'cooking')!.v).toBe(cooking.version);
    expect(cooking.version).toBeGreaterThan(queued.version);
  });
});

describe("the gateway's in-flight limit", () => {
  it('a hub given an EngineGate refuses snapshot reads and staff actions past its limit', async () => {
    const full = new EngineGate(w.client, 0, 5_000, 1, new Registry());
    const gated = await createPushServer({
      nc: w.t.nc,
      namespace: w.t.ns,
      engine: full,
      authenticate: w.authenticate,
    });
    try {
      const errors: ErrorMessage[] = [];
      const c = await client(gated.url, 'staff-token');
      c.subscribe('menu', { error: (m) => errors.push(m) });
      await waitFor(() => errors.length > 0, { what: 'the refused snapshot read' });
      expect(errors[0]).toMatchObject({ code: 'snapshot_failed', topic: 'menu' });
      expect(errors[0]!.message).toMatch(/engine commands in flight/);
      await expect(c.action('accept', 'o_pushver_none')).rejects.toMatchObject({
        code: 'command_failed',
        message: expect.stringMatching(/^gateway_overloaded: /) as unknown,
      });
      expect(full.inFlight).toBe(0);
    } finally {
      await gated.close();
    }
  });
});

describe('the pushes a process listens to', () => {
  it('only those of topics its sockets follow: a push nobody here follows never reaches it', async () => {
    for (const x of clients.splice(0)) x.close();
    await waitFor(() => server.hub.stats().topics === 0, { what: 'the earlier sockets to leave' });
    const followed = 'o_pushver_f1';
    await placePaidOrder(w, 3, followed);
    const c = await client(server.url, 'diner-3');
    const seen: number[] = [];
    c.subscribe(`order:${followed}`, { delta: (_d: OrderPush, m: DeltaMessage) => seen.push(m.v) });
    await waitFor(() => c.topics.get(`order:${followed}`)?.ready, { what: 'the order snapshot' });
    const v = (await getOrder(followed)).version;
    const before = server.hub.stats().natsMessages;
    // Published in this order on one connection: the followed one arrives after the other would have.
    publishOrderPush('o_pushver_nobody', 7, 'created');
    publishOrderPush(followed, v + 1, 'sent_to_kitchen');
    await waitFor(() => seen.includes(v + 1), { what: 'the followed push' });
    expect(server.hub.stats().natsMessages).toBe(before + 1);

    // The last socket leaves the topic: its pushes stop coming to this process.
    c.unsubscribe(`order:${followed}`);
    await waitFor(() => server.hub.stats().topics === 0, { what: 'the topic to go' });
    const other = await client(server.url, 'staff-token');
    let board = false;
    other.subscribe('board', { snapshot: () => (board = true) });
    await waitFor(() => board, { what: 'the board snapshot' });
    // A kitchen display of the store listens to all its orders' pushes, each delivered once.
    const kitchen = await client(server.url, 'staff-token');
    let kitchenReady = false;
    kitchen.subscribe('kitchen:wok', { snapshot: () => (kitchenReady = true) });
    await waitFor(() => kitchenReady, { what: 'the kitchen snapshot' });
    const after = server.hub.stats().natsMessages;
    publishOrderPush(followed, v + 2, 'ready');
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `board:probe:1`);
    w.t.nc.publish(names(w.t.ns).subject(boardPushSubject(STORE)), encode({ kind: 'table', tableId: 'probe' }), {
      headers: h,
    });
    await waitFor(() => server.hub.stats().natsMessages >= after + 2, { what: 'the board push' });
    expect(server.hub.stats().natsMessages).toBe(after + 2);
  });
});
