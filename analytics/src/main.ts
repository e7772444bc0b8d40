/**
 * The analytics service: schema, durable ingestion from `<NS>_EVENTS` (and
 * analytics' history stream) into ClickHouse, and the HTTP API with the dashboard.
 * Prints `ANALYTICS READY <url>`.
 *
 *   node --import tsx analytics/src/main.ts [--rebuild]     (or: npm run analytics -- serve)
 */
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { parseConfig } from './config.js';
import { stopOnSignals } from '@lunchrush/engine/process';
import { ensureError } from './errors.js';
import { backfill } from './history.js';
import { Ingester } from './ingest.js';
import { AnalyticsMetrics } from './metrics.js';
import { scheduleRecoJob } from './reco-job.js';
import { migrate } from './schema.js';
import { startServer } from './server.js';
import { ensureHistoryStream, eventSource, historySource } from './sources.js';
import { Warehouse } from './warehouse.js';

export async function main(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv.slice(2),
): Promise<void> {
  const cfg = parseConfig(env);
  const log = pino({ level: cfg.logLevel, base: { svc: 'analytics' } });
  const warehouse = Warehouse.open(cfg);
  await migrate(warehouse);
  const nc = await connect({ servers: cfg.natsUrl.split(','), noAsyncTraces: true, maxReconnectAttempts: -1 });
  const stream = eventSource(cfg.namespace).stream;
  const history = historySource(cfg.namespace).stream;
  // The engine creates its stream (ingestion consumes it once it is there); the history stream is ours.
  await ensureHistoryStream(nc, cfg.namespace);
  if (argv.includes('--rebuild')) {
    const r = await backfill({ nc, warehouse, namespace: cfg.namespace, onProgress: (p) => log.info(p, 'backfill') });
    log.info(r, 'backfill done');
  }
  const metrics = new AnalyticsMetrics().withProcessMetrics();
  const ingester = await Ingester.start({
    nc,
    warehouse,
    config: cfg,
    metrics,
    log: (level, msg, extra) => log[level](extra ?? {}, msg),
  });
  const reco =
    cfg.recoTrainEveryS > 0
      ? scheduleRecoJob({ warehouse, nc, namespace: cfg.namespace }, cfg.recoTrainEveryS, (r) =>
          r instanceof Error
            ? log.warn({ error: r.message }, 'recommendation training failed')
            : log.info(
                { orders: r.orders, from: r.from, to: r.to, seconds: r.seconds },
                'recommendation models published',
              ),
        )
      : undefined;
  const server = await startServer({ warehouse, ingester, metrics, port: cfg.httpPort, host: cfg.httpHost });
  log.info(
    { url: server.url, backend: warehouse.kind, where: warehouse.where, stream, history, durable: cfg.durable },
    'ready',
  );
  process.stdout.write(`ANALYTICS READY ${server.url} backend=${warehouse.kind} stream=${stream} history=${history}\n`);

  stopOnSignals(async (signal) => {
    log.info({ signal }, 'stopping');
    try {
      await server.close();
      await reco?.stop();
      await ingester.stop();
      await nc.drain();
      await warehouse.close();
    } catch (e) {
      log.error({ error: ensureError(e).message }, 'stop failed');
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`analytics: ${ensureError(e).message}\n`);
    process.exit(1);
  });
}
