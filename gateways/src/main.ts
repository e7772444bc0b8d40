/**
 * A node (gateway + the partitions it owns, see node.ts), a gateway alone or an engine alone
 * (NODE_ROLE=node|gateway|engine, default node), or N nodes or gateways on one port:
 *
 *   node --import tsx gateways/src/main.ts                      # one node on GATEWAY_PORT (8080)
 *   NODE_ROLE=gateway node --import tsx gateways/src/main.ts    # the gateway alone (engines run elsewhere)
 *   GATEWAY_WORKERS=4 node --import tsx gateways/src/main.ts    # a node:cluster primary and 4 workers
 *   GATEWAY_THREADS=1 node --import tsx gateways/src/main.ts    # a node: engine here, its gateway on 1 thread
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
import { MessageChannel, Worker } from 'node:worker_threads';
import { serveThreadLink, type Engine } from '@lunchrush/engine';
import { stopOnSignals, type SignalStop } from '@lunchrush/engine/process';
import { ConfigError, parseConfig, type GatewayConfig } from './config.js';
import { ensureError } from './errors.js';
import type { FromGatewayThread, GatewayThreadData } from './gateway-thread.js';
import { createEngine, parseRole, startNode, type NodeRole } from './node.js';
import { serveMetrics } from './thread-metrics.js';
import { uwsBuild } from './uws.js';

const RESTART_DELAY_MS = 1_000;
/**
 * A gateway thread: the compiled entry beside this file, or from source (under tsx, whose loader
 * hooks a worker thread does not inherit: the thread registers them before importing the entry).
 */
function gatewayThread(opts: ConstructorParameters<typeof Worker>[1]): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./gateway-thread.js', import.meta.url), opts);
  const entry = new URL('./gateway-thread.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((t) => t.register()).then(() => import(${JSON.stringify(entry)}))`, {
    ...opts,
    eval: true,
  });
}

async function runOne(role: NodeRole, cfg: GatewayConfig | undefined, engine: Engine | undefined): Promise<void> {
  if (role === 'node' && cfg !== undefined && cfg.threads > 0 && engine !== undefined) return runThreaded(cfg, engine);
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

/**
 * A node whose gateway runs on `cfg.threads` worker threads (gateway-thread.ts), its engine on this
 * one: the engine's partitions are reached through a MessagePort per thread, and every thread
 * listens on the same port. A thread that fails takes the process down (a supervisor restarts it).
 */
async function runThreaded(cfg: GatewayConfig, engine: Engine): Promise<void> {
  const node = await startNode('engine', { engine });
  let stopping = false;
  const port = cfg.port === 0 ? await freePort(cfg.host) : cfg.port;
  const threads = await Promise.all(
    Array.from({ length: cfg.threads }, async () => {
      const { port1, port2 } = new MessageChannel();
      const link = serveThreadLink(engine, port1);
      const metrics = new MessageChannel();
      serveMetrics(engine.metrics.registry, metrics.port1);
      const data: GatewayThreadData = { link: port2, metrics: metrics.port2, port };
      const w = gatewayThread({ workerData: data, transferList: [port2, metrics.port2] });
      let stopped!: () => void;
      const done = new Promise<void>((r) => (stopped = r));
      await new Promise<void>((resolve, reject) => {
        w.on('message', (m: FromGatewayThread) => {
          if ('listening' in m) resolve();
          else if ('stopped' in m) stopped();
          else reject(new Error(`gateway thread failed: ${m.failed}`));
        });
        w.on('error', reject);
        w.on('exit', (code) => {
          stopped();
          if (!stopping) {
            console.error(
              `gateway thread exited (${code}); the node exits (its partitions move on as their leases run out)`,
            );
            process.exit(1);
          }
        });
      });
      return {
        stop: async (): Promise<void> => {
          w.postMessage({ stop: true });
          await done;
          link.close();
          metrics.port1.close();
        },
      };
    }),
  );
  // As a node:cluster worker (GATEWAY_WORKERS > 1 too), the primary prints the line once all listen.
  if (cluster.isWorker) process.send?.({ kind: 'listening', port });
  else printReady(port, 1, cfg.port === 0 ? `http://127.0.0.1:${port}` : cfg.publicUrl, 'node');
  stopOnSignals(async (sig) => {
    stopping = true;
    engine.log.info(`${sig}: closing ${threads.length} gateway threads, then handing partitions over`);
    await Promise.all(threads.map((t) => t.stop()));
    await node.stop();
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
    // A gateway on threads of its own keeps its own process metrics (its thread's heap and event
    // loop): the engine's thread then reports its own, as `lunchrush_engine_nodejs_*`.
    const gatewayHere = role === 'node' && (cfg?.threads ?? 0) === 0;
    engine = role === 'gateway' ? undefined : createEngine(process.env, { withGateway: gatewayHere });
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
