import { canPassivate } from './cell.js';
import { now, type PartitionEnv } from './env.js';
import type { Partition } from './index.js';

/**
 * What a serving partition does every checkpoint interval, off the command path: forget old command
 * ids, snapshot actors idle with events not in a snapshot, passivate idle ones that are clean, and
 * write a checkpoint. Also passivates on the engine's demand when the process holds too many actors.
 */
export class Housekeeping {
  private interval: NodeJS.Timeout | undefined;
  private start_: NodeJS.Timeout | undefined;

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
  ) {}

  start(): void {
    // Partitions recover together at start-up: each starts its rounds at its own offset within the
    // interval, so their snapshot encoding and checkpoint writes do not all land in one turn.
    const every = this.env.cfg.checkpointIntervalMs;
    const offset = Math.floor((this.part.p * every) / this.env.cfg.partitions) % every;
    this.start_ = setTimeout(() => {
      this.start_ = undefined;
      this.run();
      this.interval = setInterval(() => this.run(), every);
    }, offset);
  }

  stop(): void {
    if (this.start_ !== undefined) clearTimeout(this.start_);
    if (this.interval !== undefined) clearInterval(this.interval);
    this.start_ = this.interval = undefined;
  }

  /** Adds the last use of every actor that could be passivated now: nothing pending, every event in a snapshot. */
  passivationCandidates(into: number[]): void {
    if (this.part.state !== 'serving') return;
    for (const c of this.part.cells.values()) if (canPassivate(c)) into.push(c.lastUsed);
  }

  /** Passivates the actors that can go and were last used at or before `cutoff`; returns how many. */
  passivateUsedBefore(cutoff: number): number {
    if (this.part.state !== 'serving') return 0;
    const cells = this.part.cells;
    let n = 0;
    for (const c of cells.values()) {
      if (c.lastUsed <= cutoff && canPassivate(c)) {
        cells.delete(c.key);
        n++;
      }
    }
    return n;
  }

  private run(): void {
    const part = this.part;
    if (part.state !== 'serving') return;
    const t = now();
    const cfg = this.env.cfg;
    for (const c of part.cells.values()) {
      const idle = t - c.lastUsed;
      c.recent.evict(t);
      if (c.pending > 0 || c.snapshotting || c.snapQueued) continue;
      if (c.firstDirtySeq !== 0) {
        if (idle >= cfg.snapshotIdleMs) part.snapshots.requestIdle(c);
      } else if (idle >= cfg.passivateAfterMs && canPassivate(c)) {
        part.cells.delete(c.key);
        this.env.metrics.passivated.idle++;
      }
    }
    part.snapshots.flushIdle();
    void part.checkpoints.write(false);
  }
}
