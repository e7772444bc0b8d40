import { decode, encode, Preencoded } from '../codec.js';
import type { ActorType } from '../decider.js';
import { ensureError, ErrorCode } from '../errors.js';
import { actorKey } from '../partitioning.js';
import type { PartitionRecord } from '../record.js';
import { NeedsLoad, runTransaction, type TxHost } from '../transaction.js';
import type { Cell } from './cell.js';
import { now, type Job, type PartitionEnv, type WireResult } from './env.js';
import type { GroupCommit, StagedCell } from './group-commit.js';
import type { Partition } from './index.js';
import type { Loader } from './loader.js';

/**
 * A partition's intake: admits a command or refuses it at once (never queues past the bounds),
 * then runs the queue in order, deciding each command against the latest in-memory state and
 * handing its outcome to the group commit. A command whose actors are not in memory stops the
 * queue until they are loaded.
 */
export class Mailbox implements TxHost {
  private queue: Job[] = [];
  private qHead = 0;
  private draining = false;
  private blocked = false;
  /** Repeats waiting for their first outcome to be read back from the log (`answerFromLog`). */
  private readonly readingLog = new Set<Job>();
  private readonly cells: Map<string, Cell>;
  private readonly coldPending: Map<string, number>;

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
    private readonly commit: GroupCommit,
    private readonly loader: Loader,
  ) {
    this.cells = part.cells;
    this.coldPending = loader.coldPending;
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

  /** Admits a command or refuses it at once (never queues past the bounds). */
  submit(job: Job, bypassBounds = false): void {
    const part = this.part;
    if (part.state !== 'serving') {
      job.sink.deliver(job.slot, [1, ErrorCode.PartitionMoving, `partition ${part.p} is ${part.state}`]);
      return;
    }
    // After a pause (SIGSTOP, a long GC) socket reads can run before the lease timer:
    // never decide on state that may be stale.
    if (!this.env.leaseValid(part.p)) {
      job.sink.deliver(job.slot, [1, ErrorCode.PartitionMoving, `lease of partition ${part.p} is not valid`]);
      return;
    }
    const cfg = this.env.cfg;
    const cell = this.cells.get(job.key);
    const ap = cell !== undefined ? cell.pending : (this.coldPending.get(job.key) ?? 0);
    if (
      !bypassBounds &&
      (part.pending >= cfg.maxPendingPerPartition ||
        ap >= cfg.maxPendingPerActor ||
        this.env.load.pending >= cfg.maxPendingTotal)
    ) {
      this.env.metrics.outcome(ErrorCode.Overloaded);
      job.sink.deliver(job.slot, [1, ErrorCode.Overloaded, `partition ${part.p} is at its bound of pending commands`]);
      return;
    }
    part.pending++;
    this.env.load.pending++;
    this.queue.push(job);
    if (cell !== undefined) cell.pending++;
    else {
      this.coldPending.set(job.key, ap + 1);
      // Start loading at once: a cold actor behind another cold actor loads in parallel, not in turn.
      this.loader.load([job.ref]);
    }
    this.drain();
  }

  /** An actor finished loading: the head of the queue may run now. */
  unblock(): void {
    if (this.blocked) {
      this.blocked = false;
      this.drain();
    }
  }

  /** Answers every command not decided yet or waiting for the log with `err` (the partition stopped). */
  failAll(err: WireResult): void {
    for (let i = this.qHead; i < this.queue.length; i++) {
      const j = this.queue[i]!;
      j.sink.deliver(j.slot, err);
    }
    for (const j of this.readingLog) j.sink.deliver(j.slot, err);
    this.readingLog.clear();
    this.queue = [];
    this.qHead = 0;
  }

  private drain(): void {
    if (this.draining || this.blocked || this.part.state === 'dead') return;
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
    this.commit.scheduleFlush();
  }

  /** Runs one job; false when it must wait for actors to load. */
  private execute(job: Job): boolean {
    const cell = this.cells.get(job.key) ?? (this.loader.load([job.ref]) ? this.cells.get(job.key) : undefined);
    if (cell === undefined) return false;
    cell.lastUsed = now();
    if (job.cmdId !== undefined) {
      const first = cell.recent.outcome(job.cmdId);
      if (first !== undefined) {
        this.env.metrics.outcome('duplicate');
        if (typeof first === 'number') this.answerFromLog(cell, job, first);
        else this.commit.add({ cell, staged: [], sink: job.sink, slot: job.slot, result: [0, decode(first)] });
        return true;
      }
    }
    let tx;
    try {
      tx = runTransaction(this, job.ref, job, job.cmdId, job.timer, job.key);
    } catch (err) {
      if (err instanceof NeedsLoad) {
        // Actors it calls that are brand new are in memory at once: decide again now.
        return this.loader.load(err.refs) ? this.execute(job) : false;
      }
      const e = ensureError(err);
      this.env.log.error({ err: e, actor: job.key }, 'decider threw');
      this.commit.add({
        cell,
        staged: [],
        sink: job.sink,
        slot: job.slot,
        result: [1, ErrorCode.DeciderFailed, e.message],
      });
      return true;
    }
    if (!tx.ok) {
      this.commit.add({
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
        if (s.entry.r !== undefined) s.entry.r = result = new Preencoded(bytes, s.entry.r);
      }
      // Side outputs too: packed once here, the bytes go into the record and, once it is durable,
      // out to their subjects (packing them twice was 6% of the engine's CPU in a lunch rush).
      if (s.entry.out !== undefined) for (const o of s.entry.out) o[2] = new Preencoded(encode(o[2]));
      if (s.transient !== undefined) for (const o of s.transient) o[2] = encode(o[2]);
      staged.push({ cell: c, entry: s.entry, post: s.post, idPos, tags: s.tags, transient: s.transient });
    }
    this.commit.add({ cell, staged, sink: job.sink, slot: job.slot, result: [0, result] });
    return true;
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
      this.commit.add({ cell, staged: [], sink: job.sink, slot: job.slot, result });
      this.commit.scheduleFlush();
    });
  }

  private async firstOutcome(seq: number, key: string, id: string): Promise<WireResult> {
    const { env, p, subject } = this.part;
    try {
      const m = await env.jsm.streams.getMessage(env.names.stream, { seq });
      const rec = m === null || m.subject !== subject ? undefined : decode<PartitionRecord>(m.data);
      if (rec?.k === 'b') {
        for (const e of rec.x) if (e.c === id && actorKey(e.a[1], e.a[0], e.a[2]) === key) return [0, e.r];
      }
      throw new Error(`record ${seq} does not hold it`);
    } catch (err) {
      // Only if the log was cut short under the engine (a stream limit an operator set).
      env.log.warn(
        { partition: p, actor: key, id, seq, err: ensureError(err).message },
        'first outcome not found in the log',
      );
      return [1, ErrorCode.Internal, `the first outcome of command ${id} could not be read back from the log`];
    }
  }
}
