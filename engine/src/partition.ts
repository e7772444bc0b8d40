import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { decode, encode, Preencoded } from './codec.js';
import type { ActorRef, ActorType } from './decider.js';
import { ensureError, ErrorCode } from './errors.js';
import { isTransient, isWrongLastSequence } from './jsutil.js';
import { jsPublish, kvLatest, type RequestWindow } from './request-window.js';
import type { EngineConfig } from './config.js';
import type { EngineMetrics } from './metrics.js';
import { actorKey, type Names } from './partitioning.js';
import type { BatchRecord, FenceRecord, LogEntry, PartitionRecord } from './record.js';
import { IdWindow } from './id-window.js';
import { CheckpointWriter, readCheckpoint } from './checkpoint.js';
import { TimerIndex, type PendingTimer } from './timers.js';
import { fold, NeedsLoad, runTransaction, type TxCommand, type TxHost } from './transaction.js';

/** On the wire: `[0, result]` or `[1, code, message, reason?, details?]`. */
export type WireResult = [0, unknown] | [1, string, string, string?, unknown?];
/** Where answers go: one per request, answering each command by its slot (no closure per command). */
export interface ReplySink {
  deliver(slot: number, r: WireResult): void;
}

export interface Job extends TxCommand {
  readonly ref: ActorRef;
  readonly key: string;
  /** As it came; replaced by its actor type's `parse` of it on the first run (`parsed`). */
  command: unknown;
  readonly cmdId: string | undefined;
  readonly timer: [string, number] | undefined;
  readonly sink: ReplySink;
  readonly slot: number;
}

/** What the engine shares with each partition it owns. */
export interface PartitionEnv {
  readonly cfg: EngineConfig;
  readonly names: Names;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Appends and JetStream side outputs go through this (see request-window.ts). */
  readonly window: RequestWindow;
  readonly snapshots: KV;
  /** The snapshot bucket answers direct gets (every bucket this engine creates does). */
  readonly snapshotsDirect: boolean;
  readonly checkpoints: KV;
  readonly types: ReadonlyMap<string, ActorType>;
  readonly log: Logger;
  readonly metrics: EngineMetrics;
  leaseValid(p: number): boolean;
  /** Commands waiting or in flight across every partition of the process (shared, mutable). */
  readonly load: { pending: number };
  /** Called when the partition cannot go on (fenced, lease gone): the engine drops it. */
  abandon(p: number, reason: string): void;
  /** The largest record an append may carry (the server's max_payload less room for headers). */
  readonly maxRecordBytes: number;
  /**
   * Runs `flush` of every partition that asked in one later turn: their appends then leave in one
   * socket write instead of one write (and one microtask drain) per partition.
   */
  requestFlush(part: Partition): void;
}

interface Cell {
  readonly ref: ActorRef;
  readonly key: string;
  readonly type: ActorType;
  /** Latest state, including decisions whose append is not acknowledged yet. */
  state: unknown;
  /** State as of `lastSeq`: what a snapshot may contain. */
  committed: unknown;
  lastSeq: number;
  snapSeq: number;
  /** First log sequence not covered by the durable snapshot; 0 when the snapshot covers everything. */
  firstDirtySeq: number;
  eventsSinceSnap: number;
  snapshotting: boolean;
  /** Waiting in the partition's snapshot queue for a free slot. */
  snapQueued: boolean;
  /** Monotonic time of the last snapshot started. */
  lastSnapshotAt: number;
  lastUsed: number;
  /** Commands of this actor accepted and not yet answered. */
  pending: number;
  /** Generation of the chunks its snapshot head names (see `SnapshotChunks`). */
  snapGen: 0 | 1;
  /** Command id → result, tagged with the seq of its record (0 while its append is in flight). */
  readonly recent: IdWindow<unknown>;
}

interface StagedCell {
  readonly cell: Cell;
  readonly entry: LogEntry;
  readonly post: unknown;
  /** Where the entry's command id sits in the cell's id window (-1: none), tagged with the seq on commit. */
  readonly idPos: number;
  readonly tags: readonly string[] | undefined;
  /** Core NATS outputs, packed: published at commit, in record order, never written into the record. */
  readonly transient: [string, string, unknown][] | undefined;
}

/** One job's outcome, released when the batch holding it (and every earlier one) is durable. */
interface Unit {
  readonly cell: Cell;
  readonly staged: readonly StagedCell[];
  readonly sink: ReplySink;
  readonly slot: number;
  readonly result: WireResult;
}

interface Batch {
  units: Unit[];
  entries: number;
}

interface SnapshotRecord {
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

const now = (): number => performance.now();
const MAX_CONCURRENT_SNAPSHOTS = 32;
const TIMER_TICK_MS = 25;

export class Fenced extends Error {
  override readonly name = 'Fenced';
}

export class Partition implements TxHost {
  state: 'recovering' | 'serving' | 'draining' | 'dead' = 'recovering';
  private readonly cells = new Map<string, Cell>();
  private readonly loading = new Map<string, Promise<void>>();
  /** Repeats waiting for their first outcome to be read back from the log (`answerFromLog`). */
  private readonly readingLog = new Set<Job>();
  /** Commands accepted for actors still loading (a loaded actor counts its own in `Cell.pending`). */
  private readonly coldPending = new Map<string, number>();
  private queue: Job[] = [];
  private qHead = 0;
  private draining = false;
  private blocked = false;
  private open: Batch = { units: [], entries: 0 };
  private readonly sealed: Batch[] = [];
  private inFlight: Batch | undefined;
  private flushScheduled = false;
  private batchNo = 0;
  private pending = 0;
  private lastSeq = 0;
  private readonly timers = new TimerIndex();
  private readonly checkpoints: CheckpointWriter;
  private checkpointing: Promise<void> | undefined;
  private timersVersion = 0;
  private readonly outbox: { seq: number; outs: NonNullable<LogEntry['out']> }[] = [];
  private outboxSeq = 0;
  private pumping = false;
  private snapshotsRunning = 0;
  /**
   * Cells waiting for a snapshot slot, oldest first, from `snapHead` on. A finished snapshot starts
   * the next at once: a lunch rush leaves hundreds of idle orders a second to snapshot, and a
   * snapshot that waited for the next housekeeping tick kept them (dirty, so in memory) for good.
   */
  private snapQueue: Cell[] = [];
  private snapHead = 0;
  private lastCheckpoint = '';
  private timerTick: NodeJS.Timeout | undefined;
  private housekeeping: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  readonly subject: string;

  constructor(
    readonly p: number,
    readonly epoch: number,
    private readonly env: PartitionEnv,
  ) {
    this.subject = env.names.eventSubject(p);
    this.checkpoints = new CheckpointWriter(`p.${p}`, (key, data) => this.kvPut(env.names.checkpoints, key, data));
  }

  // ---- TxHost ----

  actorType(name: string): ActorType | undefined {
    return this.env.types.get(name);
  }

  stateOf(key: string): { readonly state: unknown } | undefined {
    // The cell itself (no wrapper per call: this runs twice per command); a transaction only reads it.
    return this.cells.get(key);
  }

  // ---- intake ----

  get depth(): number {
    return this.pending;
  }

  stats(): { state: string; actors: number; unsnapshotted: number; pending: number; timers: number; lastSeq: number } {
    let unsnapshotted = 0;
    for (const c of this.cells.values()) if (c.firstDirtySeq !== 0) unsnapshotted++;
    return {
      state: this.state,
      actors: this.cells.size,
      unsnapshotted,
      pending: this.pending,
      timers: this.timers.size,
      lastSeq: this.lastSeq,
    };
  }

  get actorCount(): number {
    return this.cells.size;
  }

  isActive(key: string): boolean {
    return this.cells.has(key);
  }

  /** Adds the last use of every actor that could be passivated now: nothing pending, every event in a snapshot. */
  passivationCandidates(into: number[]): void {
    if (this.state !== 'serving') return;
    for (const c of this.cells.values()) if (this.canPassivate(c)) into.push(c.lastUsed);
  }

  /** Passivates the actors that can go and were last used at or before `cutoff`; returns how many. */
  passivateUsedBefore(cutoff: number): number {
    if (this.state !== 'serving') return 0;
    let n = 0;
    for (const c of this.cells.values()) {
      if (c.lastUsed <= cutoff && this.canPassivate(c)) {
        this.cells.delete(c.key);
        n++;
      }
    }
    return n;
  }

  /**
   * Nothing pending, every event in a snapshot, and no state staged by a transaction still being
   * appended: a callee of another actor's call has no pending commands of its own, and loading it
   * again from its snapshot would lose what that append makes durable.
   */
  private canPassivate(c: Cell): boolean {
    return c.pending === 0 && !c.snapshotting && !c.snapQueued && c.firstDirtySeq === 0 && c.state === c.committed;
  }

  /** Admits a command or refuses it at once (never queues past the bounds). */
  submit(job: Job, bypassBounds = false): void {
    if (this.state !== 'serving') {
      job.sink.deliver(job.slot, [1, ErrorCode.PartitionMoving, `partition ${this.p} is ${this.state}`]);
      return;
    }
    // After a pause (SIGSTOP, a long GC) socket reads can run before the lease timer:
    // never decide on state that may be stale.
    if (!this.env.leaseValid(this.p)) {
      job.sink.deliver(job.slot, [1, ErrorCode.PartitionMoving, `lease of partition ${this.p} is not valid`]);
      return;
    }
    const cfg = this.env.cfg;
    const cell = this.cells.get(job.key);
    const ap = cell !== undefined ? cell.pending : (this.coldPending.get(job.key) ?? 0);
    if (
      !bypassBounds &&
      (this.pending >= cfg.maxPendingPerPartition ||
        ap >= cfg.maxPendingPerActor ||
        this.env.load.pending >= cfg.maxPendingTotal)
    ) {
      this.env.metrics.outcome(ErrorCode.Overloaded);
      job.sink.deliver(job.slot, [1, ErrorCode.Overloaded, `partition ${this.p} is at its bound of pending commands`]);
      return;
    }
    this.pending++;
    this.env.load.pending++;
    this.queue.push(job);
    if (cell !== undefined) cell.pending++;
    else {
      this.coldPending.set(job.key, ap + 1);
      // Start loading at once: a cold actor behind another cold actor loads in parallel, not in turn.
      this.load([job.ref]);
    }
    this.drain();
  }

  private drain(): void {
    if (this.draining || this.blocked || this.state === 'dead') return;
    this.draining = true;
    try {
      while (this.qHead < this.queue.length) {
        const job = this.queue[this.qHead]!;
        if (!this.execute(job)) {
          this.blocked = true;
          break;
        }
        this.queue[this.qHead] = undefined as unknown as Job;
        this.qHead++;
      }
      if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.qHead);
        this.qHead = 0;
      }
    } finally {
      this.draining = false;
    }
    this.scheduleFlush();
  }

  /** Runs one job; false when it must wait for actors to load. */
  private execute(job: Job): boolean {
    const cell = this.cells.get(job.key);
    if (cell === undefined) {
      this.load([job.ref]);
      return false;
    }
    cell.lastUsed = now();
    if (job.cmdId !== undefined) {
      const first = cell.recent.outcome(job.cmdId);
      if (first !== undefined) {
        this.env.metrics.outcome('duplicate');
        if (typeof first === 'number') this.answerFromLog(cell, job, first);
        else this.addUnit({ cell, staged: [], sink: job.sink, slot: job.slot, result: [0, decode(first)] });
        return true;
      }
    }
    let tx;
    try {
      tx = runTransaction(this, job.ref, job, job.cmdId, job.timer, job.key);
    } catch (err) {
      if (err instanceof NeedsLoad) {
        this.load(err.refs);
        return false;
      }
      const e = ensureError(err);
      this.env.log.error({ err: e, actor: job.key }, 'decider threw');
      this.addUnit({
        cell,
        staged: [],
        sink: job.sink,
        slot: job.slot,
        result: [1, ErrorCode.DeciderFailed, e.message],
      });
      return true;
    }
    if (!tx.ok) {
      this.addUnit({
        cell,
        staged: [],
        sink: job.sink,
        slot: job.slot,
        result: [1, tx.code, tx.message, tx.reason, tx.details],
      });
      return true;
    }
    const staged: StagedCell[] = [];
    let result = tx.result;
    for (const s of tx.staged) {
      const c = this.cells.get(s.key)!;
      c.state = s.post;
      c.lastUsed = cell.lastUsed;
      let idPos = -1;
      if (s.entry.c !== undefined) {
        // Only the command's own entry has an id, and its result is the reply's: encoded once here,
        // the same bytes go into the id window, the record and the reply.
        const bytes = encode(s.entry.r);
        idPos = c.recent.setRaw(s.entry.c, bytes, 0);
        if (s.entry.r !== undefined) s.entry.r = result = new Preencoded(bytes);
      }
      // Side outputs too: packed once here, the bytes go into the record and, once it is durable,
      // out to their subjects (packing them twice was 6% of the engine's CPU in a lunch rush).
      if (s.entry.out !== undefined) for (const o of s.entry.out) o[2] = new Preencoded(encode(o[2]));
      if (s.transient !== undefined) for (const o of s.transient) o[2] = encode(o[2]);
      staged.push({ cell: c, entry: s.entry, post: s.post, idPos, tags: s.tags, transient: s.transient });
    }
    this.addUnit({ cell, staged, sink: job.sink, slot: job.slot, result: [0, result] });
    return true;
  }

  private remember(c: Cell, id: string, r: unknown, seq: number): void {
    c.recent.set(id, r, seq);
  }

  /**
   * A repeat whose first result the id window did not keep (larger than `dedupInlineResultBytes`):
   * read back from the record that holds it. The job stays pending meanwhile (the actor is not
   * passivated, a hand-over waits for it) and its answer joins the open batch like any other.
   */
  private answerFromLog(cell: Cell, job: Job, seq: number): void {
    this.readingLog.add(job);
    void this.firstOutcome(seq, job.key, job.cmdId!).then((result) => {
      if (!this.readingLog.delete(job)) return; // the partition failed meanwhile and answered it
      this.addUnit({ cell, staged: [], sink: job.sink, slot: job.slot, result });
      this.scheduleFlush();
    });
  }

  private async firstOutcome(seq: number, key: string, id: string): Promise<WireResult> {
    try {
      const m = await this.env.jsm.streams.getMessage(this.env.names.stream, { seq });
      const rec = m === null || m.subject !== this.subject ? undefined : decode<PartitionRecord>(m.data);
      if (rec?.k === 'b') {
        for (const e of rec.x) if (e.c === id && actorKey(e.a[1], e.a[0], e.a[2]) === key) return [0, e.r];
      }
      throw new Error(`record ${seq} does not hold it`);
    } catch (err) {
      // Only if the log was cut short under the engine (a stream limit an operator set).
      this.env.log.warn(
        { partition: this.p, actor: key, id, seq, err: ensureError(err).message },
        'first outcome not found in the log',
      );
      return [1, ErrorCode.Internal, `the first outcome of command ${id} could not be read back from the log`];
    }
  }

  private addUnit(u: Unit): void {
    this.open.units.push(u);
    this.open.entries += u.staged.length;
    if (this.open.entries >= this.env.cfg.maxBatchEntries) {
      this.sealed.push(this.open);
      this.open = { units: [], entries: 0 };
    }
  }

  // ---- loading actors ----

  private load(refs: readonly ActorRef[]): void {
    for (const ref of refs) {
      const key = actorKey(ref.store, ref.type, ref.id);
      if (this.cells.has(key) || this.loading.has(key)) continue;
      const type = this.env.types.get(ref.type);
      if (type === undefined) continue;
      const p = this.loadCell(ref, key, type).finally(() => {
        this.loading.delete(key);
        // Retry the head now: waiting for every load to finish would stall a partition
        // for as long as cold actors keep arriving.
        if (this.blocked) {
          this.blocked = false;
          this.drain();
        }
      });
      this.loading.set(key, p);
    }
  }

  private async loadCell(ref: ActorRef, key: string, type: ActorType): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const snap = await this.readSnapshot(key);
        if (this.state === 'dead') return;
        if (!this.cells.has(key)) this.cells.set(key, this.newCell(ref, key, type, snap));
        return;
      } catch (err) {
        if (this.state === 'dead') return;
        this.env.log.warn({ actor: key, err: ensureError(err).message, attempt }, 'loading snapshot failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      }
    }
  }

  private async readSnapshot(key: string): Promise<(SnapshotRecord & { gen?: 0 | 1 }) | undefined> {
    const v = await this.snapshotValue(key);
    if (v === undefined) return undefined;
    const head = decode<SnapshotRecord | SnapshotChunks>(v);
    if (!('chunks' in head)) return head;
    const { g, n } = head.chunks;
    const parts = await Promise.all(Array.from({ length: n }, (_, i) => this.snapshotValue(`${key}.c${g}.${i}`)));
    if (parts.some((x) => x === undefined)) throw new Error(`snapshot of ${key} names a chunk that is missing`);
    return { ...decode<SnapshotRecord>(Buffer.concat(parts as Uint8Array[])), gen: g };
  }

  private async snapshotValue(key: string): Promise<Uint8Array | undefined> {
    if (this.env.snapshotsDirect) {
      return kvLatest(this.env.window, this.env.names.snapshots, key, this.env.cfg.appendTimeoutMs);
    }
    const e = await this.env.snapshots.get(key);
    return e === null || e.operation !== 'PUT' || e.length === 0 ? undefined : e.value;
  }

  private newCell(
    ref: ActorRef,
    key: string,
    type: ActorType,
    snap: (SnapshotRecord & { gen?: 0 | 1 }) | undefined,
  ): Cell {
    const pending = this.coldPending.get(key) ?? 0;
    this.coldPending.delete(key);
    const state = snap === undefined ? type.initial(ref) : type.snapshot ? type.snapshot.decode(snap.s) : snap.s;
    const cell: Cell = {
      ref,
      key,
      type,
      state,
      committed: state,
      lastSeq: snap?.seq ?? 0,
      snapSeq: snap?.seq ?? 0,
      firstDirtySeq: 0,
      eventsSinceSnap: 0,
      snapshotting: false,
      snapQueued: false,
      lastSnapshotAt: 0,
      lastUsed: now(),
      pending,
      snapGen: snap?.gen ?? 0,
      recent: new IdWindow(
        this.env.cfg.dedupWindowPerActor,
        this.env.cfg.dedupMaxAgeMs,
        undefined,
        this.env.cfg.dedupInlineResultBytes,
      ),
    };
    for (const [id, r, seq] of snap?.ids ?? []) cell.recent.set(id, r, seq);
    // Both lists are oldest first: merged by seq, the window keeps its order (the oldest go first).
    const idr = snap?.idr ?? [];
    const idl = snap?.idl ?? [];
    for (let i = 0, j = 0; i < idr.length || j < idl.length;) {
      if (j >= idl.length || (i < idr.length && idr[i]![2] <= idl[j]![1])) {
        const [id, r, seq] = idr[i++]!;
        cell.recent.setRaw(id, r, seq);
      } else {
        const [id, seq] = idl[j++]!;
        cell.recent.setLogged(id, seq);
      }
    }
    return cell;
  }

  // ---- group commit ----

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight !== undefined) return;
    this.flushScheduled = true;
    this.env.requestFlush(this);
  }

  /** The engine's flush tick calls this for each partition that asked (see `PartitionEnv.requestFlush`). */
  flushNow(): void {
    this.flushScheduled = false;
    this.flush();
  }

  private nextBatch(): Batch | undefined {
    if (this.sealed.length > 0) return this.sealed.shift();
    if (this.open.units.length === 0) return undefined;
    const b = this.open;
    this.open = { units: [], entries: 0 };
    return b;
  }

  private flush(): void {
    while (this.inFlight === undefined && this.state !== 'dead') {
      const b = this.nextBatch();
      if (b === undefined) {
        this.notifyIdle();
        return;
      }
      if (b.entries === 0) {
        // Only answers (rejections, duplicates) that waited for earlier appends: those are durable now,
        // and the answers are still ours to give only while the lease holds.
        if (!this.env.leaseValid(this.p)) {
          this.fail(`lease of partition ${this.p} is not valid`, [b]);
          this.env.abandon(this.p, 'lease not valid');
          return;
        }
        this.release(b);
        continue;
      }
      this.inFlight = b;
      void this.append(b);
    }
  }

  private async append(b: Batch): Promise<void> {
    let record: BatchRecord = { k: 'b', e: this.epoch, o: this.env.cfg.processId, x: [] };
    let data: Uint8Array;
    for (;;) {
      record = { ...record, x: b.units.flatMap((u) => u.staged.map((s) => s.entry)) };
      data = encode(record);
      if (data.length <= this.env.cfg.maxBatchBytes || b.units.length === 1) break;
      // Too big for one message: send the first half now, the rest next (a unit is never split: it is atomic).
      const half = b.units.splice(Math.ceil(b.units.length / 2));
      const rest: Batch = { units: half, entries: half.reduce((n, u) => n + u.staged.length, 0) };
      b.entries -= rest.entries;
      this.sealed.unshift(rest);
    }
    if (data.length > this.env.maxRecordBytes) {
      this.refuseOversized(b, data.length);
      return;
    }
    const msgID = `${this.env.cfg.processId}.${this.epoch}.${this.p}.${++this.batchNo}`;
    let tags = '';
    for (const u of b.units)
      for (const s of u.staged) if (s.tags !== undefined) for (const t of s.tags) tags += ` ${t}`;
    const t0 = now();
    try {
      const seq = await this.publish(data, msgID, this.lastSeq, tags.slice(1));
      this.env.metrics.append((now() - t0) / 1000, record.x.length);
      if (this.state === 'dead') return;
      this.lastSeq = seq;
      this.inFlight = undefined;
      this.commit(b, seq);
      this.flush();
    } catch (err) {
      const reason = err instanceof Fenced ? err.message : `append failed: ${ensureError(err).message}`;
      this.env.log.error({ partition: this.p, reason }, 'partition stops serving');
      this.inFlight = undefined;
      this.fail(reason, [b]);
      this.env.abandon(this.p, reason);
    }
  }

  /**
   * One command's record is larger than a message may be: JetStream would refuse it on every try.
   * Its caller gets a terminal error; since its decision (and any decided after it) already changed
   * the state in memory, the partition starts again from its log, which does not hold it. Without
   * this, the append failed as "retryable", the caller retried, and the partition fell over again.
   */
  private refuseOversized(b: Batch, bytes: number): void {
    const u = b.units[0]!;
    const reason = `the events and result of this command (${bytes} bytes) pass max_payload, the largest message JetStream takes`;
    this.env.log.error(
      { partition: this.p, actor: u.cell.key, bytes },
      'command refused: record too large; partition reloads',
    );
    this.inFlight = undefined;
    this.release({ units: [{ ...u, staged: [], result: [1, ErrorCode.Invalid, reason] }], entries: 0 });
    this.fail('a record too large to append: reloading from the log');
    this.env.abandon(this.p, 'record too large');
  }

  /** One append: retried with the same message id (JetStream de-duplicates) until the lease runs out. */
  private async publish(data: Uint8Array, msgID: string, expected: number, tags: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      if (!this.env.leaseValid(this.p)) throw new Fenced(`lease of partition ${this.p} is no longer valid`);
      try {
        const ack = await jsPublish(this.env.window, this.subject, data, {
          msgID,
          expectLastSubjectSequence: expected,
          tags,
          timeoutMs: this.env.cfg.appendTimeoutMs,
        });
        return ack.seq;
      } catch (err) {
        if (isWrongLastSequence(err)) throw new Fenced(`partition ${this.p} was fenced by a newer owner`);
        if (!isTransient(err)) throw err;
        this.env.log.warn({ partition: this.p, attempt, err: ensureError(err).message }, 'append retry');
        await new Promise((r) => setTimeout(r, Math.min(500, 20 * 2 ** attempt)));
      }
    }
  }

  private commit(b: Batch, seq: number): void {
    const outs: NonNullable<LogEntry['out']> = [];
    let timersChanged = false;
    let snapshotDue: Set<Cell> | undefined;
    for (const u of b.units) {
      for (const s of u.staged) {
        const c = s.cell;
        c.committed = s.post;
        c.lastSeq = seq;
        if (c.firstDirtySeq === 0) c.firstDirtySeq = seq;
        c.eventsSinceSnap += s.entry.ev?.length ?? 0;
        if (s.idPos >= 0) c.recent.setTagAt(s.idPos, seq);
        timersChanged = this.applyTimers(c.ref, c.key, s.entry) || timersChanged;
        if (s.entry.out !== undefined) outs.push(...s.entry.out);
        if (s.transient !== undefined)
          for (const [subject, id, data] of s.transient) this.publishCore(subject, id, data);
        if (
          c.eventsSinceSnap >= this.env.cfg.snapshotEveryEvents &&
          now() - c.lastSnapshotAt >= this.env.cfg.snapshotMinIntervalMs
        ) {
          (snapshotDue ??= new Set()).add(c);
        }
      }
    }
    // Only now: a snapshot claims the whole record (its seq), so it must hold every entry of it.
    if (snapshotDue !== undefined) for (const c of snapshotDue) this.snapshot(c);
    if (timersChanged) this.timersVersion++;
    if (outs.length > 0) {
      this.outbox.push({ seq, outs });
      void this.pump();
    } else if (this.outbox.length === 0) {
      this.outboxSeq = seq;
    }
    this.release(b);
  }

  private release(b: Batch): void {
    const m = this.env.metrics;
    for (const u of b.units) {
      this.pending--;
      this.env.load.pending--;
      u.cell.pending--;
      if (u.result[0] === 0) m.ok++;
      else m.outcome(u.result[1]);
      u.sink.deliver(u.slot, u.result);
    }
  }

  private applyTimers(ref: ActorRef, key: string, e: LogEntry): boolean {
    let changed = false;
    if (e.tf !== undefined) {
      this.timers.fired(key, e.tf[0], e.tf[1]);
      changed = true;
    }
    for (const k of e.tc ?? []) {
      this.timers.cancel(key, k);
      changed = true;
    }
    for (const [k, at, command] of e.tm ?? []) {
      this.timers.set(ref, key, k, at, command);
      changed = true;
    }
    return changed;
  }

  // ---- failure and hand-over ----

  /** Stops serving at once; every waiting caller gets a retryable error (the command may or may not be durable). */
  fail(reason: string, extra: Batch[] = []): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.stopTimers();
    const err: WireResult = [1, ErrorCode.PartitionMoving, reason];
    const batches = [...extra, ...(this.inFlight ? [this.inFlight] : []), ...this.sealed, this.open];
    this.inFlight = undefined;
    this.sealed.length = 0;
    this.open = { units: [], entries: 0 };
    for (const b of batches) for (const u of b.units) u.sink.deliver(u.slot, err);
    for (let i = this.qHead; i < this.queue.length; i++) {
      const j = this.queue[i]!;
      j.sink.deliver(j.slot, err);
    }
    for (const j of this.readingLog) j.sink.deliver(j.slot, err);
    this.readingLog.clear();
    this.queue = [];
    this.qHead = 0;
    this.env.load.pending -= this.pending;
    this.pending = 0;
    this.coldPending.clear();
    this.env.metrics.outcome(
      ErrorCode.PartitionMoving,
      batches.reduce((n, b) => n + b.units.length, 0),
    );
    this.cells.clear();
    this.snapQueue = [];
    this.snapHead = 0;
    this.notifyIdle();
  }

  /** Graceful hand-over: refuse new work, finish what is in flight, snapshot and checkpoint. */
  async drainForHandover(): Promise<void> {
    if (this.state !== 'serving') return;
    this.state = 'draining';
    await this.whenIdle();
    this.stopTimers();
    while (this.outbox.length > 0 && this.env.leaseValid(this.p)) await this.pump();
    const dirty = [...this.cells.values()].filter((c) => c.firstDirtySeq !== 0);
    for (let i = 0; i < dirty.length; i += MAX_CONCURRENT_SNAPSHOTS) {
      await Promise.all(dirty.slice(i, i + MAX_CONCURRENT_SNAPSHOTS).map((c) => this.snapshotNow(c)));
    }
    await this.checkpoint(true);
  }

  private whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return this.pending === 0 && this.inFlight === undefined;
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || (!this.isIdle() && this.state !== 'dead')) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  stopTimers(): void {
    if (this.timerTick !== undefined) clearInterval(this.timerTick);
    if (this.housekeeping !== undefined) clearInterval(this.housekeeping);
    this.timerTick = this.housekeeping = undefined;
  }

  // ---- side outputs ----

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.outbox.length > 0 && this.state !== 'dead') {
        const item = this.outbox[0]!;
        await Promise.all(item.outs.map((o) => this.publishOutput(o)));
        this.outboxSeq = item.seq;
        this.outbox.shift();
      }
      if (this.outbox.length === 0 && this.lastSeq > this.outboxSeq) this.outboxSeq = this.lastSeq;
    } finally {
      this.pumping = false;
    }
  }

  /** A core NATS output, at most once: `id` in `Nats-Msg-Id` as for JetStream ones. */
  private publishCore(subject: string, id: string, payload: unknown): void {
    const h = headers();
    h.set('Nats-Msg-Id', id);
    this.env.nc.publish(`${this.env.names.ns}.${subject}`, payload as Uint8Array, { headers: h });
  }

  private async publishOutput([subject, id, data, js]: [string, string, unknown, number]): Promise<void> {
    const full = `${this.env.names.ns}.${subject}`;
    // Packed when decided; an output read back from the log in recovery is a plain value.
    const payload = data instanceof Preencoded ? data.bytes : encode(data);
    if (js !== 1) {
      // A core output in a record written before 7 Dec (they are no longer written into records).
      this.publishCore(subject, id, payload);
      return;
    }
    for (let attempt = 0; this.state !== 'dead'; attempt++) {
      try {
        await jsPublish(this.env.window, full, payload, { msgID: id, timeoutMs: this.env.cfg.appendTimeoutMs });
        return;
      } catch (err) {
        if (attempt % 20 === 0) {
          this.env.log.error(
            { subject: full, id, err: ensureError(err).message, attempt },
            'side output not accepted yet; retrying',
          );
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      }
    }
  }

  // ---- timers ----

  private fireDue(): void {
    if (this.state !== 'serving') return;
    for (const t of this.timers.due(Date.now())) {
      t.firing = true;
      this.fireTimer(t);
    }
  }

  private fireTimer(t: PendingTimer): void {
    this.submit(
      {
        ref: t.ref,
        key: t.actorKey,
        command: t.command,
        // No command id: the firing recorded in the log (`tf`) is what makes a timer fire once;
        // an id would let a re-armed timer with the same key and time be answered as a duplicate.
        cmdId: undefined,
        timer: [t.key, t.at],
        sink: {
          deliver: (_slot, r) => {
            // A durable firing removed the timer; anything else (a decider fault, a hand-over) tries again later.
            if (r[0] === 1) this.timers.retryAt(t, Date.now() + 1000);
          },
        },
        slot: 0,
      },
      true,
    );
  }

  // ---- snapshots, passivation, checkpoints ----

  /**
   * A KV put as what it is underneath, a JetStream publish on `$KV.<bucket>.<key>`, through the
   * request window: nats.js `kv.put` goes through `request()`, which builds an Error on every
   * success (3% of the engine's CPU in lunch-rush, where idle order actors are snapshotted).
   */
  private async kvPut(bucket: string, key: string, data: Uint8Array): Promise<void> {
    await jsPublish(this.env.window, `$KV.${bucket}.${key}`, data, { timeoutMs: this.env.cfg.appendTimeoutMs });
  }

  private snapshot(c: Cell): void {
    if (c.snapshotting || c.snapQueued) return;
    if (this.snapshotsRunning < MAX_CONCURRENT_SNAPSHOTS) {
      void this.snapshotNow(c);
      return;
    }
    c.snapQueued = true;
    this.snapQueue.push(c);
  }

  /** Starts queued snapshots while slots are free; skips cells gone, clean or already being written. */
  private nextSnapshots(): void {
    const q = this.snapQueue;
    while (this.snapshotsRunning < MAX_CONCURRENT_SNAPSHOTS && this.snapHead < q.length) {
      const c = q[this.snapHead++]!;
      c.snapQueued = false;
      if (this.state === 'dead' || this.cells.get(c.key) !== c || c.firstDirtySeq === 0 || c.snapshotting) continue;
      void this.snapshotNow(c);
    }
    if (this.snapHead === q.length) {
      this.snapQueue = [];
      this.snapHead = 0;
    } else if (this.snapHead > 1024 && this.snapHead * 2 > q.length) {
      this.snapQueue = q.slice(this.snapHead);
      this.snapHead = 0;
    }
  }

  private async snapshotNow(c: Cell): Promise<void> {
    if (c.snapshotting) return;
    c.snapshotting = true;
    c.lastSnapshotAt = now();
    this.snapshotsRunning++;
    const seq = c.lastSeq;
    const counted = c.eventsSinceSnap;
    try {
      // The newest durable ids, oldest first (the order `remember` keeps); a result the window did
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
      await this.putSnapshot(c, seq, data);
      this.env.metrics.snapshots++;
      c.snapSeq = Math.max(c.snapSeq, seq);
      c.eventsSinceSnap = Math.max(0, c.eventsSinceSnap - counted);
      c.firstDirtySeq = c.lastSeq > seq ? seq + 1 : 0;
    } catch (err) {
      this.env.log.warn({ actor: c.key, err: ensureError(err).message }, 'snapshot failed; will retry');
    } finally {
      c.snapshotting = false;
      this.snapshotsRunning--;
      this.nextSnapshots();
    }
  }

  /** One KV value, or chunks and then a head naming them when the snapshot passes the server's payload limit. */
  private async putSnapshot(c: Cell, seq: number, data: Uint8Array): Promise<void> {
    const bucket = this.env.names.snapshots;
    const limit = this.env.maxRecordBytes;
    if (data.length <= limit) return this.kvPut(bucket, c.key, data);
    const g = c.snapGen === 0 ? 1 : 0;
    const n = Math.ceil(data.length / limit);
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        this.kvPut(bucket, `${c.key}.c${g}.${i}`, data.subarray(i * limit, (i + 1) * limit)),
      ),
    );
    await this.kvPut(bucket, c.key, encode({ seq, chunks: { g, n } } satisfies SnapshotChunks));
    c.snapGen = g;
  }

  private housekeep(): void {
    if (this.state !== 'serving') return;
    const t = now();
    const cfg = this.env.cfg;
    for (const c of this.cells.values()) {
      const idle = t - c.lastUsed;
      c.recent.evict(t);
      if (c.pending > 0 || c.snapshotting || c.snapQueued) continue;
      if (c.firstDirtySeq !== 0) {
        if (idle >= cfg.snapshotIdleMs) this.snapshot(c);
      } else if (idle >= cfg.passivateAfterMs && this.canPassivate(c)) {
        this.cells.delete(c.key);
        this.env.metrics.passivated.idle++;
      }
    }
    void this.checkpoint(false);
  }

  private async checkpoint(force: boolean): Promise<void> {
    // One write at a time: the layers are a sequence (a slow write must not race the next tick's).
    if (this.checkpointing !== undefined) {
      if (!force) return;
      await this.checkpointing;
    }
    let wm = this.lastSeq + 1;
    for (const c of this.cells.values()) if (c.firstDirtySeq !== 0 && c.firstDirtySeq < wm) wm = c.firstDirtySeq;
    if (this.outboxSeq + 1 < wm) wm = this.outboxSeq + 1;
    const sig = `${wm}:${this.outboxSeq}:${this.timersVersion}`;
    if (!force && sig === this.lastCheckpoint) return;
    const done = this.checkpoints
      .write({ wm, ls: this.lastSeq, ob: this.outboxSeq }, this.timers)
      .then(
        () => {
          this.env.metrics.checkpoints++;
          this.lastCheckpoint = sig;
        },
        (err: unknown) => {
          this.env.log.warn({ partition: this.p, err: ensureError(err).message }, 'checkpoint failed; will retry');
        },
      )
      .finally(() => {
        this.checkpointing = undefined;
      });
    this.checkpointing = done;
    await done;
  }

  // ---- recovery ----

  /**
   * Fence, then replay: write a fence record with the expected-last-sequence
   * check (any older owner's next append now fails), read the log from the
   * checkpoint's watermark up to the fence, rebuild touched actors from their
   * snapshots, re-arm timers and re-publish side outputs not known to be out.
   */
  async recover(): Promise<void> {
    const t0 = now();
    const fenceSeq = await this.fence();
    const { head: ck, rows: timerRows } = await readCheckpoint(`p.${this.p}`, async (key) => {
      const e = await this.env.checkpoints.get(key);
      return e === null || e.operation !== 'PUT' || e.length === 0 ? undefined : e.value;
    });
    this.checkpoints.adopt(ck);
    const from = Math.max(1, ck.wm);
    const records = await this.readRange(from, fenceSeq);
    this.assertAlive();

    const touched = new Map<string, ActorRef>();
    for (const { rec } of records) {
      if (rec.k !== 'b') continue;
      for (const e of rec.x) {
        const [type, store, id] = e.a;
        touched.set(actorKey(store, type, id), { type, store, id });
      }
    }
    const keys = [...touched.keys()];
    for (let i = 0; i < keys.length; i += 64) {
      await Promise.all(
        keys.slice(i, i + 64).map(async (key) => {
          const ref = touched.get(key)!;
          const type = this.env.types.get(ref.type);
          if (type === undefined) throw new Error(`log of partition ${this.p} names unknown actor type ${ref.type}`);
          this.cells.set(key, this.newCell(ref, key, type, await this.readSnapshot(key)));
        }),
      );
    }
    this.assertAlive();
    for (const row of timerRows) this.timers.apply(row, actorKey(row[1], row[0], row[2]));
    for (const { seq, rec } of records) {
      if (rec.k !== 'b') continue;
      for (const e of rec.x) {
        const key = actorKey(e.a[1], e.a[0], e.a[2]);
        const c = this.cells.get(key)!;
        if (seq > c.snapSeq) {
          c.committed = c.state = fold(c.type, c.committed, e.ev);
          c.lastSeq = seq;
          if (c.firstDirtySeq === 0) c.firstDirtySeq = seq;
          c.eventsSinceSnap += e.ev?.length ?? 0;
          if (e.c !== undefined) this.remember(c, e.c, e.r, seq);
        }
        if (seq > ck.ls) this.applyTimers(c.ref, key, e);
        if (seq > ck.ob && e.out !== undefined) this.outbox.push({ seq, outs: e.out });
      }
    }
    this.lastSeq = fenceSeq;
    this.outboxSeq = this.outbox.length > 0 ? Math.min(ck.ob, fenceSeq) : fenceSeq;
    this.timersVersion++;
    if (!this.env.leaseValid(this.p)) throw new Fenced(`lease of partition ${this.p} ran out during recovery`);
    this.state = 'serving';
    this.timerTick = setInterval(() => this.fireDue(), TIMER_TICK_MS);
    this.housekeeping = setInterval(() => this.housekeep(), this.env.cfg.checkpointIntervalMs);
    void this.pump();
    this.env.metrics.recovered(this.p, (now() - t0) / 1000);
    this.env.log.debug(
      {
        partition: this.p,
        epoch: this.epoch,
        replayed: records.length,
        actors: touched.size,
        timers: this.timers.size,
        ms: Math.round(now() - t0),
      },
      'partition recovered',
    );
  }

  /** The partition may be dropped (lease lost) while recovery awaits: stop there. */
  private assertAlive(): void {
    if (this.state === 'dead') throw new Fenced(`partition ${this.p} was dropped during recovery`);
  }

  private async fence(): Promise<number> {
    const rec: FenceRecord = { k: 'f', e: this.epoch, o: this.env.cfg.processId };
    const data = encode(rec);
    for (let attempt = 0; ; attempt++) {
      if (!this.env.leaseValid(this.p)) throw new Fenced(`lease of partition ${this.p} ran out before fencing`);
      const last = await this.lastSeqOnSubject();
      try {
        const ack = await jsPublish(this.env.window, this.subject, data, {
          msgID: `${this.env.cfg.processId}.${this.epoch}.${this.p}.fence`,
          expectLastSubjectSequence: last,
          timeoutMs: this.env.cfg.appendTimeoutMs,
        });
        return ack.seq;
      } catch (err) {
        // A stale owner slipped an append in between: read again and retry.
        if (!isWrongLastSequence(err) && !isTransient(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
      }
    }
  }

  private async lastSeqOnSubject(): Promise<number> {
    try {
      const m = await this.env.jsm.streams.getMessage(this.env.names.stream, { last_by_subj: this.subject });
      return m?.seq ?? 0;
    } catch (err) {
      if ((err as { code?: number }).code === 10037 || /no message found/i.test(ensureError(err).message)) return 0;
      throw err;
    }
  }

  /** Records of this partition with from ≤ seq < until, in order. */
  private async readRange(from: number, until: number): Promise<{ seq: number; rec: PartitionRecord }[]> {
    if (from >= until) return [];
    const out: { seq: number; rec: PartitionRecord }[] = [];
    const consumer = await this.env.js.consumers.get(this.env.names.stream, {
      filter_subjects: this.subject,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    const it = await consumer.consume({ max_messages: 2000 });
    try {
      for await (const m of it) {
        if (m.seq >= until) break;
        out.push({ seq: m.seq, rec: decode<PartitionRecord>(m.data) });
      }
    } finally {
      await it.close();
    }
    return out;
  }
}
