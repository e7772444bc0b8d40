/**
 * History in and out of ClickHouse:
 *
 * - `backfill` rebuilds every table from the whole JetStream history: truncate,
 *   then read the stream from its first record to the last one present when it
 *   started (an ordered consumer, nothing acked), in batches through the same
 *   `Loader` as live ingestion. A running durable consumer is not moved: records
 *   it has not acked yet come back to it and are recognised as stored.
 * - `publishHistory` writes generated records to the events stream, as the
 *   engine would (one JetStream message per record, on its partition subject).
 * - `loadHistoryDirect` puts generated records straight into ClickHouse (synthetic
 *   sequences), for the bench's 10M-event tables without a stream behind them.
 */
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decode, encode, type PartitionRecord } from '@lunchrush/engine';
import { streamNames } from './config.js';
import { AnalyticsError, ErrorCode, ensureError } from './errors.js';
import type { GeneratedRecord } from './generator.js';
import { Loader, type PendingRecord } from './loader.js';
import { partitionOfSubject, recordToTsv } from './rows.js';

const EMPTY = Buffer.alloc(0);
import { truncateAll } from './schema.js';
import type { Warehouse } from './warehouse.js';

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

/** Truncates and reloads every table from the stream. Returns records read and events stored. */
export async function backfill(o: BackfillOptions): Promise<{ records: number; events: number; lastSeq: number }> {
  const names = streamNames(o.namespace);
  const jsm = await jetstreamManager(o.nc);
  let first: number;
  let last: number;
  try {
    const si = await jsm.streams.info(names.stream);
    first = si.state.first_seq;
    last = si.state.last_seq;
  } catch (e) {
    throw new AnalyticsError(ErrorCode.Nats, `no stream ${names.stream}: ${ensureError(e).message}`, { cause: e });
  }
  await truncateAll(o.warehouse);
  const loader = new Loader(o.warehouse);
  await loader.init();
  const total = last >= first ? last - first + 1 : 0;
  const progress: Progress = { done: 0, total, events: 0 };
  o.onProgress?.(progress);
  if (total === 0 || last === 0) return { records: 0, events: 0, lastSeq: last };

  const limit = o.batchMaxEvents ?? 50_000;
  // The stream holds only `<ns>.ev.>`: no filter (filter_subjects needs nats-server 2.10).
  const consumer = await jetstream(o.nc).consumers.get(names.stream, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({ max_messages: 2_000 });
  let batch: PendingRecord[] = [];
  let batchEvents = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const r = await loader.load(batch);
    progress.events += r.inserted;
    batch = [];
    batchEvents = 0;
  };
  try {
    for await (const m of messages as AsyncIterable<JsMsg>) {
      const seq = m.info.streamSequence;
      if (seq > last) break;
      const publishedMs = Math.floor(m.info.timestampNanos / 1e6);
      let rows: { events: number; tsv: Buffer } = { events: 0, tsv: EMPTY };
      try {
        rows = recordToTsv(decode<PartitionRecord>(m.data), {
          seq,
          partition: partitionOfSubject(m.subject),
          publishedMs,
        });
      } catch {
        // Not an engine record: skipped, as live ingestion does.
      }
      batch.push({ seq, publishedMs, events: rows.events, tsv: rows.tsv, redelivered: false });
      batchEvents += rows.events;
      progress.done = seq - first + 1;
      if (batchEvents >= limit) {
        await flush();
        o.onProgress?.(progress);
      }
      if (seq >= last) break;
    }
    await flush();
    progress.done = total;
    o.onProgress?.(progress);
  } finally {
    await messages.close().catch(() => undefined);
  }
  return { records: total, events: progress.events, lastSeq: last };
}

/** Creates the events stream if the engine has not yet (the engine's settings: file storage, limits). */
export async function ensureEventStream(nc: NatsConnection, namespace: string): Promise<void> {
  const names = streamNames(namespace);
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(names.stream);
  } catch {
    await jsm.streams.add({
      name: names.stream,
      subjects: [names.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: 120 * 1_000_000_000,
      max_msg_size: -1,
    });
  }
}

export interface PublishOptions {
  /** Records in flight at once (acks awaited as a window). */
  window?: number;
  /** Paces the publisher to this many events per second (open model: the schedule does not wait for acks). */
  eventsPerSecond?: number;
  onProgress?: (p: { records: number; events: number }) => void;
  progressEvery?: number;
}

/** Publishes generated records to `<ns>.ev.<p>`, as the engine appends them. */
export async function publishHistory(
  nc: NatsConnection,
  namespace: string,
  records: Iterable<GeneratedRecord>,
  o: PublishOptions = {},
): Promise<{ records: number; events: number }> {
  await ensureEventStream(nc, namespace);
  const js = jetstream(nc);
  const names = streamNames(namespace);
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
      .publish(names.subject(r.partition), encode(r.record))
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

/** Loads generated records straight into ClickHouse with synthetic sequences (after the highest stored). */
export async function loadHistoryDirect(
  wh: Warehouse,
  records: Iterable<GeneratedRecord>,
  o: { batchMaxEvents?: number; onProgress?: (p: { records: number; events: number }) => void } = {},
): Promise<{ records: number; events: number }> {
  const loader = new Loader(wh);
  await loader.init();
  let seq = loader.maxStoredSeq;
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
