/**
 * `npm start`'s stack, once NATS and Redis are up (scripts/start.mjs finds or starts them):
 * a node (the gateway and an engine serving the restaurant domain in one process, the gateway
 * on a thread of its own where the machine has two cores or more, or `--workers` of them), the demo data loaded through it, one virtual printer per kitchen
 * station of store 001 with the printer daemon, analytics, and the delivery platforms (their simulators). Prints where to look, then
 * waits; SIGINT/SIGTERM stop analytics and the printers, then each node's gateway (no new
 * requests), then its engine (it hands its partitions over and snapshots), then exit.
 *
 *   node --import tsx stack/src/main.ts [--stores 20] [--workers 1] [--reset] [--no-printers] [--no-analytics] [--no-platforms]
 *   node --conditions=lunchrush-compiled stack/dist/src/main.js [...]    # what npm start runs
 *
 * `--reset` (development mode only) first deletes the namespace's streams, buckets and
 * Redis keys and the local chDB and printer folders, so the demo data loads fresh.
 *
 * Without GATEWAY_QR_KEYS etc. it runs in development mode, GATEWAY_DEV_SECRETS=1 (public
 * development keys, the WeChat login and WeChat Pay simulators).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { EngineClient, ensureError, parseConfig as parseEngineConfig } from '@lunchrush/engine';
import { stopOnSignals, type SignalStop } from '@lunchrush/engine/process';
import { parseConfig, type GatewayConfig } from '@lunchrush/gateways';
import { REPO_ROOT as ROOT, type OutputLine } from '@lunchrush/testkit';
import { demoAdmin, demoCredentials, seedDemo, type SeedResult } from './demo.js';
import { resetDemo } from './demo-reset.js';
import { launchStack } from './launch.js';
import { startRole, type RoleProcess } from './roles.js';

const STOP_TIMEOUT_MS = 15_000;
const PRINTER_OUT = path.join(ROOT, '.data', 'virtual-printers');

interface Args {
  readonly stores: number;
  readonly workers: number;
  readonly reset: boolean;
  readonly printers: boolean;
  readonly analytics: boolean;
  readonly platforms: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const count = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive whole number`);
    return n;
  };
  return {
    stores: count('stores', 20),
    workers: count('workers', 1),
    reset: argv.includes('--reset'),
    printers: !argv.includes('--no-printers'),
    analytics: !argv.includes('--no-analytics'),
    platforms: !argv.includes('--no-platforms'),
  };
}

const say = (m: string): void => void process.stderr.write(`[lunchrush] ${m}\n`);
const echo = (name: string, line: OutputLine): void => void process.stdout.write(`[${name}] ${line.text}\n`);

/** The environment of every process: development mode unless secrets are set, N nodes. */
function stackEnv(workers: number): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  if (env.GATEWAY_QR_KEYS === undefined && env.GATEWAY_DEV_SECRETS === undefined) {
    env.GATEWAY_DEV_SECRETS = '1';
    say(
      'no GATEWAY_* secrets set: development mode (GATEWAY_DEV_SECRETS=1): public development keys, simulated WeChat login and WeChat Pay',
    );
  }
  if (env.GATEWAY_WORKERS === undefined) env.GATEWAY_WORKERS = String(workers);
  // One node: its gateway on a thread of its own beside the engine's, where there is a core for it
  // (gateways/README.md, "A node on several threads"). Several nodes on one machine share its cores.
  if (env.GATEWAY_THREADS === undefined) env.GATEWAY_THREADS = workers === 1 && availableParallelism() >= 2 ? '1' : '0';
  // A node per process: the gateway and the partitions it owns (gateways/src/node.ts).
  env.NODE_ROLE = 'node';
  return env;
}

async function reset(cfg: GatewayConfig, env: Record<string, string | undefined>): Promise<void> {
  if (env.GATEWAY_DEV_SECRETS !== '1')
    throw new Error('--reset deletes every order and stock level of the namespace: development mode only');
  const chdbPath = path.resolve(ROOT, env.ANALYTICS_CHDB_PATH ?? path.join('.data', 'chdb'));
  const r = await resetDemo({
    natsUrl: cfg.natsUrl,
    redisUrl: cfg.redisUrl,
    namespace: cfg.namespace,
    folders: [chdbPath, PRINTER_OUT],
  });
  say(
    `--reset: namespace ${cfg.namespace}: deleted ${r.streams.length} streams (${r.streams.join(', ') || 'none'}), ${r.redisKeys} Redis keys, ${r.folders.map((f) => path.relative(ROOT, f)).join(', ')}`,
  );
}

/** The demo chain, and the console's demo admin with this start's password. */
type Loaded = SeedResult & { readonly admin: { readonly username: string; readonly password: string } };

async function loadDemo(cfg: GatewayConfig, stores: number): Promise<Loaded> {
  say(`loading demo data (${stores} stores) through the engine; stores already loaded are left as they are`);
  const client = await EngineClient.connect(cfg.natsUrl, { namespace: cfg.namespace, partitions: cfg.partitions });
  const started = Date.now();
  try {
    const seeded = await seedDemo(client, { stores });
    const s = ((Date.now() - started) / 1000).toFixed(1);
    say(`demo data: ${seeded.loaded.length} stores loaded, ${seeded.skipped.length} already there (${s} s)`);
    const admin = await demoAdmin(
      client,
      seeded.data.stores.map((x) => x.storeId),
    );
    return { ...seeded, admin };
  } finally {
    await client.close();
  }
}

/** The running processes, filled as they start, so a signal stops whatever is there. */
interface Kids {
  node?: RoleProcess;
  stack?: { stop(timeoutMs: number): Promise<void> };
  printers?: RoleProcess;
  daemon?: RoleProcess;
  analytics?: RoleProcess;
  platforms?: RoleProcess;
}

async function stopKid(name: string, c: RoleProcess | undefined): Promise<void> {
  if (c === undefined || !c.handle.running) return;
  await c.handle.stop(STOP_TIMEOUT_MS);
  say(`${name} stopped`);
}

async function stopAll(kids: Kids): Promise<void> {
  await Promise.all([
    stopKid('analytics', kids.analytics),
    stopKid('printer-daemon', kids.daemon),
    stopKid('platforms', kids.platforms),
  ]);
  await stopKid('printers', kids.printers);
  if (kids.node?.handle.running === true) {
    await kids.stack?.stop(STOP_TIMEOUT_MS);
    say('node stopped');
  }
}

/** Kitchen printing: a virtual ESC/POS printer per station of store 001 (written to the printer bucket) and the daemon. */
async function startKitchen(kids: Kids, env: Record<string, string | undefined>, cfg: GatewayConfig): Promise<void> {
  const printerEnv = { ...env, PRINTER_NAMESPACE: cfg.namespace };
  kids.printers = await startRole('printers', {
    env: printerEnv,
    args: ['--stores', '001', '--out', PRINTER_OUT],
    onLine: (l) => echo('printers', l),
    killOnExit: false,
  });
  kids.daemon = await startRole('printer-daemon', {
    env: printerEnv,
    onLine: (l) => echo('printer-daemon', l),
    killOnExit: false,
  });
}

async function startAnalytics(
  kids: Kids,
  env: Record<string, string | undefined>,
  cfg: GatewayConfig,
): Promise<string> {
  kids.analytics = await startRole('analytics', {
    // Recommendations: trained from whatever history there is at start, then hourly, and published to the gateways.
    env: { ANALYTICS_RECO_TRAIN_EVERY_S: '3600', ...env, ANALYTICS_NAMESPACE: cfg.namespace },
    onLine: (l) => echo('analytics', l),
    killOnExit: false,
  });
  return kids.analytics.ready[1]!;
}

/** The delivery platforms' process, with both simulators (development): answers its push URL. */
async function startPlatforms(kids: Kids, env: Record<string, string | undefined>, stores: number): Promise<string> {
  kids.platforms = await startRole('platforms', {
    env: { PLATFORMS_DEMO_STORES: String(stores), ...env },
    onLine: (l) => echo('platforms', l),
    killOnExit: false,
  });
  return `http://127.0.0.1:${kids.platforms.ready[1]!}`;
}

/** What npm start prints once everything serves: URLs, QR links and staff tokens of store 001. */
function banner(
  cfg: GatewayConfig,
  a: Args,
  seeded: Loaded,
  analyticsUrl: string | undefined,
  platformsUrl: string | undefined,
): string {
  const url = cfg.publicUrl;
  const creds = demoCredentials(cfg, seeded.data, url);
  const lines = [
    '',
    `lunchrush is up: ${a.stores} demo stores, ${a.workers} node process${a.workers > 1 ? 'es' : ''} (gateway + engine in each${cfg.threads > 0 ? `, the gateway on ${cfg.threads} thread${cfg.threads > 1 ? 's' : ''} of its own` : ''})`,
    `  API            ${url}/v1/…   (OpenAPI: ${url}/openapi.json)`,
    `  health         ${url}/healthz   ${url}/readyz   metrics: ${url}/metrics`,
    `  push           ws://127.0.0.1:${cfg.port}/ws?token=<staff token or diner session>`,
    `  menu           ${url}/v1/stores/001/menu`,
    '  table QR links (store 001):',
    ...creds.qr.map((q) => `    ${q.label.padEnd(4)} ${q.code}  ${q.link}`),
    `  console        ${url}/console/   log in as ${seeded.admin.username} / ${seeded.admin.password}  (chain admin; a new password each start)`,
    '  device tokens for store 001 (kitchen displays, boards, scripts; Authorization: Bearer …):',
    ...Object.entries(creds.staff).map(([role, t]) => `    ${role.padEnd(8)} ${t}`),
    `  board          curl -H "Authorization: Bearer ${creds.staff.manager}" ${url}/v1/staff/stores/001/board`,
    ...(cfg.wechat.mode === 'simulator'
      ? [
          `  a diner        curl -XPOST -H 'content-type: application/json' -d '{"code":"alice-1"}' ${url}/v1/diner/login`,
        ]
      : []),
    ...(a.printers ? [`  printers       virtual ESC/POS printers for store 001; what they print: ${PRINTER_OUT}`] : []),
    ...(analyticsUrl !== undefined
      ? [`  analytics      ${analyticsUrl}  (dashboard; npm run analytics -- heatmap --store 001)`]
      : []),
    ...(platformsUrl !== undefined
      ? [
          `  platforms      ${platformsUrl}/v1/platforms/health  (美团 and 饿了么 simulators; Authorization: Bearer dev-platforms-ops-token)`,
        ]
      : []),
    `  kitchen        ${url}/screens/kitchen?station=wok&token=${creds.staff.kitchen}`,
    `  table board    ${url}/screens/board?token=${creds.staff.manager}`,
    '  Ctrl-C stops everything.',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** Stops everything on SIGINT/SIGTERM (once), and kills what is left if this process exits anyway. */
function onSignals(kids: Kids): SignalStop {
  const stop = stopOnSignals((sig) => {
    say(`${sig}: stopping analytics and the printer daemon, then the node (its gateway, then its engine)`);
    return stopAll(kids);
  });
  process.on('exit', () => {
    for (const c of [kids.analytics, kids.platforms, kids.daemon, kids.printers, kids.node]) c?.handle.kill('SIGKILL');
  });
  return stop;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const env = stackEnv(a.workers);
  const cfg = parseConfig(env); // fail here, with the variable's name, before starting anything
  parseEngineConfig(env);
  if (a.reset) await reset(cfg, env);

  const kids: Kids = {};
  const stop = onSignals(kids);
  const stack = await launchStack({ env, onLine: echo, killOnExit: false });
  kids.stack = stack;
  kids.node = stack.front;
  const seeded = await loadDemo(cfg, a.stores);
  if (a.printers) await startKitchen(kids, env, cfg);
  const analyticsUrl = a.analytics ? await startAnalytics(kids, env, cfg) : undefined;
  const platformsUrl = a.platforms ? await startPlatforms(kids, env, a.stores) : undefined;
  process.stdout.write(banner(cfg, a, seeded, analyticsUrl, platformsUrl));

  const running = [kids.node, kids.printers, kids.daemon, kids.analytics, kids.platforms].filter(
    (c) => c !== undefined,
  );
  const which = await Promise.race(running.map((c) => c.handle.exited.then((x) => [c.role, x.code ?? 128] as const)));
  if (stop.claim()) {
    say(`${which[0]} exited with ${which[1]}: stopping the rest`);
    await stopAll(kids);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  say(`error: ${ensureError(e).message}`);
  process.exit(1);
});
