/**
 * What the engine writes to a partition's event subject. One JetStream message
 * is one record, so everything in a record is atomic: the events of an order and
 * of every SKU it reserved land together or not at all.
 */

/** One actor's share of a decision. Short keys: records are written at the rate of commands. */
export interface LogEntry {
  /** [type, store, id] */
  a: [string, string, string];
  /** Events, folded with `evolve` on replay. */
  ev?: unknown[];
  /** Command id (idempotency key) and the result returned for it. */
  c?: string;
  r?: unknown;
  /** Timers set: [key, at, command]. */
  tm?: [string, number, unknown][];
  /** Timers cancelled, by key. */
  tc?: string[];
  /** Timer fired: [key, at]. */
  tf?: [string, number];
  /** Side outputs: [subject, id, data, jetstream ? 1 : 0, request id of the command that made it?]. */
  out?: [string, string, unknown, number, string?][];
  /**
   * A snapshot of the actor (an encoded `SnapshotRecord`, as the snapshot bucket would hold it), in
   * an entry of its own with nothing else: idle actors are snapshotted into the log, many in one
   * append, instead of a KV put each. The directory keeps the record's sequence as its place.
   */
  sn?: Uint8Array;
  /**
   * Where the actor's state before this record is, on its first entry in the record (written since
   * 7 Dec 2026): absent for its initial state, 0 the snapshot bucket, S > 0 the snapshot entry in
   * record S, -S its entries in record S. An idle actor whose records since its last snapshot are
   * few is found by following these back from its latest record (a chain) instead of a snapshot
   * written for it: see `Snapshots.chainIdle`.
   */
  p?: number;
}

export interface BatchRecord {
  k: 'b';
  /** Lease epoch of the writer. */
  e: number;
  /** Writer (engine process id). */
  o: string;
  x: LogEntry[];
}

/** Written by a new owner before it reads the log: any older owner's next append fails its sequence check. */
export interface FenceRecord {
  k: 'f';
  e: number;
  o: string;
}

export type PartitionRecord = BatchRecord | FenceRecord;
