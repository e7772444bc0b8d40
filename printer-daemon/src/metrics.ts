/**
 * The daemon's Prometheus metrics, made from its `alarm` events (nothing on the printing path
 * changes): alarms by kind and level, and which printers are out of paper now (the
 * `PrinterOutOfPaper` alert of deploy/prometheus/alerts.yml). Served on `PRINTER_METRICS_PORT`
 * with `/healthz`, for Prometheus and the compose file's healthcheck.
 */
import http from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { PrinterAlarm } from './alarms.js';

export class PrinterMetrics {
  readonly registry = new Registry();
  private readonly alarms: Counter;
  private readonly outOfPaper: Gauge;

  constructor() {
    this.alarms = new Counter({
      name: 'lunchrush_printer_alarms_total',
      help: 'Alarms raised by the printer daemon, by kind (printer, failover, unrouted, kds_only, config_invalid) and level.',
      labelNames: ['kind', 'level'],
      registers: [this.registry],
    });
    this.outOfPaper = new Gauge({
      name: 'lunchrush_printer_out_of_paper',
      help: "1 while a printer reports paper out (its station's tickets wait or go to the backup), else 0.",
      labelNames: ['store', 'printer'],
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'lunchrush_printer_' });
  }

  /** Counts an alarm, and for a printer's state the paper-out gauge. */
  alarm(a: PrinterAlarm): void {
    this.alarms.inc({ kind: a.kind, level: a.kind === 'printer' ? a.level : 'error' });
    if (a.kind === 'printer')
      this.outOfPaper.set({ store: a.store, printer: a.printer }, a.flags.includes('paper_out') ? 1 : 0);
  }
}

/** `/metrics` and `/healthz` on `host:port`; resolves with the server once it listens. */
export async function serveMetrics(metrics: PrinterMetrics, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
