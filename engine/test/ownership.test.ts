/**
 * Who owns the partitions, with engine processes as children of the test: sharing and takeover
 * after SIGKILL, a standby, and an owner paused (SIGSTOP) past its lease.
 */
import { describe, expect, it } from 'vitest';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EngineClient, decode, encode, ErrorCode, partitionOf, type PartitionRecord } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import {
  P,
  TTL,
  allOwnedBy,
  depositLoad,
  engine,
  expectExactlyOnce,
  freshNamespace,
  historyOf,
  nc,
  useEngineChildren,
} from './crash-support.js';
import { leaseOwners, waitFor } from './support.js';

/** The partition of an engine's `partition dropped` log line (pino JSON), if `line` is one. */
function droppedPartition(line: string): number | undefined {
  try {
    const j = JSON.parse(line) as { msg?: string; partition?: number };
    return j.msg === 'partition dropped' ? j.partition : undefined;
  } catch {
    return undefined;
  }
}

useEngineChildren();

describe('ownership: sharing, takeover and standby', () => {
  it('two engine processes share the partitions; killing one moves its partitions to the other', async () => {
    const ns = freshNamespace();
    const e1 = await engine(ns, 'e1');
    await engine(ns, 'e2');
    const shared = await waitFor(
      async () => {
        const o = await leaseOwners(nc, ns);
        const mine = [...o.values()].filter((x) => x === 'e1').length;
        return o.size === P && mine > 0 && mine < P ? o : undefined;
      },
      { what: 'partitions shared by e1 and e2', timeoutMs: 30_000 },
    );
    expect(new Set(shared.values())).toEqual(new Set(['e1', 'e2']));
    const stores = Array.from({ length: 64 }, (_, i) => `x${i}`);
    expect(new Set(stores.map((s) => partitionOf(s, P))).size).toBe(P);
    // A process takes commands for the partitions it serves on its own subject and sends the
    // others away as retryable partition_moving (a client routing by a stale lease view retries).
    const one = stores.filter((s, i) => stores.findIndex((t) => partitionOf(t, P) === partitionOf(s, P)) === i);
    const reply = decode<[number, string][]>(
      (
        await nc.request(
          `${ns}.proc.e1`,
          encode({ c: one.map((s, i) => [s, 'counter', 'direct', `direct-${i}`, { op: 'add', by: 1 }]) }),
          { timeout: 10_000 },
        )
      ).data,
    );
    const later = await leaseOwners(nc, ns);
    const settled = one.filter((s) => shared.get(partitionOf(s, P)) === later.get(partitionOf(s, P)));
    expect(settled.length).toBeGreaterThan(0);
    for (const s of settled) {
      const r = reply[one.indexOf(s)]!;
      if (shared.get(partitionOf(s, P)) === 'e1') expect(r[0]).toBe(0);
      else expect(r).toEqual([1, ErrorCode.PartitionMoving, expect.any(String)]);
    }
    // A client that learnt e1 as the owner of half the partitions keeps working after e1 dies.
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    await Promise.all(stores.map((s) => client.send(s, 'counter', 'c', { op: 'add', by: 1 }, { timeout: 20_000 })));
    const t0 = performance.now();
    e1.kill('SIGKILL');
    await allOwnedBy(ns, ['e2']);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`takeover of e1's partitions by e2: ${seconds.toFixed(2)} s (lease TTL ${TTL / 1000} s)`);
    // And e2 actually serves every partition, also to the client that knew e1.
    const after = await Promise.all(
      stores.map((s) => client.send<{ n: number }>(s, 'counter', 'c', { op: 'add', by: 1 }, { timeout: 20_000 })),
    );
    expect(after.map((r) => r.n)).toEqual(stores.map(() => 2));
    await client.close();
  });

  it('a standby owns nothing while an active engine lives, takes over when it dies, and hands back when one returns', async () => {
    const ns = freshNamespace();
    const active = await engine(ns, 'a1');
    await allOwnedBy(ns, ['a1']);
    await engine(ns, 'sb', { ENGINE_STANDBY: 'true' });
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    await client.send('z1', 'counter', 'n', { op: 'add', by: 1 });
    // The standby has heartbeated (it is live) and still owns nothing.
    expect([...(await leaseOwners(nc, ns)).values()].every((o) => o === 'a1')).toBe(true);
    active.kill('SIGKILL');
    await allOwnedBy(ns, ['sb']);
    await expect(client.send('z1', 'counter', 'n', { op: 'add', by: 1 }, { timeout: 20_000 })).resolves.toEqual({
      n: 2,
    });
    await engine(ns, 'a2');
    await allOwnedBy(ns, ['a2']);
    await expect(client.send('z1', 'counter', 'n', { op: 'add', by: 1 }, { timeout: 20_000 })).resolves.toEqual({
      n: 3,
    });
  });
});

describe('ownership: a stalled lease watch', () => {
  it('processes whose lease watch stalled (its consumer gone on the server) see a new process and hand it its share', async () => {
    const ns = freshNamespace();
    await engine(ns, 'e1');
    await engine(ns, 'e2');
    await waitFor(
      async () => {
        const o = [...(await leaseOwners(nc, ns)).values()];
        return o.length === P && o.filter((x) => x === 'e1').length === P / 2;
      },
      { what: 'e1 and e2 sharing the partitions', timeoutMs: 30_000 },
    );
    // The consumers behind e1's and e2's lease watches deleted: nats-server 2.9 with the v3 client
    // neither ends nor errors such a watch, it stops delivering (as when the NATS member holding
    // it dies): both processes now judge leases and members from a frozen view.
    const jsm = await jetstreamManager(nc);
    const stream = `KV_${names(ns).leases}`;
    const watchers = [];
    for await (const c of jsm.consumers.list(stream)) watchers.push(c.name);
    expect(watchers.length).toBeGreaterThanOrEqual(2);
    for (const name of watchers) await jsm.consumers.delete(stream, name);
    await engine(ns, 'e3');
    // e3 gets a third of the partitions only once e1 and e2 see it (a frozen view counts e2 alone).
    const owners = await waitFor(
      async () => {
        const o = [...(await leaseOwners(nc, ns)).values()];
        return o.length === P && o.filter((x) => x === 'e3').length >= 2 ? o : undefined;
      },
      { what: 'e3 owning partitions', timeoutMs: 30_000 },
    );
    expect(new Set(owners)).toEqual(new Set(['e1', 'e2', 'e3']));
  });
});

describe('ownership: a paused owner is fenced', () => {
  it('an owner paused past its lease cannot append after it resumes; its callers get retryable errors; the new owner is intact', async () => {
    const ns = freshNamespace();
    const e1 = await engine(ns, 'e1');
    await allOwnedBy(ns, ['e1']);
    await engine(ns, 'e2');
    // Wait for the balance to settle, then pick a store on a partition e1 still owns.
    const owners = await waitFor(
      async () => {
        const o = await leaseOwners(nc, ns);
        return o.size === P && [...o.values()].filter((x) => x === 'e2').length === P / 2 ? o : undefined;
      },
      { what: 'e2 to take its share', timeoutMs: 30_000 },
    );
    const p = [...owners].find(([, o]) => o === 'e1')![0];
    const store = Array.from({ length: 200 }, (_, i) => `f${i}`).find((s) => partitionOf(s, P) === p)!;
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    const accounts: [string, string][] = [
      [store, 'x'],
      [store, 'y'],
    ];
    const load = depositLoad(client, accounts, 32, { retry: false, timeout: 6_000, retryFailedAtOnce: true });
    await waitFor(() => load.acked.length >= 300, { what: 'deposits flowing' });
    e1.kill('SIGSTOP');
    await waitFor(async () => (await leaseOwners(nc, ns)).get(p) === 'e2', {
      what: `e2 to take partition ${p}`,
      timeoutMs: 30_000,
    });
    await waitFor(() => load.acked.length >= 600, { what: 'e2 to serve', timeoutMs: 30_000 });
    const from = e1.output.length;
    e1.kill('SIGCONT');
    // Resumed, e1 finds its lease expired (or its append fenced) and drops the partition, failing
    // what it had queued: wait for that, so what it did after the pause is in what is checked below.
    await waitFor(() => e1.output.slice(from).some((line) => droppedPartition(line) === p), {
      what: `e1 to drop partition ${p} after resuming`,
    });
    await load.stop();

    // Callers of the paused owner got retryable errors (partition moving or timeout), never a terminal one.
    expect(load.failed.length).toBeGreaterThan(0);
    for (const f of load.failed) expect(f.err).toMatchObject({ retryable: true });

    // The log of that partition: after e2's fence, nothing written by e1.
    const js = jetstream(nc);
    const consumer = await js.consumers.get(names(ns).stream, {
      filter_subjects: names(ns).eventSubject(p),
      deliver_policy: DeliverPolicy.All,
    });
    const jsm = await jetstreamManager(nc);
    const last = (await jsm.streams.getMessage(names(ns).stream, { last_by_subj: names(ns).eventSubject(p) }))!.seq;
    let fencedByE2 = false;
    const it = await consumer.consume();
    for await (const m of it) {
      const rec = decode<PartitionRecord>(m.data);
      if (rec.k === 'f' && rec.o === 'e2') fencedByE2 = true;
      else if (fencedByE2) expect(rec.o, `record ${m.seq} written after e2's fence`).toBe('e2');
      if (m.seq >= last) break;
    }
    await it.close();
    expect(fencedByE2).toBe(true);

    // Callers retried with the same ids at once: each command landed exactly once.
    expect(load.acked).toHaveLength(load.sent());
    const histories = new Map<string, string[]>();
    for (const [s, id] of accounts) histories.set(`${s}/${id}`, await historyOf(client, s, id));
    expectExactlyOnce(histories, load.acked);
    expect([...histories.values()].reduce((n, h) => n + h.length, 0)).toBe(load.sent());
    expect(e1.output.join('')).toMatch(/lease expired before renewal|fenced|lease of partition \d+ is not valid/);
  });
});
