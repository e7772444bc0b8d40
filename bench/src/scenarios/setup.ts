/** What the scenarios set up alike: SKUs on every store's stock, seated diners, a warm-up. */
import type { DemoData, DemoStore } from '@lunchrush/actors/demo';
import { pool, type Api } from '../api.js';
import { openLoop, type Recorder } from '../stats.js';
import { Tables } from '../tables.js';
import type { RunOptions } from './run.js';

/** SKUs an order can name without options, on every channel, all day. */
export function orderableSkus(data: DemoData): string[] {
  return data.template.spus
    .filter(
      (s) =>
        s.available &&
        s.optionGroups.every((g) => g.min === 0) &&
        s.windows.length === 0 &&
        ['dine_in', 'delivery', 'takeaway'].every((c) => s.channels.includes(c as never)),
    )
    .flatMap((s) => s.skus.map((k) => k.skuId));
}

async function stockEverything(api: Api, stores: readonly DemoStore[], skus: string[], units: number) {
  const all = stores.flatMap((s) => skus.map((sku) => [s.storeId, sku] as const));
  await pool(all, 32, ([store, sku]) => api.setStock(store, sku, units));
}

/** Stock on every orderable SKU, diners seated; parties leave after `ordersPerParty` orders (`--party`, else 2–6). */
export async function lunchSetup(
  o: RunOptions,
  api: Api,
  ordersPerParty: readonly [number, number] = o.ordersPerParty ?? [2, 6],
) {
  const skus = orderableSkus(o.data);
  o.log(`stocking ${o.data.stores.length} stores × ${skus.length} SKUs`);
  await stockEverything(api, o.data.stores, skus, 1_000_000);
  const tables = await Tables.seat(api, o.data.stores, o.diners ?? 400, o.log, { ordersPerParty });
  return { skus, tables };
}

export async function warmup(o: RunOptions, rec: Recorder, fire: (dueAt: number, i: number) => Promise<void>) {
  if (o.warmupS <= 0) return;
  o.log(`warming up ${o.warmupS} s at ${Math.max(1, Math.round(o.rate / 2))}/s`);
  await openLoop({ rate: Math.max(1, Math.round(o.rate / 2)), durationS: o.warmupS, fire });
  void rec;
}
