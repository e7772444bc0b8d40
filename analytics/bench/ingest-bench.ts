/**
 * Analytics bench (not a test): numbers for the two targets.
 *
 *   node --import tsx analytics/bench/ingest-bench.ts lag   [--rate 25000] [--seconds 60]
 *     An analytics service process (main.ts, chDB in a temp folder) follows a fresh
 *     namespace's stream while this process publishes generated records at a fixed
 *     event rate (open model: the schedule never waits for the consumer). /api/lag is
 *     sampled every 250 ms; reported: lag seconds p50/p95/max, lag messages max, and
 *     the per-batch publish→insert delay histogram from /metrics.
 *
 *   node --import tsx analytics/bench/ingest-bench.ts query [--stores 20] [--days 90]
 *     Loads the generated history (20 stores × 90 days ≈ 10M events) straight into a
 *     chDB folder, then times the heatmap (all stores and one store, 90 days) 20 times each.
 *
 * Each run writes .data/analytics-bench/<mode>-<time>.json and prints a summary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { spawnTs, REPO_ROOT, freePort } from '@lunchrush/testkit';
import {
  defaultConfig,
  generateHistory,
  loadHistoryDirect,
  localDay,
  migrate,
  publishHistory,
  runView,
  streamNames,
  Warehouse,
  type GeneratedRecord,
} from '@lunchrush/analytics';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rate: { type: 'string', default: '25000' },
    seconds: { type: 'string', default: '60' },
    stores: { type: 'string', default: '20' },
    days: { type: 'string', default: '90' },
  },
});
const mode = positionals[0] ?? 'lag';
const resultsDir = path.join(REPO_ROOT, '.data/analytics-bench');
fs.mkdirSync(resultsDir, { recursive: true });

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function save(result: Record<string, unknown>): void {
  const file = path.join(resultsDir, `${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result, null, 2));
  console.log(`written ${path.relative(REPO_ROOT, file)}`);
}

async function lagBench(): Promise<void> {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const ns = `bench${Math.random().toString(36).slice(2, 8)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-bench-chdb-'));
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  // Records for the whole run, generated before the clock starts.
  const want = rate * seconds;
  const records: GeneratedRecord[] = [];
  let events = 0;
  for (const r of generateHistory({ stores: 20, days: 30, start: '2026-10-01' })) {
    records.push(r);
    events += r.events;
    if (events >= want) break;
  }
  console.log(`generated ${records.length} records, ${events} events`);
  // Create the stream (as the engine would) and start the service on it.
  await publishHistory(nc, ns, []);
  const port = await freePort();
  const svc = spawnTs('analytics/src/main.ts', {
    env: {
      NATS_URL: natsUrl,
      ANALYTICS_NAMESPACE: ns,
      ANALYTICS_CHDB_PATH: dir,
      ANALYTICS_HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
    },
  });
  await svc.waitForLine(/ANALYTICS READY/, 60_000);
  const url = `http://127.0.0.1:${port}`;
  const samples: { t: number; s: number; m: number }[] = [];
  let sampling = true;
  const t0 = performance.now();
  const sampler = (async () => {
    while (sampling) {
      const r = (await (await fetch(`${url}/api/lag`)).json()) as { lagSeconds: number; lagMessages: number };
      samples.push({ t: (performance.now() - t0) / 1000, s: r.lagSeconds, m: r.lagMessages });
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  const pub = await publishHistory(nc, ns, records, { eventsPerSecond: rate, window: 512 });
  const publishSeconds = (performance.now() - t0) / 1000;
  // Drain: wait until the service has everything.
  for (;;) {
    const r = (await (await fetch(`${url}/api/lag`)).json()) as { lagMessages: number; events: number };
    if (r.lagMessages === 0 && r.events >= pub.events) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  const drainSeconds = (performance.now() - t0) / 1000 - publishSeconds;
  sampling = false;
  await sampler;
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const delay = metrics.split('\n').filter((l) => l.startsWith('lunchrush_analytics_delay_seconds'));
  await svc.stop();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(streamNames(ns).stream).catch(() => undefined);
  await nc.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const during = samples.filter((x) => x.t <= publishSeconds).map((x) => x.s);
  save({
    mode: 'lag',
    machine: { cpus: os.cpus().length, load: os.loadavg() },
    targetEventsPerSecond: rate,
    published: pub,
    publishSeconds: +publishSeconds.toFixed(1),
    achievedEventsPerSecond: Math.round(pub.events / publishSeconds),
    drainSecondsAfterPublish: +drainSeconds.toFixed(2),
    lagSeconds: { p50: pct(during, 50), p95: pct(during, 95), p99: pct(during, 99), max: Math.max(...during) },
    lagMessagesMax: Math.max(...samples.map((x) => x.m)),
    samples: samples.length,
    delayHistogram: delay,
  });
}

async function queryBench(): Promise<void> {
  const stores = Number(values.stores);
  const days = Number(values.days);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-bench-chdb-'));
  const wh = Warehouse.open({ ...defaultConfig(), chdbPath: dir });
  await migrate(wh);
  const start = '2026-08-01';
  const t0 = performance.now();
  let last = 0;
  const loaded = await loadHistoryDirect(wh, generateHistory({ stores, days, start }), {
    onProgress: (p) => {
      if (p.events - last >= 1_000_000) {
        last = p.events;
        console.log(`loaded ${p.events} events, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    },
  });
  const loadSeconds = (performance.now() - t0) / 1000;
  const [count] = await wh.query<{ n: number }>('SELECT count() AS n FROM events');
  const to = localDay(Date.parse(`${start}T00:00:00+08:00`) + (days - 1) * 86_400_000);
  const time = async (store: string): Promise<{ p50: number; p95: number; min: number; rows: number }> => {
    const ms: number[] = [];
    let rows = 0;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      rows = (await runView(wh, 'heatmap', { store, from: start, to, limit: 20 })).length;
      ms.push(performance.now() - t);
    }
    return { p50: +pct(ms, 50).toFixed(1), p95: +pct(ms, 95).toFixed(1), min: +Math.min(...ms).toFixed(1), rows };
  };
  const all = await time('');
  const one = await time('007');
  // The same heatmap computed from the raw table (no aggregate), for comparison.
  const rawMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await wh.query(`SELECT toDayOfWeek(ts) AS weekday, toHour(ts) AS hour, count() AS orders, sum(amount_fen) AS revenue_fen
      FROM events WHERE actor_type = 'order' AND type = 'Paid' GROUP BY weekday, hour`);
    rawMs.push(performance.now() - t);
  }
  await wh.close();
  const bytes = fs.readdirSync(dir, { recursive: true }).length;
  fs.rmSync(dir, { recursive: true, force: true });
  save({
    mode: 'query',
    machine: { cpus: os.cpus().length, load: os.loadavg() },
    stores,
    days,
    events: count?.n,
    loaded,
    loadSeconds: +loadSeconds.toFixed(1),
    loadEventsPerSecond: Math.round(loaded.events / loadSeconds),
    heatmapAllStoresMs: all,
    heatmapOneStoreMs: one,
    heatmapFromRawEventsMs: { p50: +pct(rawMs, 50).toFixed(1), min: +Math.min(...rawMs).toFixed(1) },
    files: bytes,
  });
}

if (mode === 'lag') await lagBench();
else if (mode === 'query') await queryBench();
else throw new Error(`mode is lag or query, got ${mode}`);
process.exit(0);
