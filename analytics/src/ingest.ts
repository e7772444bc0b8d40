/**
 * Live ingestion: a durable pull consumer on each source (the engine's
 * `<NS>_EVENTS` and analytics' history stream, `sources.ts`), batches bounded by
 * events, bytes and time, one insert per batch, acks only after the insert.
 *
 *   JetStream ──consume()──▶ decode + rows as TSV (on arrival) ──▶ open batch
 *        ▲                                                   │ full, or first record waited batchMaxWaitMs
 *        │ ack each record                                    │ and no insert running
 *        │                                                    ▼
 *        └──────────── insert ok ◀── Loader.load (drops already-stored records) ── one batch at a time
 *                      insert failed ──▶ nak (re-delivered later, then de-duplicated)
 *
 * Group commit, as the engine's appends: while an insert runs (off the event
 * loop, in ClickHouse), records keep arriving and being decoded into the open
 * batch, and the next insert takes all of them at once when the running one is
 * done. Every insert has a fixed cost (a part per table and view), so under load
 * batches grow and the cost per event falls instead of batches queueing up.
 */
import { jetstream, jetstreamManager, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { workerConsumerConfig } from '@lunchrush/engine/consumer';
import { LogReader, decodeRecord, partitionOfSubject } from '@lunchrush/engine/log';
import type { AnalyticsConfig } from './config.js';
import { AnalyticsError, ErrorCode, ensureError } from './errors.js';
import { Loader, type PendingRecord } from './loader.js';
import { AnalyticsMetrics } from './metrics.js';
import { recordToTsv } from './rows.js';
import { ensureHistoryStream, sourcesOf, type Source } from './sources.js';
import type { Warehouse } from './warehouse.js';

/** How often a stream that is not there yet (the engine's, before it first starts) is looked for again. */
const ATTACH_RETRY_MS = 1_000;

export type IngestConfig = Pick<
  AnalyticsConfig,
  'namespace' | 'durable' | 'batchMaxEvents' | 'batchMaxBytes' | 'batchMaxWaitMs' | 'maxAckPending' | 'ackWaitMs'
>;

export interface BatchInfo {
  records: number;
  events: number;
  duplicates: number;
  firstSeq: number;
  lastSeq: number;
}

export interface IngesterOptions {
  nc: NatsConnection;
  warehouse: Warehouse;
  config: IngestConfig;
  metrics?: AnalyticsMetrics;
  log?: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
  /**
   * Runs after a batch is inserted and before it is acked. A throw fails the
   * batch as a crash there would: nothing is acked, JetStream re-delivers it.
   */
  afterInsert?: (b: BatchInfo) => void | Promise<void>;
  /** Delay before a failed batch comes back (default 1 s). */
  nakDelayMs?: number;
}

export interface IngestStats {
  events: number;
  records: number;
  batches: number;
  duplicates: number;
  failures: number;
  maxStoredSeq: number;
  lagSeconds: number;
  lagMessages: number;
  lastInsertAt: number | null;
}

/** One source's durable consumer. */
interface Feed {
  readonly source: Source;
  readonly consumer: Consumer;
  messages: ConsumerMessages | undefined;
  /** Records in its stream not yet delivered, as the last delivery (or consumer info) said. */
  pending: number;
}

interface Item extends PendingRecord {
  msg: JsMsg;
  bytes: number;
  /** When it arrived here (performance.now()). */
  arrived: number;
}

export class Ingester {
  readonly metrics: AnalyticsMetrics;
  private readonly loader: Loader;
  private readonly feeds: Feed[] = [];
  private attachTimer: NodeJS.Timeout | undefined;
  private attaching: Promise<void> = Promise.resolve();
  private open: Item[] = [];
  private openEvents = 0;
  private openBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Batches cut and not yet through `flush` (running or queued). */
  private flushing = 0;
  private inFlight: Item[] = [];
  private lastDeliveryAt = 0;
  private lastInsertedPublished = 0;
  private pendingTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly s = {
    events: 0,
    records: 0,
    batches: 0,
    duplicates: 0,
    failures: 0,
    lastInsertAt: null as number | null,
  };
  private waiters: { pred: (s: IngestStats) => boolean; resolve: () => void }[] = [];

  private constructor(private readonly o: IngesterOptions) {
    this.metrics = o.metrics ?? new AnalyticsMetrics();
    this.metrics.lagSource = () => {
      const l = this.lag();
      return { seconds: l.seconds, messages: l.messages };
    };
    this.loader = new Loader(o.warehouse);
  }

  /**
   * Creates (or updates) the durable consumer on each source and starts consuming. Analytics' history
   * stream is created when missing; the engine's is the engine's to create, and is consumed once it is there.
   */
  static async start(o: IngesterOptions): Promise<Ingester> {
    const ing = new Ingester(o);
    await ing.begin();
    return ing;
  }

  private async begin(): Promise<void> {
    await ensureHistoryStream(this.o.nc, this.o.config.namespace);
    await this.loader.init();
    const missing: Source[] = [];
    for (const source of sourcesOf(this.o.config.namespace)) if (!(await this.attach(source))) missing.push(source);
    if (missing.length > 0) {
      this.o.log?.('info', 'waiting for the stream', { streams: missing.map((x) => x.stream) });
      this.attachLater(missing);
    }
    // When nothing arrives, the last delivery's `pending` may be stale: ask the server now and then.
    this.pendingTimer = setInterval(() => void this.refreshPending(), 1_000);
    this.pendingTimer.unref();
  }

  /** Creates or updates the source's durable consumer and consumes it; false when its stream is not there. */
  private async attach(source: Source): Promise<boolean> {
    if ((await new LogReader(this.o.nc, source.stream).bounds()) === null) return false;
    const { durable, maxAckPending, ackWaitMs } = this.o.config;
    const jsm = await jetstreamManager(this.o.nc);
    const cfg = workerConsumerConfig({ durable, ackWaitMs, maxAckPending, filterSubject: source.subjects });
    try {
      await jsm.consumers.info(source.stream, durable);
      // A restart with another ack wait or in-flight bound takes it.
      await jsm.consumers.update(source.stream, durable, { ack_wait: cfg.ack_wait, max_ack_pending: maxAckPending });
    } catch (e) {
      if (!/consumer not found/i.test(ensureError(e).message)) {
        throw new AnalyticsError(
          ErrorCode.Nats,
          `cannot read consumer ${durable} on ${source.stream}: ${ensureError(e).message}`,
          { cause: e },
        );
      }
      await jsm.consumers.add(source.stream, cfg);
    }
    const feed: Feed = {
      source,
      consumer: await jetstream(this.o.nc).consumers.get(source.stream, durable),
      messages: undefined,
      pending: 0,
    };
    feed.messages = await feed.consumer.consume({
      max_messages: Math.max(1, Math.min(maxAckPending, 2_000)),
      callback: (m) => this.receive(m, feed),
    });
    this.feeds.push(feed);
    return true;
  }

  /** Looks for the streams that were not there again in a while, until each is attached or ingestion stops. */
  private attachLater(missing: Source[]): void {
    this.attachTimer = setTimeout(() => {
      this.attachTimer = undefined;
      this.attaching = (async () => {
        const still: Source[] = [];
        for (const source of missing) {
          if (this.stopped) return;
          const attached = await this.attach(source).catch((e: unknown) => {
            this.o.log?.('warn', 'cannot consume the stream yet', {
              stream: source.stream,
              error: ensureError(e).message,
            });
            return false;
          });
          if (!attached) still.push(source);
          else this.o.log?.('info', 'consuming the stream', { stream: source.stream });
        }
        if (still.length > 0 && !this.stopped) this.attachLater(still);
      })();
    }, ATTACH_RETRY_MS);
    this.attachTimer.unref();
  }

  private receive(m: JsMsg, feed: Feed): void {
    if (this.stopped) return;
    const info = m.info;
    feed.pending = info.pending;
    this.lastDeliveryAt = Date.now();
    const publishedMs = Math.floor(info.timestampNanos / 1e6);
    const seq = feed.source.seqBase + info.streamSequence;
    let rows: { events: number; tsv: Buffer };
    try {
      const record = decodeRecord(m.data);
      rows = recordToTsv(record, { seq, partition: partitionOfSubject(m.subject), publishedMs });
    } catch (e) {
      // Not an engine record: nothing to store, and re-delivery would not change that.
      this.o.log?.('warn', 'undecodable record skipped', {
        stream: feed.source.stream,
        seq: info.streamSequence,
        error: ensureError(e).message,
      });
      this.metrics.records.inc({ outcome: 'undecodable' });
      m.term();
      return;
    }
    const item: Item = {
      msg: m,
      seq,
      publishedMs,
      events: rows.events,
      tsv: rows.tsv,
      redelivered: m.redelivered,
      bytes: m.data.length,
      arrived: performance.now(),
    };
    this.open.push(item);
    this.openEvents += rows.events;
    this.openBytes += item.bytes;
    if (this.full()) this.cut();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.onTimer(), this.o.config.batchMaxWaitMs);
  }

  private full(): boolean {
    const { batchMaxEvents, batchMaxBytes, maxAckPending } = this.o.config;
    return this.openEvents >= batchMaxEvents || this.openBytes >= batchMaxBytes || this.open.length >= maxAckPending;
  }

  /** The open batch's first record has waited batchMaxWaitMs: cut now, or when the running insert is done. */
  private onTimer(): void {
    this.timer = undefined;
    if (this.flushing === 0) this.cut();
  }

  /** After an insert: the open batch goes next if it is full or has waited long enough. */
  private afterFlush(): void {
    const first = this.open[0];
    if (first === undefined || this.flushing > 0 || this.stopped) return;
    if (this.full() || performance.now() - first.arrived >= this.o.config.batchMaxWaitMs) this.cut();
  }

  /** Closes the open batch and queues its insert behind the previous one. */
  private cut(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.length === 0) return;
    const batch = this.open;
    this.open = [];
    this.openEvents = 0;
    this.openBytes = 0;
    this.flushing++;
    this.chain = this.chain
      .then(() => this.flush(batch))
      .finally(() => {
        this.flushing--;
        this.afterFlush();
      });
  }

  private async flush(batch: Item[]): Promise<void> {
    this.inFlight = batch;
    const t0 = performance.now();
    try {
      const r = await this.loader.load(batch);
      const info: BatchInfo = {
        records: batch.length,
        events: r.inserted,
        duplicates: r.duplicates,
        firstSeq: batch[0]!.seq,
        lastSeq: batch[batch.length - 1]!.seq,
      };
      this.metrics.insertSeconds.observe((performance.now() - t0) / 1000);
      await this.o.afterInsert?.(info);
      for (const it of batch) it.msg.ack();
      const now = Date.now();
      let oldest = Infinity;
      let newest = 0;
      for (const it of batch) {
        if (it.publishedMs < oldest) oldest = it.publishedMs;
        if (it.publishedMs > newest) newest = it.publishedMs;
      }
      this.lastInsertedPublished = Math.max(this.lastInsertedPublished, newest);
      this.metrics.delaySeconds.observe(Math.max(0, now - oldest) / 1000);
      this.metrics.events.inc(r.inserted);
      this.metrics.records.inc({ outcome: 'stored' }, batch.length - r.duplicates);
      this.metrics.duplicates.inc(r.duplicates);
      this.metrics.batchEvents.observe(r.inserted);
      this.s.events += r.inserted;
      this.s.records += batch.length;
      this.s.duplicates += r.duplicates;
      this.s.batches++;
      this.s.lastInsertAt = now;
    } catch (e) {
      this.s.failures++;
      this.metrics.batchFailures.inc();
      this.o.log?.('error', 'batch failed; nacked for re-delivery', {
        records: batch.length,
        firstSeq: batch[0]?.seq,
        error: ensureError(e).message,
      });
      for (const it of batch) it.msg.nak(this.o.nakDelayMs ?? 1_000);
    } finally {
      this.inFlight = [];
      this.notify();
    }
  }

  private async refreshPending(): Promise<void> {
    if (this.stopped || Date.now() - this.lastDeliveryAt < 1_000) return;
    try {
      for (const feed of this.feeds) feed.pending = (await feed.consumer.info()).num_pending;
      this.notify();
    } catch {
      // NATS is away: the gauge keeps its last value until it answers again.
    }
  }

  /** Lag now: records published but not in ClickHouse, and the age of the oldest of them. */
  lag(): { seconds: number; messages: number } {
    const now = Date.now();
    const waiting = this.inFlight.length + this.open.length;
    const oldest = this.inFlight[0]?.publishedMs ?? this.open[0]?.publishedMs;
    const pending = this.feeds.reduce((n, f) => n + f.pending, 0);
    const messages = waiting + pending;
    let seconds = 0;
    if (oldest !== undefined) seconds = (now - oldest) / 1000;
    else if (pending > 0 && this.lastInsertedPublished > 0) seconds = (now - this.lastInsertedPublished) / 1000;
    return { seconds: Math.max(0, seconds), messages };
  }

  stats(): IngestStats {
    const l = this.lag();
    return {
      ...this.s,
      maxStoredSeq: this.loader.maxStoredSeq,
      lagSeconds: l.seconds,
      lagMessages: l.messages,
    };
  }

  /** Resolves once `pred(stats)` holds (checked after every batch): for tests and tools, never a sleep. */
  until(pred: (s: IngestStats) => boolean): Promise<void> {
    if (pred(this.stats())) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  private notify(): void {
    if (this.waiters.length === 0) return;
    const s = this.stats();
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(s)) return true;
      w.resolve();
      return false;
    });
  }

  /** Stops pulling, inserts and acks what was received, and returns. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pendingTimer !== undefined) clearInterval(this.pendingTimer);
    clearTimeout(this.attachTimer);
    await this.attaching;
    for (const feed of this.feeds) await feed.messages?.close().catch(() => undefined);
    this.cut();
    await this.chain;
  }
}
