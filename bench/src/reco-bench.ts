/**
 * The recommendation route under load, as a menu-like read: a lunchrush node with the demo
 * stores, real models (trained by analytics' job on a generated history in chDB and published
 * to the node's KV bucket), then an open-model load of
 * `GET /v1/stores/{s}/recommendations?context=cart&cart=…&table=…` over every store, with carts
 * of one to three SKUs drawn from each store's menu. Latency from the scheduled time (no
 * coordinated omission); target p99 ≤ 10 ms.
 *
 *   node --conditions=lunchrush-compiled bench/dist/src/reco-bench.js [--rate 500] [--duration 20]
 *        [--stores 20] [--chdb DIR (a trained history: skips generating one)] [--json out.json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { seededRandom } from '@lunchrush/actors/demo';
import {
  defaultConfig,
  generateHistory,
  loadHistoryDirect,
  migrate,
  runRecoJob,
  Warehouse,
} from '@lunchrush/analytics';
import { natsUrl } from '@lunchrush/testkit';
import { Api } from './api.js';
import { startLunchrush } from './stack.js';
import { Recorder, openLoop } from './stats.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    stores: { type: 'string', default: '20' },
    chdb: { type: 'string' },
    json: { type: 'string' },
  },
});
const log = (m: string): void => void process.stderr.write(`[reco-bench] ${m}\n`);
const rate = Number(args.rate);
const durationS = Number(args.duration);
const stores = Number(args.stores);

/** Models from a generated history (or a kept chDB folder), published to the node's namespace. */
async function publishModels(namespace: string): Promise<void> {
  const dir = args.chdb ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lr-reco-bench-'));
  const wh = Warehouse.open({ ...defaultConfig(), chdbPath: dir });
  const nc = await connect({ servers: natsUrl(), noAsyncTraces: true });
  try {
    await migrate(wh);
    if (args.chdb === undefined) {
      log(`generating ${stores} stores × 28 days of history into ${dir}`);
      await loadHistoryDirect(wh, generateHistory({ stores, days: 28 }));
    }
    const r = await runRecoJob({ warehouse: wh, nc, namespace, days: 90 });
    log(`models: ${r.orders} orders, ${r.scopes} scopes, ${Math.round(r.publishedBytes / 1024)} KB published`);
  } finally {
    await nc.close();
    await wh.close();
    if (args.chdb === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const stack = await startLunchrush({ stores, log });
  try {
    await publishModels(stack.namespace!);
    const api = new Api(stack.url, 64);
    const rnd = seededRandom(24);
    const skus = stack.data.template.spus
      .filter((s) => s.windows.length === 0)
      .flatMap((s) => s.skus.map((k) => k.skuId));
    const paths = Array.from({ length: 4096 }, (_, i) => {
      const s = stack.data.stores[i % stack.data.stores.length]!;
      const cart = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => skus[Math.floor(rnd() * skus.length)]!);
      const table = s.tables[Math.floor(rnd() * s.tables.length)]!.tableId;
      return `/v1/stores/${s.storeId}/recommendations?context=cart&cart=${[...new Set(cart)].join(',')}&table=${table}`;
    });
    const fire =
      (rec: Recorder) =>
      async (dueAt: number, i: number): Promise<void> => {
        const r = await api.call<{ model: unknown; items: unknown[] }>('GET', paths[i % paths.length]!);
        const code = r.code !== 'ok' ? r.code : r.body.model === null ? 'no_model' : 'ok';
        rec.record('recommendations', performance.now() - dueAt, code);
      };
    // Until every store's model is in the node's memory.
    const probe = new Recorder('probe', false);
    for (let tries = 0; tries < 200; tries++) {
      const answers = await Promise.all(
        stack.data.stores.map((s) =>
          api.call<{ model: { scope: string } | null }>('GET', `/v1/stores/${s.storeId}/recommendations`),
        ),
      );
      if (answers.every((a) => a.body.model?.scope !== undefined && a.body.model.scope !== '*')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`warm-up ${args.warmup} s at ${rate}/s`);
    await openLoop({ rate, durationS: Number(args.warmup), fire: fire(probe) });
    const rec = new Recorder('recommendations', true);
    rec.start();
    const loop = await openLoop({ rate, durationS, fire: fire(rec) });
    rec.stop();
    const s = rec.summary().recommendations!;
    const result = {
      scenario: 'recommendations',
      rate,
      durationS,
      stores,
      loadAverage: os.loadavg(),
      summary: { ...s, backlog: loop.backlog, target10msP99: s.p99Ms <= 10 },
      timeline: rec.timeline,
    };
    process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
    const out = args.json ?? path.join('bench', 'results', `recommendations-${Date.now()}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(result, null, 2));
    log(`written ${out}`);
  } finally {
    await stack.stop();
  }
}

await main();
