import type { ActorRef, ActorType } from '../decider.js';
import { ensureError } from '../errors.js';
import { actorKey } from '../partitioning.js';
import { newCell, type Cell } from './cell.js';
import { pause, type PartitionEnv } from './env.js';
import type { Partition } from './index.js';
import type { LoadedSnapshot } from './snapshots.js';

/**
 * Brings actors into memory from their snapshots, each at most once at a time, in parallel: a cold
 * actor behind another cold actor loads beside it, not after it. Each finished load lets the
 * mailbox try its head again.
 */
export class Loader {
  private readonly loading = new Map<string, Promise<void>>();
  /** Commands accepted for actors still loading (a loaded actor counts its own in `Cell.pending`). */
  readonly coldPending = new Map<string, number>();

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
  ) {}

  /**
   * Brings every actor of `refs` into memory: a brand-new one (the directory has never seen it) at
   * once, from its initial state; any other by reading its snapshot. True when all of them are in
   * memory on return (nothing to wait for).
   */
  load(refs: readonly ActorRef[]): boolean {
    const { cells, directory } = this.part;
    let ready = true;
    for (const ref of refs) {
      const key = actorKey(ref.store, ref.type, ref.id);
      if (cells.has(key)) continue;
      if (this.loading.has(key)) {
        ready = false;
        continue;
      }
      const type = this.env.types.get(ref.type);
      if (type === undefined) {
        ready = false;
        continue;
      }
      if (directory.isNew(key)) {
        cells.set(key, this.cellFrom(ref, key, type, undefined));
        this.env.metrics.loads.fresh++;
        continue;
      }
      ready = false;
      this.env.metrics.loads.read++;
      const p = this.loadCell(ref, key, type).finally(() => {
        this.loading.delete(key);
        // Retry the head now: waiting for every load to finish would stall a partition
        // for as long as cold actors keep arriving.
        this.part.mailbox.unblock();
      });
      this.loading.set(key, p);
    }
    return ready;
  }

  /** The cell of an actor as `snap` left it, taking over the commands counted for it while it loaded. */
  cellFrom(ref: ActorRef, key: string, type: ActorType, snap: LoadedSnapshot | undefined): Cell {
    const pending = this.coldPending.get(key) ?? 0;
    this.coldPending.delete(key);
    return newCell(this.env.cfg, ref, key, type, snap, pending);
  }

  private async loadCell(ref: ActorRef, key: string, type: ActorType): Promise<void> {
    const part = this.part;
    for (let attempt = 0; ; attempt++) {
      try {
        const snap = await part.snapshots.read(key, type);
        if (part.state === 'dead') return;
        if (!part.cells.has(key)) part.cells.set(key, this.cellFrom(ref, key, type, snap));
        return;
      } catch (err) {
        if (part.state === 'dead') return;
        this.env.log.warn({ actor: key, err: ensureError(err).message, attempt }, 'loading snapshot failed; retrying');
        await pause(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  }
}
