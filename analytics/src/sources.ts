/**
 * The streams analytics reads records from, and the `events.seq` range each gets.
 *
 * - `events`: the engine's log, `<NS>_EVENTS` on `<ns>.ev.<p>` (named by
 *   `@lunchrush/engine/names`). Only the engine writes it: analytics reads it and
 *   never creates it (the engine makes it with its own settings; ingestion waits).
 * - `history`: analytics' own stream, `<NS>_ANALYTICS_HISTORY` on
 *   `<ns>.analytics.history.<p>`, where `generate` publishes synthetic records in
 *   the engine's format. A record published on the engine's subjects instead would
 *   fence the live owner of its partition and be folded into its actors on the
 *   next recovery.
 *
 * A record's ClickHouse `seq` is its stream sequence plus its source's base, so
 * records of two streams never share an event id (`<seq>:<entry>:<idx>`) and the
 * loader's "highest stored" is kept per source. Records loaded straight into
 * ClickHouse (`generate --direct`, no stream behind them) get a range of their own.
 */
import { jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { names } from '@lunchrush/engine/names';
import { RECO_EVENT_SUBJECTS, RECO_EVENTS_STREAM, recoEventSubject } from '@lunchrush/actors';

/** Width of each source's range of `events.seq` (2^50: four ranges stay below 2^53, exact as JS numbers). */
export const SEQ_SPACE = 2 ** 50;
/** `events.seq` of records loaded without a stream (`loadHistoryDirect`) start above this. */
export const DIRECT_SEQ_BASE = 2 * SEQ_SPACE;

export interface Source {
  readonly kind: 'events' | 'history' | 'reco';
  readonly stream: string;
  /** Every subject of the stream (the durable consumer's filter). */
  readonly subjects: string;
  /** The subject of a partition's records. */
  subject(p: number): string;
  /** Added to a stream sequence to make `events.seq`. */
  readonly seqBase: number;
}

/** The range (0, 1, 2) an `events.seq` belongs to. */
export const seqRange = (seq: number): number => Math.floor(seq / SEQ_SPACE);

/** The engine's event log of namespace `ns`. */
export function eventSource(ns: string): Source {
  const n = names(ns);
  return { kind: 'events', stream: n.stream, subjects: n.eventWildcard, subject: (p) => n.eventSubject(p), seqBase: 0 };
}

/** Analytics' stream of generated history in namespace `ns`. */
export function historySource(ns: string): Source {
  const n = names(ns);
  return {
    kind: 'history',
    // Named as the namespace's other streams are (`<NS>_<NAME>`), so tools that clear a namespace find it.
    stream: n.outputStream('ANALYTICS_HISTORY'),
    subjects: n.subject('analytics.history.>'),
    subject: (p) => n.subject(`analytics.history.${p}`),
    seqBase: SEQ_SPACE,
  };
}

/**
 * Impressions and clicks of recommendations, `<NS>_RECO_EVENTS` on `<ns>.recoev.<store>`: the
 * gateways append and create it (names from `@lunchrush/actors`); analytics reads it. Its
 * range is the fourth (the third is `generate --direct`'s): four ranges of 2^50 stay exact.
 */
export function recoSource(ns: string): Source {
  const n = names(ns);
  return {
    kind: 'reco',
    stream: n.outputStream(RECO_EVENTS_STREAM),
    subjects: n.subject(RECO_EVENT_SUBJECTS),
    subject: (p) => n.subject(recoEventSubject(String(p))),
    seqBase: 3 * SEQ_SPACE,
  };
}

/** Every source of namespace `ns`, the engine's log first. */
export function sourcesOf(ns: string): Source[] {
  return [eventSource(ns), historySource(ns), recoSource(ns)];
}

/** Creates analytics' history stream when it is not there (file storage, kept until deleted). */
export async function ensureHistoryStream(nc: NatsConnection, ns: string): Promise<void> {
  const s = historySource(ns);
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(s.stream);
  } catch {
    await jsm.streams.add({
      name: s.stream,
      subjects: [s.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_msg_size: -1,
    });
  }
}
