/**
 * The order path without Redis: the engine here remembers no command id at all
 * (`dedupWindowPerActor: 0`, as if every id window had long passed), and the tests wipe the
 * gateways' Redis keys between a placement and its repeats. What a diner relies on still
 * holds: a repeat is answered the first order, another body with the key is 422, the owner
 * check comes from the order, and the diner's order list comes back, built from the event log.
 * A second gateway runs in a process of its own (test/gateway-process.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { spawnTs, testLogger, waitFor, type ChildProcessHandle } from '@lunchrush/testkit';
import type { StockView } from '@lunchrush/actors';
import { call, idemKey, seatedDiner, login, startStack, type Stack, type ErrorAnswer } from '@lunchrush/stack/testing';
import { OrderLists } from '../src/order-list.js';
import type { OrderList, OrderSummary, Placed, TableView } from './answers.js';

let s: Stack;
let other: ChildProcessHandle;
/** The gateway in the other process: it keeps no copy of what the first placed. */
let b: string;

beforeAll(async () => {
  s = await startStack({}, { dedupWindowPerActor: 0 });
  other = spawnTs('gateways/test/gateway-process.ts', { env: { ...s.env, LOG_LEVEL: 'warn' } });
  const m = await other.waitForLine(/GATEWAY READY port=(\d+)/, 60_000);
  b = `http://127.0.0.1:${m[1]}`;
});
afterAll(async () => {
  await other?.stop();
  await s?.close();
});

/** Deletes every Redis key of the gateways of this namespace: sessions, answers and lists would all be gone. */
async function wipeGatewayKeys(match = `${s.t.ns}:gw:*`): Promise<number> {
  const redis = s.t.redis!;
  let n = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) n += await redis.del(...keys);
  } while (cursor !== '0');
  return n;
}

const reserved = async (skuId: string): Promise<number> =>
  (await s.client.send<StockView>('001', 'stock', skuId, { type: 'get' })).reserved;

const place = (url: string, token: string, key: string, body: unknown) =>
  call<Placed>(url, 'POST', '/v1/diner/orders', { token, body, headers: { 'idempotency-key': key } });

describe('an Idempotency-Key after the engine forgot the command and Redis lost everything', () => {
  it('dine-in with lines: the repeat gets the first order, anywhere; another body is 422', async () => {
    const d = await seatedDiner(s, 41);
    const key = idemKey();
    const body = { lines: [{ skuId: 'liangban-muer', qty: 2 }] };
    const before = await reserved('liangban-muer');
    const first = await place(s.url, d.token, key, body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await wipeGatewayKeys()).toBeGreaterThan(0);
    for (const url of [s.url, b]) {
      const again = await place(url, d.token, key, body);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
    }
    for (const url of [s.url, b]) {
      const reused = await place(url, d.token, key, { lines: [{ skuId: 'liangban-muer', qty: 3 }] });
      expect([reused.status, reused.body.code]).toEqual([422, 'idempotency_key_reused']);
    }
    expect(await reserved('liangban-muer')).toBe(before + 2);
    const t = await call<TableView>(b, 'GET', '/v1/diner/table', { token: d.token });
    expect(t.body.orders.map((o) => o.orderId)).toEqual([first.body.order.orderId]);
  });

  it("the table's cart: the repeat gets the order, lines under the same key are 422", async () => {
    const d = await seatedDiner(s, 42);
    expect(
      (await call(s.url, 'POST', '/v1/diner/table/cart', { token: d.token, body: { skuId: 'pai-huanggua', qty: 1 } }))
        .status,
    ).toBe(201);
    const key = idemKey();
    const first = await place(s.url, d.token, key, {});
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await wipeGatewayKeys();
    const again = await place(b, d.token, key, {});
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(again.body.order.orderId).toBe(first.body.order.orderId);
    const reused = await place(b, d.token, key, { lines: [{ skuId: 'pai-huanggua', qty: 1 }] });
    expect(reused.body.code).toBe('idempotency_key_reused');
  });

  it('takeaway: the same, straight at the order', async () => {
    const d = await login(s);
    const key = idemKey();
    const body = { channel: 'takeaway', store: '001', lines: [{ skuId: 'pidan-doufu', qty: 1 }] };
    const first = await place(b, d.token, key, body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    await wipeGatewayKeys();
    const again = await place(s.url, d.token, key, body);
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(again.body).toEqual(first.body);
    const reused = await place(s.url, d.token, key, { ...body, lines: [{ skuId: 'pidan-doufu', qty: 2 }] });
    expect(reused.body.code).toBe('idempotency_key_reused');
  });
});

describe('whose order it is comes from the order itself', () => {
  it('its diner and the diners at its table may follow it; anyone else is 403', async () => {
    const d = await seatedDiner(s, 43);
    const mate = await seatedDiner(s, 43);
    const stranger = await seatedDiner(s, 44);
    const o = await place(s.url, d.token, idemKey(), { lines: [{ skuId: 'pai-huanggua', qty: 1 }] });
    const path = `/v1/diner/orders/${o.body.order.orderId}`;
    await wipeGatewayKeys();
    expect(o.body.order.dinerId).toBe(d.dinerId);
    expect((await call(b, 'GET', path, { token: d.token })).status).toBe(200);
    expect((await call(b, 'GET', path, { token: mate.token })).status).toBe(200);
    const peek = await call<ErrorAnswer>(b, 'GET', path, { token: stranger.token });
    expect([peek.status, peek.body.code]).toEqual([403, 'not_your_order']);
    const cancel = await call<ErrorAnswer>(b, 'POST', `${path}/cancel`, { token: stranger.token, body: {} });
    expect([cancel.status, cancel.body.code]).toEqual([403, 'not_your_order']);
    expect((await call<OrderSummary>(b, 'POST', `${path}/cancel`, { token: d.token, body: {} })).body.status).toBe(
      'cancelled',
    );
  });
});

describe("the diner's order list is a projection of the event log", () => {
  it('lists orders placed through another process, and is rebuilt after its store is wiped', async () => {
    const d = await seatedDiner(s, 45);
    const placed: string[] = [];
    for (const sku of ['pai-huanggua', 'pidan-doufu']) {
      const r = await place(s.url, d.token, idemKey(), { lines: [{ skuId: sku, qty: 1 }] });
      expect(r.status).toBe(201);
      placed.unshift(r.body.order.orderId);
    }
    const listed = async (): Promise<string[]> =>
      (await call<OrderList>(b, 'GET', '/v1/diner/orders', { token: d.token })).body.orders.map((o) => o.orderId);
    await waitFor(async () => (await listed()).length === 2, { what: 'both orders listed by the other process' });
    expect(await listed()).toEqual(placed);

    // The lists, the position read up to and the lease go (as when Redis loses its data).
    expect(await wipeGatewayKeys(`${s.t.ns}:gw:dol:*`)).toBeGreaterThanOrEqual(3);
    // What every process does every few seconds (so the other one may be first): the lease is free,
    // the one that takes it finds no position and reads the log from its start.
    await s.gw.deps.orderLists.tick();
    await waitFor(async () => (await listed()).length === 2, { what: 'the list rebuilt from the log' });
    expect(await listed()).toEqual(placed);
  });

  it('stops within a second however soon after it started (a sweep over taking the lease and opening the reading)', async () => {
    const late: number[] = [];
    for (let delay = 0; delay <= 20; delay++) {
      // A prefix of its own: the lease is free, so every start takes it and opens a reading of the log.
      const lists = new OrderLists({
        nc: s.t.nc,
        redis: s.t.redis!,
        namespace: s.t.ns,
        prefix: `${s.t.ns}:gw:sweep${delay}`,
        log: testLogger('gateway-order-lists'),
        registry: new Registry(),
      });
      lists.start();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      let timer: NodeJS.Timeout | undefined;
      const stopped = await Promise.race([
        lists.stop().then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), 1_000))),
      ]);
      clearTimeout(timer);
      if (!stopped) late.push(delay);
    }
    expect(late, 'start-to-stop delays (ms) whose stop() was still waiting a second later').toEqual([]);
  });
});
