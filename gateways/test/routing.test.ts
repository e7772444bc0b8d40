/**
 * A delivery order that names no store, routed on an in-process stack (real NATS, Redis, engine):
 * to the best store, to the next when the best is sold out or its kitchen paused, and 409 when
 * no store delivers there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderDetail } from '@lunchrush/actors';
import { seedDemo } from '@lunchrush/stack';
import { call, idemKey, login, startStack, type Stack } from '@lunchrush/stack/testing';

/** Near 五一广场: the zones of IFS (003, nearest) and 五一广场 (001) hold it; 梅溪湖 (002) and 河西 (004) do not. */
const HOME = { lng: 112.981, lat: 28.199 };
const SKU = 'yangzhou-chaofan';
let s: Stack;

beforeAll(async () => {
  s = await startStack({ GATEWAY_ROUTING_STORES: '001,002,003,004' });
  await seedDemo(s.client, { stores: 4 });
  for (const store of ['001', '002', '003', '004']) await setStock(store, 20);
});
afterAll(() => s?.close());

async function setStock(store: string, available: number): Promise<void> {
  await s.client.send(store, 'stock', SKU, { type: 'set', available, at: Date.now() });
}

async function order(token: string, location: unknown = HOME, key = idemKey()) {
  return call<{ order: OrderDetail }>(s.url, 'POST', '/v1/diner/orders', {
    token,
    headers: { 'idempotency-key': key },
    body: {
      channel: 'delivery',
      lines: [{ skuId: SKU, qty: 1 }],
      delivery: { address: '长沙市芙蓉区黄兴中路 88 号', contact: '王女士', phone: '13800138000', location },
    },
  });
}

describe('POST /v1/diner/orders, routed', () => {
  it('goes to the nearest store that can serve it, and a repeat answers the same order', async () => {
    const d = await login(s);
    const key = idemKey();
    const first = await order(d.token, HOME, key);
    expect(first.status).toBe(201);
    expect(first.body.order.orderId).toMatch(/^o_003_/);
    expect(first.body.order.routing).toMatchObject({ rank: 1, of: 2 });
    const again = await order(d.token, HOME, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.order.orderId).toBe(first.body.order.orderId);
  });

  it('goes to the second-best store when the best is sold out, then when its kitchen is paused', async () => {
    const d = await login(s);
    await setStock('003', 0);
    const soldOut = await order(d.token);
    expect(soldOut.status).toBe(201);
    expect(soldOut.body.order.orderId).toMatch(/^o_001_/);

    await setStock('003', 20);
    for (let n = 1; n <= 50; n++)
      await s.client.send('003', 'store', 'store', {
        type: 'ticketsOpened',
        orderId: `o_k${n}`,
        stations: ['staple'],
        at: Date.now(),
      });
    const paused = await order(d.token);
    expect(paused.status).toBe(201);
    expect(paused.body.order.orderId).toMatch(/^o_001_/);
  });

  it('is 409 no_store_available where no store delivers, and refuses an unknown key in the location', async () => {
    const d = await login(s);
    const beijing = await order(d.token, { lng: 116.397, lat: 39.908 });
    expect(beijing.status).toBe(409);
    expect(beijing.body.code).toBe('no_store_available');
    expect(beijing.body.message).toMatch(/001: outside_zone/);
    const typo = await order(d.token, { ...HOME, alt: 10 });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toMatch(/alt/);
  });
});
