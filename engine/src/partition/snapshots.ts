import { decode, encode } from '../codec.js';
import { ensureError } from '../errors.js';
import { jsPublish, kvLatest } from '../request-window.js';
import { actorKey } from '../partitioning.js';
import type { PartitionRecord } from '../record.js';
import type { Cell } from './cell.js';
import { now, type PartitionEnv, type ReplySink } from './env.js';
import type { ActorType } from '../decider.js';
import { readChain, restart, type ChainReader } from './chain.js';
import type { StagedCell } from './group-commit.js';
import type { Partition } from './index.js';

/** What the snapshot bucket holds under an actor's key. */
export interface SnapshotRecord {
  seq: number;
  s: unknown;
  /** [commandId, result, seq]: written by engines before 22 Nov 2026, still read. */
  ids?: [string, unknown, number][];
  /** [commandId, result as msgpack bytes, seq]: the id window's own bytes, not decoded and encoded again. */
  idr?: [string, Uint8Array, number][];
  /** [commandId, seq]: ids whose result is read back from their log record on a repeat (since 6 Dec 2026). */
  idl?: [string, number][];
}

/**
 * The value under an actor's key when its snapshot is larger than one KV value may be (a SKU with
 * thousands of open holds): the encoded record in `n` chunks under `<key>.c<g>.<i>`. Chunks go into
 * the generation the current head does not name, and the head is written last.
 */
interface SnapshotChunks {
  seq: number;
  chunks: { g: 0 | 1; n: number };
}

/**
 * A snapshot as read: the record, and the generation of its chunks when it came in chunks; where it
 * was found (`Cell.from`); for an actor read from its chain, the state folded (`folded`: `s` is a
 * live state, not a snapshot codec's form), the records folded and the command ids their entries hold.
 */
export type LoadedSnapshot = SnapshotRecord & {
  gen?: 0 | 1;
  place?: number;
  chainLen?: number;
  folded?: true;
  chainIds?: [string, unknown, number][];
};

const MAX_CONCURRENT_SNAPSHOTS = 32;
/** Snapshot entries in one unit of the group commit, at most about this many bytes (a record stays well under max_payload). */
const LOG_SNAPSHOT_UNIT_BYTES = 192 * 1024;
/** Decoded records kept per partition for reading snapshots back from the log (actors snapshotted together tend to load together; each holds up to ~200 KB of them). */
const RECORDS_CACHED = 4;

const NO_SINK: ReplySink = { deliver: () => undefined };

/**
 * A KV put as what it is underneath, a JetStream publish on `$KV.<bucket>.<key>`, through the
 * request window: nats.js `kv.put` goes through `request()`, which builds an Error on every
 * success (3% of the engine's CPU in lunch-rush, where idle order actors are snapshotted).
 */
export async function kvPut(env: PartitionEnv, bucket: string, key: string, data: Uint8Array): Promise<void> {
  await jsPublish(env.window, `$KV.${bucket}.${key}`, data, { timeoutMs: env.cfg.appendTimeoutMs });
}

/**
 * A partition's actor snapshots: written at most `MAX_CONCURRENT_SNAPSHOTS` at a time, the rest
 * queued; read back when an actor loads or the partition recovers.
 */
export class Snapshots {
  private running = 0;
  /**
   * Cells waiting for a snapshot slot, oldest first, from `head` on. A finished snapshot starts
   * the next at once: a lunch rush leaves hundreds of idle orders a second to snapshot, and a
   * snapshot that waited for the next housekeeping tick kept them (dirty, so in memory) for good.
   */
  private queue: Cell[] = [];
  private head = 0;

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
  ) {}

  /** Idle actors found by housekeeping this round, snapshotted together by `flushIdle`. */
  private idle: Cell[] = [];
  /** Records read back for snapshots in them, by sequence (oldest first out). */
  private readonly records = new Map<number, Promise<PartitionRecord | undefined>>();

  /** An idle actor with events not in a snapshot: snapshotted at the round's `flushIdle`. */
  requestIdle(c: Cell): void {
    this.idle.push(c);
  }

  /**
   * Snapshots the idle actors of this round into the log: their snapshots go as entries of one
   * append (a unit per ~192 KB) through the group commit, like a decision, instead of a KV put each
   * (a lunch rush leaves hundreds of idle orders a second; each put was a message, an ack and a
   * key for nats-server). An actor whose snapshot passes `logSnapshotMaxBytes` goes to the bucket.
   */
  flushIdle(): void {
    const cells = this.idle;
    this.idle = [];
    this.stageIdle(cells, 0);
  }

  /** Stages the snapshots of `cells` from `from` on, a unit per turn of the event loop (encoding them is the work). */
  private stageIdle(cells: readonly Cell[], from: number): void {
    if (this.part.state !== 'serving') return;
    const staged: StagedCell[] = [];
    let bytes = 0;
    for (let i = from; i < cells.length; i++) {
      const c = cells[i]!;
      // Only an actor with nothing decided and not yet durable: the snapshot is its committed state.
      if (c.snapshotting || c.snapQueued || c.pending > 0 || c.state !== c.committed || c.firstDirtySeq === 0) continue;
      if (this.part.cells.get(c.key) !== c) continue;
      if (this.chainIdle(c)) continue;
      // Only a complete directory is stored with the checkpoint, and only a stored directory finds a
      // snapshot in the log again after a restart: until then, the bucket.
      if (this.env.cfg.logSnapshotMaxBytes === 0 || !this.part.directory.complete) {
        this.request(c);
        continue;
      }
      const data = this.bytesOf(c);
      // Encoding is the work: a large actor's bytes count toward this turn's share too, and go to the
      // bucket as they are (encoding them again there doubled the longest housekeeping turns).
      bytes += data.length;
      if (data.length > this.env.cfg.logSnapshotMaxBytes) {
        this.request(c, data);
        if (bytes >= LOG_SNAPSHOT_UNIT_BYTES) return this.stageRest(staged, cells, i + 1);
        continue;
      }
      c.snapshotting = true;
      c.lastSnapshotAt = now();
      staged.push({
        cell: c,
        entry: { a: [c.ref.type, c.ref.store, c.ref.id], sn: data },
        post: c.committed,
        idPos: -1,
        tags: undefined,
        transient: undefined,
        covers: c.lastSeq,
      });
      if (bytes >= LOG_SNAPSHOT_UNIT_BYTES) return this.stageRest(staged, cells, i + 1);
    }
    if (staged.length > 0) this.stage(staged);
  }

  /**
   * An idle actor whose records since its last snapshot are few enough is put in the directory at its
   * latest record, its chain (`partition/chain.ts`): nothing is encoded or written for it. Only with a
   * complete directory: only a stored directory finds it again after a restart.
   */
  private chainIdle(c: Cell): boolean {
    const max = this.env.cfg.chainMaxRecords;
    if (max === 0 || !this.part.directory.complete) return false;
    if (c.from !== -c.lastSeq || c.chainLen > max) return false;
    this.part.directory.locate(c.key, c.from);
    c.firstDirtySeq = 0;
    c.eventsSinceSnap = 0;
    c.snapSeq = c.lastSeq;
    this.env.metrics.chained++;
    return true;
  }

  /** Stages what this turn encoded; the cells from `next` on in a later turn (a round with thousands of idle orders would hold the loop for tens of ms). */
  private stageRest(staged: StagedCell[], cells: readonly Cell[], next: number): void {
    if (staged.length > 0) this.stage(staged);
    if (next < cells.length) setImmediate(() => this.stageIdle(cells, next));
  }

  private stage(staged: StagedCell[]): void {
    const commit = this.part.commit;
    commit.add({ cell: staged[0]!.cell, staged, sink: NO_SINK, slot: 0, result: [0, null], snapshots: true });
    commit.scheduleFlush();
  }

  /** The record `seq` holding these snapshot entries is durable: each actor's latest snapshot is there. */
  inLog(staged: readonly StagedCell[], seq: number): void {
    for (const s of staged) {
      const c = s.cell;
      const covers = s.covers!;
      c.snapshotting = false;
      c.snapSeq = Math.max(c.snapSeq, covers);
      // Decided after the snapshot was taken (later in this record or in flight): still dirty from then.
      if (c.lastSeq === covers) {
        c.firstDirtySeq = 0;
        c.eventsSinceSnap = 0;
        restart(c, seq);
      }
      this.part.directory.locate(c.key, seq);
      this.env.metrics.snapshots++;
    }
  }

  /**
   * Snapshots `c` now, or as soon as a slot is free. `data`: its bytes as `bytesOf` just gave them
   * (nothing ran since), used when it goes now; a queued one is encoded when its turn comes.
   */
  request(c: Cell, data?: Uint8Array): void {
    if (c.snapshotting || c.snapQueued) return;
    if (this.running < MAX_CONCURRENT_SNAPSHOTS) {
      void this.write(c, data);
      return;
    }
    c.snapQueued = true;
    this.queue.push(c);
  }

  /** Every actor with events not in a snapshot, `MAX_CONCURRENT_SNAPSHOTS` at a time (a hand-over). */
  async writeDirty(cells: Iterable<Cell>): Promise<void> {
    const dirty = [...cells].filter((c) => c.firstDirtySeq !== 0);
    for (let i = 0; i < dirty.length; i += MAX_CONCURRENT_SNAPSHOTS) {
      await Promise.all(dirty.slice(i, i + MAX_CONCURRENT_SNAPSHOTS).map((c) => this.write(c)));
    }
  }

  /** Forgets the queue (the partition stopped). */
  clear(): void {
    this.queue = [];
    this.head = 0;
  }

  /** Starts queued snapshots while slots are free; skips cells gone, clean or already being written. */
  private next(): void {
    const q = this.queue;
    while (this.running < MAX_CONCURRENT_SNAPSHOTS && this.head < q.length) {
      const c = q[this.head++]!;
      c.snapQueued = false;
      if (this.part.state === 'dead' || this.part.cells.get(c.key) !== c || c.firstDirtySeq === 0 || c.snapshotting)
        continue;
      void this.write(c);
    }
    if (this.head === q.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }

  /** The actor's committed state and newest durable ids, encoded as the bucket and a log entry hold them. */
  private bytesOf(c: Cell): Uint8Array {
    const seq = c.lastSeq;
    // The newest durable ids, oldest first (the order the window keeps them in); a result the window did
    // not keep is in the log, and only its id and record go in.
    const idr: [string, Uint8Array, number][] = [];
    const idl: [string, number][] = [];
    for (const [id, r, at] of c.recent.newestEncoded(this.env.cfg.dedupIdsInSnapshot)) {
      if (at > 0 && at <= seq) {
        if (r === null) idl.push([id, at]);
        else idr.push([id, r, at]);
      }
    }
    const record: SnapshotRecord = {
      seq,
      s: c.type.snapshot ? c.type.snapshot.encode(c.committed) : c.committed,
      idr,
    };
    if (idl.length > 0) record.idl = idl;
    // Encoded now, before anything else runs: the result bytes are views into the id window.
    return encode(record);
  }

  private async write(c: Cell, encoded?: Uint8Array): Promise<void> {
    if (c.snapshotting) return;
    c.snapshotting = true;
    c.lastSnapshotAt = now();
    this.running++;
    const seq = c.lastSeq;
    const counted = c.eventsSinceSnap;
    try {
      const data = encoded ?? this.bytesOf(c);
      await this.put(c, seq, data);
      // The bucket holds its latest snapshot now (it may have been in the log before).
      if (this.part.state !== 'dead') this.part.directory.locate(c.key, 0);
      this.env.metrics.snapshots++;
      c.snapSeq = Math.max(c.snapSeq, seq);
      c.eventsSinceSnap = Math.max(0, c.eventsSinceSnap - counted);
      c.firstDirtySeq = c.lastSeq > seq ? seq + 1 : 0;
      // Covering its latest record: its next record names the bucket. (Past it, the chain of those
      // records still holds: a chain read skips what a newer bucket snapshot covers.)
      if (c.lastSeq === seq) {
        c.from = 0;
        c.chainLen = 0;
      }
    } catch (err) {
      this.env.log.warn({ actor: c.key, err: ensureError(err).message }, 'snapshot failed; will retry');
    } finally {
      c.snapshotting = false;
      this.running--;
      this.next();
    }
  }

  /** One KV value, or chunks and then a head naming them when the snapshot passes the server's payload limit. */
  private async put(c: Cell, seq: number, data: Uint8Array): Promise<void> {
    const env = this.env;
    const bucket = env.names.snapshots;
    const limit = env.maxRecordBytes;
    if (data.length <= limit) return kvPut(env, bucket, c.key, data);
    const g = c.snapGen === 0 ? 1 : 0;
    const n = Math.ceil(data.length / limit);
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        kvPut(env, bucket, `${c.key}.c${g}.${i}`, data.subarray(i * limit, (i + 1) * limit)),
      ),
    );
    await kvPut(env, bucket, c.key, encode({ seq, chunks: { g, n } } satisfies SnapshotChunks));
    c.snapGen = g;
  }

  /**
   * The actor's latest snapshot, from where the directory says (a record of the log, or the bucket;
   * the bucket when it does not know), or undefined when there is none.
   */
  async read(key: string, type: ActorType): Promise<LoadedSnapshot | undefined> {
    const places = this.part.directory.places(key);
    if (places.length === 0) return this.fromBucket(key);
    for (const place of places) {
      const snap =
        place === 0
          ? await this.fromBucket(key)
          : place < 0
            ? await readChain(this.chainReader, type, key, -place, this.env.cfg.chainMaxRecords)
            : await this.fromLog(place, key);
      if (snap !== undefined) return snap;
    }
    return undefined;
  }

  private readonly chainReader: ChainReader = {
    record: (seq) => this.record(seq),
    bucket: (key) => this.fromBucket(key),
    decode: (bytes) => decode<SnapshotRecord>(bytes),
  };

  /** Record `seq` of this partition, decoded (the last few are kept: actors idle together load together). */
  private record(seq: number): Promise<PartitionRecord | undefined> {
    let rec = this.records.get(seq);
    if (rec === undefined) {
      const { env } = this;
      rec = env.jsm.streams
        .getMessage(env.names.stream, { seq })
        .then((m) => (m === null || m.subject !== this.part.subject ? undefined : decode<PartitionRecord>(m.data)));
      this.records.set(seq, rec);
      if (this.records.size > RECORDS_CACHED) this.records.delete(this.records.keys().next().value!);
      rec.catch(() => this.records.delete(seq));
    }
    return rec;
  }

  /** The snapshot entry of `key` in record `seq`, if it holds one (a place from a shared hash may not). */
  private async fromLog(seq: number, key: string): Promise<LoadedSnapshot | undefined> {
    const r = await this.record(seq);
    if (r?.k !== 'b') return undefined;
    for (const e of r.x) {
      if (e.sn !== undefined && actorKey(e.a[1], e.a[0], e.a[2]) === key) {
        return { ...decode<SnapshotRecord>(e.sn), place: seq };
      }
    }
    return undefined;
  }

  /** The snapshot under `key` in the bucket, whole (its chunks put together), or undefined when there is none. */
  private async fromBucket(key: string): Promise<LoadedSnapshot | undefined> {
    const v = await this.value(key);
    if (v === undefined) return undefined;
    const head = decode<SnapshotRecord | SnapshotChunks>(v);
    if (!('chunks' in head)) return { ...head, place: 0 };
    const { g, n } = head.chunks;
    const parts = await Promise.all(Array.from({ length: n }, (_, i) => this.value(`${key}.c${g}.${i}`)));
    if (parts.some((x) => x === undefined)) throw new Error(`snapshot of ${key} names a chunk that is missing`);
    return { ...decode<SnapshotRecord>(Buffer.concat(parts as Uint8Array[])), gen: g, place: 0 };
  }

  private async value(key: string): Promise<Uint8Array | undefined> {
    if (this.env.snapshotsDirect) {
      return kvLatest(this.env.window, this.env.names.snapshots, key, this.env.cfg.appendTimeoutMs);
    }
    const e = await this.env.snapshots.get(key);
    return e === null || e.operation !== 'PUT' || e.length === 0 ? undefined : e.value;
  }
}
