/** Engine-specific test helpers on top of testkit: engine child processes and a look at who owns what. */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Level } from 'pino';
import { Engine, EngineClient, type ActorType, type EngineConfig } from '@lunchrush/engine';
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
