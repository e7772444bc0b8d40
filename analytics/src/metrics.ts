/** Prometheus metrics of the ingester, on their own registry (served at `/metrics`). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class AnalyticsMetrics {
  readonly registry = new Registry();
  readonly events = new Counter({
    name: 'lunchrush_analytics_events_total',
    help: 'Events inserted into ClickHouse',
    registers: [this.registry],
  });
  readonly records = new Counter({
    name: 'lunchrush_analytics_records_total',
    help: 'JetStream records processed (acked), by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'lunchrush_analytics_duplicate_records_total',
    help: 'Re-delivered records whose events were already stored, skipped',
    registers: [this.registry],
  });
  readonly batchFailures = new Counter({
    name: 'lunchrush_analytics_batch_failures_total',
    help: 'Batches not inserted (nacked for re-delivery)',
    registers: [this.registry],
  });
  readonly batchEvents = new Histogram({
    name: 'lunchrush_analytics_batch_events',
    help: 'Events per inserted batch',
    buckets: [1, 10, 100, 1_000, 5_000, 20_000, 50_000, 100_000],
    registers: [this.registry],
  });
  readonly insertSeconds = new Histogram({
    name: 'lunchrush_analytics_insert_seconds',
    help: 'Time of one batch insert',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly delaySeconds = new Histogram({
    name: 'lunchrush_analytics_delay_seconds',
    help: 'From JetStream publish of the oldest record of a batch to its insert',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly lagSeconds: Gauge;
  readonly lagMessages: Gauge;

  /** Set by the ingester: read at every scrape. */
  lagSource: () => { seconds: number; messages: number } = () => ({ seconds: 0, messages: 0 });

  constructor() {
    const lag = (): { seconds: number; messages: number } => this.lagSource();
    this.lagSeconds = new Gauge({
      name: 'lunchrush_analytics_lag_seconds',
      help: 'Age of the oldest record published but not yet in ClickHouse (0 when caught up)',
      registers: [this.registry],
      collect() {
        this.set(lag().seconds);
      },
    });
    this.lagMessages = new Gauge({
      name: 'lunchrush_analytics_lag_messages',
      help: 'Records in the stream not yet in ClickHouse (undelivered + buffered + in flight)',
      registers: [this.registry],
      collect() {
        this.set(lag().messages);
      },
    });
  }

  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry, prefix: 'lunchrush_analytics_' });
    return this;
  }
}
