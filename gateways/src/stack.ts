/**
 * `npm start`'s stack, once NATS and Redis are up (scripts/start.mjs finds or
 * starts them): an engine serving the restaurant domain, the demo data loaded
 * through it, and the gateway. Prints where to look, then waits; SIGINT/SIGTERM
 * stop the gateway first (no new requests), then the engine (it hands its
 * partitions over and snapshots), then exits.
 *
 *   node --import tsx gateways/src/stack.ts [--stores 20] [--workers 1]
 *
 * Without GATEWAY_QR_KEYS etc. it runs with GATEWAY_DEV_SECRETS=1 (public development keys).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '@lunchrush/engine';
import { Redis } from 'ioredis';
import { parseConfig } from './config.js';
import { demoCredentials, seedDemo } from './demo.js';
import { ensureError } from './errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
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
}

function start(name: string, file: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file)], {
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
          resolve({ name, proc, exited });
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
    say('no GATEWAY_* secrets set: using the public development keys (GATEWAY_DEV_SECRETS=1)');
  }
  if (env.GATEWAY_WORKERS === undefined) env.GATEWAY_WORKERS = String(workers);
  const cfg = parseConfig(env); // fail here, with the variable's name, before starting anything

  // Filled as they start; the signal handlers see whatever is running.
  const kids: { engine?: Child; gateway?: Child } = {};
  let stopping = false;
  const shutdown = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: stopping the gateway, then the engine`);
    void stop(kids.gateway)
      .then(() => stop(kids.engine))
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('exit', () => {
    for (const c of [kids.gateway, kids.engine])
      if (c !== undefined && c.proc.exitCode === null) c.proc.kill('SIGKILL');
  });

  const engine = (kids.engine = await start(
    'engine',
    'engine/src/main.ts',
    { ...env, ENGINE_ACTORS: '@lunchrush/actors' },
    /ENGINE READY/,
  ));
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

  const gateway = (kids.gateway = await start('gateway', 'gateways/src/main.ts', env, /GATEWAY READY/));
  const url = cfg.publicUrl;
  const creds = demoCredentials(cfg, seeded.data, url);
  const lines = [
    '',
    `lunchrush is up: ${stores} demo stores, engine + ${workers} gateway process${workers > 1 ? 'es' : ''}`,
    `  API            ${url}/v1/…   (OpenAPI: ${url}/openapi.json)`,
    `  health         ${url}/healthz   ${url}/readyz   metrics: ${url}/metrics`,
    `  push           ws://127.0.0.1:${cfg.port}/ws?token=<staff token or diner session>`,
    `  menu           ${url}/v1/stores/001/menu`,
    '  table QR links (store 001):',
    ...creds.qr.map((q) => `    ${q.label.padEnd(4)} ${q.code}  ${q.link}`),
    '  staff tokens for store 001 (Authorization: Bearer …):',
    ...Object.entries(creds.staff).map(([role, t]) => `    ${role.padEnd(8)} ${t}`),
    `  board          curl -H "Authorization: Bearer ${creds.staff.manager}" ${url}/v1/staff/stores/001/board`,
    `  a diner        curl -XPOST -H 'content-type: application/json' -d '{"code":"alice-1"}' ${url}/v1/diner/login`,
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const which = await Promise.race([
    engine.exited.then((c) => ['engine', c] as const),
    gateway.exited.then((c) => ['gateway', c] as const),
  ]);
  if (!stopping) {
    say(`${which[0]} exited with ${which[1]}: stopping the rest`);
    await stop(gateway);
    await stop(engine);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  say(`error: ${ensureError(e).message}`);
  process.exit(1);
});
