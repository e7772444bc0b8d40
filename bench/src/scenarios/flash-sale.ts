/**
 * flash-sale: one SKU of one store, a fixed number of units, sold at once to diners, the POS and
 * delivery: every unit is sold once, none twice (oversold) and no refusal while units remain
 * (undersold).
 */
import { Api } from '../api.js';
import { cpuPerUnit } from '../cpu.js';
import { Recorder, openLoop } from '../stats.js';
import { Tables } from '../tables.js';
import { errorsOf, measure, type RunOptions, type ScenarioResult } from './run.js';
import { orderableSkus } from './setup.js';

export async function flashSale(o: RunOptions): Promise<ScenarioResult> {
  const api = new Api(o.url, Math.max(500, o.connections));
  try {
    const store = o.data.stores[0]!;
    const sku = orderableSkus(o.data)[0]!;
    const units = o.units ?? 10_000;
    // Ten diners a table at store 001's tables; a party leaves after 20-40 orders.
    const tables = await Tables.seat(api, [store], o.diners ?? 200, o.log, { ordersPerParty: [20, 40] });
    const rec = new Recorder('attempt', o.progress);
    let sold = 0;
    let unknownOutcome = 0;
    const refusedQty: number[] = [];
    const run = Math.random().toString(36).slice(2, 8);
    const fire = async (dueAt: number, i: number): Promise<void> => {
      const qty = 1 + (i % 2);
      const line = [{ skuId: sku, qty }];
      const ch = i % 3;
      const r =
        ch === 0
          ? await tables.withDiner(i, async (d) => {
              const a = await api.placeOrder(d.token, line);
              return { placed: a.code === 'ok', value: a };
            })
          : ch === 1
            ? await api.posSale(store.storeId, `f${run}p${i}`, line)
            : await api.deliveryOrder(store.storeId, `f${run}d${i}`, line);
      rec.record('attempt', performance.now() - dueAt, r.code);
      rec.record(['diner', 'pos', 'delivery'][ch]!, performance.now() - dueAt, r.code);
      if (r.code === 'ok') sold += qty;
      else if (r.code === '409 sold_out') refusedQty.push(qty);
      else unknownOutcome++;
    };
    // Warm the connections and code paths on another SKU, then put the units on the hot one.
    const warmSku = orderableSkus(o.data)[1]!;
    await api.setStock(store.storeId, warmSku, 1_000_000);
    if (o.warmupS > 0) {
      o.log(`warming up ${o.warmupS} s on another SKU`);
      await openLoop({
        rate: Math.max(1, Math.round(o.rate / 4)),
        durationS: o.warmupS,
        fire: (_d, i) => api.posSale(store.storeId, `w${run}${i}`, [{ skuId: warmSku, qty: 1 }]).then(() => undefined),
      });
    }
    await api.setStock(store.storeId, sku, units);
    const before = await api.stock(store.storeId, sku);
    o.log(`flash sale: ${units} units of ${sku} at store ${store.storeId}, ${o.rate} attempts/s for ${o.durationS} s`);
    const cpu = await measure(o, rec, 'attempt', fire);
    const after = await api.stock(store.storeId, sku);
    const taken = after.reserved + after.sold - (before.reserved + before.sold);
    const oversold = Math.max(0, taken - units, -after.available);
    const undersold = refusedQty.filter((q) => q <= after.available).length;
    const ops = rec.summary();
    const perAttempt = cpuPerUnit(cpu, ops.attempt?.count ?? 0);
    return {
      scenario: 'flash-sale',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        attemptsPerS: Math.round((ops.attempt?.count ?? 0) / (rec.timeline.at(-1)?.t ?? o.durationS)),
        attemptP99Ms: ops.attempt?.p99Ms,
        units,
        soldAcknowledged: sold,
        soldByStock: taken,
        remaining: after.available,
        soldOutRefusals: refusedQty.length,
        otherErrors: unknownOutcome,
        oversold,
        undersold,
        ...(perAttempt.stack === undefined
          ? {}
          : { cpuMsPerAttempt: perAttempt.stack, benchCpuMsPerAttempt: perAttempt.bench }),
        errorsByCode: errorsOf(ops, 'attempt'),
      },
      ops,
      timeline: rec.timeline,
      correctness: { oversold, undersold },
      extra: { sku, store: store.storeId, before, after, ...(cpu === undefined ? {} : { cpu }) },
    };
  } finally {
    await api.close();
  }
}
