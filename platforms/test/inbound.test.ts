import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, idemKey, seatedDiner } from '@lunchrush/stack/testing';
import { waitFor } from '@lunchrush/testkit';
import { wire, type KitchenTicket } from '@lunchrush/actors/wire';
import { decode } from '@lunchrush/engine';
import { jetstream } from '@nats-io/jetstream';
import type { PlatformPush } from '../src/platform.js';
import { EL_POI, MT_POI, elSku, startWorld, type World } from './world.js';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w?.close());

const set = (skuId: string, available: number) =>
  w.s.client.send('001', 'stock', skuId, { type: 'set', available, at: Date.now() });
const stock = (skuId: string) =>
  w.s.client.send<{ available: number; sold: number }>('001', 'stock', skuId, { type: 'get' });
/** Every kitchen ticket of store 001 in the kitchen stream (what the printer daemon and the kitchen display read). */
async function kitchenTickets(): Promise<KitchenTicket[]> {
  const w1 = wire(w.s.t.ns);
  const c = await jetstream(w.s.t.nc).consumers.get(w1.kitchenStream, { filter_subjects: w1.kitchenTickets('001') });
  const out: KitchenTicket[] = [];
  for await (const m of await c.fetch({ max_messages: 10_000, expires: 2_000 })) {
    out.push(decode<KitchenTicket>(m.data));
    if (m.info.pending === 0) break;
  }
  return out;
}
/** Gives a platform's copy of a dish plenty, as a platform that heard of a restock would have. */
const platformHas = (skuId: string, n: number): void => {
  w.mt.items.get(MT_POI)!.get(skuId)!.stock = n;
  w.el.items.get(EL_POI)!.get(elSku(skuId))!.stock = n;
};

describe('forged and replayed platform pushes', () => {
  it('a push with a bad signature, an old timestamp, or sent again is refused in the platform shape and sells nothing', async () => {
    await set('jiucai-hezi', 30);
    const push = (id: string, poi: string, sku: string): PlatformPush => ({
      kind: 'new',
      poi,
      platformOrderId: id,
      lines: [{ sku, qty: 1, priceFen: 600 }],
      totalFen: 600,
      at: Date.now(),
    });
    for (const [sim, poi, sku] of [
      [w.mt, MT_POI, 'jiucai-hezi'],
      [w.el, EL_POI, elSku('jiucai-hezi')],
    ] as const) {
      const id = `${sim.api.name}-${Date.now()}`;
      expect(await sim.push(push(`${id}-f`, poi, sku), 'signature')).toMatchObject({
        ok: false,
        code: 'invalid_signature',
      });
      expect(await sim.push(push(`${id}-s`, poi, sku), 'stale')).toMatchObject({ ok: false, code: 'stale_timestamp' });
      expect(await sim.push(push(id, poi, sku))).toEqual({ ok: true });
      expect(await sim.push(push(id, poi, sku), 'replay')).toMatchObject({ ok: false, code: 'replayed' });
    }
    // Only the two genuine pushes sold.
    expect(await stock('jiucai-hezi')).toMatchObject({ available: 28 });
  });
});

describe('platform orders take stock like every channel', () => {
  it('a platform order and a mini-program order race for the last unit: exactly one wins, every time', async () => {
    for (let round = 0; round < 6; round++) {
      await set('huiguo-rou', 1);
      platformHas('huiguo-rou', 1);
      const d = await seatedDiner(w.s, round % 3);
      const sim = round % 2 === 0 ? w.mt : w.el;
      const [mini, plat] = await Promise.all([
        call(w.s.url, 'POST', '/v1/diner/orders', {
          token: d.token,
          body: { lines: [{ skuId: 'huiguo-rou', qty: 1 }] },
          headers: { 'idempotency-key': idemKey() },
        }),
        sim.order(sim === w.mt ? MT_POI : EL_POI, [{ sku: sim === w.mt ? 'huiguo-rou' : elSku('huiguo-rou'), qty: 1 }]),
      ]);
      expect([mini.status === 201, plat.ok].filter(Boolean), JSON.stringify({ mini: mini.body, plat })).toHaveLength(1);
      // The loser was told "sold out": the diner 409, the platform in its own shape.
      if (!plat.ok) expect(plat).toMatchObject({ code: 'sold_out' });
      if (mini.status !== 201) expect(mini).toMatchObject({ status: 409, body: { code: 'sold_out' } });
      expect((await stock('huiguo-rou')).available).toBe(0);
    }
  });

  it('an order is confirmed back; a cancel gives its stock back; a refund while cooking waits for staff, after delivery is refused', async () => {
    await set('wanglaoji', 40);
    platformHas('wanglaoji', 40);
    const a = await w.mt.order(MT_POI, [{ sku: 'wanglaoji', qty: 2 }]);
    expect(a).toMatchObject({ ok: true });
    await waitFor(() => w.mt.orders.get(a.id)?.status === 'confirmed', { what: 'meituan hears the order confirmed' });
    expect(await w.mt.remind(a.id)).toEqual({ ok: true });
    expect(await w.mt.refund(a.id)).toEqual({ ok: true });
    expect(w.mt.orders.get(a.id)?.status).toBe('confirmed');
    const agreed = await w.ops('POST', `/v1/platforms/meituan/orders/${a.id}/refund_agree`);
    expect(agreed).toMatchObject({ status: 200, body: { status: 'refunded' } });
    await waitFor(() => w.mt.orders.get(a.id)?.status === 'refund_agreed', { what: 'meituan hears the refund agreed' });

    const b = await w.el.order(EL_POI, [{ sku: elSku('wanglaoji'), qty: 1 }]);
    expect(b.ok).toBe(true);
    expect(await w.ops('POST', `/v1/platforms/eleme/orders/${b.id}/delivered`)).toMatchObject({ status: 200 });
    await waitFor(() => w.el.orders.get(b.id)?.status === 'delivered', { what: 'eleme hears it delivered' });
    expect(await w.el.refund(b.id)).toEqual({ ok: true });
    await waitFor(() => w.el.orders.get(b.id)?.status === 'refund_refused', { what: 'eleme hears the refund refused' });

    const before = (await stock('wanglaoji')).available;
    const c = await w.mt.order(MT_POI, [{ sku: 'wanglaoji', qty: 3 }]);
    expect((await stock('wanglaoji')).available).toBe(before - 3);
    expect(await w.mt.cancel(c.id)).toEqual({ ok: true });
    // Sent again (signed anew: the same signed push in the same second would be a replay): nothing more comes back.
    expect(await w.mt.cancel(c.id, '用户再次取消')).toEqual({ ok: true });
    expect((await stock('wanglaoji')).available).toBe(before);
    expect(await w.ops('POST', `/v1/platforms/meituan/orders/${c.id}/ready`)).toMatchObject({ status: 409 });
  });

  it('an accepted platform order reaches the kitchen: its tickets, once, even when the platform pushes it again', async () => {
    await set('wanglaoji', 40);
    await set('jiucai-hezi', 40);
    platformHas('wanglaoji', 40);
    platformHas('jiucai-hezi', 40);
    const lines = [
      { sku: 'wanglaoji', qty: 2, priceFen: 500 },
      { sku: 'jiucai-hezi', qty: 1, priceFen: 600 },
    ];
    const id = `2701${Date.now()}k`;
    const push: PlatformPush = { kind: 'new', poi: MT_POI, platformOrderId: id, lines, totalFen: 1600, at: Date.now() };
    expect(await w.mt.push(push)).toEqual({ ok: true });
    const mine = async () => (await kitchenTickets()).filter((t) => t.orderId === `meituan.${id}`);
    const first = await mine();
    expect(first.length).toBeGreaterThan(0);
    for (const t of first)
      expect(t).toMatchObject({ kind: 'new', store: '001', channel: 'delivery', pickupNo: id.slice(-4) });
    expect(first.flatMap((t) => t.lines.map((l) => [l.name, l.qty])).sort()).toEqual([
      ['王老吉', 2],
      ['韭菜盒子', 1],
    ]);
    // The platform did not hear us (a timeout) and pushes again (another signature): the sale answers
    // duplicate, the tickets go out again under the same ids, and the stream keeps one of each.
    expect(await w.mt.push({ ...push, at: push.at + 1_000 })).toEqual({ ok: true });
    expect((await mine()).map((t) => t.ticketId).sort()).toEqual(first.map((t) => t.ticketId).sort());
  });

  it('an order for a dish the store does not map is refused in the platform shape', async () => {
    w.mt.items.get(MT_POI)!.set('not-ours', { name: '外来菜', priceFen: 100, stock: 5 });
    expect(await w.mt.order(MT_POI, [{ sku: 'not-ours', qty: 1 }])).toMatchObject({ ok: false, code: 'unknown_sku' });
  });
});
