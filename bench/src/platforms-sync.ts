/**
 * The delivery platforms' sync under load (issue 20), a mechanism run: a stack in this process
 * (`@lunchrush/stack/testing`: engine and gateway, store 001), both platform simulators and the
 * platforms service, then for `--duration` seconds at fixed arrival rates (open model):
 *
 * - `--mini r`: mini-program reservations of one unit (`stock.reserve`, channel miniprogram), the
 *   competing channel;
 * - `--changes r`: staff stock changes that cross a level (set to 0, then to 30), each one a change
 *   every platform must hear;
 * - `--orders r`: platform customers ordering one unit from their platform's copy (美团 and 饿了么
 *   in turn), pushed to us signed, sold through the sale actor or refused sold out.
 *
 * Sync lag is from a change (its command's time) to the platform's acknowledgement of the call
 * carrying it, per change, both platforms. Oversold: a platform order the platform kept (we
 * answered ok) with no sale recorded, or a SKU whose stock reads below zero; it must be 0.
 *
 *   node --import tsx bench/src/platforms-sync.ts [--duration 20] [--mini 200] [--changes 20] [--orders 20] [--skus 20] [--json file]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { saleActorId, saleOf, stockOf } from '@lunchrush/actors';
import {
  DEV_CREDENTIALS,
  PLATFORMS,
  demoMapping,
  openPlatforms,
  startSimulators,
  type PlatformName,
} from '@lunchrush/platforms';
import { startStack } from '@lunchrush/stack/testing';
import { freePort, testLogger, waitFor } from '@lunchrush/testkit';
import { histogram, openLoop, summarize } from './stats.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
}

async function main(): Promise<void> {
  const durationS = arg('duration', 20);
  const rates = { mini: arg('mini', 200), changes: arg('changes', 20), orders: arg('orders', 20) };
  const s = await startStack({ LOG_LEVEL: 'error' });
  const skuIds = s.data.template.spus.flatMap((spu) => spu.skus.map((k) => k.skuId)).slice(0, arg('skus', 20));
  const mapping = demoMapping(['001'], skuIds);
  const port = await freePort();
  const pushBase = `http://127.0.0.1:${port}`;
  for (const sku of skuIds) await stockOf(s.client, '001', sku).send({ type: 'set', available: 30, at: Date.now() });
  const sim = await startSimulators({
    pushBase,
    mapping,
    engine: s.client,
    meituan: DEV_CREDENTIALS.meituan,
    eleme: DEV_CREDENTIALS.eleme,
  });
  const p = await openPlatforms({
    nc: s.t.nc,
    redis: s.t.redis!,
    namespace: s.t.ns,
    prefix: s.t.ns,
    engine: s.client,
    mapping,
    platforms: sim.apis,
    port,
    opsToken: DEV_CREDENTIALS.opsToken,
    toleranceS: 300,
    log: testLogger('platforms', 'warn'),
  });
  const lag = histogram();
  for (const pf of PLATFORMS)
    p.senders[pf].health.onLags = (ls) => ls.forEach((l) => lag.recordValue(Math.max(1, l * 1000)));
  // Drain what the demo data and seeding queued before measuring (the stream read, the outboxes empty).
  await waitFor(async () => (await p.backlog()) === 0, { timeoutMs: 60_000 });
  lag.reset();

  const platformOk: { platform: PlatformName; id: string }[] = [];
  let refused = 0;
  let localSoldOut = 0;
  let miniOk = 0;
  let miniSoldOut = 0;
  const sku = (i: number): string => skuIds[i % skuIds.length]!;
  const loops = [
    openLoop({
      rate: rates.mini,
      durationS,
      fire: async (_d, i) => {
        try {
          await stockOf(s.client, '001', sku(i * 7)).send({
            type: 'reserve',
            channel: 'miniprogram',
            ref: `bench-${i}`,
            qty: 1,
            at: Date.now(),
          });
          miniOk++;
        } catch {
          miniSoldOut++;
        }
      },
    }),
    openLoop({
      rate: rates.changes,
      durationS,
      fire: async (_d, i) => {
        await stockOf(s.client, '001', sku(i)).send({
          type: 'set',
          available: Math.floor(i / skuIds.length) % 2 === 0 ? 0 : 30,
          at: Date.now(),
        });
      },
    }),
    openLoop({
      rate: rates.orders,
      durationS,
      fire: async (_d, i) => {
        const platform = PLATFORMS[i % 2]!;
        const m = mapping[platform][0]!;
        const r = await sim.sims[platform].order(m.poi, [{ sku: m.skus[sku(i * 3)]!, qty: 1 }]);
        if (r.ok) platformOk.push({ platform, id: r.id });
        else if (r.message.endsWith('(平台)')) localSoldOut++;
        else refused++;
      },
    }),
  ];
  await Promise.all(loops);
  await waitFor(async () => (await p.health()).platforms.every((h) => h.pending === 0), { timeoutMs: 120_000 });

  let oversold = 0;
  for (const o of platformOk) {
    const sale = await saleOf(s.client, '001', saleActorId('delivery', `${o.platform}.${o.id}`)).send({ type: 'get' });
    if (sale === null) oversold++;
  }
  for (const k of skuIds) if ((await stockOf(s.client, '001', k).send({ type: 'get' })).available < 0) oversold++;
  const result = {
    scenario: 'platforms-sync',
    durationS,
    rates,
    skus: skuIds.length,
    syncLag: summarize(lag),
    platformOrders: { accepted: platformOk.length, refusedSoldOut: refused, refusedByPlatformCopy: localSoldOut },
    mini: { reserved: miniOk, soldOut: miniSoldOut },
    oversold,
    health: (await p.health()).platforms,
    loadavg: (await import('node:os')).loadavg(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const i = process.argv.indexOf('--json');
  const file = i >= 0 ? process.argv[i + 1]! : path.join('bench', 'results', `platforms-sync-${Date.now()}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2));
  await p.close();
  await sim.close();
  await s.close();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${String((e as Error).stack ?? e)}\n`);
    process.exit(1);
  },
);
