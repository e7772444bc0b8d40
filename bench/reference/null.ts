/**
 * `--design null`: the ceiling of this machine for the lunch rush, measured in the same run.
 *
 * The gateway itself (startGateway: the same uWS HTTP layer, route table, pipeline, body
 * limits, zod validation, diner sessions, staff tokens, table QR tokens, webhook signatures,
 * rate limits and error table as lunchrush), with the engine replaced by a stand-in in the
 * process (null-engine.ts) that answers orders and sales from nothing: no stock, no log, no
 * NATS request, no actor on the order path. Whatever the gateway still does on that path (Redis
 * for sessions, rate limits and idempotency, while it does) the null design does too, so
 * lunchrush / null is what the engine and its log cost on top of the HTTP edge.
 *
 * Environment: the gateway's (GATEWAY_*, NATS_URL, REDIS_URL, ENGINE_NAMESPACE), plus
 * NULL_STORES (demo stores, default 20; the bench passes its --stores). GATEWAY_WORKERS > 1
 * runs that many processes on one port, as the gateway does. Prints `NULL READY port=<p>`.
 */
import cluster from 'node:cluster';
import { generateDemoData } from '@lunchrush/actors/demo';
import { orderableSkus } from '../src/scenarios/index.js';
import { ConfigError, parseConfig, startGateway, type GatewayConfig } from '@lunchrush/gateways';
import { connect } from '@nats-io/transport-node';
import { freePort } from '@lunchrush/testkit';
import { NullEngine } from './null-engine.js';

const stores = Number(process.env.NULL_STORES ?? '20');

async function runOne(cfg: GatewayConfig): Promise<void> {
  const data = generateDemoData({ stores });
  const nc = await connect({ servers: cfg.natsUrl.split(','), noAsyncTraces: true, name: `null-${process.pid}` });
  const engine = new NullEngine(nc, data, orderableSkus(data));
  const gw = await startGateway(cfg, { nc, engine });
  if (cluster.isWorker) process.send?.({ kind: 'listening', port: gw.port });
  else console.log(`NULL READY port=${gw.port} workers=1`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log(`NULL ANSWERED ${JSON.stringify(engine.counts)}`);
    gw.close()
      .then(() => nc.drain())
      .then(
        () => process.exit(0),
        (e: unknown) => {
          console.error(e);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** As gateways/src/main.ts: uWS sets SO_REUSEPORT on a fixed port, so every worker binds the same one. */
async function runPrimary(cfg: GatewayConfig): Promise<void> {
  const port = cfg.port === 0 ? await freePort(cfg.host) : cfg.port;
  const workers = Array.from({ length: cfg.workers }, () => cluster.fork({ GATEWAY_PORT: String(port) }));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: { kind?: string }) => m.kind === 'listening' && resolve());
          w.once('exit', (code, signal) => reject(new Error(`null worker exited (${signal ?? code})`)));
        }),
    ),
  );
  console.log(`NULL READY port=${port} workers=${cfg.workers}`);
  let live = workers.length;
  for (const w of workers) w.once('exit', () => --live === 0 && process.exit(0));
  const stop = (): void => {
    for (const w of workers) w.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

let cfg: GatewayConfig;
try {
  cfg = parseConfig(process.env);
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(`configuration error: ${e.message}`);
  process.exit(2);
}
if (cfg.workers > 1 && cluster.isPrimary) await runPrimary(cfg);
else await runOne(cfg);
