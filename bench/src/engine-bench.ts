/**
 * A first measurement of the engine alone, through EngineClient:
 *
 *   npm run bench:engine -- [--scenario spread|hot|all] [--duration 10] [--rate 50000]
 *                           [--concurrency 4000] [--actors 10000] [--group-commit on|off|both] [--json out.json]
 *                           [--engines 1]
 *
 * The engine runs as a child process (as in production: client and engine in
 * different processes, NATS in a third), with a fresh namespace. Two load
 * models: `--rate r` is an open model (commands are issued on a fixed schedule
 * and latency counts from the scheduled time, so a stalled engine cannot hide
 * behind a slow client: no coordinated omission); without `--rate`, a closed
 * loop keeps `--concurrency` commands in flight to find the ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import { EngineClient, EngineError, partitionOf } from '@lunchrush/engine';
import { REPO_ROOT, cleanupNamespace, connectNats, entryArgs, leaseOwners } from '@lunchrush/testkit';

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    rate: { type: 'string' },
    concurrency: { type: 'string', default: '4000' },
    actors: { type: 'string', default: '10000' },
    'group-commit': { type: 'string', default: 'both' },
    json: { type: 'string' },
    partitions: { type: 'string', default: '64' },
    route: { type: 'string', default: 'process' },
    /** Engine processes sharing the partitions (they balance them between themselves through the leases). */
    engines: { type: 'string', default: '1' },
  },
});

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PARTITIONS = Number(args.partitions);
const ENGINES = Number(args.engines);
if (!Number.isInteger(ENGINES) || ENGINES < 1 || ENGINES > 8) throw new Error('--engines must be 1..8');
const engineMain = path.join(REPO_ROOT, 'engine', 'src', 'main.ts');

interface Result {
  scenario: string;
  groupCommit: boolean;
  model: string;
  seconds: number;
  ok: number;
  errors: Record<string, number>;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  p999ms: number;
  maxms: number;
  engine: EngineSide;
}

/** What the engine says about the measured window (its /metrics, scraped at the start and the end). */
interface EngineSide {
  appendP50ms: number;
  appendP99ms: number;
  entriesPerAppend: number;
  appendsPerSecond: number;
  loopDelayP99ms: number;
  loopDelayMaxms: number;
  gcSecondsPerSecond: number;
  snapshotsPerSecond: number;
  checkpointsPerSecond: number;
  /** CPU time per command, engine process and this (client) process. */
  engineCpuUsPerCmd: number;
  clientCpuUsPerCmd: number;
  natsCpuUsPerCmd: number;
  /** The bench's own event loop: a stalled load generator shows up as latency too. */
  clientLoopDelayP99ms?: number;
  clientLoopDelayMaxms?: number;
}

type Scrape = Map<string, number>;

/** Every engine's /metrics, added up; event-loop lag is the worst engine's. */
async function scrape(): Promise<Scrape> {
  const m: Scrape = new Map();
  for (let e = 0; e < ENGINES; e++) {
    try {
      const text = await (await fetch(`http://127.0.0.1:${ENGINE_METRICS_PORT + e}/metrics`)).text();
      for (const line of text.split('\n')) {
        if (line.startsWith('#') || line.length === 0) continue;
        const sp = line.lastIndexOf(' ');
        const k = line.slice(0, sp);
        const v = Number(line.slice(sp + 1));
        const prev = m.get(k);
        m.set(k, prev === undefined ? v : k.includes('eventloop_lag') ? Math.max(prev, v) : prev + v);
      }
    } catch {
      // metrics unavailable: the engine-side columns stay empty
    }
  }
  return m;
}

/** user+system CPU seconds of a process, from /proc (Linux). */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface CpuMark {
  engine: number;
  client: number;
  nats: number;
}

/** The nats-server process behind NATS_URL, when exactly one local nats-server names that port. */
function natsServerPid(): number | undefined {
  const port = new URL(NATS_URL.split(',')[0]!.replace(/^nats:/, 'http:')).port || '4222';
  const found: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!cmd[0]?.endsWith('nats-server')) continue;
      const joined = cmd.join(' ');
      if (joined.includes(port) || (port === '4222' && !/(-p|--port)[ =]\d/.test(joined))) found.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return found.length === 1 ? found[0] : undefined;
}
const NATS_PID = natsServerPid();

function cpuMark(enginePids: readonly (number | undefined)[]): CpuMark {
  const u = process.cpuUsage();
  const engine = enginePids.reduce<number>((sum, pid) => sum + cpuSecondsOf(pid), 0);
  return { engine, client: (u.user + u.system) / 1e6, nats: cpuSecondsOf(NATS_PID) };
}

function engineSide(a: Scrape, b: Scrape, seconds: number, cpu: [CpuMark, CpuMark], commands: number): EngineSide {
  const d = (k: string): number => (b.get(k) ?? 0) - (a.get(k) ?? 0);
  const h = 'lunchrush_engine_append_seconds';
  const buckets = [...b.keys()]
    .filter((k) => k.startsWith(`${h}_bucket{`))
    .map((k) => ({ le: Number(/le="([^"]+)"/.exec(k)?.[1] ?? 'NaN'), n: d(k) }))
    .filter((x) => Number.isFinite(x.le))
    .sort((x, y) => x.le - y.le);
  const total = d(`${h}_count`);
  const q = (p: number): number => (buckets.find((x) => x.n >= p * total)?.le ?? Infinity) * 1000;
  const e = 'lunchrush_engine_group_commit_entries';
  const gc = [...b.keys()]
    .filter((k) => k.startsWith('lunchrush_engine_nodejs_gc_duration_seconds_sum'))
    .reduce((s, k) => s + d(k), 0);
  return {
    appendP50ms: q(0.5),
    appendP99ms: q(0.99),
    entriesPerAppend: Number((d(`${e}_sum`) / Math.max(1, d(`${e}_count`))).toFixed(1)),
    appendsPerSecond: Math.round(total / seconds),
    loopDelayP99ms: Number(((b.get('lunchrush_engine_nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000).toFixed(1)),
    loopDelayMaxms: Number(((b.get('lunchrush_engine_nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000).toFixed(1)),
    gcSecondsPerSecond: Number((gc / seconds).toFixed(3)),
    snapshotsPerSecond: Math.round(d('lunchrush_engine_state_writes_total{kind="snapshot"}') / seconds),
    checkpointsPerSecond: Math.round(d('lunchrush_engine_state_writes_total{kind="checkpoint"}') / seconds),
    engineCpuUsPerCmd: Number((((cpu[1].engine - cpu[0].engine) / Math.max(1, commands)) * 1e6).toFixed(1)),
    clientCpuUsPerCmd: Number((((cpu[1].client - cpu[0].client) / Math.max(1, commands)) * 1e6).toFixed(1)),
    natsCpuUsPerCmd: Number((((cpu[1].nats - cpu[0].nats) / Math.max(1, commands)) * 1e6).toFixed(1)),
  };
}

const ENGINE_METRICS_PORT = 19464;

async function startEngine(ns: string, groupCommit: boolean, index: number): Promise<ChildProcess> {
  // BENCH_ENGINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the engine side.
  const extra = (process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // Compiled when this bench runs compiled (npm run bench:engine), else through tsx.
  const child = spawn(process.execPath, [...extra, ...entryArgs(engineMain)], {
    env: {
      ...process.env,
      NATS_URL,
      ENGINE_NAMESPACE: ns,
      ENGINE_METRICS_PORT: String(ENGINE_METRICS_PORT + index),
      ENGINE_PROCESS_ID: `bench-engine-${index}-${process.pid}`,
      ENGINE_PARTITIONS: String(PARTITIONS),
      ...(groupCommit ? {} : { ENGINE_MAX_BATCH_ENTRIES: '1' }),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('ENGINE READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`engine exited with ${code}`)));
  });
  // BENCH_ENGINE_STDOUT=file keeps what the engine prints (e.g. with BENCH_ENGINE_NODE_ARGS=--trace-gc).
  if (process.env.BENCH_ENGINE_STDOUT) child.stdout.pipe(createWriteStream(process.env.BENCH_ENGINE_STDOUT));
  else child.stdout.resume();
  return child;
}

/** Until the engines own the partitions evenly (each ceil(P / n) or one fewer), as the lease bucket says. */
async function balanced(ns: string): Promise<void> {
  const nc = await connectNats();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const owners = new Map<string, number>();
      for (const o of (await leaseOwners(nc, ns)).values()) owners.set(o, (owners.get(o) ?? 0) + 1);
      const counts = [...owners.values()];
      const total = counts.reduce((a, b) => a + b, 0);
      if (owners.size === ENGINES && total === PARTITIONS && Math.max(...counts) - Math.min(...counts) <= 1) return;
      if (Date.now() > deadline)
        throw new Error(`partitions not balanced over ${ENGINES} engines: ${JSON.stringify([...owners])}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await nc.close();
  }
}

/** Stores spread so that every partition has some. */
function storesOverAllPartitions(n: number): string[] {
  const stores: string[] = [];
  const seen = new Set<number>();
  for (let i = 0; stores.length < n || seen.size < PARTITIONS; i++) {
    const s = `s${i}`;
    seen.add(partitionOf(s, PARTITIONS));
    stores.push(s);
    if (i > 100_000) break;
  }
  return stores;
}

/** What one run counts while it measures: latencies (all, and the last second alone), answers and errors. */
class Tally {
  readonly hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  // The last second alone: a steady queue and a periodic stall look different here.
  readonly win = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 2,
  });
  readonly errors: Record<string, number> = {};
  ok = 0;
  measuring = false;
  measureStart = 0;

  start(): void {
    this.measuring = true;
    this.measureStart = performance.now();
  }

  answered(scheduledAt: number): void {
    if (!this.measuring) return;
    this.ok++;
    const us = Math.max(1, Math.round((performance.now() - scheduledAt) * 1000));
    this.hist.recordValue(us);
    this.win.recordValue(us);
  }

  failed(e: unknown): void {
    if (!this.measuring) return;
    const code = e instanceof EngineError ? e.code : 'client_error';
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  get failures(): number {
    return Object.values(this.errors).reduce((a, b) => a + b, 0);
  }

  /** One progress line a second: the run so far and the last second. */
  progress(scenario: string, groupCommit: boolean): void {
    if (!this.measuring) return;
    const el = (performance.now() - this.measureStart) / 1000;
    const { hist, win } = this;
    process.stderr.write(
      `\r  ${scenario} gc=${groupCommit ? 'on' : 'off'}: ${(this.ok / el).toFixed(0)}/s  p99 ${(hist.getValueAtPercentile(99) / 1000).toFixed(1)} ms  errors ${this.failures}  | last second p50 ${(win.getValueAtPercentile(50) / 1000).toFixed(1)} p99 ${(win.getValueAtPercentile(99) / 1000).toFixed(1)} ms${process.env.BENCH_PROGRESS_LINES ? '\n' : '   '}`,
    );
    win.reset();
  }
}

/**
 * A run's clock, the same for both load models: `onMeasure` once the warm-up is over; `stopped()`
 * once the measured seconds are over too.
 */
function runClock(warmup: number, seconds: number, onMeasure: () => void): () => boolean {
  let stop = false;
  setTimeout(onMeasure, warmup * 1000);
  setTimeout(() => (stop = true), (warmup + seconds) * 1000);
  return () => stop;
}

/** Open model: `one` on a fixed schedule of `rate` a second until `stopped()`. */
function openModel(rate: number, stopped: () => boolean, one: (scheduledAt: number) => Promise<void>): Promise<void> {
  const t0 = performance.now();
  let issued = 0;
  return new Promise<void>((resolve) => {
    const tick = (): void => {
      if (stopped()) return resolve();
      const due = Math.floor(((performance.now() - t0) / 1000) * rate);
      const intervalUs = 1000 / rate;
      while (issued < due) {
        void one(t0 + issued * intervalUs);
        issued++;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}

/** Closed model: `conc` commands in flight at all times until `stopped()`. */
async function closedModel(
  conc: number,
  stopped: () => boolean,
  one: (scheduledAt: number) => Promise<void>,
): Promise<void> {
  const worker = async (): Promise<void> => {
    while (!stopped()) await one(performance.now());
  };
  await Promise.all(Array.from({ length: conc }, worker));
}

async function run(
  client: EngineClient,
  enginePids: readonly (number | undefined)[],
  scenario: string,
  groupCommit: boolean,
  seconds: number,
  warmup: number,
): Promise<Result> {
  const actors = Number(args.actors);
  const stores = storesOverAllPartitions(Math.max(1, Math.ceil(actors / 50)));
  const target = (i: number): [string, string] =>
    scenario === 'hot'
      ? ['hot', 'c0']
      : [stores[i % stores.length]!, `c${Math.floor(i / stores.length) % Math.ceil(actors / stores.length)}`];
  const t = new Tally();
  let i = 0;
  const one = async (scheduledAt: number): Promise<void> => {
    const [store, id] = target(i++);
    try {
      await client.send(store, 'counter', id, { op: 'add', by: 1 }, { timeout: 10_000 });
      t.answered(scheduledAt);
    } catch (e) {
      t.failed(e);
    }
  };

  let before: Promise<Scrape> = Promise.resolve(new Map() as Scrape);
  let cpuBefore: CpuMark = cpuMark(enginePids);
  const clientLoop = monitorEventLoopDelay({ resolution: 5 });
  clientLoop.enable();
  const progress = setInterval(() => t.progress(scenario, groupCommit), 1000);

  let model: string;
  if (args.rate !== undefined) {
    const rate = Number(args.rate);
    model = `open ${rate}/s`;
    const stopped = runClock(warmup, seconds, () => {
      t.start();
      before = scrape();
      clientLoop.reset();
      cpuBefore = cpuMark(enginePids);
    });
    await openModel(rate, stopped, one);
  } else {
    const conc = Number(args.concurrency);
    model = `closed ${conc} in flight`;
    await closedModel(
      conc,
      runClock(warmup, seconds, () => t.start()),
      one,
    );
  }
  const elapsed = (performance.now() - t.measureStart) / 1000;
  t.measuring = false;
  const cpuAfter = cpuMark(enginePids);
  clientLoop.disable();
  const after = await scrape();
  clearInterval(progress);
  process.stderr.write('\n');
  const { hist, ok, errors } = t;
  return {
    scenario,
    groupCommit,
    model,
    seconds: Number(elapsed.toFixed(2)),
    ok,
    errors,
    perSecond: Math.round(ok / elapsed),
    p50ms: hist.getValueAtPercentile(50) / 1000,
    p99ms: hist.getValueAtPercentile(99) / 1000,
    p999ms: hist.getValueAtPercentile(99.9) / 1000,
    maxms: hist.maxValue / 1000,
    engine: {
      ...engineSide(await before, after, elapsed, [cpuBefore, cpuAfter], ok + t.failures),
      clientLoopDelayP99ms: Number((clientLoop.percentile(99) / 1e6).toFixed(1)),
      clientLoopDelayMaxms: Number((clientLoop.max / 1e6).toFixed(1)),
    },
  };
}

async function main(): Promise<void> {
  const scenarios = args.scenario === 'all' ? ['spread', 'hot'] : [args.scenario];
  const gcs = args['group-commit'] === 'both' ? [true, false] : [args['group-commit'] !== 'off'];
  const results: Result[] = [];
  for (const gc of gcs) {
    for (const scenario of scenarios) {
      const ns = `bench${Date.now().toString(36)}`;
      const engines: ChildProcess[] = [];
      for (let e = 0; e < ENGINES; e++) engines.push(await startEngine(ns, gc, e));
      if (ENGINES > 1) await balanced(ns);
      const client = await EngineClient.connect(NATS_URL, {
        namespace: ns,
        partitions: PARTITIONS,
        routeByProcess: args.route !== 'partition',
      });
      // Wait until every partition answers.
      for (let p = 0; p < 200; p++) {
        try {
          await Promise.all(
            storesOverAllPartitions(PARTITIONS).map((s) =>
              client.send(s, 'counter', 'probe', { op: 'get' }, { timeout: 500, retry: false }),
            ),
          );
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      try {
        const pids = engines.map((e) => e.pid);
        results.push(await run(client, pids, scenario, gc, Number(args.duration), Number(args.warmup)));
      } finally {
        await client.close();
        await Promise.all(
          engines.map((engine) => {
            engine.kill('SIGTERM');
            return new Promise((r) => engine.once('exit', r));
          }),
        );
        // Its streams and buckets (events, ledger, leases, snapshots, checkpoints) go with it.
        const nc = await connectNats();
        await cleanupNamespace(nc, ns).catch((e: unknown) => console.error(`could not delete namespace ${ns}:`, e));
        await nc.close();
      }
    }
  }
  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      'group commit': r.groupCommit ? 'on' : 'off',
      model: r.model,
      'cmds/s': r.perSecond,
      'p50 ms': r.p50ms,
      'p99 ms': r.p99ms,
      'p99.9 ms': r.p999ms,
      'max ms': r.maxms,
      errors: JSON.stringify(r.errors),
    })),
  );
  console.log('engine side (its /metrics over the measured window; append quantiles are histogram bucket bounds):');
  console.table(results.map((r) => ({ scenario: r.scenario, model: r.model, ...r.engine })));
  if (args.json !== undefined)
    writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
