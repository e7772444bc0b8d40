/**
 * `npm run cluster`: the production topology of docker-compose.yml as local processes on loopback
 * (`cluster.ts`), once Redis is up (scripts/cluster.mjs finds or starts it and installs nginx):
 * three nats-servers in one JetStream cluster (R3), two nodes, nginx in front, the demo data,
 * virtual printers with the printer daemon, and analytics on chDB. Prints where to look and how
 * to break it, then waits; SIGINT/SIGTERM stop analytics and the kitchen, the balancer, the nodes
 * (they hand their partitions over), then NATS. A member that dies meanwhile is reported, not
 * restarted: that is what the cluster is for.
 *
 *   node --conditions=lunchrush-compiled stack/dist/src/cluster-main.js [--stores 5] [--reset] [--no-printers] [--no-analytics]
 *
 * Data (NATS stores, chDB, printers' output) is kept in `.data/cluster/`; `--reset` deletes it first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineClient, ensureError } from '@lunchrush/engine';
import { stopOnSignals } from '@lunchrush/engine/process';
import { parseConfig } from '@lunchrush/gateways';
import { REPO_ROOT, type OutputLine } from '@lunchrush/testkit';
import { Cluster, launchCluster } from './cluster.js';
import { DEFAULT_CLUSTER_PORTS } from './cluster-topology.js';
import { demoCredentials, seedDemo } from './demo.js';

const DATA_DIR = path.join(REPO_ROOT, '.data', 'cluster');
/** Not `npm start`'s `lr`: both may share one Redis, whose keys are prefixed by the namespace. */
const DEFAULT_NAMESPACE = 'lrc';

interface Args {
  readonly stores: number;
  readonly reset: boolean;
  readonly printers: boolean;
  readonly analytics: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const known = ['--stores', '--reset', '--no-printers', '--no-analytics'];
  const unknown = argv.filter((a, i) => a.startsWith('--') && !known.includes(a) && argv[i - 1] !== '--stores');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]!} (known: ${known.join(', ')})`);
  const i = argv.indexOf('--stores');
  const stores = i < 0 ? 5 : Number(argv[i + 1]);
  if (!Number.isInteger(stores) || stores < 1) throw new Error('--stores needs a positive whole number');
  return {
    stores,
    reset: argv.includes('--reset'),
    printers: !argv.includes('--no-printers'),
    analytics: !argv.includes('--no-analytics'),
  };
}

const say = (m: string): void => void process.stderr.write(`[cluster] ${m}\n`);
const echo = (name: string, line: OutputLine): void => void process.stdout.write(`[${name}] ${line.text}\n`);

function clusterEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  env.ENGINE_NAMESPACE ??= DEFAULT_NAMESPACE;
  if (env.GATEWAY_QR_KEYS === undefined && env.GATEWAY_DEV_SECRETS === undefined) {
    env.GATEWAY_DEV_SECRETS = '1';
    say('no GATEWAY_* secrets set: development mode (GATEWAY_DEV_SECRETS=1)');
  }
  // The nodes' own; the cluster sets them per node.
  for (const k of ['NATS_URL', 'GATEWAY_PORT', 'GATEWAY_WORKERS', 'ENGINE_PROCESS_ID', 'NODE_ROLE']) delete env[k];
  return env;
}

async function loadDemo(c: Cluster, stores: number) {
  const cfg = parseConfig({ ...c.env, GATEWAY_PORT: '0' });
  const client = await EngineClient.connect(c.natsUrl, { namespace: cfg.namespace, partitions: cfg.partitions });
  try {
    const seeded = await seedDemo(client, { stores });
    say(`demo data: ${seeded.loaded.length} stores loaded, ${seeded.skipped.length} already there`);
    return { cfg, seeded };
  } finally {
    await client.close();
  }
}

function banner(
  c: Cluster,
  a: Args,
  url: string,
  creds: ReturnType<typeof demoCredentials>,
  analytics?: string,
): string {
  const p = DEFAULT_CLUSTER_PORTS;
  const pid = (h: { pid: number } | undefined): string => (h === undefined ? '-' : String(h.pid));
  const lines = [
    '',
    `lunchrush cluster is up (the topology of docker-compose.yml): ${a.stores} demo stores`,
    `  balancer       ${url}  (nginx, consistent hash on the store; pid ${pid(c.balancer)})`,
    ...c.nodes.map((n, i) => `  node-${i + 1}         ${c.nodeUrl(i)}  /metrics /healthz  (pid ${pid(n?.handle)})`),
    ...c.nats.map(
      (s, i) =>
        `  nats-${i + 1}         nats://127.0.0.1:${p.nats[i]!}  monitor http://127.0.0.1:${p.natsMonitor[i]!}  (pid ${pid(s)})`,
    ),
    ...(analytics === undefined ? [] : [`  analytics      ${analytics}`]),
    ...(a.printers ? [`  printer daemon http://127.0.0.1:${p.printerMetrics}/metrics`] : []),
    `  data           ${path.relative(REPO_ROOT, DATA_DIR)}/ (kept across restarts; --reset deletes it)`,
    `  menu           ${url}/v1/stores/001/menu`,
    `  staff token    ${creds.staff.manager}`,
    '  Prometheus     targets as in deploy/prometheus/prometheus.yml, with these ports: ' +
      [...p.nodes.map((n) => `127.0.0.1:${n}`), `127.0.0.1:${p.analytics}`, `127.0.0.1:${p.printerMetrics}`].join(' '),
    '  faults         kill -9 <a nats or node pid>; kill -STOP / -CONT <a nats pid> (npx vitest run stack/test/cluster-faults.test.ts does it with load)',
    '  Ctrl-C stops everything.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.reset) {
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
    say(`--reset: deleted ${path.relative(REPO_ROOT, DATA_DIR)}`);
  }
  const env = clusterEnv();
  const running: { cluster?: Cluster } = {};
  const stop = stopOnSignals((sig) => {
    say(`${sig}: stopping analytics and the kitchen, the balancer, the nodes (hand-over), then NATS`);
    return running.cluster?.stop();
  });
  say(`starting 3 nats-servers, 2 nodes and the balancer (data in ${path.relative(REPO_ROOT, DATA_DIR)}/)`);
  const c = await launchCluster({
    dataDir: DATA_DIR,
    ports: DEFAULT_CLUSTER_PORTS,
    env,
    onLine: echo,
    killOnExit: false,
  });
  running.cluster = c;
  const { cfg, seeded } = await loadDemo(c, a.stores);
  if (a.printers) await c.startKitchen(['001']);
  const analytics = a.analytics ? await c.startAnalytics() : undefined;
  process.stdout.write(banner(c, a, c.url, demoCredentials(cfg, seeded.data, c.url), analytics));
  const members = [
    ...c.nats.map((s, i) => ({ name: `nats-${i + 1}`, exited: s!.exited })),
    ...c.nodes.map((n, i) => ({ name: `node-${i + 1}`, exited: n!.handle.exited })),
  ];
  for (const m of members)
    void m.exited.then((x) => {
      if (!stop.stopping) say(`${m.name} exited (${x.signal ?? `code ${x.code}`}); the others go on`);
    });
}

main().catch((e: unknown) => {
  say(`error: ${ensureError(e).message}`);
  process.exit(1);
});
