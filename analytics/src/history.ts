/**
 * History in and out of ClickHouse:
 *
 * - `backfill` rebuilds every table from the whole JetStream history of every
 *   source (the engine's log, analytics' history stream): truncate, then read
 *   each stream from its first record to the last one present when it started
 *   (`LogReader`: ordered consumers, nothing acked), in batches through the same
 *   `Loader` as live ingestion. A running durable consumer is not moved: records
 *   it has not acked yet come back to it and are recognised as stored.
 * - `publishHistory` writes generated records to analytics' own history stream,
 *   in the engine's format (one JetStream message per record, on its partition's
 *   subject), never to the engine's: see `sources.ts`.
 * - `loadHistoryDirect` puts generated records straight into ClickHouse (sequences
 *   of their own range), for the bench's 10M-event tables without a stream behind them.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { encode } from '@lunchrush/engine/codec';
import { LogReader, decodeRecord } from '@lunchrush/engine/log';
import { AnalyticsError, ErrorCode } from './errors.js';
import type { GeneratedRecord } from './generator.js';
import { Loader, type PendingRecord } from './loader.js';
import { recordToTsv } from './rows.js';
import { truncateAll } from './schema.js';
import { DIRECT_SEQ_BASE, ensureHistoryStream, historySource, sourcesOf, type Source } from './sources.js';
import type { Warehouse } from './warehouse.js';

const EMPTY = Buffer.alloc(0);

export interface Progress {
  done: number;
  total: number;
  events: number;
}

export interface BackfillOptions {
  nc: NatsConnection;
  warehouse: Warehouse;
  namespace: string;
  batchMaxEvents?: number;
  onProgress?: (p: Progress) => void;
}

export interface BackfillResult {
  records: number;
  events: number;
  /** Each stream read, with the sequences it was read up to (absent streams are left out). */
  streams: { stream: string; first: number; last: number }[];
}

/** Truncates and reloads every table from every source's stream. Returns records read and events stored. */
export async function backfill(o: BackfillOptions): Promise<BackfillResult> {
  const found: { source: Source; reader: LogReader; first: number; last: number }[] = [];
  for (const source of sourcesOf(o.namespace)) {
    const reader = new LogReader(o.nc, source.stream);
    const b = await reader.bounds();
    if (b !== null) found.push({ source, reader, first: b.first, last: b.last });
  }
  if (found.length === 0) {
    const streams = sourcesOf(o.namespace).map((x) => x.stream);
    throw new AnalyticsError(ErrorCode.Nats, `no stream to read: neither ${streams.join(' nor ')} exists`);
  }
  await truncateAll(o.warehouse);
  const loader = new Loader(o.warehouse);
  await loader.init();
  const spans = found.map((f) => (f.last >= f.first && f.last > 0 ? f.last - f.first + 1 : 0));
  const total = spans.reduce((a, b) => a + b, 0);
  const progress: Progress = { done: 0, total, events: 0 };
  o.onProgress?.(progress);

  const limit = o.batchMaxEvents ?? 50_000;
  let batch: PendingRecord[] = [];
  let batchEvents = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const r = await loader.load(batch);
    progress.events += r.inserted;
    batch = [];
    batchEvents = 0;
  };
  let before = 0;
  for (const [i, f] of found.entries()) {
    if (spans[i] === 0) continue;
    for await (const m of f.reader.read({ from: f.first, to: f.last })) {
      const seq = f.source.seqBase + m.seq;
      let rows: { events: number; tsv: Buffer } = { events: 0, tsv: EMPTY };
      try {
        rows = recordToTsv(decodeRecord(m.data), { seq, partition: m.partition, publishedMs: m.publishedMs });
      } catch {
        // Not an engine record: skipped, as live ingestion does.
      }
      batch.push({ seq, publishedMs: m.publishedMs, events: rows.events, tsv: rows.tsv, redelivered: false });
      batchEvents += rows.events;
      progress.done = before + m.seq - f.first + 1;
      if (batchEvents >= limit) {
        await flush();
        o.onProgress?.(progress);
      }
    }
    before += spans[i]!;
  }
  await flush();
  progress.done = total;
  o.onProgress?.(progress);
  return {
    records: total,
    events: progress.events,
    streams: found.map((f) => ({ stream: f.source.stream, first: f.first, last: f.last })),
  };
}

export interface PublishOptions {
  /** Records in flight at once (acks awaited as a window). */
  window?: number;
  /** Paces the publisher to this many events per second (open model: the schedule does not wait for acks). */
  eventsPerSecond?: number;
  onProgress?: (p: { records: number; events: number }) => void;
  progressEvery?: number;
}

/**
 * Publishes generated records to analytics' history stream (`<NS>_ANALYTICS_HISTORY`, created when
 * missing), one message per record on its partition's subject, as the engine appends its own.
 */
export async function publishHistory(
  nc: NatsConnection,
  namespace: string,
  records: Iterable<GeneratedRecord>,
  o: PublishOptions = {},
): Promise<{ records: number; events: number }> {
  await ensureHistoryStream(nc, namespace);
  const js = jetstream(nc);
  const history = historySource(namespace);
  const window = o.window ?? 256;
  const inflight = new Set<Promise<unknown>>();
  const done = { records: 0, events: 0 };
  const t0 = performance.now();
  const every = o.progressEvery ?? 1_000;
  for (const r of records) {
    if (o.eventsPerSecond !== undefined) {
      const due = t0 + (done.events / o.eventsPerSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((res) => setTimeout(res, wait));
    }
    const p: Promise<unknown> = js
      .publish(history.subject(r.partition), encode(r.record))
      .finally(() => inflight.delete(p));
    inflight.add(p);
    done.records++;
    done.events += r.events;
    if (done.records % every === 0) o.onProgress?.(done);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  o.onProgress?.(done);
  return done;
}

/** Loads generated records straight into ClickHouse with synthetic sequences (after the highest such one stored). */
export async function loadHistoryDirect(
  wh: Warehouse,
  records: Iterable<GeneratedRecord>,
  o: { batchMaxEvents?: number; onProgress?: (p: { records: number; events: number }) => void } = {},
): Promise<{ records: number; events: number }> {
  const loader = new Loader(wh);
  await loader.init();
  let seq = loader.highestFrom(DIRECT_SEQ_BASE);
  const limit = o.batchMaxEvents ?? 200_000;
  let batch: PendingRecord[] = [];
  let n = 0;
  const done = { records: 0, events: 0 };
  for (const r of records) {
    seq++;
    const rows = recordToTsv(r.record, { seq, partition: r.partition, publishedMs: r.at });
    batch.push({ seq, publishedMs: r.at, events: rows.events, tsv: rows.tsv, redelivered: false });
    n += rows.events;
    done.records++;
    done.events += rows.events;
    if (n >= limit) {
      await loader.load(batch);
      batch = [];
      n = 0;
      o.onProgress?.(done);
    }
  }
  await loader.load(batch);
  o.onProgress?.(done);
  return done;
}
