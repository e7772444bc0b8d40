import { encode } from '../codec.js';
import { ensureError, ErrorCode } from '../errors.js';
import { isTransient, isWrongLastSequence } from '../jsutil.js';
import type { BatchRecord, LogEntry } from '../record.js';
import { jsPublish } from '../request-window.js';
import type { Cell } from './cell.js';
import { advance, namePrevious } from './chain.js';
import { now, pause, type PartitionEnv, type ReplySink, type WireResult } from './env.js';
import { Fenced } from './fence.js';
import type { Partition } from './index.js';

/** What one decision did to one actor, waiting for its record to be durable. */
export interface StagedCell {
  readonly cell: Cell;
  readonly entry: LogEntry;
  readonly post: unknown;
  /** Where the entry's command id sits in the cell's id window (-1: none), tagged with the seq on commit. */
  readonly idPos: number;
  readonly tags: readonly string[] | undefined;
  /** Core NATS outputs, packed: published at commit, in record order, never written into the record. */
  readonly transient: [string, string, unknown][] | undefined;
  /** A snapshot entry (`entry.sn`): the log sequence of the actor's state it holds. */
  readonly covers?: number;
}

/** One job's outcome, released when the batch holding it (and every earlier one) is durable. */
export interface Unit {
  readonly cell: Cell;
  readonly staged: readonly StagedCell[];
  readonly sink: ReplySink;
  readonly slot: number;
  readonly result: WireResult;
  /** Snapshots of idle actors (`Snapshots.flushIdle`), not a command: no answer, nothing pending. */
  readonly snapshots?: true;
}

/** Units that go into one record (one append), and how many log entries they hold. */
export interface Batch {
  units: Unit[];
  entries: number;
}

/**
 * Group commit. Commands are decided at once against the latest in-memory state; their units wait
 * in the open batch while the partition's previous append is in flight, then go together as one
 * JetStream message (one record = one atomic append). Answers, rejections and duplicates included,
 * are released only when every append before them is acknowledged.
 */
export class GroupCommit {
  private open: Batch = { units: [], entries: 0 };
  private readonly sealed: Batch[] = [];
  private inFlight: Batch | undefined;
  private flushScheduled = false;
  private batchNo = 0;

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
  ) {}

  /** No append in flight. */
  get idle(): boolean {
    return this.inFlight === undefined;
  }

  add(u: Unit): void {
    this.open.units.push(u);
    this.open.entries += u.staged.length;
    if (this.open.entries >= this.env.cfg.maxBatchEntries) {
      this.sealed.push(this.open);
      this.open = { units: [], entries: 0 };
    }
  }

  scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight !== undefined) return;
    this.flushScheduled = true;
    this.env.requestFlush(this);
  }

  /** The engine's flush tick calls this for each group commit that asked (see `PartitionEnv.requestFlush`). */
  flushNow(): void {
    this.flushScheduled = false;
    this.flush();
  }

  /** Every batch not answered yet, in order, taken out (the partition stopped and answers them). */
  takeAll(): Batch[] {
    const batches = [...(this.inFlight ? [this.inFlight] : []), ...this.sealed, this.open];
    this.inFlight = undefined;
    this.sealed.length = 0;
    this.open = { units: [], entries: 0 };
    return batches;
  }

  private nextBatch(): Batch | undefined {
    if (this.sealed.length > 0) return this.sealed.shift();
    if (this.open.units.length === 0) return undefined;
    const b = this.open;
    this.open = { units: [], entries: 0 };
    return b;
  }

  private flush(): void {
    const part = this.part;
    while (this.inFlight === undefined && part.state !== 'dead') {
      const b = this.nextBatch();
      if (b === undefined) {
        part.notifyIdle();
        return;
      }
      if (b.entries === 0) {
        // Only answers (rejections, duplicates) that waited for earlier appends: those are durable now,
        // and the answers are still ours to give only while the lease holds.
        if (!this.env.leaseValid(part.p)) {
          part.fail(`lease of partition ${part.p} is not valid`, [b]);
          this.env.abandon(part.p, 'lease not valid');
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
    const part = this.part;
    let record: BatchRecord = { k: 'b', e: part.epoch, o: this.env.cfg.processId, x: [] };
    let data: Uint8Array;
    for (;;) {
      namePrevious(b.units, this.env.cfg.chainMaxRecords);
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
    const msgID = `${this.env.cfg.processId}.${part.epoch}.${part.p}.${++this.batchNo}`;
    let tags = '';
    for (const u of b.units)
      for (const s of u.staged) if (s.tags !== undefined) for (const t of s.tags) tags += ` ${t}`;
    const t0 = now();
    try {
      const seq = await this.publish(data, msgID, part.lastSeq, tags.slice(1));
      this.env.metrics.append((now() - t0) / 1000, record.x.length);
      if (part.state === 'dead') return;
      part.lastSeq = seq;
      this.inFlight = undefined;
      this.commit(b, seq);
      this.flush();
    } catch (err) {
      const reason = err instanceof Fenced ? err.message : `append failed: ${ensureError(err).message}`;
      this.env.log.error({ partition: part.p, reason }, 'partition stops serving');
      this.inFlight = undefined;
      part.fail(reason, [b]);
      this.env.abandon(part.p, reason);
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
      { partition: this.part.p, actor: u.cell.key, bytes },
      'command refused: record too large; partition reloads',
    );
    this.inFlight = undefined;
    this.release({ units: [{ ...u, staged: [], result: [1, ErrorCode.Invalid, reason] }], entries: 0 });
    this.part.fail('a record too large to append: reloading from the log');
    this.env.abandon(this.part.p, 'record too large');
  }

  /** One append: retried with the same message id (JetStream de-duplicates) until the lease runs out. */
  private async publish(data: Uint8Array, msgID: string, expected: number, tags: string): Promise<number> {
    const p = this.part.p;
    for (let attempt = 0; ; attempt++) {
      if (!this.env.leaseValid(p)) throw new Fenced(`lease of partition ${p} is no longer valid`);
      try {
        const ack = await jsPublish(this.env.window, this.part.subject, data, {
          msgID,
          expectLastSubjectSequence: expected,
          tags,
          timeoutMs: this.env.cfg.appendTimeoutMs,
        });
        return ack.seq;
      } catch (err) {
        if (isWrongLastSequence(err)) throw new Fenced(`partition ${p} was fenced by a newer owner`);
        if (!isTransient(err)) throw err;
        this.env.log.warn({ partition: p, attempt, err: ensureError(err).message }, 'append retry');
        await pause(Math.min(500, 20 * 2 ** attempt));
      }
    }
  }

  /** Record `seq` holding batch `b` is durable: its state is committed, its timers and outputs go on, its answers out. */
  private commit(b: Batch, seq: number): void {
    const { timers, outputs } = this.part;
    const cfg = this.env.cfg;
    const outs: NonNullable<LogEntry['out']> = [];
    let timersChanged = false;
    let snapshotDue: Set<Cell> | undefined;
    for (const u of b.units) {
      if (u.snapshots === true) {
        this.part.snapshots.inLog(u.staged, seq);
        continue;
      }
      for (const s of u.staged) {
        const c = s.cell;
        c.committed = s.post;
        advance(c, seq, s.entry, cfg.chainMaxRecords);
        // Its first record: the directory knows it from now on (a later load reads its snapshot).
        if (c.lastSeq === 0) this.part.directory.add(c.key);
        c.lastSeq = seq;
        if (c.firstDirtySeq === 0) c.firstDirtySeq = seq;
        c.eventsSinceSnap += s.entry.ev?.length ?? 0;
        if (s.idPos >= 0) c.recent.setTagAt(s.idPos, seq);
        timersChanged = timers.apply(c.ref, c.key, s.entry) || timersChanged;
        if (s.entry.out !== undefined) outs.push(...s.entry.out);
        if (s.transient !== undefined)
          for (const [subject, id, data] of s.transient) outputs.publishCore(subject, id, data);
        if (c.eventsSinceSnap >= cfg.snapshotEveryEvents && now() - c.lastSnapshotAt >= cfg.snapshotMinIntervalMs) {
          (snapshotDue ??= new Set()).add(c);
        }
      }
    }
    if (timersChanged) timers.version++;
    outputs.committed(seq, outs);
    this.release(b);
    // In a turn of their own, after the answers: encoding a busy actor (a SKU with thousands of holds)
    // is the longest work of a commit, and the answers of the whole batch waited for it. A snapshot
    // then holds the committed state of that turn (every entry of the records it claims).
    if (snapshotDue !== undefined) setImmediate(() => this.snapshotLater(snapshotDue));
  }

  private snapshotLater(cells: Set<Cell>): void {
    const part = this.part;
    if (part.state !== 'serving') return;
    for (const c of cells) if (part.cells.get(c.key) === c) part.snapshots.request(c);
  }

  private release(b: Batch): void {
    const part = this.part;
    const m = this.env.metrics;
    for (const u of b.units) {
      if (u.snapshots === true) continue;
      part.pending--;
      this.env.load.pending--;
      u.cell.pending--;
      if (u.result[0] === 0) m.ok++;
      else m.outcome(u.result[1]);
      u.sink.deliver(u.slot, u.result);
    }
  }
}
