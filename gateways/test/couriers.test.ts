/**
 * Courier dispatch on a real stack (NATS JetStream, Redis, engine, gateway) with the local
 * 顺丰同城 simulator: a routed delivery order, paid and cooked, is dispatched when the kitchen
 * marks it ready and followed to the door; nobody taking it ends in a tip and then the store's
 * staff; a rider who never comes is given up on; forged, stale and replayed callbacks are refused.
 * The simulator's riders step every 20 ms; the delivery's timers are 1.5 s, so the ladder is
 * climbed by the durable timers while the tests wait for the outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryView, OrderDetail } from '@lunchrush/actors';
import { sfSign, type SfCitySimulator } from '@lunchrush/couriers';
import { decode } from '@lunchrush/engine';
import { seedDemo } from '@lunchrush/stack';
import { call, idemKey, login, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import { waitFor } from '@lunchrush/testkit';
import { connectClient } from './push-support.js';

const HOME = { lng: 112.981, lat: 28.199 };
const SKU = 'yangzhou-chaofan';
let s: Stack;
let sim: SfCitySimulator;

beforeAll(async () => {
  s = await startStack({
    GATEWAY_ROUTING_STORES: '001,002,003,004',
    COURIER_SIMULATOR_STEP_MS: '20',
    COURIER_ACCEPT_TIMEOUT_MS: '1500',
    COURIER_ARRIVE_TIMEOUT_MS: '1500',
    COURIER_MAX_TIPS: '1',
    COURIER_MAX_ATTEMPTS: '2',
  });
  await seedDemo(s.client, { stores: 4 });
  for (const store of ['001', '002', '003', '004'])
    await s.client.send(store, 'stock', SKU, { type: 'set', available: 50, at: Date.now() });
  sim = s.gw.couriers!.simulator!;
}, 60_000);
afterAll(() => s?.close());

const storeOf = (orderId: string): string => orderId.slice(2, 5);
const staffActor = { role: 'staff', id: 'cook' };

/** A routed delivery order, paid through WeChat Pay's simulator, accepted and cooked: ready, so dispatched. */
async function readyOrder(): Promise<string> {
  return (await readyOrderOf()).orderId;
}

async function readyOrderOf(): Promise<{ orderId: string; token: string }> {
  const d = await login(s);
  const placed = await call<{ order: OrderDetail }>(s.url, 'POST', '/v1/diner/orders', {
    token: d.token,
    headers: { 'idempotency-key': idemKey() },
    body: {
      channel: 'delivery',
      lines: [{ skuId: SKU, qty: 2 }],
      delivery: { address: '长沙市芙蓉区黄兴中路 88 号', contact: '王女士', phone: '13800138000', location: HOME },
    },
  });
  expect(placed.status).toBe(201);
  const orderId = placed.body.order.orderId;
  const pay = await call<{ prepayId: string }>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
  const paid = await call<{ callbackStatus: number }>(s.url, 'POST', '/v1/simulator/wechatpay/pay', {
    body: { prepayId: pay.body.prepayId },
  });
  expect(paid.body.callbackStatus).toBe(204);
  const store = storeOf(orderId);
  const at = Date.now();
  await s.client.send(store, 'order', orderId, { type: 'accept', by: staffActor, at });
  const detail = await s.client.send<OrderDetail>(store, 'order', orderId, { type: 'get' });
  for (const st of detail.stations)
    await s.client.send(store, 'order', orderId, { type: 'finishStation', station: st.station, at: Date.now() });
  return { orderId, token: d.token };
}

const delivery = (orderId: string): Promise<DeliveryView> =>
  s.client.send<DeliveryView>(storeOf(orderId), 'delivery', orderId, { type: 'get' });

async function until(orderId: string, status: string): Promise<DeliveryView> {
  return waitFor(
    async () => {
      const v = await delivery(orderId).catch(() => undefined);
      return v?.status === status ? v : undefined;
    },
    { what: `delivery of ${orderId} ${status}`, timeoutMs: 20_000 },
  );
}

describe('courier dispatch', () => {
  it('dispatches when the kitchen is ready and follows the rider to the door; the diner hears each step', async () => {
    sim.riders = 'normal';
    const heard: { status: string; position: unknown }[] = [];
    const sub = s.t.nc.subscribe(`${s.t.ns}.push.*.order.>`, {
      callback: (_e, m) => {
        const p = decode<{ kind: string; status: string; position: unknown }>(m.data);
        if (p.kind === 'courier') heard.push({ status: p.status, position: p.position });
      },
    });
    // The staff board of the store it routes to (the nearest, 003) over the WebSocket.
    const board: { orderId: string; status: string }[] = [];
    const ws = await connectClient(`${s.url.replace('http', 'ws')}/ws?token=${staff(s, 'manager', '003')}`);
    ws.subscribe('board', {
      delta: (d: { kind: string; orderId: string; status: string }) => {
        if (d.kind === 'courier') board.push({ orderId: d.orderId, status: d.status });
      },
    });
    const { orderId, token } = await readyOrderOf();
    expect(orderId).toMatch(/^o_003_/);
    const v = await until(orderId, 'delivered');
    await waitFor(() => board.some((b) => b.orderId === orderId && b.status === 'delivered'), {
      what: 'the board hears the delivery',
    });
    ws.close();
    sub.unsubscribe();
    const mine = await call<DeliveryView>(s.url, 'GET', `/v1/diner/orders/${orderId}/delivery`, { token });
    expect(mine.body).toMatchObject({ status: 'delivered', position: HOME });
    const other = await login(s);
    const theirs = await call(s.url, 'GET', `/v1/diner/orders/${orderId}/delivery`, { token: other.token });
    expect(theirs.status).toBe(403);
    expect(v).toMatchObject({ platform: 'sf', attempt: 1, position: HOME });
    expect(v.rider?.name).toMatch(/师傅/);
    const order = await s.client.send<OrderDetail>(storeOf(orderId), 'order', orderId, { type: 'get' });
    expect(order.status).toBe('served');
    expect(heard.map((h) => h.status)).toEqual(
      expect.arrayContaining(['dispatching', 'accepted', 'arrived', 'picked_up', 'delivered']),
    );
  });

  it('refuses a forged callback, an old one, and a replay of an earlier step; a repeat of the last is success again', async () => {
    sim.riders = 'normal';
    const orderId = await readyOrder();
    await until(orderId, 'delivered');
    // The simulator records a callback once the gateway has answered it: wait for the last one's record.
    const sent = (status: number) =>
      sim.sent.find(
        (c) =>
          c.shopOrderId === `${orderId}-a1` && (JSON.parse(c.body) as { order_status: number }).order_status === status,
      );
    const last = await waitFor(() => sent(17), { what: 'the delivered callback answered' });
    const accepted = sent(10)!;
    expect(await sim.resend(last, 'signature')).toBe(401);
    expect(await sim.resend(accepted)).toBe(409);
    expect(await sim.resend(last)).toBe(200);
    const old = JSON.stringify({ ...JSON.parse(accepted.body), push_time: Math.floor(Date.now() / 1000) - 3600 });
    const stale = await fetch(
      `${s.url}/v1/couriers/sf/callback?sign=${encodeURIComponent(sfSign(old, s.cfg.couriers.devId, s.cfg.couriers.devKey))}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: old,
      },
    );
    expect(stale.status).toBe(400);
    expect(((await stale.json()) as { code: string }).code).toBe('courier_stale_push');
    expect((await delivery(orderId)).status).toBe('delivered');
  });

  it('nobody takes it: the tip is raised, then the store staff deliver it and the order is served', async () => {
    sim.riders = 'none';
    const orderId = await readyOrder();
    const v = await until(orderId, 'staff');
    expect(v).toMatchObject({ staffReason: 'no_rider', tipFen: 300 });
    expect(sim.tips).toContainEqual({ shopOrderId: `${orderId}-a1`, tipFen: 300 });
    await waitFor(() => sim.cancels.includes(`${orderId}-a1`), { what: 'the platform order cancelled' });
    const url = `/v1/staff/stores/${storeOf(orderId)}/orders/${orderId}/delivered`;
    const done = await call<DeliveryView>(s.url, 'POST', url, { token: staff(s, 'waiter', storeOf(orderId)) });
    expect(done.body.status).toBe('staff_delivered');
    const order = await s.client.send<OrderDetail>(storeOf(orderId), 'order', orderId, { type: 'get' });
    expect(order.status).toBe('served');
  });

  it('a rider who takes it and never comes is given up on, a second is asked, then staff: the order is not lost', async () => {
    sim.riders = 'no_show';
    const orderId = await readyOrder();
    const v = await until(orderId, 'staff');
    expect(v).toMatchObject({ staffReason: 'rider_no_show', attempt: 2 });
    expect(v.abandoned.map((a) => a.reason)).toEqual(['rider_no_show', 'rider_no_show']);
    await waitFor(() => sim.cancels.includes(`${orderId}-a2`), { what: 'both platform orders cancelled' });
    expect(sim.cancels).toContain(`${orderId}-a1`);
    const order = await s.client.send<OrderDetail>(storeOf(orderId), 'order', orderId, { type: 'get' });
    expect(order.status).toBe('ready');
  });
});

describe('live tracking without a table', () => {
  it('a diner without a table follows their own delivery order live; another diner is refused it', async () => {
    sim.riders = 'normal';
    const d = await login(s);
    const placed = await call<{ order: OrderDetail }>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      headers: { 'idempotency-key': idemKey() },
      body: {
        channel: 'delivery',
        lines: [{ skuId: SKU, qty: 1 }],
        delivery: { address: '长沙市芙蓉区黄兴中路 88 号', contact: '王女士', phone: '13800138000', location: HOME },
      },
    });
    const orderId = placed.body.order.orderId;
    const store = storeOf(orderId);
    // The diner's session names no table: the socket names the store (?store=), the order says whose it is.
    const ws = await connectClient(`${s.url.replace('http', 'ws')}/ws?token=${d.token}&store=${store}`);
    const steps: { status: string; position: unknown; rider: unknown }[] = [];
    let snapshotOf: string | undefined;
    ws.subscribe(`order:${orderId}`, {
      snapshot: (o: OrderDetail) => (snapshotOf = o.orderId),
      delta: (p: { kind: string; status: string; position: unknown; rider: unknown }) => {
        if (p.kind === 'courier') steps.push({ status: p.status, position: p.position, rider: p.rider });
      },
    });
    await waitFor(() => snapshotOf === orderId, { what: "the order's snapshot on the diner's socket" });
    const other = await login(s);
    const refused: string[] = [];
    const theirs = await connectClient(`${s.url.replace('http', 'ws')}/ws?token=${other.token}&store=${store}`, {
      onError: (m) => refused.push(`${m.topic}:${m.code}`),
    });
    theirs.subscribe(`order:${orderId}`);
    theirs.subscribe('table:t01');
    await waitFor(() => refused.length === 2, { what: 'the other diner refused the order and a table' });
    expect(refused.sort()).toEqual([`order:${orderId}:forbidden`, 'table:t01:forbidden']);
    theirs.close();

    const pay = await call<{ prepayId: string }>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.body.prepayId } });
    await s.client.send(store, 'order', orderId, { type: 'accept', by: staffActor, at: Date.now() });
    const detail = await s.client.send<OrderDetail>(store, 'order', orderId, { type: 'get' });
    for (const st of detail.stations)
      await s.client.send(store, 'order', orderId, { type: 'finishStation', station: st.station, at: Date.now() });
    await waitFor(() => steps.some((x) => x.status === 'delivered'), {
      what: 'delivered on the diner socket',
      timeoutMs: 20_000,
    });
    ws.close();
    expect(steps.map((x) => x.status)).toEqual(
      expect.arrayContaining(['dispatching', 'accepted', 'picked_up', 'delivered']),
    );
    expect(steps.find((x) => x.status === 'delivered')).toMatchObject({ position: HOME });
    expect(steps.some((x) => x.status === 'picked_up' && x.rider !== null)).toBe(true);
  });
});

describe('POST /v1/diner/delivery/quote', () => {
  it('names the store a delivery there goes to, its wait and fee; 409 where no store delivers', async () => {
    const d = await login(s);
    const lines = [{ skuId: SKU, qty: 2 }];
    const q = await call<{
      store: string;
      etaMin: number;
      kitchenMin: number;
      rideMin: number;
      feeFen: number;
      of: number;
    }>(s.url, 'POST', '/v1/diner/delivery/quote', { token: d.token, body: { location: HOME, lines } });
    expect(q.status).toBe(200);
    expect(q.body).toMatchObject({ store: '003', of: 2 });
    expect(q.body.etaMin).toBe(q.body.kitchenMin + q.body.rideMin);
    const far = await call<{ code: string }>(s.url, 'POST', '/v1/diner/delivery/quote', {
      token: d.token,
      body: { location: { lng: 116.397, lat: 39.908 }, lines },
    });
    expect([far.status, far.body.code]).toEqual([409, 'no_store_available']);
  });

  it('without lines (the menu before anything is chosen): the store weighed on its minimum order, its name and street', async () => {
    const d = await login(s);
    const q = await call<{
      store: string;
      storeName: string;
      storeAddress: string;
      minOrderFen: number;
      feeFen: number;
    }>(s.url, 'POST', '/v1/diner/delivery/quote', { token: d.token, body: { location: HOME } });
    expect(q.status).toBe(200);
    expect(q.body.store).toBe('003');
    expect(q.body.storeName).not.toBe('');
    expect(q.body.storeAddress).not.toBe('');
    expect(q.body.minOrderFen).toBeGreaterThan(0);
    expect(q.body.feeFen).toBeGreaterThan(0);
  });
});
