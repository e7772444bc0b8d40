/**
 * The production shape, once: which processes and how many of each. `docker-compose.yml` runs it
 * as containers and `npm run cluster` (`cluster.ts`) as local processes on loopback; the deploy
 * test (`stack/test/deploy.test.ts`) checks that the compose file's services are these roles in
 * these numbers, plus the parts only a production deployment has.
 */
import { freePort } from '@lunchrush/testkit';

export const CLUSTER_TOPOLOGY = {
  /** NATS servers in one JetStream cluster: R3 streams and buckets survive losing one. */
  nats: 3,
  /** lunchrush nodes (gateway + engine, `NODE_ROLE=node`): partitions move between them. */
  node: 2,
  /** nginx with a consistent hash on the store in the path (deploy/balancer/nginx.conf). */
  balancer: 1,
  redis: 1,
  'printer-daemon': 1,
  analytics: 1,
} as const;

export type ClusterRole = keyof typeof CLUSTER_TOPOLOGY;

/** Services only the compose file runs, and why `npm run cluster` has none. */
export const COMPOSE_ONLY = {
  clickhouse: 'the cluster runs analytics on chDB, the embedded ClickHouse (same SQL, same client)',
  prometheus: 'the cluster prints what to scrape; Prometheus itself is not installed here',
  grafana: 'dashboards are files in deploy/grafana; Grafana is not installed here',
} as const;

/** Services only `npm run cluster` runs: what the production kitchen has as hardware. */
export const CLUSTER_ONLY = {
  printers: 'virtual ESC/POS printers for store 001 (a kitchen has network printers on TCP 9100)',
} as const;

/** Loopback ports of a cluster: index i of a list is member i + 1 (nats-1, node-1, ...). */
export interface ClusterPorts {
  readonly balancer: number;
  readonly nodes: readonly number[];
  readonly nats: readonly number[];
  readonly natsRoutes: readonly number[];
  readonly natsMonitor: readonly number[];
  readonly analytics: number;
  readonly printerMetrics: number;
  /** First virtual printer's port (one per kitchen station from here) and first control port. */
  readonly printers: number;
  readonly printerControls: number;
}

/**
 * `npm run cluster`'s ports: beside `npm start`'s (8080, 9470, 9101–9107) and never the
 * machine's own NATS on 4222.
 */
export const DEFAULT_CLUSTER_PORTS: ClusterPorts = {
  balancer: 8090,
  nodes: [18081, 18082],
  nats: [14222, 14223, 14224],
  natsRoutes: [16222, 16223, 16224],
  natsMonitor: [18222, 18223, 18224],
  analytics: 19470,
  printerMetrics: 19480,
  printers: 19101,
  printerControls: 19201,
};

/** Ports that were free a moment ago, all different, for a cluster in a test. */
export async function freeClusterPorts(): Promise<ClusterPorts> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const many = async (n: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await next());
    return out;
  };
  return {
    balancer: await next(),
    nodes: await many(CLUSTER_TOPOLOGY.node),
    nats: await many(CLUSTER_TOPOLOGY.nats),
    natsRoutes: await many(CLUSTER_TOPOLOGY.nats),
    natsMonitor: await many(CLUSTER_TOPOLOGY.nats),
    analytics: await next(),
    printerMetrics: await next(),
    // Virtual printers take a run of ports from here; tests that start them pick their own.
    printers: 0,
    printerControls: 0,
  };
}
