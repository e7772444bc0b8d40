import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogOf } from '@lunchrush/actors';
import { call, idemKey, seatedDiner } from '@lunchrush/stack/testing';
import { waitFor } from '@lunchrush/testkit';
import { decode } from '@lunchrush/engine';
import type { PlatformHealthPush, PlatformSyncAlarm } from '../src/alarms.js';
import type { StockItem } from '../src/platform.js';
import { EL_POI, MT_POI, elSku, startWorld, type World } from './world.js';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w?.close());

const set = (skuId: string, available: number) =>
  w.s.client.send('001', 'stock', skuId, { type: 'set', available, at: Date.now() });
const onBoth = (skuId: string, stock: number) => () =>
  w.mt.item(MT_POI, skuId)?.stock === stock && w.el.item(EL_POI, elSku(skuId))?.stock === stock;
/** Whether `got` is `all` with some left out, in the same order (nothing older after something newer). */
const inOrder = (got: readonly number[], all: readonly number[]): boolean => {
  let i = 0;
  for (const v of got) {
    while (i < all.length && all[i] !== v) i++;
    if (i++ === all.length) return false;
  }
  return true;
};
const stockCalls = (sim: World['mt'], sku: string): number[] =>
  sim.applied.flatMap((c) =>
    c.op === 'stock' ? c.items.filter((i: StockItem) => i.sku === sku).map((i) => i.stock) : [],
  );

describe('stock changes reach both platforms', () => {
  it('the last unit sold on the mini-program shows sold out on both platforms, which then sell none', async () => {
    await set('fanqie-chaodan', 1);
    await waitFor(onBoth('fanqie-chaodan', 1), { what: 'both platforms show 1 left' });
    const d = await seatedDiner(w.s, 0);
    const r = await call(w.s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'fanqie-chaodan', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await waitFor(onBoth('fanqie-chaodan', 0), { what: 'both platforms show it sold out' });
    // The platforms' own customers can no longer order it.
    expect(await w.mt.order(MT_POI, [{ sku: 'fanqie-chaodan', qty: 1 }])).toMatchObject({
      ok: false,
      code: 'sold_out',
    });
    expect(await w.el.order(EL_POI, [{ sku: elSku('fanqie-chaodan'), qty: 1 }])).toMatchObject({
      ok: false,
      code: 'sold_out',
    });
    const h = (await w.p.health()).platforms;
    expect(h.map((x) => x.platform)).toEqual(['meituan', 'eleme']);
    for (const x of h) expect(x.lagMs.count).toBeGreaterThan(0);
  });

  it('a platform that is down gets what changed meanwhile, in order, once back; the other is not held up', async () => {
    await set('wanglaoji', 0);
    await waitFor(onBoth('wanglaoji', 0), { what: 'both platforms show it sold out' });
    const before = stockCalls(w.mt, 'wanglaoji').length;
    const alarms: PlatformSyncAlarm[] = [];
    const health: PlatformHealthPush[] = [];
    const sub = w.s.t.nc.subscribe(`${w.s.t.ns}.alarms.001`, {
      callback: (_e, m) => {
        const a = decode<PlatformSyncAlarm | PlatformHealthPush>(m.data);
        if (a.kind === 'platform_sync') alarms.push(a);
        else health.push(a);
      },
    });
    w.mt.down = true;
    // Each is a level change (out / ok / low), so each goes to the platforms.
    const changes = [7, 0, 3, 0, 9, 2];
    for (const v of changes) await set('wanglaoji', v);
    await waitFor(() => w.el.item(EL_POI, elSku('wanglaoji'))?.stock === 2, {
      what: 'eleme has every change while meituan is down',
    });
    await waitFor(async () => (await w.p.senders.meituan.view()).consecutiveFailures >= 3, {
      what: 'the sender kept trying meituan',
    });
    const down = await w.p.senders.meituan.view();
    expect(down.pending).toBeGreaterThanOrEqual(changes.length);
    // The store's staff hear it on the board's alarm channel.
    await waitFor(() => alarms.some((a) => a.platform === 'meituan' && a.status === 'down'), { what: 'a down alarm' });
    expect(w.mt.item(MT_POI, 'wanglaoji')?.stock).toBe(0);
    // The board's health pane hears the backlog and the errors too (every 5 s, not an alarm).
    await waitFor(() => health.some((x) => x.platform === 'meituan' && x.status === 'down' && x.pending >= 6), {
      what: "meituan's health on the store's channel",
    });
    expect(health.some((x) => x.platform === 'eleme' && x.store === '001' && x.status === 'ok')).toBe(true);
    w.mt.down = false;
    await waitFor(() => w.mt.item(MT_POI, 'wanglaoji')?.stock === 2, { what: 'meituan caught up' });
    // The backlog comes coalesced (a stock call sets a number: the newest level is what counts) and in order.
    expect(stockCalls(w.mt, 'wanglaoji').slice(before)).toEqual([2]);
    const el = stockCalls(w.el, elSku('wanglaoji'));
    expect(inOrder(el.slice(el.lastIndexOf(0, -changes.length)), [0, ...changes]), JSON.stringify(el)).toBe(true);
    await waitFor(async () => (await w.p.senders.meituan.view()).pending === 0, { what: 'the outbox drained' });
    expect((await w.p.senders.meituan.view()).consecutiveFailures).toBe(0);
    await waitFor(() => alarms.at(-1)?.status === 'ok', { what: 'the back-to-normal alarm' });
    expect(alarms.map((a) => [a.platform, a.status])).toEqual([
      ['meituan', 'down'],
      ['meituan', 'ok'],
    ]);
    sub.unsubscribe();
  });
});

describe('menu changes reach both platforms', () => {
  it('a price change sends that dish only, once the platform has had the menu', async () => {
    const price = (skuId: string, priceFen: number) =>
      catalogOf(w.s.client, '001').send({ type: 'setPrice', skuId, priceFen, at: Date.now() });
    const menuCalls = (sim: World['mt']) => sim.applied.filter((c) => c.op === 'menu');
    await price('suanmei-tang-s', 1_234);
    await waitFor(() => w.mt.item(MT_POI, 'suanmei-tang-s')?.priceFen === 1_234, { what: 'meituan has the price' });
    await waitFor(() => w.el.item(EL_POI, elSku('suanmei-tang-s'))?.priceFen === 1_234, { what: 'eleme has it' });
    const before = { mt: menuCalls(w.mt).length, el: menuCalls(w.el).length };
    await price('wanglaoji', 801);
    await waitFor(() => w.mt.item(MT_POI, 'wanglaoji')?.priceFen === 801, { what: 'meituan has the second price' });
    await waitFor(() => w.el.item(EL_POI, elSku('wanglaoji'))?.priceFen === 801, { what: 'eleme has it' });
    const items = (c: ReturnType<typeof menuCalls>) =>
      c.flatMap((x) => (x.op === 'menu' ? x.items.map((i) => i.sku) : []));
    expect(items(menuCalls(w.mt).slice(before.mt))).toEqual(['wanglaoji']);
    expect(items(menuCalls(w.el).slice(before.el))).toEqual([elSku('wanglaoji')]);
  });
});

describe('reconciliation', () => {
  it('finds a platform copy that drifted (stock, price, a missing dish), repairs it, and then finds none', async () => {
    const mtMenu = w.mt.items.get(MT_POI)!;
    mtMenu.get('jiucai-hezi')!.stock = 999;
    mtMenu.get('huiguo-rou')!.priceFen = 1;
    w.el.items.get(EL_POI)!.delete(elSku('wanglaoji'));
    const r = await w.ops('POST', '/v1/platforms/reconcile');
    expect(r.status).toBe(200);
    const stores = r.body.stores as { platform: string; stock: { skuId: string }[]; menu: { skuId: string }[] }[];
    const mt = stores.find((x) => x.platform === 'meituan')!;
    const el = stores.find((x) => x.platform === 'eleme')!;
    expect(mt.stock.map((x) => x.skuId)).toContain('jiucai-hezi');
    expect(mt.menu.map((x) => x.skuId)).toContain('huiguo-rou');
    expect(el.menu.map((x) => x.skuId)).toContain('wanglaoji');
    const ours = await w.shown('jiucai-hezi');
    await waitFor(
      () =>
        mtMenu.get('jiucai-hezi')?.stock === ours &&
        mtMenu.get('huiguo-rou')!.priceFen > 1 &&
        w.el.item(EL_POI, elSku('wanglaoji'))?.stock === 2,
      { what: 'the repairs reached the platforms' },
    );
    await waitFor(
      async () => (await w.p.senders.meituan.view()).pending + (await w.p.senders.eleme.view()).pending === 0,
    );
    const again = await w.ops('POST', '/v1/platforms/reconcile');
    expect(again.body.drifted, JSON.stringify(again.body)).toBe(0);
    const h = await w.ops('GET', '/v1/platforms/health');
    expect(h.body).toMatchObject({ reconciliation: { drifted: 0 } });
    expect((await fetch(w.p.url + '/v1/platforms/health')).status).toBe(401);
  });
});
