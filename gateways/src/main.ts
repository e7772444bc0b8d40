/**
 * A gateway process, or N of them on one port:
 *
 *   node --import tsx gateways/src/main.ts                      # one process on GATEWAY_PORT (8080)
 *   GATEWAY_WORKERS=4 node --import tsx gateways/src/main.ts    # a node:cluster primary and 4 workers
 *
 * With N workers the primary only supervises (forks, restarts a worker that dies,
 * stops them all on SIGINT/SIGTERM); each worker opens its own uWS listen socket
 * on the same port. uWS sets SO_REUSEPORT on Linux, so the kernel spreads new
 * connections over the workers' sockets — node:cluster's own round-robin (which
 * only works for `net` servers) is not involved. Workers share nothing in memory:
 * sessions, idempotent answers, rate limits and menus are in Redis.
 *
 * Prints `GATEWAY READY port=<p> workers=<n> uws=<build>` once every worker listens.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import { parseConfigOrExit, type GatewayConfig } from './config.js';
import { ensureError } from './errors.js';
import { startGateway } from './server.js';
import { uwsBuild } from './uws.js';

const RESTART_DELAY_MS = 1_000;

async function runOne(cfg: GatewayConfig): Promise<void> {
  const gw = await startGateway(cfg);
  if (cluster.isWorker) process.send?.({ kind: 'listening', port: gw.port });
  else printReady(gw.port, 1, gw.deps.publicUrl());
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    gw.deps.log.info(`${sig}: closing the listen socket and connections`);
    gw.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(ensureError(e));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function printReady(port: number, workers: number, publicUrl: string): void {
  // Scripts and tests wait for this exact line.
  console.log(`GATEWAY READY port=${port} workers=${workers} url=${publicUrl} uws=${uwsBuild.build}`);
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a !== null ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function runPrimary(cfg: GatewayConfig): Promise<void> {
  let port = cfg.port;
  let stopping = false;
  const live = new Set<number>();
  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ GATEWAY_PORT: String(port) });
      live.add(w.id);
      w.on('message', (m: { kind?: string; port?: number }) => {
        if (m.kind === 'listening' && typeof m.port === 'number') resolve(m.port);
      });
      w.on('exit', (code, signal) => {
        live.delete(w.id);
        reject(new Error(`worker ${w.process.pid} exited (${signal ?? code}) before listening`));
        if (stopping) {
          if (live.size === 0) process.exit(0);
          return;
        }
        console.error(`gateway worker ${w.process.pid} died (${signal ?? code}); starting another`);
        setTimeout(() => void fork().catch((e: unknown) => console.error(ensureError(e).message)), RESTART_DELAY_MS);
      });
    });
  // uSockets sets SO_REUSEPORT only on a fixed port (an ephemeral port cannot be shared), so with
  // GATEWAY_PORT=0 the primary picks a free port first and every worker binds that one.
  if (port === 0) port = await freePort(cfg.host);
  await Promise.all(Array.from({ length: cfg.workers }, () => fork()));
  printReady(port, cfg.workers, cfg.port === 0 ? `http://127.0.0.1:${port}` : cfg.publicUrl);
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${sig}: stopping ${live.size} gateway workers`);
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    if (live.size === 0) process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(): Promise<void> {
  const cfg = parseConfigOrExit();
  if (cfg.workers > 1 && cluster.isPrimary) await runPrimary(cfg);
  else await runOne(cfg);
}

main().catch((e: unknown) => {
  console.error(ensureError(e));
  process.exit(1);
});
