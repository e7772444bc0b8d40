/**
 * `npm start`'s stack, once NATS and Redis are up (scripts/start.mjs finds or
 * starts them): a node (gateways/src/main.ts with NODE_ROLE=node: the gateway and
 * an engine serving the restaurant domain in one process, or `--workers` of them),
 * and the demo data loaded through it. Prints where to look, then waits;
 * SIGINT/SIGTERM stop each node's gateway first (no new requests), then its engine
 * (it hands its partitions over and snapshots), then exits.
 *
 *   node --import tsx gateways/src/stack.ts [--stores 20] [--workers 1] [--reset]
 *   node --conditions=lunchrush-compiled gateways/dist/src/stack.js [...]    # what npm start runs
 *
 * `--reset` (development mode only) first deletes the namespace's streams, buckets and
 * Redis keys and the local chDB and printer folders, so the demo data loads fresh.
 *
 * Without GATEWAY_QR_KEYS etc. it runs in development mode, GATEWAY_DEV_SECRETS=1 (public
 * development keys, the WeChat login and WeChat Pay simulators).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EngineClient, parseConfig as parseEngineConfig } from '@lunchrush/engine';
import { Redis } from 'ioredis';
import { parseConfig } from './config.js';
import { demoCredentials, seedDemo } from './demo.js';
import { resetDemo } from './demo-reset.js';
import { ensureError } from './errors.js';
import { ROOT, entryArgs } from './launch.js';

const STOP_TIMEOUT_MS = 15_000;
const READY_TIMEOUT_MS = 60_000;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive whole number`);
  return n;
}

const say = (m: string): void => void process.stderr.write(`[lunchrush] ${m}\n`);

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<number>;
  /** The line that matched the ready pattern. */
  readonly firstReadyLine?: string;
}

function start(name: string, file: string, env: NodeJS.ProcessEnv, ready: RegExp, args: string[] = []): Promise<Child> {
  // Compiled when this stack runs compiled (npm start), else through tsx: see launch.ts.
  const proc = spawn(process.execPath, [...entryArgs(file), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number>((resolve) =>
    proc.once('exit', (code, sig) => resolve(code ?? (sig === null ? 1 : 128))),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not print ${ready} within ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    for (const stream of [proc.stdout, proc.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        process.stdout.write(`[${name}] ${line}\n`);
        if (ready.test(line)) {
          clearTimeout(timer);
          resolve({ name, proc, exited, firstReadyLine: line });
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready`));
    });
  });
}

async function stop(c: Child | undefined): Promise<void> {
  if (c === undefined || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await c.exited;
  clearTimeout(timer);
  say(`${c.name} stopped`);
}

async function main(): Promise<void> {
  const stores = arg('stores', 20);
  const workers = arg('workers', 1);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (env.GATEWAY_QR_KEYS === undefined && env.GATEWAY_DEV_SECRETS === undefined) {
    env.GATEWAY_DEV_SECRETS = '1';
    say(
      'no GATEWAY_* secrets set: development mode (GATEWAY_DEV_SECRETS=1): public development keys, simulated WeChat login and WeChat Pay',
    );
  }
  if (env.GATEWAY_WORKERS === undefined) env.GATEWAY_WORKERS = String(workers);
  // A node per process: the gateway and the partitions it owns (gateways/src/node.ts).
  env.NODE_ROLE = 'node';
  const cfg = parseConfig(env); // fail here, with the variable's name, before starting anything
  parseEngineConfig(env);
  if (process.argv.includes('--reset')) {
    if (env.GATEWAY_DEV_SECRETS !== '1')
      throw new Error('--reset deletes every order and stock level of the namespace: development mode only');
    const chdbPath = path.resolve(ROOT, env.ANALYTICS_CHDB_PATH ?? path.join('.data', 'chdb'));
    const r = await resetDemo({
      natsUrl: cfg.natsUrl,
      redisUrl: cfg.redisUrl,
      namespace: cfg.namespace,
      folders: [chdbPath, path.join(ROOT, '.data', 'virtual-printers')],
    });
    say(
      `--reset: namespace ${cfg.namespace}: deleted ${r.streams.length} streams (${r.streams.join(', ') || 'none'}), ${r.redisKeys} Redis keys, ${r.folders.map((f) => path.relative(ROOT, f)).join(', ')}`,
    );
  }

  // Filled as they start; the signal handlers see whatever is running.
  const kids: { node?: Child; printers?: Child; daemon?: Child; analytics?: Child } = {};
  const withPrinters = !process.argv.includes('--no-printers');
  const withAnalytics = !process.argv.includes('--no-analytics');
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    await Promise.all([stop(kids.analytics), stop(kids.daemon)]);
    await stop(kids.printers);
    await stop(kids.node);
  };
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: stopping analytics and the printer daemon, then the node (its gateway, then its engine)`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('exit', () => {
    for (const c of [kids.analytics, kids.daemon, kids.printers, kids.node])
      if (c !== undefined && c.proc.exitCode === null) c.proc.kill('SIGKILL');
  });

  const node = (kids.node = await start('node', 'gateways/src/main.ts', env, /GATEWAY READY/));
  say(`loading demo data (${stores} stores) through the engine; stores already loaded are left as they are`);
  const client = await EngineClient.connect(cfg.natsUrl, { namespace: cfg.namespace, partitions: cfg.partitions });
  const redis = new Redis(cfg.redisUrl);
  const started = Date.now();
  const seeded = await seedDemo(client, redis, cfg.namespace, { stores });
  say(
    `demo data: ${seeded.loaded.length} stores loaded, ${seeded.skipped.length} already there (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  await client.close();
  redis.disconnect();

  // Kitchen printing: one virtual ESC/POS printer per station of store 001 (its configuration is
  // written to the printer bucket), and the daemon that prints the kitchen stream on them.
  const printerEnv = { ...env, PRINTER_NAMESPACE: cfg.namespace };
  if (withPrinters) {
    kids.printers = await start(
      'printers',
      'printer-daemon/src/virtual-printers.ts',
      printerEnv,
      /VIRTUAL PRINTERS READY/,
      ['--stores', '001', '--out', path.join(ROOT, '.data', 'virtual-printers')],
    );
    kids.daemon = await start('printer-daemon', 'printer-daemon/src/main.ts', printerEnv, /PRINTER DAEMON READY/);
  }
  let analyticsUrl: string | undefined;
  if (withAnalytics) {
    kids.analytics = await start(
      'analytics',
      'analytics/src/main.ts',
      { ...env, ANALYTICS_NAMESPACE: cfg.namespace },
      /ANALYTICS READY/,
    );
    analyticsUrl = /ANALYTICS READY (\S+)/.exec(kids.analytics.firstReadyLine ?? '')?.[1];
  }
  const url = cfg.publicUrl;
  const creds = demoCredentials(cfg, seeded.data, url);
  const lines = [
    '',
    `lunchrush is up: ${stores} demo stores, ${workers} node process${workers > 1 ? 'es' : ''} (gateway + engine in each)`,
    `  API            ${url}/v1/…   (OpenAPI: ${url}/openapi.json)`,
    `  health         ${url}/healthz   ${url}/readyz   metrics: ${url}/metrics`,
    `  push           ws://127.0.0.1:${cfg.port}/ws?token=<staff token or diner session>`,
    `  menu           ${url}/v1/stores/001/menu`,
    '  table QR links (store 001):',
    ...creds.qr.map((q) => `    ${q.label.padEnd(4)} ${q.code}  ${q.link}`),
    '  staff tokens for store 001 (Authorization: Bearer …):',
    ...Object.entries(creds.staff).map(([role, t]) => `    ${role.padEnd(8)} ${t}`),
    `  board          curl -H "Authorization: Bearer ${creds.staff.manager}" ${url}/v1/staff/stores/001/board`,
    ...(cfg.wechat.mode === 'simulator'
      ? [
          `  a diner        curl -XPOST -H 'content-type: application/json' -d '{"code":"alice-1"}' ${url}/v1/diner/login`,
        ]
      : []),
    ...(withPrinters
      ? [
          `  printers       virtual ESC/POS printers for store 001; what they print: ${path.join(ROOT, '.data', 'virtual-printers')}`,
        ]
      : []),
    ...(analyticsUrl !== undefined
      ? [`  analytics      ${analyticsUrl}  (dashboard; npm run analytics -- heatmap --store 001)`]
      : []),
    `  kitchen        ${url}/screens/kitchen?station=wok&token=${creds.staff.kitchen}`,
    `  table board    ${url}/screens/board?token=${creds.staff.manager}`,
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const running = [node, kids.printers, kids.daemon, kids.analytics].filter((c): c is Child => c !== undefined);
  const which = await Promise.race(running.map((c) => c.exited.then((code) => [c.name, code] as const)));
  if (!stopping) {
    say(`${which[0]} exited with ${which[1]}: stopping the rest`);
    stopping = true;
    await stopAll();
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  say(`error: ${ensureError(e).message}`);
  process.exit(1);
});
