/**
 * `failover --cluster`: the system under test is the production topology (`launchCluster` of
 * @lunchrush/stack, what `npm run cluster` runs): three clustered nats-servers of its own with R3
 * streams and buckets, two nodes, nginx in front (the bench drives the balancer's URL), on free
 * ports, a fresh namespace and a temporary folder. The fault (`--fault`) is what `onKill` SIGKILLs:
 * `nats`, the member leading the event stream when the run starts, or `node`, node-1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDemoData } from '@lunchrush/actors/demo';
import { EngineClient } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { freeClusterPorts, launchCluster, seedDemo, type Cluster } from '@lunchrush/stack';
import { cleanupRedisPrefix, connectRedis, redisUrl, uniqueNamespace } from '@lunchrush/testkit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { PARTITIONS, benchGatewayEnv, type Stack, type StackOptions } from './stack.js';

export type ClusterFault = 'nats' | 'node';

/** The member leading the namespace's event stream: the NATS server whose loss costs the most. */
async function eventStreamLeader(c: Cluster, ns: string): Promise<number> {
  const nc = await connect({ servers: c.natsUrl.split(','), noAsyncTraces: true });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(names(ns).stream);
    const i = Number(/^nats-(\d+)$/.exec(info.cluster?.leader ?? '')?.[1]) - 1;
    return i >= 0 ? i : 0;
  } finally {
    await nc.close();
  }
}

export async function startCluster(opts: StackOptions & { readonly fault: ClusterFault }): Promise<Stack> {
  const log = opts.log ?? (() => undefined);
  const ns = uniqueNamespace('bench');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunchrush-bench-cluster-'));
  const redis = await connectRedis();
  const env = { ...benchGatewayEnv(ns, opts), REDIS_URL: redisUrl(), ENGINE_METRICS_PORT: '0' };
  let c: Cluster | undefined;
  const stop = async (): Promise<void> => {
    await c?.stop();
    await cleanupRedisPrefix(redis, ns).catch(() => undefined);
    redis.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    log(`starting the cluster: 3 nats-servers (R3), 2 nodes, nginx (namespace ${ns})`);
    c = await launchCluster({ dataDir, ports: await freeClusterPorts(), env, name: `bench-${ns}` });
    log(`loading ${opts.stores} demo stores through the cluster`);
    const client = await EngineClient.connect(c.natsUrl, { namespace: ns, partitions: PARTITIONS });
    await seedDemo(client, { stores: opts.stores }).finally(() => client.close());
    const leader = opts.fault === 'nats' ? await eventStreamLeader(c, ns) : 0;
    const victim = opts.fault === 'nats' ? c.nats[leader]!.process : c.nodes[0]!.handle;
    log(
      `fault at --kill-at: SIGKILL ${opts.fault === 'nats' ? `nats-${leader + 1} (leads the event stream)` : 'node-1'}`,
    );
    const nodes = c.nodes.map((n) => n!.handle);
    return {
      url: c.url,
      data: generateDemoData({ stores: opts.stores }),
      kind: 'lunchrush',
      engine: victim,
      processes: [...nodes, ...c.nats.map((s) => s!.process)],
      roles: nodes.map((h, i) => ({ role: `node-${i + 1}`, pid: h.pid })),
      namespace: ns,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
