import { ActorDirectory } from '../directory.js';
import { ErrorCode } from '../errors.js';
import type { Cell } from './cell.js';
import { now, type PartitionEnv, type WireResult } from './env.js';
import { Fenced } from './fence.js';
import { GroupCommit, type Batch } from './group-commit.js';
import { Housekeeping } from './housekeeping.js';
import { Loader } from './loader.js';
import { Mailbox } from './mailbox.js';
import { Outputs } from './outputs.js';
import { PartitionCheckpoints } from './checkpoints.js';
import { replay } from './recovery.js';
import { Snapshots } from './snapshots.js';
import { PartitionTimers } from './timers.js';

export type { Job, PartitionEnv, ReplySink, WireResult } from './env.js';
export type { GroupCommit } from './group-commit.js';

/**
 * One partition owned by this process: its actors in memory and the parts that serve them, each in
 * a file of its own. A command goes `mailbox` (admit, decide; `loader` brings cold actors in) →
 * `commit` (group commit: one append per batch, then the answers) → `outputs` and `timers`;
 * `snapshots`, `checkpoints` and `housekeeping` keep the state a new owner recovers from short, and
 * `recover` (fence, then replay) is how an owner starts. This class holds what they share (the
 * actors, the counts, the log position, the lifecycle) and stops them all at once (`fail`).
 */
export class Partition {
  state: 'recovering' | 'serving' | 'draining' | 'dead' = 'recovering';
  /** The actors in memory, by actor key. */
  readonly cells = new Map<string, Cell>();
  /** Every actor with a record in this partition's log (`../directory.ts`); set by recovery. */
  directory = new ActorDirectory(false);
  /** Commands accepted and not yet answered. */
  pending = 0;
  /** The last sequence of the partition's subject this owner knows: its own last append, or the fence. */
  lastSeq = 0;
  readonly subject: string;
  readonly snapshots: Snapshots;
  readonly outputs: Outputs;
  readonly timers: PartitionTimers;
  readonly checkpoints: PartitionCheckpoints;
  readonly commit: GroupCommit;
  readonly loader: Loader;
  readonly mailbox: Mailbox;
  private readonly housekeeping: Housekeeping;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly p: number,
    readonly epoch: number,
    readonly env: PartitionEnv,
  ) {
    this.subject = env.names.eventSubject(p);
    this.snapshots = new Snapshots(this, env);
    this.outputs = new Outputs(this, env);
    this.timers = new PartitionTimers(this);
    this.checkpoints = new PartitionCheckpoints(this, env);
    this.commit = new GroupCommit(this, env);
    this.loader = new Loader(this, env);
    this.mailbox = new Mailbox(this, env, this.commit, this.loader);
    this.housekeeping = new Housekeeping(this, env);
  }

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
      timers: this.timers.index.size,
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
    this.housekeeping.passivationCandidates(into);
  }

  /** Passivates the actors that can go and were last used at or before `cutoff`; returns how many. */
  passivateUsedBefore(cutoff: number): number {
    return this.housekeeping.passivateUsedBefore(cutoff);
  }

  /** Fences the partition, replays its log (`recovery.ts`), then serves. */
  async recover(): Promise<void> {
    const t0 = now();
    const { replayed, actors } = await replay(this);
    if (!this.env.leaseValid(this.p)) throw new Fenced(`lease of partition ${this.p} ran out during recovery`);
    this.state = 'serving';
    if (!this.directory.complete) this.env.directories.request(this);
    this.timers.start();
    this.housekeeping.start();
    void this.outputs.pump();
    this.env.metrics.recovered(this.p, (now() - t0) / 1000);
    this.env.log.debug(
      {
        partition: this.p,
        epoch: this.epoch,
        replayed,
        actors,
        timers: this.timers.index.size,
        ms: Math.round(now() - t0),
      },
      'partition recovered',
    );
  }

  /** Stops serving at once; every waiting caller gets a retryable error (the command may or may not be durable). */
  fail(reason: string, extra: Batch[] = []): void {
    if (this.state === 'dead') return;
    this.state = 'dead';
    this.stopTimers();
    const err: WireResult = [1, ErrorCode.PartitionMoving, reason];
    const batches = [...extra, ...this.commit.takeAll()];
    for (const b of batches) for (const u of b.units) if (u.snapshots !== true) u.sink.deliver(u.slot, err);
    this.mailbox.failAll(err);
    this.env.load.pending -= this.pending;
    this.pending = 0;
    this.loader.coldPending.clear();
    this.env.metrics.outcome(
      ErrorCode.PartitionMoving,
      batches.reduce((n, b) => n + b.units.length, 0),
    );
    this.cells.clear();
    this.snapshots.clear();
    this.notifyIdle();
  }

  /** Graceful hand-over: refuse new work, finish what is in flight, snapshot and checkpoint. */
  async drainForHandover(): Promise<void> {
    if (this.state !== 'serving') return;
    this.state = 'draining';
    await this.whenIdle();
    this.stopTimers();
    await this.outputs.drain();
    await this.snapshots.writeDirty(this.cells.values());
    await this.checkpoints.write(true);
  }

  /** Wakes `whenIdle` waiters once nothing is pending or in flight (or the partition is dead). */
  notifyIdle(): void {
    if (this.idleWaiters.length === 0 || (!this.isIdle() && this.state !== 'dead')) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    return this.pending === 0 && this.commit.idle;
  }

  private stopTimers(): void {
    this.timers.stop();
    this.housekeeping.stop();
  }
}
