/**
 * What the tests that kill engine processes for real share (crash, activation and ownership
 * tests): engine children on fresh namespaces, removed after the file, and a deposit load whose
 * every acknowledged command is checked to be applied exactly once.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { EngineClient, EngineError } from '@lunchrush/engine';
import { freePort } from '@lunchrush/testkit';
import { leaseOwners, metricsOf, startEngineChild, waitFor, type EngineChild } from './support.js';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const P = 8;
export const TTL = 1500;
const BASE_ENV = {
  NATS_URL,
  ENGINE_PARTITIONS: String(P),
  ENGINE_LEASE_TTL_MS: String(TTL),
  // Snapshot often so recovery always combines a snapshot with a replay.
  ENGINE_SNAPSHOT_EVERY_EVENTS: '7',
  ENGINE_SNAPSHOT_IDLE_MS: '200',
  ENGINE_CHECKPOINT_INTERVAL_MS: '100',
};

/** The tests' own connection, open from `beforeAll` on (see `useEngineChildren`). */
export let nc: NatsConnection;
const namespaces: string[] = [];
const running: EngineChild[] = [];

export function freshNamespace(): string {
  const ns = `t${Math.random().toString(36).slice(2, 10)}`;
  namespaces.push(ns);
  return ns;
}

export async function engine(ns: string, id: string, env: Record<string, string> = {}): Promise<EngineChild> {
  const e = await startEngineChild(ns, id, { ...BASE_ENV, ...env });
  running.push(e);
  return e;
}

export async function allOwnedBy(ns: string, ids: string[]): Promise<Map<number, string>> {
  return waitFor(
    async () => {
      const o = await leaseOwners(nc, ns);
      return o.size === P && [...o.values()].every((x) => ids.includes(x)) ? o : undefined;
    },
    { what: `all partitions owned by ${ids.join(' or ')}`, timeoutMs: 30_000 },
  );
}

/**
 * Registers the file's hooks: connect before its tests; after them, kill every engine child still
 * running and delete the streams of the namespaces it made.
 */
export function useEngineChildren(): void {
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  });
  afterAll(afterEngineChildren);
}

async function afterEngineChildren(): Promise<void> {
  for (const e of running) e.kill('SIGKILL');
  await Promise.all(running.map((e) => e.exited));
  const jsm = await jetstreamManager(nc);
  for await (const s of jsm.streams.list()) {
    if (namespaces.some((ns) => s.config.name.toLowerCase().includes(ns))) await jsm.streams.delete(s.config.name);
  }
  await nc.close();
}

/** Keeps `inFlight` deposits going to `accounts` until stopped; every deposit has its own id. */
export function depositLoad(
  client: EngineClient,
  accounts: [string, string][],
  inFlight: number,
  opts: { retry: boolean; timeout: number; retryFailedAtOnce?: boolean },
) {
  const acked: { store: string; id: string; tx: string }[] = [];
  const failed: { store: string; id: string; tx: string; err: EngineError }[] = [];
  let n = 0;
  let stop = false;
  const worker = async (): Promise<void> => {
    while (!stop) {
      const i = n++;
      const [store, id] = accounts[i % accounts.length]!;
      const tx = `tx${i}`;
      try {
        await client.send(
          store,
          'account',
          id,
          { op: 'deposit', amount: 1, tx },
          { id: tx, retry: opts.retry, timeout: opts.timeout },
        );
        acked.push({ store, id, tx });
      } catch (e) {
        failed.push({ store, id, tx, err: e as EngineError });
        if (opts.retryFailedAtOnce === true) {
          // As a real caller does: the same command, the same id, right away, until it lands.
          await client.send(store, 'account', id, { op: 'deposit', amount: 1, tx }, { id: tx, timeout: 30_000 });
          acked.push({ store, id, tx });
        }
      }
    }
  };
  const done = Promise.all(Array.from({ length: inFlight }, worker));
  return {
    acked,
    failed,
    sent: () => n,
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

export async function historyOf(client: EngineClient, store: string, id: string): Promise<string[]> {
  const s = await client.send<{ history: string[] }>(store, 'account', id, { op: 'get' }, { timeout: 20_000 });
  return s.history;
}

export function expectExactlyOnce(
  histories: Map<string, string[]>,
  acked: { store: string; id: string; tx: string }[],
): void {
  for (const [key, h] of histories) expect(new Set(h).size, `duplicates in ${key}`).toBe(h.length);
  for (const a of acked) expect(histories.get(`${a.store}/${a.id}`), `acked ${a.tx} missing`).toContain(a.tx);
}

/** Six stores, for tests that spread counters over them: counter i lives in `storeOf(i)`. */
export const STORES = ['s1', 's2', 's3', 's4', 's5', 's6'];
export const storeOf = (i: number): string => STORES[i % STORES.length]!;

export const ACCOUNTS: [string, string][] = Array.from({ length: 24 }, (_, i) => [`s${i % 12}`, `acct${i}`]);

/** Every actor of the engine child serving metrics on `port` passivated (none in memory). */
export async function allPassivated(port: number, what: string): Promise<void> {
  await waitFor(async () => /lunchrush_engine_actors\{kind="in_memory"\} 0\b/.test(await metricsOf(port)), {
    what,
    timeoutMs: 30_000,
  });
}

/**
 * SIGKILLs `e1`, starts `e2` on the same namespace with the same environment (its own metrics
 * port), and waits until it owns every partition and, recovered, has passivated every actor.
 */
export async function killAndRecover(ns: string, e1: EngineChild, env: Record<string, string>): Promise<void> {
  e1.kill('SIGKILL');
  await e1.exited;
  const port = await freePort();
  await engine(ns, 'e2', { ...env, ENGINE_METRICS_PORT: String(port) });
  await allOwnedBy(ns, ['e2']);
  await allPassivated(port, 'every actor passivated after recovery');
}
