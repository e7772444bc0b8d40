/**
 * A network partition of one NATS member (iptables on loopback, `cluster-netcut.ts`): nats-3 loses
 * its routes both ways while its clients still reach it, so it is a minority of one. Nothing written
 * through it is acknowledged; the other two elect leaders and acknowledge writes; POS sales go on
 * through the balancer; healed, every acknowledged sale is there. Needs root (CI runs as root).
 */
import { jetstreamAcknowledges, waitFor } from '@lunchrush/testkit';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names } from '@lunchrush/engine/names';
import { netCutAvailable } from '../src/cluster-netcut.js';
import {
  SaleLoad,
  connectTo,
  lostSales,
  replicasCurrent,
  startTestCluster,
  type TestCluster,
} from './cluster-support.js';

const CUT = 2;
let t: TestCluster;

beforeAll(async () => {
  const can = netCutAvailable();
  if (!can.ok) throw new Error(`the network-partition test cannot run here: ${can.why}`);
  t = await startTestCluster({}, { cuttableNats: CUT });
}, 120_000);
afterAll(async () => {
  await t?.close();
}, 60_000);

describe('cluster faults: a network partition', () => {
  it('a NATS member cut off the network acknowledges no write while the other two do; healed, no sale is lost', async () => {
    const urls = t.c.natsUrl.split(',');
    const minority = await connectTo([urls[CUT]!]);
    const majority = await connectTo(urls.filter((_, i) => i !== CUT));
    const subject = names(t.ns).subject('cluster-test.cut');
    const echo = names(t.ns).subject('cluster-test.echo');
    await (
      await jetstreamManager(majority)
    ).streams.add({
      name: `${t.ns.toUpperCase()}_CUT`,
      subjects: [subject],
      num_replicas: 3,
    });
    majority.subscribe(echo, { callback: (_e, m) => void m.respond() });
    await majority.flush();
    const load = new SaleLoad(t, 'netcut');
    try {
      // Before the cut the minority member reaches the others: a request crosses, a write is acknowledged.
      await waitFor(
        () =>
          minority.request(echo, '', { timeout: 500 }).then(
            () => true,
            () => false,
          ),
        {
          what: 'a request from nats-3 answered on the other members',
        },
      );
      // A new stream's subject reaches the other members a moment after it is created (no responders).
      await waitFor(() => jetstreamAcknowledges(minority, subject, 'before'), {
        what: 'a write through nats-3 acknowledged before the cut',
      });
      await load.more(20, 'before the cut');
      t.c.cutNats();
      const cutAt = Date.now();
      // The cut is real: nothing crosses it...
      await expect(minority.request(echo, '', { timeout: 1_000 })).rejects.toThrow();
      // ...and nothing written through the minority member is acknowledged.
      await expect(jetstream(minority, { timeout: 1_500 }).publish(subject, 'while cut')).rejects.toThrow();
      // The two others elect leaders among themselves and acknowledge writes.
      await waitFor(() => jetstreamAcknowledges(majority, subject, 'majority'), {
        timeoutMs: 30_000,
        what: 'the two other members acknowledging a write',
      });
      const majorityAfter = (Date.now() - cutAt) / 1000;
      await expect(jetstream(minority, { timeout: 1_500 }).publish(subject, 'still cut')).rejects.toThrow();
      const duringCut = load.acked.filter((a) => a.at >= cutAt).length;
      t.c.healNats();
      const healedAt = Date.now();
      await load.more(20, 'after the heal');
      await load.stop();
      expect(await lostSales(t, load.acked)).toEqual([]);
      process.stdout.write(
        `[cluster-faults] nats member cut off: ${JSON.stringify({
          member: `nats-${CUT + 1}`,
          majorityWritesAfterSeconds: majorityAfter,
          salesAcknowledgedWhileCut: duringCut,
          secondsCut: Math.round((healedAt - cutAt) / 100) / 10,
          acknowledged: load.acked.length,
          lost: 0,
          secondsWithoutService: load.secondsWithoutService(cutAt),
          errors: Object.fromEntries(load.errors),
        })}\n`,
      );
      await replicasCurrent(t);
    } finally {
      t.c.healNats();
      await load.stop();
      await minority.close();
      await majority.close();
    }
  });
});
