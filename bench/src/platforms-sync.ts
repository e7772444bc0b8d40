/**
 * The delivery platforms' sync under load (issue 20), on its own: a stack in this process
 * (`@lunchrush/stack/testing`: engine and gateway, store 001) with `PlatformsLoad`
 * (`src/platforms-load.ts`: both platform simulators and the platforms service), then for
 * `--duration` seconds at fixed arrival rates (open model):
 *
 * - `--mini r`: mini-program reservations of one unit (`stock.reserve`, channel miniprogram), the
 *   competing channel;
 * - `--changes r`: staff leave a dish low (3 units), the reservations sell it out, it is restocked
 *   to 30 two seconds later: each step a level change every platform must hear;
 * - `--orders r`: platform customers ordering one unit from their platform's copy (美团 and 饿了么
 *   in turn), pushed to us signed, sold through the sale actor or refused sold out.
 *
 * Sync lag and oversold as `PlatformsLoad` measures them. `lunch-rush --platforms` asks the same
 * questions under the lunch rush.
 *
 *   node --import tsx bench/src/platforms-sync.ts [--duration 20] [--mini 200] [--changes 20] [--orders 20] [--skus 20] [--json file]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { stockOf } from '@lunchrush/actors';
import { startStack, type Stack } from '@lunchrush/stack/testing';
import { PlatformsLoad } from './platforms-load.js';
import { openLoop } from './stats.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}

/** Mini-program reservations of one unit, SKUs in a stride: how many were made and refused. */
async function reservations(s: Stack, skuIds: readonly string[], rate: number, durationS: number) {
  const mini = { reserved: 0, soldOut: 0 };
  await openLoop({
    rate,
    durationS,
    fire: async (_d, i) => {
      try {
        const sku = skuIds[(i * 7) % skuIds.length]!;
        const at = Date.now();
        await stockOf(s.client, '001', sku).send({
          type: 'reserve',
          channel: 'miniprogram',
          ref: `bench-${i}`,
          qty: 1,
          at,
        });
        mini.reserved++;
      } catch {
        mini.soldOut++;
      }
    },
  });
  return mini;
}

async function main(): Promise<void> {
  const durationS = arg('duration', 20);
  const rates = { mini: arg('mini', 200), changes: arg('changes', 20), orders: arg('orders', 20) };
  const s = await startStack({ LOG_LEVEL: 'error' });
  const skuIds = s.data.template.spus.flatMap((spu) => spu.skus.map((k) => k.skuId)).slice(0, arg('skus', 20));
  for (const sku of skuIds) await stockOf(s.client, '001', sku).send({ type: 'set', available: 30, at: Date.now() });
  const load = await PlatformsLoad.start({
    nc: s.t.nc,
    redis: s.t.redis!,
    engine: s.client,
    namespace: s.t.ns,
    stores: ['001'],
    skus: skuIds,
    restockUnits: 30,
  });
  await load.ready();
  const [mini] = await Promise.all([
    reservations(s, skuIds, rates.mini, durationS),
    load.run(durationS, { orders: rates.orders, changes: rates.changes }),
  ]);
  const r = await load.finish();
  const result = {
    scenario: 'platforms-sync',
    durationS,
    rates,
    skus: skuIds.length,
    mini,
    ...r,
    loadavg: os.loadavg(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const i = process.argv.indexOf('--json');
  const file = i >= 0 ? process.argv[i + 1]! : path.join('bench', 'results', `platforms-sync-${Date.now()}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2));
  await load.close();
  await s.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${String((e as Error).stack ?? e)}\n`);
    process.exit(1);
  },
);
