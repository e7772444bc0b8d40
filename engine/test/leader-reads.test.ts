/**
 * Where the engine reads its buckets from. Replicated (R3 on a 3-node cluster), every read of a
 * lease, snapshot or checkpoint goes to the bucket's stream leader (`STREAM.MSG.GET`), never a direct
 * get, which any replica may answer, a member just restarted included, from its old state (nats-server
 * before 2.9.17, #4162). Alone (R1), direct gets. A spy subscribed to the JetStream API sees which.
 *
 * What is read: a second engine takes every partition over from the first (which handed over with
 * snapshots in the bucket), reads their checkpoints, and loads an actor from its snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Engine, EngineClient } from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';
import { names } from '@lunchrush/engine/names';
import { cleanupNamespace, startNatsCluster, testLogger, type NatsClusterHandle } from '@lunchrush/testkit';
import { waitFor } from './support.js';

const P = 2;
let cluster: NatsClusterHandle;

beforeAll(async () => {
  cluster = await startNatsCluster(3);
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** The JetStream API requests on the engine's buckets, by kind, while `run` runs. */
async function readsOf(url: string, ns: string, replicas: number): Promise<{ direct: number; leader: number }> {
  const spy: NatsConnection = await connect({ servers: url.split(',') });
  const n = names(ns);
  const buckets = [n.leases, n.snapshots, n.checkpoints].map((b) => `KV_${b}`);
  const seen = { direct: 0, leader: 0 };
  spy.subscribe('$JS.API.>', {
    callback: (_e, m) => {
      if (!buckets.some((b) => m.subject.endsWith(`.${b}`) || m.subject.includes(`.${b}.`))) return;
      if (m.subject.startsWith('$JS.API.DIRECT.GET.')) seen.direct++;
      else if (m.subject.startsWith('$JS.API.STREAM.MSG.GET.')) seen.leader++;
    },
  });
  await spy.flush();
  const config = {
    natsUrl: url,
    namespace: ns,
    partitions: P,
    replicas,
    leaseTtlMs: 1500,
    logSnapshotMaxBytes: 0,
  };
  const start = (id: string): Promise<Engine> =>
    Engine.start(demoActors, { env: {}, config: { ...config, processId: id }, logger: testLogger(id, 'warn') });
  const first = await start('first');
  const nc = await connect({ servers: url.split(','), noAsyncTraces: true });
  const client = new EngineClient(nc, { namespace: ns, partitions: P });
  try {
    await waitFor(() => first.ownedPartitions().length === P, { what: 'the first engine owning every partition' });
    for (let i = 0; i < 5; i++) await client.send('s1', 'counter', 'c1', { op: 'add', by: 1 });
    await first.stop();
    const second = await start('second');
    try {
      await waitFor(() => second.ownedPartitions().length === P, { what: 'the second engine owning every partition' });
      expect(await client.send('s1', 'counter', 'c1', { op: 'get' })).toEqual({ n: 5 });
    } finally {
      await second.stop();
    }
    await spy.flush();
    return seen;
  } finally {
    await client.close();
    await cleanupNamespace(nc, ns);
    await nc.close();
    await spy.close();
  }
}

describe("the engine's bucket reads", () => {
  it('replicated: every read from the leader, none a direct get', async () => {
    const ns = `t${Math.random().toString(36).slice(2, 10)}`;
    const seen = await readsOf(cluster.url, ns, 3);
    expect(seen.direct).toBe(0);
    expect(seen.leader).toBeGreaterThan(0);
  }, 60_000);

  it('alone (R1): direct gets', async () => {
    const ns = `t${Math.random().toString(36).slice(2, 10)}`;
    const seen = await readsOf(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', ns, 1);
    expect(seen.direct).toBeGreaterThan(0);
  }, 60_000);
});
