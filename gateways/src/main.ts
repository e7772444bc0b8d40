/**
 * A node (gateway + the partitions it owns, see node.ts), a gateway alone or an engine alone
 * (NODE_ROLE=node|gateway|engine, default node), or N nodes or gateways on one port:
 *
 *   node --import tsx gateways/src/main.ts                      # one node on GATEWAY_PORT (8080)
 *   NODE_ROLE=gateway node --import tsx gateways/src/main.ts    # the gateway alone (engines run elsewhere)
 *   GATEWAY_WORKERS=4 node --import tsx gateways/src/main.ts    # a node:cluster primary and 4 workers
 *
 * With N workers the primary only supervises (forks, restarts a worker that dies,
 * stops them all on SIGINT/SIGTERM); each worker opens its own uWS listen socket
 * on the same port. uWS sets SO_REUSEPORT on Linux, so the kernel spreads new
 * connections over the workers' sockets — node:cluster's own round-robin (which
 * only works for `net` servers) is not involved. Workers share nothing in memory:
 * sessions, idempotent answers, rate limits and menus are in Redis. As nodes, each
 * worker is an engine process of its own too, owning its share of the partitions; the
 * kernel does not know which, so a command is local to the worker that took its
 * connection one time in N (gateways/README.md, "Nodes").
 *
 * Prints `GATEWAY READY port=<p> workers=<n> url=<url> uws=<build> role=<role>` once every
 * worker listens; an engine alone prints `ENGINE READY process=<id> namespace=<ns>`.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import type { Engine } from '@lunchrush/engine';
import { stopOnSignals, type SignalStop } from '@lunchrush/engine/process';
import { ConfigError, parseConfig, type GatewayConfig } from './config.js';
import { ensureError } from './errors.js';
import { createEngine, parseRole, startNode, type NodeRole } from './node.js';
import { uwsBuild } from './uws.js';

const RESTART_DELAY_MS = 1_000;

async function runOne(role: NodeRole, cfg: GatewayConfig | undefined, engine: Engine | undefined): Promise<void> {
  const node = await startNode(role, {
    ...(cfg === undefined ? {} : { cfg }),
    ...(engine === undefined ? {} : { engine }),
  });
  const gw = node.gateway;
  if (gw === undefined) {
    const e = node.engine!;
    // Scripts and tests wait for this exact line (as engine/src/main.ts prints it).
    console.log(
      `ENGINE READY process=${e.cfg.processId} namespace=${e.cfg.namespace} nats=${e.cfg.natsUrl} role=${role}`,
    );
  } else if (cluster.isWorker) process.send?.({ kind: 'listening', port: gw.port });
  else printReady(gw.port, 1, gw.deps.publicUrl(), role);
  stopOnSignals((sig) => {
    const what = role === 'engine' ? 'handing partitions over' : 'closing the listen socket and connections';
    (gw?.deps.log ?? node.engine!.log).info(`${sig}: ${what}`);
    return node.stop();
  });
}

function printReady(port: number, workers: number, publicUrl: string, role: NodeRole): void {
  // Scripts and tests wait for this exact line.
  console.log(`GATEWAY READY port=${port} workers=${workers} url=${publicUrl} uws=${uwsBuild.build} role=${role}`);
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

async function runPrimary(cfg: GatewayConfig, role: NodeRole): Promise<void> {
  let port = cfg.port;
  // Set once the primary stops: it exits when its last worker has.
  let signals: SignalStop | undefined = undefined;
  let allGone = (): void => undefined;
  let forks = 0;
  const live = new Set<number>();
  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      // Every worker of a node is an engine process of its own: one process id each.
      const pid = process.env.ENGINE_PROCESS_ID;
      const w = cluster.fork({
        GATEWAY_PORT: String(port),
        ...(pid === undefined || pid === '' || role !== 'node' ? {} : { ENGINE_PROCESS_ID: `${pid}-w${++forks}` }),
      });
      live.add(w.id);
      w.on('message', (m: { kind?: string; port?: number }) => {
        if (m.kind === 'listening' && typeof m.port === 'number') resolve(m.port);
      });
      w.on('exit', (code, signal) => {
        live.delete(w.id);
        reject(new Error(`worker ${w.process.pid} exited (${signal ?? code}) before listening`));
        if (signals?.stopping === true) {
          if (live.size === 0) allGone();
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
  printReady(port, cfg.workers, cfg.port === 0 ? `http://127.0.0.1:${port}` : cfg.publicUrl, role);
  signals = stopOnSignals(
    (sig) =>
      new Promise<void>((resolve) => {
        allGone = resolve;
        console.log(`${sig}: stopping ${live.size} gateway workers`);
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
        if (live.size === 0) resolve();
      }),
  );
}

async function main(): Promise<void> {
  let role: NodeRole;
  let cfg: GatewayConfig | undefined;
  let engine: Engine | undefined;
  try {
    // Everything the role needs is checked before anything starts, each error naming its variable
    // (in a node:cluster primary too, which only supervises: each worker makes its own engine).
    role = parseRole();
    cfg = role === 'engine' ? undefined : parseConfig();
    engine = role === 'gateway' ? undefined : createEngine(process.env, { withGateway: role === 'node' });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  if (cfg !== undefined && cfg.workers > 1 && cluster.isPrimary) await runPrimary(cfg, role);
  else await runOne(role, cfg, engine);
}

main().catch((e: unknown) => {
  console.error(ensureError(e));
  process.exit(1);
});
