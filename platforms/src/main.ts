/**
 * The platforms process: `node --import tsx platforms/src/main.ts` (the stack's `platforms`
 * role). Pushes in, sync out, reconciliation, health (`PlatformsConfig`). With
 * `PLATFORMS_MODE=simulator` (the default) both platforms' simulators run in this process on
 * ports of their own, their copies of the demo stores' menus and stock taken from ours at start.
 * Prints `PLATFORMS READY port=<p> meituan=<url> eleme=<url>`.
 */
import { readFileSync } from 'node:fs';
import { EngineClient, ensureError, parseConfig } from '@lunchrush/engine';
import { stopOnSignals } from '@lunchrush/engine/process';
import { generateDemoData } from '@lunchrush/actors/demo';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parsePlatformsConfig, type PlatformsConfig } from './config.js';
import { ElemeApi } from './eleme.js';
import { MappingFileSchema, demoMapping, type MappingFile } from './mapping.js';
import { MeituanApi } from './meituan.js';
import type { PlatformApi, PlatformName } from './platform.js';
import { openPlatforms } from './service.js';
import { startSimulators } from './simulated.js';
import { freeLoopbackPort } from './ports.js';

function mappingOf(cfg: PlatformsConfig): MappingFile {
  if (cfg.mappingFile !== '') return MappingFileSchema.parse(JSON.parse(readFileSync(cfg.mappingFile, 'utf8')));
  const data = generateDemoData({ stores: cfg.demoStores });
  const skuIds = data.template.spus.flatMap((s) => s.skus.map((k) => k.skuId));
  return demoMapping(
    data.stores.map((s) => s.storeId),
    skuIds,
  );
}

async function main(): Promise<void> {
  const cfg = parsePlatformsConfig(process.env);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { svc: 'platforms' } });
  // The engine's own reading of NATS_URL, ENGINE_NAMESPACE and ENGINE_PARTITIONS: the same stores land on the same partitions.
  const ec = parseConfig(process.env);
  const namespace = ec.namespace;
  const nc = await connect({
    servers: ec.natsUrl.split(','),
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    name: `platforms-${process.pid}`,
  });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
  const engine = new EngineClient(nc, { namespace, partitions: ec.partitions });
  const mapping = mappingOf(cfg);
  const port = cfg.port === 0 ? await freeLoopbackPort() : cfg.port;
  const pushBase = cfg.pushBase !== '' ? cfg.pushBase : `http://${cfg.host}:${port}`;
  const sim =
    cfg.mode === 'simulator'
      ? await startSimulators({
          pushBase,
          mapping,
          engine,
          meituan: cfg.meituan,
          eleme: cfg.eleme,
          toleranceS: cfg.toleranceS,
        })
      : undefined;
  const apis: Record<PlatformName, { api: PlatformApi; apiBase: string }> = sim?.apis ?? {
    meituan: {
      api: new MeituanApi(cfg.meituan, pushBase, cfg.meituan.apiBase, cfg.toleranceS),
      apiBase: cfg.meituan.apiBase,
    },
    eleme: { api: new ElemeApi(cfg.eleme, cfg.eleme.apiBase, cfg.toleranceS), apiBase: cfg.eleme.apiBase },
  };
  const p = await openPlatforms({
    nc,
    redis,
    namespace,
    prefix: `${namespace}:pf`,
    engine,
    mapping,
    platforms: apis,
    port,
    host: cfg.host,
    opsToken: cfg.opsToken,
    toleranceS: cfg.toleranceS,
    sender: {
      ratePerS: cfg.ratePerS,
      burst: cfg.ratePerS,
      maxBatch: cfg.batch,
      inFlight: cfg.inFlight,
      retryMaxMs: cfg.retryMaxMs,
    },
    ...(cfg.reconcileAtMin === undefined ? {} : { reconcileDailyAtMin: cfg.reconcileAtMin }),
    log,
  });
  process.stdout.write(`PLATFORMS READY port=${port} meituan=${apis.meituan.apiBase} eleme=${apis.eleme.apiBase}\n`);
  stopOnSignals(async (sig) => {
    log.info({ sig }, 'platforms stopping');
    await p.close();
    await sim?.close();
    await nc.drain();
    redis.disconnect();
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`platforms: ${ensureError(e).message}\n`);
  process.exit(1);
});
