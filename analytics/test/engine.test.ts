/**
 * End to end through a real engine: restaurant actors on an in-process engine,
 * commands through EngineClient, records appended by the engine itself, read by
 * the durable consumer into chDB, and the views show the order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine, EngineClient } from '@lunchrush/engine';
import { outputStreams, restaurantActors, type OrderDetail } from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';
import { natsUrl, setup, testLogger, waitFor, type TestContext } from '@lunchrush/testkit';
import { Ingester, localDay, runView, type Warehouse } from '@lunchrush/analytics';
import { ingestConfig, P, tempWarehouse } from './helpers.js';

let t: TestContext;
let engine: Engine;
let client: EngineClient;
let wh: Warehouse;
let drop: () => Promise<void>;
let ingester: Ingester;

beforeAll(async () => {
  t = await setup({ prefix: 'ae' });
  engine = await Engine.start(restaurantActors, {
    env: {},
    outputStreams,
    config: { natsUrl: natsUrl(), namespace: t.ns, partitions: P, metricsPort: 0, leaseTtlMs: 1500 },
    logger: testLogger('engine'),
  });
  await waitFor(() => engine.ownedPartitions().length === P, { what: 'all partitions owned' });
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P });
  ({ wh, drop } = await tempWarehouse());
  // Analytics starts first and follows the stream from its beginning.
  ingester = await Ingester.start({ nc: t.nc, warehouse: wh, config: ingestConfig(t.ns) });
});

afterAll(async () => {
  await ingester?.stop();
  await engine?.stop();
  await drop?.();
  await t?.cleanup();
});

it('orders placed, paid and cooked through the engine show up in the views', async () => {
  const data = generateDemoData({ stores: 1 });
  const now = Date.now();
  for (const c of demoSetupCommands(data, now))
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id });
  // Dishes without required options, sold for takeaway.
  const spus = data.template.spus.filter(
    (s) => s.channels.includes('takeaway') && s.optionGroups.every((g) => g.min === 0) && s.skus.length === 1,
  );
  const skus = spus.slice(0, 2).map((s) => s.skus[0]!.skuId);
  const placed: OrderDetail[] = [];
  for (let i = 0; i < 3; i++) {
    placed.push(
      await client.send<OrderDetail>('001', 'order', `o_e2e${i}`, {
        type: 'place',
        channel: 'takeaway',
        dinerId: `d${i}`,
        lines: [{ skuId: skus[i % 2]!, qty: 1 + i }],
        at: now + i,
      }),
    );
  }
  const staff = { role: 'staff', id: 's1' };
  // Two are paid and cooked; the third stays unpaid.
  for (const o of placed.slice(0, 2)) {
    await client.send('001', 'order', o.orderId, {
      type: 'confirmPayment',
      paymentId: `wx-${o.orderId}`,
      amountFen: o.totalFen,
      paidAt: now + 1000,
      at: now + 1000,
    });
    await client.send('001', 'order', o.orderId, { type: 'accept', by: staff, at: now + 2000 });
    for (const st of new Set(o.lines.map((l) => l.station)))
      await client.send('001', 'order', o.orderId, { type: 'finishStation', station: st, at: now + 62_000 });
  }
  const revenue = placed[0]!.totalFen + placed[1]!.totalFen;
  const day = localDay(now);
  const params = { store: '001', from: day, to: day, limit: 10 };
  const conversion = await waitFor(
    async () => {
      const r = await runView(wh, 'conversion', params);
      return r[0]?.placed === 3 && r[0]?.paid === 2 ? r : undefined;
    },
    { what: 'three orders, two paid, in ClickHouse', timeoutMs: 30_000 },
  );
  expect(conversion[0]).toMatchObject({ day, placed: 3, paid: 2, timed_out: 0, awaiting: 1 });
  const heat = await runView<{ orders: number; revenue_fen: number }>(wh, 'heatmap', params);
  expect(heat.reduce((n, r) => n + r.orders, 0)).toBe(2);
  expect(heat.reduce((n, r) => n + r.revenue_fen, 0)).toBe(revenue);
  expect(await runView(wh, 'channels', params)).toEqual([
    expect.objectContaining({ channel: 'takeaway', orders: 2, revenue_fen: revenue, order_share: 1 }),
  ]);
  const dishes = await runView<{ sku_id: string; qty: number }>(wh, 'dishes', params);
  expect(dishes.map((d) => [d.sku_id, d.qty]).sort()).toEqual(
    [
      [skus[0], 1],
      [skus[1], 2],
    ].sort(),
  );
  const kitchen = await runView<{ tickets: number; avg_s: number }>(wh, 'kitchen', params);
  expect(kitchen.reduce((n, k) => n + k.tickets, 0)).toBeGreaterThanOrEqual(2);
  expect(kitchen.every((k) => k.avg_s === 60)).toBe(true);
  // The store's name from its Configured event, stock reservations as typed rows.
  expect(await runView(wh, 'stores', params)).toEqual([{ store: '001', name: data.stores[0]!.settings.name }]);
  const stock = await wh.query<{ n: number }>(
    `SELECT count() AS n FROM events FINAL WHERE actor_type = 'stock' AND type = 'Reserved' AND order_id LIKE 'o_e2e%'`,
  );
  expect(stock).toEqual([{ n: 3 }]);
  // Lag settles at zero once everything is in.
  await waitFor(() => ingester.stats().lagMessages === 0, { what: 'no lag' });
  expect(ingester.stats().lagSeconds).toBe(0);
});
