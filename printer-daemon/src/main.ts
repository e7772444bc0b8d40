/**
 * The printer daemon process.
 *
 *   node --import tsx printer-daemon/src/main.ts
 *
 * Configuration from the environment (`parseConfig`, see the README); each
 * store's printers from the KV bucket `<ns>_printers`.
 */
import type { PrinterAlarm } from './alarms.js';
import { parseConfig } from './config.js';
import { PrinterDaemon } from './daemon.js';
import { stopOnSignals } from '@lunchrush/engine/process';
import { ConfigError, ensureError } from './errors.js';
import { PrinterMetrics, serveMetrics } from './metrics.js';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const daemon = await PrinterDaemon.start(cfg);
  const metrics = new PrinterMetrics();
  daemon.on('alarm', (a: PrinterAlarm) => metrics.alarm(a));
  const metricsServer = cfg.metricsPort > 0 ? await serveMetrics(metrics, cfg.metricsHost, cfg.metricsPort) : undefined;
  // Tests and scripts wait for this exact line.
  console.log(
    `PRINTER DAEMON READY namespace=${cfg.namespace} stream=${daemon.names.stream} consumer=${cfg.consumer} ` +
      `config=${daemon.names.configBucket} jobs=${daemon.names.jobBucket} store=${cfg.store || '*'}`,
  );
  stopOnSignals((sig) => {
    console.log(`${sig}: stopping (the ticket being printed finishes, the rest stay unacked)`);
    metricsServer?.close();
    return daemon.stop();
  });
}

main().catch((e: unknown) => {
  console.error(ensureError(e));
  process.exit(1);
});
