import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names } from '@lunchrush/engine/names';
import { cleanupNamespace, connectNats, setup, uniqueNamespace } from '@lunchrush/testkit';

async function streamNames(jsm: JetStreamManager): Promise<string[]> {
  const out: string[] = [];
  for await (const name of jsm.streams.names()) out.push(name);
  return out;
}

describe('connectNats and cleanupNamespace (shared NATS)', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const ns = uniqueNamespace();
  const other = uniqueNamespace();

  beforeAll(async () => {
    nc = await connectNats();
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await cleanupNamespace(nc, ns);
    await cleanupNamespace(nc, other);
    await nc.close();
  });

  it('connects with JetStream available', async () => {
    expect(nc.info?.jetstream).toBe(true);
    // JetStream works, not merely is announced: a stream of this test's own stores what is published to it.
    const probe = uniqueNamespace();
    const stream = `${probe.toUpperCase()}_PROBE`;
    await jsm.streams.add({ name: stream, subjects: [`${probe}.probe`] });
    try {
      expect(await jetstream(nc).publish(`${probe}.probe`, 'x')).toMatchObject({ stream, seq: 1 });
      expect((await jsm.streams.info(stream)).state.messages).toBe(1);
      expect((await jsm.getAccountInfo()).streams).toBeGreaterThanOrEqual(1);
    } finally {
      await cleanupNamespace(nc, probe);
    }
  });

  it("deletes the namespace's streams and KV buckets, case-insensitively, and nothing else", async () => {
    // The engine's own names: its event stream (upper case) and buckets (lower case) of each namespace.
    const [mine, theirs] = [names(ns), names(other)];
    await jsm.streams.add({ name: mine.stream, subjects: [mine.eventWildcard] });
    const kvm = new Kvm(jetstream(nc));
    const leases = await kvm.create(mine.leases);
    await leases.put('p.1', 'owner');
    await kvm.create(mine.snapshots);
    await jsm.streams.add({ name: theirs.stream, subjects: [theirs.eventWildcard] });
    await kvm.create(theirs.leases);

    const deleted = await cleanupNamespace(nc, ns);

    // A KV bucket is the stream KV_<bucket>.
    expect(deleted.sort()).toEqual([mine.stream, `KV_${mine.leases}`, `KV_${mine.snapshots}`].sort());
    const remaining = await streamNames(jsm);
    expect(remaining.filter((n) => n.toLowerCase().includes(ns))).toEqual([]);
    expect(remaining).toContain(theirs.stream);
    expect(remaining).toContain(`KV_${theirs.leases}`);
  });

  it('refuses a namespace short enough to match other tests', async () => {
    await expect(cleanupNamespace(nc, 'kv')).rejects.toThrow(/refusing/);
  });
});

describe('setup()', () => {
  it('gives a namespace and connections, and cleanup removes what was made in it', async () => {
    const t = await setup({ redis: true });
    const jsm = await jetstreamManager(t.nc);
    await jsm.streams.add({ name: `${t.ns}_orders`, subjects: [`${t.ns}.orders`] });
    await t.redis!.set(`${t.ns}:session`, '1');

    await t.cleanup();

    const nc = await connectNats();
    try {
      expect((await streamNames(await jetstreamManager(nc))).filter((n) => n.includes(t.ns))).toEqual([]);
    } finally {
      await nc.close();
    }
    expect(t.nc.isClosed()).toBe(true);
  });
});
