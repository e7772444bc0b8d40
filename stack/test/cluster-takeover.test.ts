/**
 * A node's death right after a NATS member restarted: the member that led the lease bucket is
 * SIGKILLed and started again (it comes back with the stream state it had), then node-1 is
 * SIGKILLed under load. node-2 must take node-1's leases, recover those partitions and serve them:
 * no acknowledged sale lost, and service back within the lease TTL plus recovery.
 *
 * Before the lease manager checked its watch against its own heartbeats (engine/src/lease.ts,
 * `checkWatch`), about one run in four failed here: the restart left node-2's lease watch stalled
 * (neither ended nor erroring), node-2 judged leases from a frozen view, and node-1's partitions
 * stayed with the dead node-1 for 30 s and more.
 */
import { leaseOwners, waitFor } from '@lunchrush/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { names } from '@lunchrush/engine/names';
import { PARTITIONS, SaleLoad, connectTo, lostSales, startTestCluster, type TestCluster } from './cluster-support.js';

let t: TestCluster;
beforeEach(async () => {
  t = await startTestCluster();
}, 120_000);
afterEach(async () => {
  await t?.close();
}, 60_000);

async function streamLeader(stream: string): Promise<number> {
  const nc = await connectTo(t.c.natsUrl.split(','));
  try {
    return await waitFor(
      async () => {
        const info = await (await jetstreamManager(nc)).streams.info(stream);
        const i = Number(/^nats-(\d+)$/.exec(info.cluster?.leader ?? '')?.[1]) - 1;
        return i >= 0 ? { i } : undefined;
      },
      { timeoutMs: 30_000, what: `a leader of ${stream}` },
    ).then((r) => r.i);
  } finally {
    await nc.close();
  }
}

describe('takeover after a NATS member restart', () => {
  it('node-2 recovers node-1 partitions after the lease bucket leader restarted', async () => {
    const load = new SaleLoad(t, 'takeover');
    const nc = await connectTo(t.c.natsUrl.split(','));
    try {
      await load.more(40, 'before the restart');
      const leader = await streamLeader(`KV_${names(t.ns).leases}`);
      await t.c.killNats(leader, 'SIGKILL');
      await t.c.startNats(leader);
      await load.more(40, 'after the member restart');
      await waitFor(
        async () => {
          const owners = await leaseOwners(nc, t.ns);
          return new Set(owners.values()).size === 2 ? owners : undefined;
        },
        { timeoutMs: 30_000, what: 'both nodes owning partitions' },
      );
      const killedAt = Date.now();
      await t.c.killNode(0);
      await waitFor(
        async () => {
          const owners = await leaseOwners(nc, t.ns);
          return owners.size === PARTITIONS && [...owners.values()].every((o) => o === 'node-2');
        },
        { timeoutMs: 30_000, what: 'node-2 owning every partition' },
      ).catch(async (e: unknown) => {
        throw new Error(`${String(e)}; leases ${JSON.stringify([...(await leaseOwners(nc, t.ns))])}`);
      });
      await load.more(80, 'after the node kill, on node-2');
      await load.stop();
      const gap = load.secondsWithoutService(killedAt);
      expect(await lostSales(t, load.acked)).toEqual([]);
      process.stdout.write(
        `[takeover] ${JSON.stringify({ member: leader, acked: load.acked.length, gap, errors: Object.fromEntries(load.errors) })}\n`,
      );
      expect(gap).toBeLessThan(20);
    } finally {
      await load.stop();
      await nc.close();
    }
  }, 240_000);
});
