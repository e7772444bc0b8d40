/**
 * The production topology (`cluster-topology.ts`, the same as docker-compose.yml) as local
 * processes on loopback: three nats-servers in one JetStream cluster with their stores in
 * `<dataDir>/nats-<i>`, two nodes (gateway + engine) with R3 streams and buckets, nginx in front
 * with the compose file's store-affine configuration, the printer daemon (and virtual printers)
 * and analytics on chDB. Redis is the caller's (`REDIS_URL`).
 *
 * Every member can be killed, frozen and started again on its own data (`killNats`, `startNats`,
 * `killNode`, `startNode`): what the fault tests and `npm run cluster` use.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  startNatsServer,
  waitForClusterJetStream,
  type ChildProcessHandle,
  type NatsServerHandle,
  type OutputLine,
} from '@lunchrush/testkit';
import { startBalancer } from './cluster-balancer.js';
import { NETCUT_USER, NetCut } from './cluster-netcut.js';
import { CLUSTER_TOPOLOGY, type ClusterPorts } from './cluster-topology.js';
import { startRole, type RoleProcess } from './roles.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ClusterOptions {
  /** NATS stores, chDB, nginx's files, the printers' output: kept across restarts (the volumes). */
  readonly dataDir: string;
  readonly ports: ClusterPorts;
  /** Every lunchrush process's environment: REDIS_URL, ENGINE_NAMESPACE, secrets, LOG_LEVEL, ... */
  readonly env: Env;
  /** The NATS cluster's name (default `lunchrush`). */
  readonly name?: string;
  readonly onLine?: (name: string, line: OutputLine) => void;
  /** False: the caller stops everything (`npm run cluster`); by default killed when this process exits. */
  readonly killOnExit?: boolean;
  /**
   * The NATS member (0-based) that `cutNats` may cut off the network: it runs as `NETCUT_USER` so
   * iptables can tell its packets apart (root only, see `cluster-netcut.ts`).
   */
  readonly cuttableNats?: number;
}

const NODE_STOP_MS = 15_000;

/** A running cluster; members are `undefined` while stopped. */
export class Cluster {
  readonly nats: (NatsServerHandle | undefined)[] = [];
  readonly nodes: (RoleProcess | undefined)[] = [];
  balancer: ChildProcessHandle | undefined;
  /** The kitchen and analytics, once `startKitchen` / `startAnalytics` ran. */
  readonly extras: { name: string; process: RoleProcess }[] = [];
  private cut: NetCut | undefined;

  constructor(readonly o: ClusterOptions) {}

  /** The balancer's address: where diners, POS and the bench send requests. */
  get url(): string {
    return `http://127.0.0.1:${this.o.ports.balancer}`;
  }

  /** Every NATS member, comma-separated (NATS_URL). */
  get natsUrl(): string {
    return this.o.ports.nats.map((p) => `nats://127.0.0.1:${p}`).join(',');
  }

  /** The balancer's access log: a JSON object a request (time, req, store, status, node, seconds). */
  get balancerLog(): string {
    return path.join(this.o.dataDir, 'balancer', 'access.log');
  }

  nodeUrl(i: number): string {
    return `http://127.0.0.1:${this.o.ports.nodes[i]!}`;
  }

  /** The environment every lunchrush process of the cluster gets. */
  get env(): Record<string, string | undefined> {
    return { ...this.o.env, NATS_URL: this.natsUrl, ENGINE_REPLICAS: '3' };
  }

  private on(name: string): ((line: OutputLine) => void) | undefined {
    const f = this.o.onLine;
    return f === undefined ? undefined : (line) => f(name, line);
  }

  private get killOnExit(): { killOnExit?: boolean } {
    return this.o.killOnExit === undefined ? {} : { killOnExit: this.o.killOnExit };
  }

  /** nats-<i+1> on its own store: a restart after a kill recovers from what it had written. */
  async startNats(i: number): Promise<NatsServerHandle> {
    const { ports } = this.o;
    const name = this.o.name ?? 'lunchrush';
    const storeDir = path.join(this.o.dataDir, `nats-${i + 1}`);
    fs.mkdirSync(storeDir, { recursive: true });
    // The cuttable member's user must reach its store.
    if (this.o.cuttableNats === i) fs.chmodSync(this.o.dataDir, 0o755);
    const onLine = this.on(`nats-${i + 1}`);
    const s = await startNatsServer({
      port: ports.nats[i]!,
      storeDir,
      serverName: `nats-${i + 1}`,
      cluster: {
        name,
        port: ports.natsRoutes[i]!,
        routes: ports.natsRoutes.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`),
      },
      args: ['-m', String(ports.natsMonitor[i]!)],
      ...(onLine === undefined ? {} : { onLine }),
      ...(this.o.cuttableNats === i ? { user: NETCUT_USER } : {}),
      ...this.killOnExit,
    });
    this.nats[i] = s;
    return s;
  }

  /** node-<i+1>: the gateway and an engine (NODE_ROLE=node), on every NATS member. */
  async startNode(i: number): Promise<RoleProcess> {
    const onLine = this.on(`node-${i + 1}`);
    const p = await startRole('node', {
      env: {
        ...this.env,
        NODE_ROLE: 'node',
        ENGINE_PROCESS_ID: `node-${i + 1}`,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(this.o.ports.nodes[i]!),
        GATEWAY_WORKERS: '1',
        GATEWAY_THREADS: '1',
        GATEWAY_TRUST_PROXY: '1',
        // QR links and WeChat's callbacks go through the balancer, as in production.
        GATEWAY_PUBLIC_URL: this.o.env.GATEWAY_PUBLIC_URL ?? this.url,
        ENGINE_METRICS_PORT: '0',
      },
      ...(onLine === undefined ? {} : { onLine }),
      ...this.killOnExit,
    });
    this.nodes[i] = p;
    return p;
  }

  async startBalancer(): Promise<void> {
    const onLine = this.on('balancer');
    this.balancer = await startBalancer({
      dir: path.join(this.o.dataDir, 'balancer'),
      listenPort: this.o.ports.balancer,
      nodePorts: this.o.ports.nodes,
      ...(onLine === undefined ? {} : { onLine }),
      ...this.killOnExit,
    });
  }

  /** Virtual printers for `stores` (one per kitchen station) and the printer daemon, R3 buckets. */
  async startKitchen(stores: readonly string[]): Promise<void> {
    const env = { ...this.env, PRINTER_NAMESPACE: this.o.env.ENGINE_NAMESPACE, PRINTER_REPLICAS: '3' };
    const out = path.join(this.o.dataDir, 'virtual-printers');
    const args = ['--stores', stores.join(','), '--out', out];
    if (this.o.ports.printers > 0)
      args.push(
        '--base-port',
        String(this.o.ports.printers),
        '--control-base-port',
        String(this.o.ports.printerControls),
      );
    await this.extra('printers', 'printers', env, args);
    await this.extra('printer-daemon', 'printer-daemon', {
      ...env,
      PRINTER_METRICS_PORT: String(this.o.ports.printerMetrics),
    });
  }

  /** Analytics on chDB in `<dataDir>/chdb`; resolves with its URL. */
  async startAnalytics(): Promise<string> {
    const p = await this.extra('analytics', 'analytics', {
      ...this.env,
      ANALYTICS_NAMESPACE: this.o.env.ENGINE_NAMESPACE,
      ANALYTICS_HTTP_PORT: String(this.o.ports.analytics),
      ANALYTICS_CHDB_PATH: path.join(this.o.dataDir, 'chdb'),
    });
    return p.ready[1]!;
  }

  private async extra(
    name: string,
    role: 'printers' | 'printer-daemon' | 'analytics',
    env: Env,
    args?: string[],
  ): Promise<RoleProcess> {
    const onLine = this.on(name);
    const p = await startRole(role, {
      env,
      ...(args === undefined ? {} : { args }),
      ...(onLine === undefined ? {} : { onLine }),
      ...this.killOnExit,
    });
    this.extras.push({ name, process: p });
    return p;
  }

  /** Signals nats-<i+1> (SIGKILL: it is gone until `startNats(i)`; SIGSTOP/SIGCONT: frozen, thawed). */
  async killNats(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const s = this.nats[i];
    if (s === undefined) return;
    s.kill(signal);
    if (signal === 'SIGKILL') {
      await s.exited;
      this.nats[i] = undefined;
    }
  }

  /**
   * Cuts the `cuttableNats` member off the other two (its route traffic dropped both ways; its
   * clients still reach it) until `healNats`: a network partition with that member in the minority.
   */
  cutNats(): void {
    const i = this.o.cuttableNats;
    if (i === undefined) throw new Error('no NATS member was started cuttable (ClusterOptions.cuttableNats)');
    const routes = this.o.ports.natsRoutes;
    this.cut ??= new NetCut(String(routes[i]!));
    this.cut.cut({ route: routes[i]!, otherRoutes: routes.filter((_, j) => j !== i) });
  }

  healNats(): void {
    this.cut?.heal();
  }

  /** SIGKILLs node-<i+1> (its partitions move to the other node after the lease TTL). */
  async killNode(i: number): Promise<void> {
    const n = this.nodes[i];
    if (n === undefined) return;
    n.handle.kill('SIGKILL');
    await n.handle.exited;
    this.nodes[i] = undefined;
  }

  /** SIGKILL to whatever runs (this process is exiting anyway: nothing it started outlives it). */
  killAll(): void {
    for (const e of this.extras) e.process.handle.kill('SIGKILL');
    this.balancer?.kill('SIGKILL');
    for (const n of this.nodes) n?.handle.kill('SIGKILL');
    for (const s of this.nats) s?.kill('SIGKILL');
  }

  /** Everything, the front first: analytics and the kitchen, the balancer, the nodes (hand-over), NATS. */
  async stop(): Promise<void> {
    this.healNats();
    for (const e of this.extras.splice(0).reverse()) await e.process.handle.stop(NODE_STOP_MS);
    await this.balancer?.stop();
    this.balancer = undefined;
    await Promise.all(this.nodes.flatMap((n) => (n === undefined ? [] : [n.handle.stop(NODE_STOP_MS)])));
    this.nodes.fill(undefined);
    await Promise.all(this.nats.flatMap((s) => (s === undefined ? [] : [s.process.stop(NODE_STOP_MS)])));
    this.nats.fill(undefined);
  }
}

/**
 * Starts NATS (all three, then JetStream ready on each), node-1 (it creates the R3 streams and
 * buckets), node-2, then the balancer. The kitchen and analytics are the caller's to add, after
 * the demo data (`seedDemo` through `natsUrl`). Whatever started is stopped when a later part fails.
 */
export async function launchCluster(o: ClusterOptions, c = new Cluster(o)): Promise<Cluster> {
  try {
    const indexes = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    await Promise.all(indexes(CLUSTER_TOPOLOGY.nats).map((i) => c.startNats(i)));
    await waitForClusterJetStream(
      c.nats.map((s) => s!.url),
      30_000,
    );
    await c.startNode(0);
    for (const i of indexes(CLUSTER_TOPOLOGY.node).slice(1)) await c.startNode(i);
    await c.startBalancer();
    return c;
  } catch (e) {
    await c.stop();
    throw e;
  }
}
