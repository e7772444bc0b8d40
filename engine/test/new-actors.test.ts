/**
 * A brand-new actor starts without a snapshot read (the partition's actor directory has never seen
 * it), and an actor with records is always found again: after passivation, after a graceful
 * restart, and after SIGKILL (the directory comes back from the checkpoint and the replayed log).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, Engine, EngineClient, partitionOf, type EngineConfig } from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';
import { names } from '@lunchrush/engine/names';
import { cleanupNamespace, freePort, testLogger } from '@lunchrush/testkit';
import {
  allOwnedBy,
  engine,
  freshNamespace,
  NATS_URL,
  killAndRecover,
  nc as childNc,
  P as CHILD_P,
  STORES,
  storeOf,
  useEngineChildren,
} from './crash-support.js';
import { latestSnapshot, waitFor } from './support.js';

const P = 4;
const store = storeOf;

function loads(text: string): { fresh: number; read: number } {
  const n = (how: string): number =>
    Number(new RegExp(`lunchrush_engine_actor_loads_total\\{how="${how}"\\} (\\d+)`).exec(text)?.[1] ?? NaN);
  return { fresh: n('fresh'), read: n('read') };
}

describe('new actors and the actor directory (one process)', () => {
  let nc: NatsConnection;
  let ns: string;
  const config = (): Partial<EngineConfig> & { namespace: string; partitions: number } => ({
    natsUrl: NATS_URL,
    namespace: ns,
    partitions: P,
    snapshotIdleMs: 10,
    passivateAfterMs: 10,
    checkpointIntervalMs: 200,
    // Snapshots into the log are what this tests (chains: chain.test.ts).
    chainMaxRecords: 0,
  });
  const start = async (): Promise<Engine> => {
    const e = await Engine.start(demoActors, { env: {}, config: config(), logger: testLogger('engine', 'warn') });
    await waitFor(() => e.ownedPartitions().length === P, { what: 'all partitions owned' });
    return e;
  };

  beforeAll(async () => {
    ns = `t${Math.random().toString(36).slice(2, 10)}`;
    nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  });
  afterAll(async () => {
    await cleanupNamespace(nc, ns);
    await nc.close();
  });

  it('starts new actors without a read, reads them once they have records, and keeps knowing them across a restart', async () => {
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    let e = await start();
    try {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => client.send(store(i), 'counter', `c${i}`, { op: 'add', by: i + 1 })),
      );
      expect(loads(await e.metrics.text())).toEqual({ fresh: 30, read: 0 });

      // Snapshotted into the log (many to a record, no KV put each) and passivated: a command reads each back.
      await waitFor(() => [...e.stats().values()].every((s) => s.actors === 0), { what: 'every actor passivated' });
      const kv = await new Kvm(nc).open(names(ns).snapshots);
      expect(await kv.get(`counter.${store(13)}.c13`)).toBeNull();
      const inLog = await latestSnapshot(nc, ns, partitionOf(store(13), P), `counter.${store(13)}.c13`);
      expect(decode<{ s: { n: number } }>(inLog!).s).toEqual({ n: 14 });
      for (const i of [0, 13, 29]) {
        expect(await client.send(store(i), 'counter', `c${i}`, { op: 'get' })).toEqual({ n: i + 1 });
      }
      expect(loads(await e.metrics.text())).toEqual({ fresh: 30, read: 3 });

      // The checkpoints name the directory's layers.
      const ck = await new Kvm(nc).open(names(ns).checkpoints);
      const head = await ck.get(`p.${partitionOf(store(0), P)}`);
      expect(decode<{ dir?: { l: string[] } }>(head!.value).dir?.l.length).toBeGreaterThan(0);
    } finally {
      await e.stop();
    }

    // A new owner recovers the directory from the checkpoint: old actors are read, new ones are not.
    e = await start();
    try {
      for (let i = 0; i < 30; i++) {
        expect(await client.send(store(i), 'counter', `c${i}`, { op: 'get' })).toEqual({ n: i + 1 });
      }
      expect(await client.send(store(0), 'counter', 'fresh', { op: 'add', by: 5 })).toEqual({ n: 5 });
      expect(loads(await e.metrics.text())).toEqual({ fresh: 1, read: 30 });
    } finally {
      await e.stop();
    }
  });
});

describe('a checkpoint naming a directory layer that is gone', () => {
  let nc: NatsConnection;
  const ns = `t${Math.random().toString(36).slice(2, 10)}`;
  const start = async (): Promise<Engine> => {
    const config = { natsUrl: NATS_URL, namespace: ns, partitions: P, snapshotIdleMs: 10, passivateAfterMs: 10 };
    const e = await Engine.start(demoActors, {
      env: {},
      config: { ...config, checkpointIntervalMs: 100 },
      logger: testLogger('engine', 'error'),
    });
    await waitFor(() => e.ownedPartitions().length === P, { what: 'all partitions owned' });
    return e;
  };
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  });
  afterAll(async () => {
    await cleanupNamespace(nc, ns);
    await nc.close();
  });

  it('replays the whole log: actors snapshotted into the log are found all the same', async () => {
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    let e = await start();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.send(store(i), 'counter', `g${i}`, { op: 'add', by: i + 1 })),
    );
    await waitFor(() => [...e.stats().values()].every((s) => s.actors === 0), { what: 'every actor passivated' });
    const ck = await new Kvm(nc).open(names(ns).checkpoints);
    const p = partitionOf(store(0), P);
    const head = async (): Promise<{ wm: number; ls: number; dir?: { l: string[] } } | undefined> => {
      const h = await ck.get(`p.${p}`);
      return h === null ? undefined : decode(h.value);
    };
    await waitFor(async () => ((await head())?.wm ?? 0) > 1 && ((await head())?.dir?.l.length ?? 0) > 0, {
      what: 'a checkpoint past the actors, naming its directory',
    });
    await e.stop();
    for (const layer of (await head())!.dir!.l) await ck.purge(layer);

    e = await start();
    try {
      for (let i = 0; i < 30; i++) {
        expect(await client.send(store(i), 'counter', `g${i}`, { op: 'get' })).toEqual({ n: i + 1 });
      }
    } finally {
      await e.stop();
    }
  });
});

describe('a namespace whose checkpoints predate actor directories', () => {
  let nc: NatsConnection;
  const ns = `t${Math.random().toString(36).slice(2, 10)}`;
  /** `before`: an engine as they were before directories, snapshotting every idle actor into the bucket. */
  const start = async (before = false): Promise<Engine> => {
    const config = { natsUrl: NATS_URL, namespace: ns, partitions: P, snapshotIdleMs: 10, passivateAfterMs: 10 };
    const e = await Engine.start(demoActors, {
      env: {},
      // An engine from before directories snapshotted every idle actor into the bucket, and had no chains.
      config: {
        ...config,
        checkpointIntervalMs: 200,
        logSnapshotMaxBytes: before ? 0 : 32 * 1024,
        chainMaxRecords: before ? 0 : 4,
      },
      logger: testLogger('engine', 'warn'),
    });
    await waitFor(() => e.ownedPartitions().length === P, { what: 'all partitions owned' });
    return e;
  };
  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  });
  afterAll(async () => {
    await cleanupNamespace(nc, ns);
    await nc.close();
  });

  it('reads every actor until the directory is built from the snapshot bucket, then starts new ones without a read', async () => {
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    let e = await start(true);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.send(store(i), 'counter', `c${i}`, { op: 'add', by: i + 1 })),
    );
    await waitFor(() => [...e.stats().values()].every((s) => s.actors === 0), { what: 'every actor passivated' });
    await e.stop();
    // What an engine from before directories left: checkpoint heads without one, watermarks past the actors.
    const ck = await new Kvm(nc).open(names(ns).checkpoints);
    for (let p = 0; p < P; p++) {
      const h = await ck.get(`p.${p}`);
      if (h === null) continue;
      const head = decode<{ wm: number; dir?: unknown }>(h.value);
      expect(head.wm).toBeGreaterThan(1);
      delete head.dir;
      await ck.put(`p.${p}`, encode(head));
    }

    e = await start();
    try {
      let probes = 0;
      await waitFor(
        async () => {
          await client.send(store(0), 'counter', `probe${probes++}`, { op: 'add', by: 1 });
          return loads(await e.metrics.text()).fresh > 0;
        },
        { what: 'a new actor started without a read' },
      );
      for (let i = 0; i < 30; i++) {
        expect(await client.send(store(i), 'counter', `c${i}`, { op: 'get' })).toEqual({ n: i + 1 });
      }
    } finally {
      await e.stop();
    }
  });
});

describe('the actor directory after SIGKILL', () => {
  useEngineChildren();

  it('every actor with a record is found again, whether its key was in a checkpoint or only in the log', async () => {
    const ns = freshNamespace();
    const e1 = await engine(ns, 'e1');
    await allOwnedBy(ns, ['e1']);
    const client = new EngineClient(childNc, { namespace: ns, partitions: CHILD_P });
    const add = (prefix: string, i: number): Promise<unknown> =>
      client.send(store(i), 'counter', `${prefix}${i}`, { op: 'add', by: i + 1 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => add('a', i)));
    // Wait for checkpoints that name the first wave in their directory layers and replay after it.
    const ck = await new Kvm(childNc).open(names(ns).checkpoints);
    const parts = [...new Set(STORES.map((s) => partitionOf(s, CHILD_P)))];
    await waitFor(
      async () => {
        for (const p of parts) {
          const h = await ck.get(`p.${p}`);
          const head = h === null ? undefined : decode<{ wm: number; ls: number; dir?: { l: string[] } }>(h.value);
          if (head?.dir === undefined || head.dir.l.length === 0 || head.wm <= head.ls) return false;
        }
        return true;
      },
      { what: 'checkpoints past the first wave' },
    );
    // The second wave's keys are in the log; the kill comes before or after a checkpoint names them.
    await Promise.all(Array.from({ length: 40 }, (_, i) => add('b', i)));
    e1.kill('SIGKILL');
    await e1.exited;

    await engine(ns, 'e2');
    await allOwnedBy(ns, ['e2']);
    for (let i = 0; i < 40; i++) {
      expect(await client.send(store(i), 'counter', `a${i}`, { op: 'get' })).toEqual({ n: i + 1 });
      expect(await client.send(store(i), 'counter', `b${i}`, { op: 'get' })).toEqual({ n: i + 1 });
    }
  });

  it('an actor snapshotted into the log after the last checkpoint is found there after SIGKILL and passivation', async () => {
    const ns = freshNamespace();
    // Housekeeping (idle snapshots, passivation) and checkpoints every 3 s: the kill comes between the
    // round that snapshots the actors into the log and the checkpoint that would name those records.
    const port = await freePort();
    const env = {
      ENGINE_CHECKPOINT_INTERVAL_MS: '3000',
      ENGINE_SNAPSHOT_IDLE_MS: '10',
      ENGINE_PASSIVATE_AFTER_MS: '10',
      ENGINE_METRICS_PORT: String(port),
      // Snapshots into the log are what this tests (chains: chain.test.ts).
      ENGINE_CHAIN_MAX_RECORDS: '0',
    };
    const e1 = await engine(ns, 'e1', env);
    await allOwnedBy(ns, ['e1']);
    const client = new EngineClient(childNc, { namespace: ns, partitions: CHILD_P });
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.send(store(i), 'counter', `l${i}`, { op: 'add', by: i + 1 })),
    );
    const p0 = partitionOf(store(0), CHILD_P);
    await waitFor(() => latestSnapshot(childNc, ns, p0, `counter.${store(0)}.l0`), {
      what: 'a snapshot in the log',
      intervalMs: 50,
    });
    // Replayed, clean (the snapshot entry covers every event), then passivated: the next command reads it back.
    await killAndRecover(ns, e1, env);
    for (let i = 0; i < 20; i++) {
      expect(await client.send(store(i), 'counter', `l${i}`, { op: 'get' })).toEqual({ n: i + 1 });
    }
  });
});
