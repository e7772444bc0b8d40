/**
 * The click-through views fill from real events: a diner at a real gateway is shown
 * recommendations, logs what was shown and what was tapped, orders and pays the tapped dish;
 * ingestion follows the engine's log and the gateway's impression stream into chDB, and
 * `reco_ctr` and `reco_ab` count them, with the revenue the click brought.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, seatedDiner, startStack, type Stack } from '@lunchrush/stack/testing';
import { Ingester, runCli, runView, type Warehouse } from '@lunchrush/analytics';
import { ingestConfig, tempWarehouse } from './helpers.js';

let s: Stack;
let wh: Warehouse;
let drop: () => Promise<void>;
let ingester: Ingester;

const today = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  s = await startStack();
  ({ wh, drop } = await tempWarehouse());
  ingester = await Ingester.start({ nc: s.t.nc, warehouse: wh, config: ingestConfig(s.t.ns) });
}, 120_000);

afterAll(async () => {
  await ingester?.stop();
  await drop?.();
  await s?.close();
});

interface Placed {
  order: { orderId: string; totalFen: number; lines: { skuId: string; amountFen: number }[] };
}

describe('recommendation events into ClickHouse', () => {
  it('impressions, a click and the order it led to fill reco_ctr and reco_ab', async () => {
    const d = await seatedDiner(s, 3);
    const shown = await call<{ variant: string; hot: { skuId: string }[] }>(
      s.url,
      'GET',
      `/v1/stores/001/recommendations?context=menu&table=${d.tableId}`,
    );
    expect(shown.status).toBe(200);
    const events = [
      { type: 'shown', skuId: 'qingdao-pijiu', context: 'menu', position: 0 },
      { type: 'shown', skuId: 'laocu-huasheng', context: 'menu', position: 1 },
      { type: 'clicked', skuId: 'qingdao-pijiu', context: 'menu', position: 0 },
    ];
    const logged = await call(s.url, 'POST', '/v1/stores/001/recommendations/events', {
      token: d.token,
      body: { events },
    });
    expect(logged.status).toBe(202);

    const placed = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: {
        lines: [
          { skuId: 'qingdao-pijiu', qty: 2 },
          { skuId: 'di-sanxian', qty: 1 },
        ],
      },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const { orderId, totalFen, lines } = placed.body.order;
    const pay = await call<{ prepayId: string }>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    expect(
      (await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.body.prepayId } })).status,
    ).toBe(200);

    const params = { store: '001', from: today(), to: today(), limit: 20 };
    await waitFor(
      async () => {
        const ab = await runView<{ paid_orders: number }>(wh, 'reco_ab', params);
        return ab[0]?.paid_orders === 1;
      },
      { what: 'the paid order and the impressions in ClickHouse', timeoutMs: 30_000 },
    );
    const beer = lines.find((l) => l.skuId === 'qingdao-pijiu')!.amountFen;
    expect(await runView(wh, 'reco_ctr', params)).toEqual([
      {
        variant: 'reco',
        context: 'menu',
        impressions: 2,
        clicks: 1,
        ctr_rate: 0.5,
        attached_orders: 1,
        attached_fen: beer,
      },
    ]);
    expect(await runView(wh, 'reco_ab', params)).toEqual([
      {
        variant: 'reco',
        tables: 1,
        paid_orders: 1,
        revenue_fen: totalFen,
        avg_ticket_fen: totalFen,
        revenue_per_table_fen: totalFen,
      },
    ]);

    // The same through the CLI, as an analyst reads it.
    let out = '';
    const io = { out: (x: string) => (out += x), err: (x: string) => (out += x), warehouse: wh, env: {} };
    expect(await runCli(['reco_ctr', '--store', '001', '--from', today(), '--to', today()], io)).toBe(0);
    expect(out).toMatch(/reco\s+menu\s+2\s+1\s+50\.0%/);
  }, 120_000);
});
