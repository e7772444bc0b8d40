/**
 * Faults on the production topology (`launchCluster`: 3 clustered nats-servers, R3 streams and
 * buckets, 2 nodes, nginx in front), with real signals to real processes: a NATS member SIGKILLed
 * under load, a NATS member frozen (SIGSTOP) while the others go on, a node SIGKILLed, and
 * everything killed and started again on its data. The load is POS sales through the balancer;
 * every sale answered 200 must be known afterwards (sent again, it answers `duplicate`).
 * The seconds without service each fault cost are printed (bench/README "Cluster faults").
 */
import fs from 'node:fs';
import { jetstreamAcknowledges, leaseOwners, waitFor, waitForClusterJetStream } from '@lunchrush/testkit';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { names } from '@lunchrush/engine/names';
import {
  PARTITIONS,
  SaleLoad,
  connectTo,
  eventStreamLeader,
  lostSales,
  replicasCurrent,
  startTestCluster,
  type TestCluster,
} from './cluster-support.js';

let t: TestCluster;
const report = (fault: string, figures: Record<string, unknown>): void =>
  void process.stdout.write(`[cluster-faults] ${fault}: ${JSON.stringify(figures)}\n`);

// A cluster of its own for each fault: a fault's aftermath (a member catching up, leases moving
// back) is not the next fault's starting point.
beforeEach(async () => {
  t = await startTestCluster();
}, 120_000);
afterEach(async () => {
  await t?.close();
}, 60_000);

describe('cluster faults', () => {
  it('SIGKILL of the NATS member leading the event stream, under load: no acknowledged sale lost', async () => {
    const nc = await connectTo(t.c.natsUrl.split(','));
    // A boxed index: leader 0 is a leader (waitFor waits for a truthy value).
    const { leader } = await waitFor(async () => ({ leader: await eventStreamLeader(t, nc) }), {
      what: 'the event stream leader',
    }).finally(() => nc.close());
    const load = new SaleLoad(t, 'natskill');
    try {
      await load.more(40, 'before the kill');
      const killedAt = Date.now();
      await t.c.killNats(leader, 'SIGKILL');
      await load.more(80, 'after the kill, on the two NATS members left');
      await load.stop();
      const gap = load.secondsWithoutService(killedAt);
      expect(await lostSales(t, load.acked)).toEqual([]);
      report('nats member killed', {
        member: `nats-${leader + 1}`,
        acknowledged: load.acked.length,
        lost: 0,
        secondsWithoutService: gap,
        errors: Object.fromEntries(load.errors),
      });
    } finally {
      await load.stop();
      // The next fault starts from three members again, the restarted one caught up.
      if (t.c.nats[leader] === undefined) await t.c.startNats(leader);
    }
    await replicasCurrent(t);
  });

  it('SIGKILL of a node under load: its partitions move to the other node, no acknowledged sale lost', async () => {
    // First, the request id through the balancer: nginx makes one (or keeps the caller's), logs it
    // and hands it to the node, which answers it.
    const made = await fetch(`${t.c.url}/v1/stores/001/menu`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const mine = await fetch(`${t.c.url}/v1/stores/002/menu`, { headers: { 'x-request-id': 'till-7.sale-42' } });
    expect(mine.headers.get('x-request-id')).toBe('till-7.sale-42');
    await waitFor(() => fs.readFileSync(t.c.balancerLog, 'utf8').includes('"req":"till-7.sale-42","store":"002"'), {
      timeoutMs: 5_000,
      what: "the balancer's access log naming the request",
    });
    const load = new SaleLoad(t, 'nodekill');
    await load.more(40, 'before the kill');
    const nc = await connectTo(t.c.natsUrl.split(','));
    try {
      // The node that started first may hold every partition for a moment; it hands half over.
      const before = await waitFor(
        async () => {
          const owners = await leaseOwners(nc, t.ns);
          return new Set(owners.values()).size === 2 ? owners : undefined;
        },
        { timeoutMs: 30_000, what: 'both nodes owning partitions' },
      );
      expect(new Set(before.values())).toEqual(new Set(['node-1', 'node-2']));
      const killedAt = Date.now();
      await t.c.killNode(0);
      let owners = before;
      await waitFor(
        async () => {
          owners = await leaseOwners(nc, t.ns);
          return owners.size === PARTITIONS && [...owners.values()].every((o) => o === 'node-2');
        },
        { timeoutMs: 30_000, what: 'node-2 owning every partition' },
      ).catch((e: unknown) => {
        throw new Error(`${String(e)}; leases ${JSON.stringify([...owners])}`);
      });
      await load.more(80, 'after the kill, on node-2');
      await load.stop();
      const gap = load.secondsWithoutService(killedAt);
      expect(await lostSales(t, load.acked)).toEqual([]);
      report('node killed', {
        node: 'node-1',
        partitionsMoved: [...before.values()].filter((o) => o === 'node-1').length,
        acknowledged: load.acked.length,
        lost: 0,
        secondsWithoutService: gap,
        errors: Object.fromEntries(load.errors),
      });
      await t.c.startNode(0);
      await waitFor(async () => new Set((await leaseOwners(nc, t.ns)).values()).has('node-1'), {
        timeoutMs: 30_000,
        what: 'node-1 owning partitions again',
      });
    } finally {
      await nc.close();
    }
  });
});

describe('cluster faults: a frozen member, a whole restart', () => {
  it('a frozen NATS member (SIGSTOP) acknowledges no write while the other two do; thawed, no sale is lost', async () => {
    const frozen = 2;
    const urls = t.c.natsUrl.split(',');
    const minority = await connectTo([urls[frozen]!], { only: true });
    const majority = await connectTo(urls.filter((_, i) => i !== frozen));
    const subject = names(t.ns).subject('cluster-test.probe');
    await (
      await jetstreamManager(majority)
    ).streams.add({
      name: `${t.ns.toUpperCase()}_PROBE`,
      subjects: [subject],
      num_replicas: 3,
    });
    const load = new SaleLoad(t, 'natsstop');
    try {
      // A new stream's subject reaches the other members' interest a moment after it is created: until
      // then a write through the minority member has no responders (a CI run once failed on it).
      await waitFor(() => jetstreamAcknowledges(minority, subject, 'before'), {
        what: 'a write through the member-to-be-frozen acknowledged before the freeze',
      });
      await load.more(20, 'before the freeze');
      expect(t.c.nats[frozen]!.kill('SIGSTOP')).toBe(true);
      // A thread in the middle of a system call (a JetStream write) stops only once it returns: write
      // through the member only when every one of its threads is stopped (a CI run once had the
      // write below acknowledged).
      await waitFor(() => everyThreadStopped(t.c.nats[frozen]!.pid), {
        timeoutMs: 10_000,
        what: 'every thread of the frozen member stopped',
      });
      const frozenAt = Date.now();
      // Through the frozen member only: nothing acknowledges this write.
      await expect(jetstream(minority, { timeout: 1_500 }).publish(subject, 'while frozen')).rejects.toThrow();
      // Through the two others: they elect a leader among themselves and acknowledge it.
      await waitFor(() => jetstreamAcknowledges(majority, subject, 'majority'), {
        timeoutMs: 30_000,
        what: 'the two other members acknowledging a write',
      });
      const majorityAfter = (Date.now() - frozenAt) / 1000;
      const duringFreeze = load.acked.filter((a) => a.at >= frozenAt).length;
      t.c.nats[frozen]!.kill('SIGCONT');
      const thawedAt = Date.now();
      await load.more(20, 'after the thaw');
      await load.stop();
      expect(await lostSales(t, load.acked)).toEqual([]);
      report('nats member frozen', {
        member: `nats-${frozen + 1}`,
        majorityWritesAfterSeconds: majorityAfter,
        salesAcknowledgedWhileFrozen: duringFreeze,
        secondsFrozen: Math.round((thawedAt - frozenAt) / 100) / 10,
        acknowledged: load.acked.length,
        lost: 0,
        secondsWithoutService: load.secondsWithoutService(frozenAt),
        errors: Object.fromEntries(load.errors),
      });
      await replicasCurrent(t);
    } finally {
      t.c.nats[frozen]?.kill('SIGCONT');
      await load.stop();
      await minority.close();
      await majority.close();
    }
  });

  it('everything SIGKILLed and started again on its data: every acknowledged sale is there', async () => {
    const load = new SaleLoad(t, 'restart');
    await load.more(100, 'before the restart');
    await load.stop();
    const acked = load.acked;
    await Promise.all([0, 1].map((i) => t.c.killNode(i)));
    await Promise.all([0, 1, 2].map((i) => t.c.killNats(i)));
    const restartedAt = Date.now();
    await Promise.all([0, 1, 2].map((i) => t.c.startNats(i)));
    await waitForClusterJetStream(t.c.natsUrl.split(','), 30_000);
    const natsSeconds = (Date.now() - restartedAt) / 1000;
    await Promise.all([0, 1].map((i) => t.c.startNode(i)));
    const nodesSeconds = (Date.now() - restartedAt) / 1000;
    expect(await lostSales(t, acked)).toEqual([]);
    report('full restart', {
      acknowledgedBefore: acked.length,
      lost: 0,
      natsBackAfterSeconds: natsSeconds,
      nodesServingAfterSeconds: nodesSeconds,
      everySaleReadAfterSeconds: (Date.now() - restartedAt) / 1000,
    });
  });
});

/** Whether every thread of process `pid` is stopped (state `T` in /proc/<pid>/task/<tid>/stat). */
function everyThreadStopped(pid: number): boolean {
  const dir = `/proc/${pid}/task`;
  return fs.readdirSync(dir).every((tid) => {
    const stat = fs.readFileSync(`${dir}/${tid}/stat`, 'utf8');
    return /^[Tt]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  });
}
