/**
 * Analytics bench (not a test): numbers for the two targets.
 *
 *   node --import tsx analytics/bench/ingest-bench.ts lag   [--rate 25000] [--seconds 60]
 *        [--batch-events N] [--wait-ms N] [--max-ack-pending N] [--profile]
 *     An analytics service process (main.ts, chDB in a temp folder) follows a fresh
 *     namespace's history stream while this process publishes pre-encoded generated records at a
 *     fixed event rate (open model: the schedule never waits for the consumer). /api/lag is
 *     sampled every 250 ms; reported: lag seconds p50/p95/max, lag messages max, the
 *     service's CPU seconds (per event), batches, and the publish→insert delay histogram.
 *     --profile writes the service's .cpuprofile next to the results.
 *
 *   node --import tsx analytics/bench/ingest-bench.ts load --dir D [--stores 20] [--days 90] [--load-days a-b]
 *     Loads days a…b-1 of the generated history (20 stores × 90 days ≈ 10M events) straight
 *     into the chDB folder D (kept), so a big history can be loaded in several short runs.
 *
 *   node --import tsx analytics/bench/ingest-bench.ts query [--stores 20] [--days 90] [--dir D]
 *     Times the heatmap (all stores and one store, the whole range) 20 times each, and the same
 *     from the raw table; with --dir on a loaded folder it also reports the first query in the
 *     fresh process (cold). Without --dir it loads the history into a temp folder first.
 *
 * Each run writes .data/analytics-bench/<mode>-<time>.json and prints a summary.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { encode } from '@lunchrush/engine/codec';
import { spawnTs, REPO_ROOT, freePort } from '@lunchrush/testkit';
import {
  defaultConfig,
  generateHistory,
  loadHistoryDirect,
  localDay,
  localMidnight,
  migrate,
  historySource,
  publishHistory,
  runView,
  Warehouse,
} from '@lunchrush/analytics';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rate: { type: 'string', default: '25000' },
    // Service settings for experiments (ANALYTICS_BATCH_MAX_EVENTS, …_WAIT_MS, ANALYTICS_MAX_ACK_PENDING).
    'batch-events': { type: 'string' },
    'wait-ms': { type: 'string' },
    'max-ack-pending': { type: 'string' },
    profile: { type: 'boolean', default: false },
    dir: { type: 'string' },
    'load-days': { type: 'string' },
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
  // Records for the whole run, generated and encoded before the clock starts, so the
  // publisher (on the same 2 cores as the service) does as little as the engine would.
  const want = rate * seconds;
  const records: { subject: string; data: Uint8Array; events: number }[] = [];
  let events = 0;
  for (const r of generateHistory({ stores: 20, days: 30, start: '2026-10-01' })) {
    records.push({ subject: historySource(ns).subject(r.partition), data: encode(r.record), events: r.events });
    events += r.events;
    if (events >= want) break;
  }
  console.log(`generated ${records.length} records, ${events} events`);
  // Create the history stream (the service follows it and the engine's, absent here) and start the service.
  await publishHistory(nc, ns, []);
  const port = await freePort();
  const svc = spawnTs('analytics/src/main.ts', {
    env: {
      NATS_URL: natsUrl,
      ANALYTICS_NAMESPACE: ns,
      ANALYTICS_CHDB_PATH: dir,
      ANALYTICS_HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...(values['batch-events'] === undefined ? {} : { ANALYTICS_BATCH_MAX_EVENTS: values['batch-events'] }),
      ...(values['wait-ms'] === undefined ? {} : { ANALYTICS_BATCH_MAX_WAIT_MS: values['wait-ms'] }),
      ...(values['max-ack-pending'] === undefined ? {} : { ANALYTICS_MAX_ACK_PENDING: values['max-ack-pending'] }),
    },
    ...(values.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`] } : {}),
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
  const pub = await publishPaced(nc, records, rate, 512);
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
  const metric = (name: string): number =>
    Number(metrics.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm'))?.[1]);
  const serviceCpuSeconds = metric('lunchrush_analytics_process_cpu_seconds_total');
  const batches = metric('lunchrush_analytics_batch_events_count');
  await svc.stop();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(historySource(ns).stream).catch(() => undefined);
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
    serviceCpuSeconds,
    serviceCpuPerEventUs: +((serviceCpuSeconds / pub.events) * 1e6).toFixed(1),
    batches,
    eventsPerBatch: Math.round(pub.events / batches),
    samples: samples.length,
    // [seconds since start, lag seconds, lag messages] every 250 ms: where the tail comes from.
    series: samples.map((x) => [+x.t.toFixed(2), +x.s.toFixed(2), x.m]),
    delayHistogram: delay,
  });
}

/** Publishes pre-encoded records at a fixed event rate (open model: the schedule never waits for acks). */
async function publishPaced(
  nc: NatsConnection,
  records: { subject: string; data: Uint8Array; events: number }[],
  rate: number,
  window: number,
): Promise<{ records: number; events: number }> {
  const js = jetstream(nc);
  const inflight = new Set<Promise<unknown>>();
  const done = { records: 0, events: 0 };
  const t0 = performance.now();
  for (const r of records) {
    const wait = t0 + (done.events / rate) * 1000 - performance.now();
    if (wait > 1) await new Promise((res) => setTimeout(res, wait));
    const p: Promise<unknown> = js.publish(r.subject, r.data).finally(() => inflight.delete(p));
    inflight.add(p);
    done.records++;
    done.events += r.events;
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  return done;
}

/**
 * Loads the generated history (days `--load-days a-b` of it, default all) into a chDB folder:
 * the whole 90 days take longer than one short run, so `load` can fill a kept `--dir` in parts.
 */
async function loadDays(wh: Warehouse, stores: number, days: number, range: string): Promise<Record<string, number>> {
  const [a, b] = range === '' ? [0, days] : range.split('-').map(Number);
  const first = localMidnight(QUERY_START) + a! * 86_400_000;
  const end = localMidnight(QUERY_START) + b! * 86_400_000;
  const t0 = performance.now();
  let last = 0;
  // The same deterministic 90 days every time; records outside the range are generated and skipped.
  const records = (function* () {
    for (const r of generateHistory({ stores, days: b!, start: QUERY_START })) {
      if (r.at >= end) return;
      if (r.at >= first) yield r;
    }
  })();
  const loaded = await loadHistoryDirect(wh, records, {
    onProgress: (p) => {
      if (p.events - last >= 1_000_000) {
        last = p.events;
        console.log(`loaded ${p.events} events, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    },
  });
  const loadSeconds = (performance.now() - t0) / 1000;
  return {
    days: b! - a!,
    ...loaded,
    loadSeconds: +loadSeconds.toFixed(1),
    eventsPerSecond: Math.round(loaded.events / loadSeconds),
  };
}

const QUERY_START = '2026-08-01';

async function loadBench(): Promise<void> {
  if (values.dir === undefined) throw new Error('load needs --dir (a folder kept for query --dir)');
  const wh = Warehouse.open({ ...defaultConfig(), chdbPath: values.dir });
  await migrate(wh);
  const loaded = await loadDays(wh, Number(values.stores), Number(values.days), values['load-days'] ?? '');
  const [count] = await wh.query<{ n: number }>('SELECT count() AS n FROM events');
  await wh.close();
  save({
    mode: 'load',
    machine: { cpus: os.cpus().length, load: os.loadavg() },
    dir: values.dir,
    loaded,
    eventsInFolder: count?.n,
  });
}

async function queryBench(): Promise<void> {
  const stores = Number(values.stores);
  const days = Number(values.days);
  const keep = values.dir !== undefined;
  const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lr-bench-chdb-'));
  const t0 = performance.now();
  const wh = Warehouse.open({ ...defaultConfig(), chdbPath: dir });
  await migrate(wh);
  const openMs = performance.now() - t0;
  const to = localDay(localMidnight(QUERY_START) + (days - 1) * 86_400_000);
  const heatmap = (store: string) => runView(wh, 'heatmap', { store, from: QUERY_START, to, limit: 20 });
  // Cold: the first heatmap in a fresh process (chDB just opened; the OS page cache may be warm).
  let t = performance.now();
  await heatmap('');
  const coldAllMs = +(performance.now() - t).toFixed(1);
  t = performance.now();
  await heatmap('007');
  const coldOneMs = +(performance.now() - t).toFixed(1);
  const [before] = await wh.query<{ n: number }>('SELECT count() AS n FROM events');
  const loaded = keep && (before?.n ?? 0) > 0 ? undefined : await loadDays(wh, stores, days, '');
  const [count] = await wh.query<{ n: number }>('SELECT count() AS n FROM events');
  const [slots] = await wh.query<{ n: number; parts: number }>(
    "SELECT (SELECT count() FROM sales_slots) AS n, (SELECT count() FROM system.parts WHERE active AND table = 'sales_slots') AS parts",
  );
  const time = async (store: string): Promise<{ p50: number; p95: number; min: number; rows: number }> => {
    const ms: number[] = [];
    let rows = 0;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      rows = (await heatmap(store)).length;
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
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  save({
    mode: 'query',
    machine: { cpus: os.cpus().length, load: os.loadavg() },
    dir: keep ? dir : undefined,
    stores,
    days,
    events: count?.n,
    salesSlots: slots,
    loaded,
    openMs: +openMs.toFixed(1),
    // Only meaningful with --dir on a loaded folder (otherwise the tables were empty).
    firstQueryInProcessMs: loaded === undefined ? { allStores: coldAllMs, oneStore: coldOneMs } : undefined,
    heatmapAllStoresMs: all,
    heatmapOneStoreMs: one,
    heatmapFromRawEventsMs: { p50: +pct(rawMs, 50).toFixed(1), min: +Math.min(...rawMs).toFixed(1) },
  });
}

if (mode === 'lag') await lagBench();
else if (mode === 'query') await queryBench();
else if (mode === 'load') await loadBench();
else throw new Error(`mode is lag, load or query, got ${mode}`);
process.exit(0);
