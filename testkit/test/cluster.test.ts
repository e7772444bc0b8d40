import { jetstream, jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsCluster, waitFor, type NatsClusterHandle } from '@lunchrush/testkit';

describe('startNatsCluster', () => {
  let cluster: NatsClusterHandle;

  beforeAll(async () => {
    cluster = await startNatsCluster(3);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs three routed servers that hold an R3 stream and survive losing its leader', async () => {
    expect(cluster.servers).toHaveLength(3);
    expect(cluster.url.split(',')).toHaveLength(3);

    const nc = await connect({ servers: [...cluster.urls], noAsyncTraces: true });
    try {
      const jsm = await jetstreamManager(nc);
      const js = jetstream(nc);
      const info = await waitFor(() => jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'], num_replicas: 3 }), {
        what: 'an R3 stream to be created',
      });
      expect(info.config.num_replicas).toBe(3);

      for (let i = 0; i < 10; i++) await js.publish('orders.new', String(i), { msgID: `o-${i}` });
      const replicated: StreamInfo = await waitFor(
        async () => {
          const s = await jsm.streams.info('ORDERS');
          const current = s.cluster?.replicas?.filter((r) => r.current) ?? [];
          return s.cluster?.leader && current.length === 2 ? s : undefined;
        },
        { what: 'a leader and two current replicas' },
      );
      expect(replicated.state.messages).toBe(10);

      // Crash the stream leader: the two others elect a new one and keep every message.
      const leader = cluster.servers.find((s) => s.serverName === replicated.cluster!.leader);
      expect(leader).toBeDefined();
      leader!.kill('SIGKILL');
      await leader!.exited;

      const after = await waitFor(
        async () => {
          await js.publish('orders.new', 'after-failover', { msgID: 'o-after' });
          const s = await jsm.streams.info('ORDERS');
          return s.cluster?.leader && s.cluster.leader !== leader!.serverName ? s : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, what: 'a new stream leader accepting writes' },
      );
      expect(after.state.messages).toBe(11);
    } finally {
      await nc.close();
    }
  });
});
