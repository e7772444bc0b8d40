/** Engine-specific test helpers on top of testkit: engine child processes and a look at who owns what. */
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Level } from 'pino';
import { decode, Engine, EngineClient, partitionOf, type ActorType, type EngineConfig } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import type { PartitionRecord } from '@lunchrush/engine/log';
import {
  cleanupNamespace,
  spawnTs,
  testLogger,
  waitFor as testkitWaitFor,
  type ChildExit,
  type WaitForOptions,
} from '@lunchrush/testkit';

export interface EngineChild {
  readonly pid: number;
  readonly processId: string;
  /** Everything the child printed so far, a line per entry. */
  readonly output: string[];
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<ChildExit>;
}

/** Starts `engine/src/main.ts` in its own process and waits until it says it is ready. */
export async function startEngineChild(
  ns: string,
  processId: string,
  env: Record<string, string> = {},
): Promise<EngineChild> {
  const h = spawnTs('engine/src/main.ts', {
    env: { ENGINE_NAMESPACE: ns, ENGINE_PROCESS_ID: processId, ENGINE_METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
  });
  await h.waitForLine(/ENGINE READY/, 60_000);
  return {
    pid: h.pid,
    processId,
    get output() {
      return h.lines.map((l) => l.text);
    },
    kill: (s) => void h.kill(s),
    exited: h.exited,
  };
}

/** testkit's, here too for the engine tests that import it from this file. */
export { leaseOwners } from '@lunchrush/testkit';

/** testkit's `waitFor` with the longer default these engine tests were written for (20 s). */
export function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  return testkitWaitFor(fn, { timeoutMs: 20_000, ...options });
}

export interface InProcessEngine {
  readonly engine: Engine;
  /** A connection of the test's own, and a client on it. */
  readonly nc: NatsConnection;
  readonly client: EngineClient;
  /** Stops the engine, removes the namespace's streams, closes the connection. */
  readonly stop: () => Promise<void>;
}

/** An engine in the test's process that owns every partition, with a client of its own. */
export async function inProcessEngine(
  types: readonly ActorType[],
  config: Partial<EngineConfig> & { namespace: string; partitions: number },
  logLevel: Level | 'silent' = 'warn',
): Promise<InProcessEngine> {
  const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const engine = await Engine.start(types, {
    env: {},
    config: { natsUrl, ...config },
    logger: testLogger('engine', logLevel),
  });
  await waitFor(() => engine.ownedPartitions().length === config.partitions, { what: 'all partitions owned' });
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  const client = new EngineClient(nc, { namespace: config.namespace, partitions: config.partitions });
  return {
    engine,
    nc,
    client,
    stop: async () => {
      await engine.stop();
      await cleanupNamespace(nc, config.namespace);
      await nc.close();
    },
  };
}

/**
 * An idle actor's latest snapshot as the engine stored it: its last snapshot entry in its
 * partition's log (where idle actors are snapshotted, many to a record), else its value in the
 * snapshot bucket (large actors, hand-overs, every N events).
 */
export async function latestSnapshot(
  nc: NatsConnection,
  ns: string,
  partition: number,
  key: string,
): Promise<Uint8Array | undefined> {
  const n = names(ns);
  const js = jetstream(nc);
  const consumer = await js.consumers.get(n.stream, { filter_subjects: n.eventSubject(partition) });
  let last: Uint8Array | undefined;
  const it = await consumer.fetch({ max_messages: 10_000, expires: 2_000 });
  for await (const m of it) {
    const rec = decode<PartitionRecord>(m.data);
    if (rec.k === 'b') for (const e of rec.x) if (e.sn !== undefined && e.a.join('.') === key) last = e.sn;
    if (m.info.pending === 0) break;
  }
  if (last !== undefined) return last;
  const kv = await new Kvm(nc).open(n.snapshots);
  const e = await kv.get(key);
  return e === null || e.length === 0 ? undefined : e.value;
}

/** The engine child's /metrics text (ENGINE_METRICS_PORT), or '' while it does not answer. */
export async function metricsOf(port: number): Promise<string> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  } catch {
    return '';
  }
}

/** A store id hashed to one of `parts` (partition numbers out of `partitions`). */
export function storeIn(parts: readonly number[], tag: string, partitions: number): string {
  for (let i = 0; ; i++) if (parts.includes(partitionOf(`${tag}${i}`, partitions))) return `${tag}${i}`;
}

/** What crossed NATS to the engines of a namespace: every command on a partition or process subject. */
export interface CommandSpy {
  /** Each command seen, as `store/type/id`, in order. */
  readonly seen: string[];
  /** Unsubscribes, removes the namespace's streams and buckets, closes its connection. */
  stop(): Promise<void>;
}

/** Subscribes (and flushes, so nothing sent after it resolves is missed) on a connection of its own. */
export async function spyOnCommands(natsUrl: string, ns: string): Promise<CommandSpy> {
  const nc = await connect({ servers: natsUrl });
  const seen: string[] = [];
  const sub = nc.subscribe(`${ns}.>`, {
    callback: (err, m) => {
      if (err !== null || !(m.subject.startsWith(`${ns}.cmd.`) || m.subject.startsWith(`${ns}.proc.`))) return;
      const req = decode<{ c: [string, string, string][] }>(m.data);
      for (const [store, type, id] of req.c) seen.push(`${store}/${type}/${id}`);
    },
  });
  await nc.flush();
  return {
    seen,
    async stop() {
      sub.unsubscribe();
      await cleanupNamespace(nc, ns);
      await nc.close();
    },
  };
}
