/**
 * A first measurement of the engine alone, through EngineClient:
 *
 *   npm run bench:engine -- [--scenario spread|hot|all] [--duration 10] [--rate 50000]
 *                           [--concurrency 4000] [--actors 10000] [--group-commit on|off|both] [--json out.json]
 *
 * The engine runs as a child process (as in production: client and engine in
 * different processes, NATS in a third), with a fresh namespace. Two load
 * models: `--rate r` is an open model (commands are issued on a fixed schedule
 * and latency counts from the scheduled time, so a stalled engine cannot hide
 * behind a slow client: no coordinated omission); without `--rate`, a closed
 * loop keeps `--concurrency` commands in flight to find the ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { EngineClient, EngineError, partitionOf } from '@lunchrush/engine';
import { cleanupNamespace, connectNats } from '@lunchrush/testkit';

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
  },
});

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PARTITIONS = 64;
const engineMain = fileURLToPath(new URL('../../engine/src/main.ts', import.meta.url));

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
}

async function startEngine(ns: string, groupCommit: boolean): Promise<ChildProcess> {
  // BENCH_ENGINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the engine side.
  const extra = (process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', engineMain], {
    env: {
      ...process.env,
      NATS_URL,
      ENGINE_NAMESPACE: ns,
      ENGINE_METRICS_PORT: '0',
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
  child.stdout.resume();
  return child;
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

async function run(
  client: EngineClient,
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
  const hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const errors: Record<string, number> = {};
  let ok = 0;
  let measuring = false;
  let i = 0;

  const one = async (scheduledAt: number): Promise<void> => {
    const [store, id] = target(i++);
    try {
      await client.send(store, 'counter', id, { op: 'add', by: 1 }, { timeout: 10_000 });
      if (measuring) {
        ok++;
        hist.recordValue(Math.max(1, Math.round((performance.now() - scheduledAt) * 1000)));
      }
    } catch (e) {
      if (measuring) {
        const code = e instanceof EngineError ? e.code : 'client_error';
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };

  let stop = false;
  let measureStart = 0;
  const progress = setInterval(() => {
    if (measuring) {
      const el = (performance.now() - measureStart) / 1000;
      process.stderr.write(
        `\r  ${scenario} gc=${groupCommit ? 'on' : 'off'}: ${(ok / el).toFixed(0)}/s  p99 ${(hist.getValueAtPercentile(99) / 1000).toFixed(1)} ms  errors ${Object.values(errors).reduce((a, b) => a + b, 0)}   `,
      );
    }
  }, 1000);

  let model: string;
  if (args.rate !== undefined) {
    const rate = Number(args.rate);
    model = `open ${rate}/s`;
    const t0 = performance.now();
    let issued = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        if (stop) return resolve();
        const due = Math.floor(((performance.now() - t0) / 1000) * rate);
        const intervalUs = 1000 / rate;
        while (issued < due) {
          void one(t0 + issued * intervalUs);
          issued++;
        }
        setImmediate(tick);
      };
      setTimeout(() => {
        measuring = true;
        measureStart = performance.now();
      }, warmup * 1000);
      setTimeout(() => (stop = true), (warmup + seconds) * 1000);
      tick();
    });
  } else {
    const conc = Number(args.concurrency);
    model = `closed ${conc} in flight`;
    const worker = async (): Promise<void> => {
      while (!stop) await one(performance.now());
    };
    setTimeout(() => {
      measuring = true;
      measureStart = performance.now();
    }, warmup * 1000);
    setTimeout(() => (stop = true), (warmup + seconds) * 1000);
    await Promise.all(Array.from({ length: conc }, worker));
  }
  const elapsed = (performance.now() - measureStart) / 1000;
  measuring = false;
  clearInterval(progress);
  process.stderr.write('\n');
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
  };
}

async function main(): Promise<void> {
  const scenarios = args.scenario === 'all' ? ['spread', 'hot'] : [args.scenario];
  const gcs = args['group-commit'] === 'both' ? [true, false] : [args['group-commit'] !== 'off'];
  const results: Result[] = [];
  for (const gc of gcs) {
    for (const scenario of scenarios) {
      const ns = `bench${Date.now().toString(36)}`;
      const engine = await startEngine(ns, gc);
      const client = await EngineClient.connect(NATS_URL, { namespace: ns, partitions: PARTITIONS });
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
        results.push(await run(client, scenario, gc, Number(args.duration), Number(args.warmup)));
      } finally {
        await client.close();
        engine.kill('SIGTERM');
        await new Promise((r) => engine.once('exit', r));
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
  if (args.json !== undefined)
    writeFileSync(args.json, JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
