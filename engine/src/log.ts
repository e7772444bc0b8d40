/**
 * Read-only access to the engine's event log (`@lunchrush/engine/log`), for
 * processes that follow what the engine decided (analytics, projections): the
 * record format, its decoder, which partition a subject or a store is, and a
 * reader that pages through a stream without acking or writing anything.
 *
 * Only the engine appends to `<NS>_EVENTS`: each append of a partition's owner
 * expects the subject's last sequence to be its own previous record, so a record
 * from anyone else fences the live owner out (its next append fails), and
 * whatever that record holds is folded into the actors by the next recovery.
 */
import { DeliverPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { decode } from './codec.js';
import { names, partitionOfSubject } from './names.js';
import type { BatchRecord, PartitionRecord } from './record.js';

export type { BatchRecord, FenceRecord, LogEntry, PartitionRecord } from './record.js';
export { partitionOf } from './partitioning.js';
export { partitionOfSubject };

/** One message's bytes as a record (throws on bytes that are not msgpack). */
export function decodeRecord(bytes: Uint8Array): PartitionRecord {
  return decode<PartitionRecord>(bytes);
}

/** A record with decisions in it (fences carry none). */
export function isBatchRecord(r: unknown): r is BatchRecord {
  return typeof r === 'object' && r !== null && (r as { k?: unknown }).k === 'b' && Array.isArray((r as BatchRecord).x);
}

/** One message of the log as stored, not yet decoded. */
export interface LogMessage {
  /** Stream sequence. */
  readonly seq: number;
  readonly subject: string;
  /** From the subject (`<ns>.ev.<p>`); -1 for a subject without one. */
  readonly partition: number;
  /** When JetStream stored it (ms since the epoch). */
  readonly publishedMs: number;
  readonly data: Uint8Array;
}

export interface LogBounds {
  /** First sequence still stored (above `last` when the stream is empty). */
  readonly first: number;
  readonly last: number;
}

/**
 * Pages through a stream of records in the engine's format with ordered
 * consumers: nothing is acked, no durable state is left behind, nothing is written.
 */
export class LogReader {
  constructor(
    private readonly nc: NatsConnection,
    /** The JetStream stream read. */
    readonly stream: string,
  ) {}

  /** The engine's event stream of namespace `ns`. */
  static events(nc: NatsConnection, ns: string): LogReader {
    return new LogReader(nc, names(ns).stream);
  }

  /** First and last sequence now; null when the stream does not exist (yet). */
  async bounds(): Promise<LogBounds | null> {
    const jsm = await jetstreamManager(this.nc);
    try {
      const si = await jsm.streams.info(this.stream);
      return { first: si.state.first_seq, last: si.state.last_seq };
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) return null;
      throw e;
    }
  }

  /**
   * The messages from sequence `from` to `to` (both inclusive; `to` at most the
   * last sequence `bounds()` gave), in order. Stops early when the stream has
   * nothing more, so a range past its end never waits for appends.
   */
  async *read(range: { from: number; to: number }, opts: { pageSize?: number } = {}): AsyncGenerator<LogMessage> {
    if (range.to < range.from) return;
    // No filter: the stream holds only its own subjects (and filter_subjects needs nats-server 2.10).
    const consumer = await jetstream(this.nc).consumers.get(this.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, range.from),
    });
    const messages = await consumer.consume({ max_messages: opts.pageSize ?? 2_000 });
    try {
      for await (const m of messages) {
        const seq = m.info.streamSequence;
        if (seq > range.to) break;
        yield {
          seq,
          subject: m.subject,
          partition: partitionOfSubject(m.subject),
          publishedMs: Math.floor(m.info.timestampNanos / 1e6),
          data: m.data,
        };
        if (seq >= range.to || m.info.pending === 0) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
  }
}
