import { decode, encode } from '../codec.js';
import { ensureError } from '../errors.js';
import { jsPublish, kvLatest } from '../request-window.js';
import type { Cell } from './cell.js';
import { now, type PartitionEnv } from './env.js';
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

/** A snapshot as read: the record, and the generation of its chunks when it came in chunks. */
export type LoadedSnapshot = SnapshotRecord & { gen?: 0 | 1 };

const MAX_CONCURRENT_SNAPSHOTS = 32;

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

  /** Snapshots `c` now, or as soon as a slot is free. */
  request(c: Cell): void {
    if (c.snapshotting || c.snapQueued) return;
    if (this.running < MAX_CONCURRENT_SNAPSHOTS) {
      void this.write(c);
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

  private async write(c: Cell): Promise<void> {
    if (c.snapshotting) return;
    c.snapshotting = true;
    c.lastSnapshotAt = now();
    this.running++;
    const seq = c.lastSeq;
    const counted = c.eventsSinceSnap;
    try {
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
      const data = encode(record);
      await this.put(c, seq, data);
      this.env.metrics.snapshots++;
      c.snapSeq = Math.max(c.snapSeq, seq);
      c.eventsSinceSnap = Math.max(0, c.eventsSinceSnap - counted);
      c.firstDirtySeq = c.lastSeq > seq ? seq + 1 : 0;
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

  /** The snapshot under `key`, whole (its chunks put together), or undefined when there is none. */
  async read(key: string): Promise<LoadedSnapshot | undefined> {
    const v = await this.value(key);
    if (v === undefined) return undefined;
    const head = decode<SnapshotRecord | SnapshotChunks>(v);
    if (!('chunks' in head)) return head;
    const { g, n } = head.chunks;
    const parts = await Promise.all(Array.from({ length: n }, (_, i) => this.value(`${key}.c${g}.${i}`)));
    if (parts.some((x) => x === undefined)) throw new Error(`snapshot of ${key} names a chunk that is missing`);
    return { ...decode<SnapshotRecord>(Buffer.concat(parts as Uint8Array[])), gen: g };
  }

  private async value(key: string): Promise<Uint8Array | undefined> {
    if (this.env.snapshotsDirect) {
      return kvLatest(this.env.window, this.env.names.snapshots, key, this.env.cfg.appendTimeoutMs);
    }
    const e = await this.env.snapshots.get(key);
    return e === null || e.operation !== 'PUT' || e.length === 0 ? undefined : e.value;
  }
}
