/**
 * A cluster of the production topology for a test (`launchCluster` on free ports, a temporary
 * folder, a fresh namespace, the shared Redis), the demo loaded, and a load of POS sales through
 * the balancer that remembers every sale it saw acknowledged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineClient } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { parseConfig, signStaffToken, type GatewayConfig } from '@lunchrush/gateways';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  cleanupRedisPrefix,
  leaseOwners,
  connectRedis,
  redisUrl,
  testLogger,
  uniqueNamespace,
  waitFor,
  type OutputLine,
} from '@lunchrush/testkit';
import { launchCluster, type Cluster } from '../src/cluster.js';
import { freeClusterPorts } from '../src/cluster-topology.js';
import { seedDemo } from '../src/demo.js';
import { call, signed } from '../src/testing.js';

export const PARTITIONS = 8;
export const STORES = ['001', '002'] as const;
const TILL_PAUSE_MS = 10;

export interface TestCluster {
  readonly c: Cluster;
  readonly ns: string;
  readonly cfg: GatewayConfig;
  readonly sku: string;
  /** Every line each member printed (`node-1`, `printer-daemon`, …), as it printed it. */
  readonly lines: ReadonlyMap<string, readonly string[]>;
  close(): Promise<void>;
}

/**
 * `env`: added to every lunchrush process's environment (e.g. `LOG_LEVEL`); `cuttableNats`: the NATS
 * member `c.cutNats()` may cut off (ClusterOptions).
 */
export async function startTestCluster(
  env: Readonly<Record<string, string>> = {},
  opts: { cuttableNats?: number } = {},
): Promise<TestCluster> {
  const ns = uniqueNamespace('cl');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunchrush-cluster-'));
  const lines = new Map<string, string[]>();
  const clusterEnv = {
    REDIS_URL: redisUrl(),
    ENGINE_NAMESPACE: ns,
    ENGINE_PARTITIONS: String(PARTITIONS),
    // Takeover after a node's death within a couple of seconds, so each fault fits in a test.
    ENGINE_LEASE_TTL_MS: '1500',
    ENGINE_CHECKPOINT_INTERVAL_MS: '200',
    GATEWAY_DEV_SECRETS: '1',
    GATEWAY_CATALOG_WATCH: 'off',
    LOG_LEVEL: 'warn',
    ...env,
  };
  const log = testLogger('cluster');
  const c = await launchCluster({
    dataDir,
    ports: await freeClusterPorts(),
    env: clusterEnv,
    name: `lunchrush-${ns}`,
    ...opts,
    onLine: (name: string, line: OutputLine) => {
      let mine = lines.get(name);
      if (mine === undefined) lines.set(name, (mine = []));
      mine.push(line.text);
      log.info({ process: name }, line.text);
    },
  }).catch((e: unknown) => {
    // launchCluster stopped what it started; the folder is this file's to remove.
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  const client = await EngineClient.connect(c.natsUrl, { namespace: ns, partitions: PARTITIONS });
  let data;
  try {
    ({ data } = await seedDemo(client, { stores: STORES.length }));
  } finally {
    await client.close();
  }
  const sku = data.template.spus.find((s) => s.available && s.optionGroups.every((g) => g.min === 0))!.skus[0]!.skuId;
  const cfg = parseConfig({ ...clusterEnv, GATEWAY_PORT: '0' });
  // Enough for every sale a test makes: a sold-out answer would hide a lost one.
  for (const store of STORES) {
    const token = signStaffToken(cfg.staffKeys, { store, role: 'manager', staffId: 't-manager', ttlS: 600 });
    const r = await call(c.url, 'POST', `/v1/staff/stores/${store}/stock/${sku}/set`, {
      token,
      body: { available: 1_000_000, reason: 'cluster test' },
    });
    if (r.status !== 200) throw new Error(`set stock ${store}/${sku}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return {
    c,
    ns,
    cfg,
    sku,
    lines,
    async close() {
      await c.stop();
      const redis = await connectRedis();
      await cleanupRedisPrefix(redis, `${ns}:`).finally(() => redis.disconnect());
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Sale {
  readonly store: string;
  readonly saleId: string;
  readonly at: number;
}

interface SaleAnswer {
  readonly duplicate: boolean;
  readonly skus: readonly { skuId: string; available: number }[];
}

/** One POS sale of one unit, signed as a till signs it. */
export function sell(t: TestCluster, url: string, store: string, saleId: string, headers: Record<string, string> = {}) {
  const s = signed(t.cfg.posSecret, { saleId, lines: [{ skuId: t.sku, qty: 1 }] });
  return call<SaleAnswer>(url, 'POST', `/v1/channels/pos/${store}/sales`, {
    raw: s.raw,
    headers: { ...s.headers, ...headers },
  });
}

/**
 * POS sales through the balancer by `workers` tills until `stop()`: a sale that failed or was
 * refused as retryable (5xx, no answer) is sent again with the same sale id (idempotent) until it
 * is acknowledged, as a till retries; any other refusal is counted and the till moves on.
 */
export class SaleLoad {
  readonly acked: Sale[] = [];
  readonly errors = new Map<string, number>();
  private stopping = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly t: TestCluster,
    private readonly prefix: string,
    workers = 4,
  ) {
    this.done = Promise.all(Array.from({ length: workers }, (_, w) => this.till(w))).then(() => undefined);
  }

  private async till(w: number): Promise<void> {
    for (let n = 0; !this.stopping; n++) {
      const store = STORES[(w + n) % STORES.length]!;
      const saleId = `${this.prefix}-${w}-${n}`;
      while (!this.stopping) {
        const r = await sell(this.t, this.t.c.url, store, saleId).catch((e: unknown) => ({
          status: 0,
          body: { code: e instanceof Error ? e.message : 'fetch failed' },
        }));
        if (r.status === 200) {
          this.acked.push({ store, saleId, at: Date.now() });
          // A till's pace (a few hundred sales/s over four tills), not a synchronisation.
          await new Promise((res) => setTimeout(res, TILL_PAUSE_MS));
          break;
        }
        const key = `${r.status} ${r.body?.code ?? ''}`;
        this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
        if (r.status >= 400 && r.status < 500) break;
        // A till does not hammer a refusing server: the retry comes a little later.
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  }

  /** Resolves once `n` more sales than now are acknowledged. */
  async more(n: number, what: string): Promise<void> {
    const target = this.acked.length + n;
    const deadline = Date.now() + 45_000;
    while (this.acked.length < target) {
      if (Date.now() > deadline)
        throw new Error(
          `${what}: ${this.acked.length}/${target} acknowledged; errors ${JSON.stringify([...this.errors])}`,
        );
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  /**
   * The longest stretch, in seconds, without an acknowledged sale of some store from `from` on:
   * each store's partition has an owner of its own, so one store can wait while the other sells.
   */
  secondsWithoutService(from: number, until = Date.now()): number {
    let gap = 0;
    for (const store of STORES) {
      let prev = from;
      const times = this.acked.filter((a) => a.store === store && a.at >= from).map((a) => a.at);
      for (const t of [...times.sort((a, b) => a - b), until]) {
        gap = Math.max(gap, t - prev);
        prev = t;
      }
    }
    return Math.round(gap / 100) / 10;
  }
}

/**
 * Acknowledged sales the cluster does not know: each is sent again and must answer `duplicate`.
 * Retryable refusals are asked again until `timeoutMs`; then it fails naming what it last saw and
 * who held each partition's lease.
 */
export async function lostSales(t: TestCluster, sales: readonly Sale[], timeoutMs = 40_000): Promise<string[]> {
  const lost: string[] = [];
  const queue = [...sales];
  const deadline = Date.now() + timeoutMs;
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      for (;;) {
        const r = await sell(t, t.c.url, s.store, s.saleId);
        if (r.status === 200) {
          if (!r.body.duplicate) lost.push(s.saleId);
          break;
        }
        if (Date.now() > deadline) {
          const nc = await connectTo(t.c.natsUrl.split(','));
          const owners = await leaseOwners(nc, t.ns).finally(() => nc.close());
          throw new Error(
            `${s.saleId} (store ${s.store}): ${r.status} ${JSON.stringify(r.body)}; ${queue.length} not asked yet; leases ${JSON.stringify([...owners])}`,
          );
        }
        await new Promise((res) => setTimeout(res, 250));
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return lost;
}

/** The index (0-based) of the NATS member leading the namespace's event stream. */
export async function eventStreamLeader(t: TestCluster, nc: NatsConnection): Promise<number> {
  const info = await (await jetstreamManager(nc)).streams.info(names(t.ns).stream);
  const leader = info.cluster?.leader ?? '';
  const i = Number(/^nats-(\d+)$/.exec(leader)?.[1]) - 1;
  if (!(i >= 0)) throw new Error(`no leader of ${names(t.ns).stream}: ${JSON.stringify(info.cluster)}`);
  return i;
}

export function connectTo(urls: readonly string[], opts: { only?: boolean } = {}): Promise<NatsConnection> {
  return connect({
    servers: [...urls],
    noAsyncTraces: true,
    name: 'cluster-test',
    // `only`: this member and no other, ever (a test that writes through one member must not find
    // its connection moved to another by the cluster's server list or a reconnect).
    ...(opts.only === true ? { ignoreClusterUpdates: true, reconnect: false } : {}),
  });
}

/** Until every replica of the event stream is current again (a restarted member caught up). */
export async function replicasCurrent(t: TestCluster): Promise<void> {
  const nc = await connectTo(t.c.natsUrl.split(','));
  try {
    await waitFor(
      async () => {
        // Inside the wait: right after a member restarts, JetStream API requests may time out
        // (the manager's own account-info request included) until the cluster has its leaders.
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info(names(t.ns).stream);
        const replicas = info.cluster?.replicas ?? [];
        return replicas.length === 2 && replicas.every((r) => r.current);
      },
      { timeoutMs: 30_000, what: 'every replica of the event stream current' },
    );
  } finally {
    await nc.close();
  }
}
