/**
 * Chains: an idle actor with few records since its last snapshot is found again from those records
 * (each names where the actor's state before it is), with no snapshot written for it; past the
 * bound it is snapshotted as before. Found again after passivation, a graceful restart and SIGKILL,
 * command ids included.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, EngineClient, partitionOf, type EngineConfig } from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';
import { cleanupNamespace, freePort, testLogger } from '@lunchrush/testkit';
import {
  allOwnedBy,
  allPassivated,
  engine,
  freshNamespace,
  NATS_URL,
  killAndRecover,
  nc as childNc,
  P as CHILD_P,
  storeOf,
  useEngineChildren,
} from './crash-support.js';
import { latestSnapshot, metricsOf, waitFor } from './support.js';

const P = 4;
const store = storeOf;
/** Records actor c<i> gets: 1 to 5; with a bound of 3, c2/c3 (4, 5 records) … are snapshotted. */
const recordsOf = (i: number): number => 1 + (i % 5);
const MAX = 3;

function written(text: string, kind: string): number {
  return Number(new RegExp(`lunchrush_engine_state_writes_total\\{kind="${kind}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
}

/** Actor c<i> gets `recordsOf(i)` adds of i + 1, one record each (sequential), the first with id `first-<i>`. */
async function fill(client: EngineClient, n: number, prefix = 'c'): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      for (let k = 0; k < recordsOf(i); k++) {
        await client.send(
          store(i),
          'counter',
          `${prefix}${i}`,
          { op: 'add', by: i + 1 },
          k === 0 ? { id: `first-${prefix}${i}` } : {},
        );
      }
    }),
  );
}

async function expectAll(client: EngineClient, n: number, prefix = 'c', extra = (_i: number) => 0): Promise<void> {
  for (let i = 0; i < n; i++) {
    const total = (i + 1) * recordsOf(i) + extra(i);
    expect(await client.send(store(i), 'counter', `${prefix}${i}`, { op: 'get' })).toEqual({ n: total });
    // The first command's id is still known: its repeat gets the first result, and adds nothing.
    expect(
      await client.send(store(i), 'counter', `${prefix}${i}`, { op: 'add', by: 1000 }, { id: `first-${prefix}${i}` }),
    ).toEqual({ n: i + 1 });
  }
}

describe('chains (one process)', () => {
  let nc: NatsConnection;
  const ns = `t${Math.random().toString(36).slice(2, 10)}`;
  const config = (): Partial<EngineConfig> & { namespace: string; partitions: number } => ({
    natsUrl: NATS_URL,
    namespace: ns,
    partitions: P,
    snapshotIdleMs: 10,
    passivateAfterMs: 10,
    checkpointIntervalMs: 200,
    chainMaxRecords: MAX,
  });
  const start = async (): Promise<Engine> => {
    const e = await Engine.start(demoActors, { env: {}, config: config(), logger: testLogger('engine', 'warn') });
    await waitFor(() => e.ownedPartitions().length === P, { what: 'all partitions owned' });
    return e;
  };
  const passivated = (e: Engine): Promise<boolean> =>
    waitFor(() => [...e.stats().values()].every((s) => s.actors === 0), { what: 'every actor passivated' });

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  });
  afterAll(async () => {
    await cleanupNamespace(nc, ns);
    await nc.close();
  });

  it('leaves actors with few records to their chains, snapshots the others, and finds both again, across a restart', async () => {
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    const N = 20;
    let e = await start();
    try {
      await fill(client, N);
      await passivated(e);
      for (let i = 0; i < N; i++) {
        const snap = await latestSnapshot(nc, ns, partitionOf(store(i), P), `counter.${store(i)}.c${i}`);
        if (recordsOf(i) <= MAX) expect(snap, `c${i}: ${recordsOf(i)} records, no snapshot`).toBeUndefined();
        else expect(snap, `c${i}: ${recordsOf(i)} records, a snapshot`).toBeDefined();
      }
      const m = await e.metrics.text();
      // At least once each (an actor idle between two of its adds is chained each time).
      const chains = Array.from({ length: N }, (_, i) => i).filter((i) => recordsOf(i) <= MAX).length;
      expect(written(m, 'chained')).toBeGreaterThanOrEqual(chains);
      await expectAll(client, N);

      // Loaded from their chains and going on: one more record each. c0 (1 + 1) stays a chain; c2 (3 + 1) passes the bound.
      await passivated(e);
      for (const i of [0, 2]) await client.send(store(i), 'counter', `c${i}`, { op: 'add', by: 100 });
      await passivated(e);
      expect(await latestSnapshot(nc, ns, partitionOf(store(0), P), `counter.${store(0)}.c0`)).toBeUndefined();
      expect(await latestSnapshot(nc, ns, partitionOf(store(2), P), `counter.${store(2)}.c2`)).toBeDefined();
    } finally {
      await e.stop();
    }

    // A new owner finds them from the checkpoint's directory: chains, snapshots and ids.
    e = await start();
    try {
      await expectAll(client, N, 'c', (i) => (i === 0 || i === 2 ? 100 : 0));
    } finally {
      await e.stop();
    }
  });
});

describe('chains after SIGKILL', () => {
  useEngineChildren();

  it('finds chained actors again whether or not a checkpoint named their chains before the kill', async () => {
    const ns = freshNamespace();
    const port = await freePort();
    const env = {
      ENGINE_SNAPSHOT_IDLE_MS: '10',
      ENGINE_PASSIVATE_AFTER_MS: '10',
      // Unlike the other crash tests: few events per actor never reach a snapshot by count.
      ENGINE_SNAPSHOT_EVERY_EVENTS: '500',
      ENGINE_CHAIN_MAX_RECORDS: String(MAX),
      ENGINE_METRICS_PORT: String(port),
    };
    const e1 = await engine(ns, 'e1', env);
    await allOwnedBy(ns, ['e1']);
    const client = new EngineClient(childNc, { namespace: ns, partitions: CHILD_P });
    // The first wave chained and passivated, and named by a checkpoint (every 100 ms here).
    await fill(client, 12, 'a');
    await allPassivated(port, 'the first wave passivated');
    const chainedBefore = written(await metricsOf(port), 'chained');
    expect(chainedBefore).toBeGreaterThan(0);
    // The second wave: killed as soon as some of it is chained, before or after a checkpoint names it.
    await fill(client, 12, 'b');
    await waitFor(async () => written(await metricsOf(port), 'chained') > chainedBefore, {
      what: 'the second wave chained',
      intervalMs: 20,
    });
    await killAndRecover(ns, e1, env);
    await expectAll(client, 12, 'a');
    await expectAll(client, 12, 'b');
  });
});
