import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { PrinterMetrics, serveMetrics } from '../src/metrics.js';

const printerAlarm = (flags: ('paper_out' | 'cover_open')[], level: 'ok' | 'error') =>
  ({ kind: 'printer', store: '001', printer: 'wok-1', level, flags, held: 3, since: 1, at: 2 }) as const;

describe('printer metrics', () => {
  it('counts alarms by kind and level, and holds paper out per printer until it clears', async () => {
    const m = new PrinterMetrics();
    m.alarm(printerAlarm(['paper_out'], 'error'));
    m.alarm({ kind: 'unrouted', store: '001', station: 'cold', held: 1, at: 3 });
    let text = await m.registry.metrics();
    expect(text).toContain('lunchrush_printer_out_of_paper{store="001",printer="wok-1"} 1');
    expect(text).toContain('lunchrush_printer_alarms_total{kind="printer",level="error"} 1');
    expect(text).toContain('lunchrush_printer_alarms_total{kind="unrouted",level="error"} 1');
    m.alarm(printerAlarm(['cover_open'], 'error'));
    m.alarm(printerAlarm([], 'ok'));
    text = await m.registry.metrics();
    expect(text).toContain('lunchrush_printer_out_of_paper{store="001",printer="wok-1"} 0');
    expect(text).toContain('lunchrush_printer_alarms_total{kind="printer",level="ok"} 1');
  });

  it('serves /metrics and /healthz on the configured port', async () => {
    const m = new PrinterMetrics();
    m.alarm(printerAlarm(['paper_out'], 'error'));
    const server = await serveMetrics(m, '127.0.0.1', 0);
    try {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') throw new Error('no port');
      const base = `http://127.0.0.1:${addr.port}`;
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('lunchrush_printer_out_of_paper');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('reads PRINTER_METRICS_PORT and refuses what is not a port', () => {
    expect(parseConfig({}).metricsPort).toBe(0);
    expect(parseConfig({ PRINTER_METRICS_PORT: '9480', PRINTER_METRICS_HOST: '0.0.0.0' })).toMatchObject({
      metricsPort: 9480,
      metricsHost: '0.0.0.0',
    });
    expect(() => parseConfig({ PRINTER_METRICS_PORT: '70000' })).toThrow(/PRINTER_METRICS_PORT/);
    expect(() => parseConfig({ PRINTER_METRICS_PORT: '-1' })).toThrow(/PRINTER_METRICS_PORT/);
  });
});
