/**
 * The system under test, started by the bench: lunchrush (a node: gateway and engine
 * with the restaurant actors in one process, or `--layout split`: an engine process
 * and a gateway process; a fresh namespace, the demo data loaded through the engine)
 * or a reference design (bench/reference/server.ts). `stop()` stops every process by
 * its pid and deletes the namespace / database.
 */
import path from 'node:path';
import { generateDemoData, type DemoData } from '@lunchrush/actors/demo';
import { EngineClient } from '@lunchrush/engine';
import { YOUNG_GENERATION_ARGS, launchStack, seedDemo, simulatorEnv, startRole } from '@lunchrush/stack';
import {
  cleanupNamespace,
  cleanupRedisPrefix,
  connectNats,
  connectRedis,
  natsUrl,
  redisUrl,
  spawnTs,
  uniqueNamespace,
  type ChildProcessHandle,
} from '@lunchrush/testkit';
import type { CpuRole } from './cpu.js';

export const PARTITIONS = 64;
const READY_MS = 120_000;
/** The reference drops its database on SIGTERM: DROP DATABASE waits for a checkpoint. */
const STOP_REFERENCE_MS = 180_000;

export interface StackOptions {
  readonly stores: number;
  /**
   * Failover: an engine process owning every partition (the one killed) and a standby that takes
   * them over (ENGINE_STANDBY=true): the node itself, or with `layout: 'split'` an engine process.
   */
  readonly standby?: boolean;
  /**
   * `node` (default): one process serving HTTP and hosting the partitions (NODE_ROLE=node, each
   * of `gatewayWorkers` a node); `split`: an engine process and a gateway process, as before nodes.
   */
  readonly layout?: 'node' | 'split';
  readonly gatewayWorkers?: number;
  /** `node` layout: the node's gateway on this many worker threads (GATEWAY_THREADS); 0 or absent: one thread. */
  readonly gatewayThreads?: number;
  /**
   * Where simulated WeChat payments are signed and sent from: `process` (default), a
   * simulator process of its own (`gateways/src/simulator-main.ts`), as WeChat is not
   * the gateway; `gateway`, the gateway's own simulator route.
   */
  readonly simulator?: 'process' | 'gateway';
  /** Directory for --cpu-prof of every process started, or undefined. */
  readonly cpuProfDir?: string;
  readonly log?: (m: string) => void;
}

export interface Stack {
  readonly url: string;
  /** Where the bench asks the payment simulator to pay, when not the gateway itself. */
  readonly simulatorUrl?: string;
  readonly data: DemoData;
  readonly kind: 'lunchrush' | 'reference-a' | 'reference-b' | 'null';
  /** The process that owns the partitions at the start (failover kills it): the node, or the engine process. */
  readonly engine?: ChildProcessHandle;
  readonly standby?: ChildProcessHandle;
  readonly processes: ChildProcessHandle[];
  /** The processes by role, for the CPU meter (`src/cpu.ts`). */
  readonly roles: CpuRole[];
  /** lunchrush's engine namespace (streams, buckets), for scenarios that write beside the stack. */
  readonly namespace?: string;
  stop(): Promise<void>;
}

function profArgs(dir: string | undefined, name: string): string[] {
  // One folder per role: node:cluster workers and worker threads each write their own file there.
  return dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, name)}`];
}

/** Extra node flags for the engine processes, e.g. `BENCH_ENGINE_NODE_ARGS="--import ./heap-probe.mjs"` (as in engine-bench). */
function engineArgs(dir: string | undefined, name: string): string[] {
  return [...profArgs(dir, name), ...(process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

export async function startLunchrush(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => undefined);
  const ns = uniqueNamespace('bench');
  const data = generateDemoData({ stores: opts.stores });
  const nc = await connectNats();
  const redis = await connectRedis();
  const split = opts.layout === 'split';
  let launched: Awaited<ReturnType<typeof launchStack>> | undefined;
  const stop = async (): Promise<void> => {
    await launched?.stop();
    await cleanupNamespace(nc, ns).catch(() => undefined);
    await cleanupRedisPrefix(redis, ns).catch(() => undefined);
    await nc.close();
    redis.disconnect();
  };
  try {
    // Split: an engine process (and a standby engine for failover), the gateway apart. Node (the
    // default): one process, gateway and partitions together; for failover it is the standby, and
    // the engine process it takes over from owns every partition until it is killed.
    log(
      `starting ${split ? 'engine' : 'a node'}${opts.standby === true ? ' beside an engine to kill' : ''} (namespace ${ns})`,
    );
    launched = await launchStack({
      engineEnv: benchEngineEnv(ns),
      gatewayEnv: benchGatewayEnv(ns, opts),
      layout: split ? 'split' : 'node',
      standby: opts.standby === true,
      simulator: opts.simulator ?? 'process',
      readyMs: READY_MS,
      nodeArgs: (name) =>
        name === 'gateway' || name === 'simulator'
          ? profArgs(opts.cpuProfDir, name)
          : engineArgs(opts.cpuProfDir, name),
      whenEnginesServe: async () => {
        log(`loading ${opts.stores} demo stores through the engine`);
        await seedDemo(new EngineClient(nc, { namespace: ns, partitions: PARTITIONS }), { stores: opts.stores });
      },
    });
    const { url, front, engine, standby, simulatorUrl, processes } = launched;
    log(`${split ? 'gateway' : 'node'} on port ${front.ready[1]!}`);
    if (simulatorUrl !== undefined) log(`payment simulator on ${simulatorUrl}`);
    const pid = (name: string): number[] => processes.filter((p) => p.name === name).map((p) => p.handle.pid);
    const roles: CpuRole[] = [
      ...pid('engine').map((p) => ({ role: 'engine', pid: p })),
      ...pid('standby').map((p) => ({ role: 'standby', pid: p })),
      { role: split ? 'gateway' : 'node', pid: front.handle.pid },
      ...pid('simulator').map((p) => ({ role: 'simulator', pid: p })),
    ];
    const handles = processes.map((p) => p.handle);
    return {
      url,
      simulatorUrl,
      data,
      kind: 'lunchrush',
      engine,
      standby,
      processes: handles,
      roles,
      namespace: ns,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function startReference(design: 'a' | 'b', opts: StackOptions): Promise<Stack> {
  const data = generateDemoData({ stores: opts.stores });
  const proc = spawnTs('bench/reference/server.ts', {
    env: { REFERENCE_DESIGN: design, REFERENCE_STORES: String(opts.stores), REDIS_URL: redisUrl(), LOG_LEVEL: 'warn' },
    nodeArgs: profArgs(opts.cpuProfDir, `reference-${design}`),
  });
  try {
    const port = (await proc.waitForLine(/REFERENCE READY port=(\d+)/, READY_MS))[1]!;
    return {
      url: `http://127.0.0.1:${port}`,
      data,
      kind: design === 'a' ? 'reference-a' : 'reference-b',
      processes: [proc],
      roles: [{ role: `reference-${design}`, pid: proc.pid }],
      async stop() {
        // SIGTERM: the server drops its database and Redis keys before it exits.
        if (proc.running) await proc.stop(STOP_REFERENCE_MS);
      },
    };
  } catch (e) {
    if (proc.running) await proc.stop();
    throw e;
  }
}

/** The environment of lunchrush's engine processes (and a node's engine). */
function benchEngineEnv(ns: string): Record<string, string> {
  return {
    NATS_URL: natsUrl(),
    ENGINE_NAMESPACE: ns,
    ENGINE_PARTITIONS: String(PARTITIONS),
    ENGINE_ACTORS: '@lunchrush/actors',
    ENGINE_METRICS_PORT: process.env.BENCH_ENGINE_METRICS_PORT ?? '0',
    LOG_LEVEL: 'warn',
  };
}

/**
 * The gateway's environment under test, the same for lunchrush and the null design: development
 * keys (the bench signs QR tokens, staff tokens and webhooks with them), limits out of the way.
 */
export function benchGatewayEnv(ns: string, opts: StackOptions): Record<string, string> {
  return {
    NATS_URL: natsUrl(),
    REDIS_URL: redisUrl(),
    ENGINE_NAMESPACE: ns,
    ENGINE_PARTITIONS: String(PARTITIONS),
    GATEWAY_DEV_SECRETS: '1',
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    GATEWAY_WORKERS: String(opts.gatewayWorkers ?? 1),
    ...(opts.gatewayThreads === undefined || opts.gatewayThreads === 0
      ? {}
      : { GATEWAY_THREADS: String(opts.gatewayThreads) }),
    GATEWAY_RATE_IP: '100000000',
    GATEWAY_RATE_DEVICE: '100000000',
    GATEWAY_RATE_SESSION: '100000000',
    GATEWAY_CATALOG_WATCH: 'off',
    // Delivery orders that name no store are routed among every demo store (delivery-rush).
    GATEWAY_ROUTING_STORES: Array.from({ length: opts.stores }, (_, i) => String(i + 1).padStart(3, '0')).join(','),
    LOG_LEVEL: 'warn',
  };
}

/**
 * `--design null` (bench/reference/null.ts): the gateway with an engine stand-in that answers
 * orders and sales from memory, with the same environment as lunchrush's gateway.
 */
export async function startNull(opts: StackOptions): Promise<Stack> {
  const ns = uniqueNamespace('bnull');
  const data = generateDemoData({ stores: opts.stores });
  const proc = spawnTs('bench/reference/null.ts', {
    env: { ...benchGatewayEnv(ns, opts), NULL_STORES: String(opts.stores) },
    // The gateway as lunchrush's nodes run it (their node flags too), so the ceiling is our own edge's.
    nodeArgs: [...YOUNG_GENERATION_ARGS, ...profArgs(opts.cpuProfDir, 'null')],
  });
  let sim: ChildProcessHandle | undefined;
  const cleanup = async (): Promise<void> => {
    const nc = await connectNats();
    const redis = await connectRedis();
    await cleanupNamespace(nc, ns).catch(() => undefined);
    await cleanupRedisPrefix(redis, ns).catch(() => undefined);
    await nc.close();
    redis.disconnect();
  };
  try {
    const port = (await proc.waitForLine(/NULL READY port=(\d+)/, READY_MS))[1]!;
    const url = `http://127.0.0.1:${port}`;
    opts.log?.(`null design on port ${port}`);
    // Payments signed by a simulator process of their own, as for lunchrush (--simulator process).
    let simulatorUrl: string | undefined;
    if ((opts.simulator ?? 'process') === 'process') {
      const s = await startRole('simulator', {
        env: simulatorEnv(benchGatewayEnv(ns, opts), url),
        nodeArgs: profArgs(opts.cpuProfDir, 'simulator'),
        readyMs: READY_MS,
      });
      sim = s.handle;
      simulatorUrl = `http://127.0.0.1:${s.ready[1]!}`;
    }
    return {
      url,
      simulatorUrl,
      data,
      kind: 'null',
      processes: sim === undefined ? [proc] : [proc, sim],
      roles: [{ role: 'null', pid: proc.pid }, ...(sim === undefined ? [] : [{ role: 'simulator', pid: sim.pid }])],
      async stop() {
        if (proc.running) await proc.stop(15_000);
        if (sim?.running === true) await sim.stop(15_000);
        // What the stand-in answered canned (the order path) and through its in-memory actors.
        const answered = proc.lines.find((l) => l.text.startsWith('NULL ANSWERED '));
        if (answered !== undefined) opts.log?.(`null stand-in answered ${answered.text.slice(14)}`);
        await cleanup();
      },
    };
  } catch (e) {
    if (sim?.running === true) await sim.stop();
    if (proc.running) await proc.stop();
    await cleanup();
    throw e;
  }
}
