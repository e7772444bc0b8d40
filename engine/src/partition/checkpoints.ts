import { CheckpointWriter, readCheckpoint, type CheckpointHead } from '../checkpoint.js';
import { ensureError } from '../errors.js';
import type { TimerRow } from '../timers.js';
import type { PartitionEnv } from './env.js';
import type { Partition } from './index.js';
import { kvPut } from './snapshots.js';

/**
 * Where a partition's replay starts (`../checkpoint.ts` has the format): the lowest sequence an
 * actor's snapshot or a side output still needs, and the timers as of the last record.
 */
export class PartitionCheckpoints {
  private readonly writer: CheckpointWriter;
  private writing: Promise<void> | undefined;
  /** What the last checkpoint written says: an unchanged one is not written again. */
  private last = '';

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
  ) {
    this.writer = new CheckpointWriter(`p.${part.p}`, (key, data) => kvPut(env, env.names.checkpoints, key, data));
  }

  /** Reads the partition's checkpoint (the start of its log when it has none) to recover from. */
  async read(): Promise<{ head: CheckpointHead; rows: TimerRow[] }> {
    const ck = await readCheckpoint(`p.${this.part.p}`, async (key) => {
      const e = await this.env.checkpoints.get(key);
      return e === null || e.operation !== 'PUT' || e.length === 0 ? undefined : e.value;
    });
    this.writer.adopt(ck.head);
    return ck;
  }

  /** Writes a checkpoint when anything moved (always when `force`); a failed one is retried by the next. */
  async write(force: boolean): Promise<void> {
    // One write at a time: the layers are a sequence (a slow write must not race the next tick's).
    if (this.writing !== undefined) {
      if (!force) return;
      await this.writing;
    }
    const { part } = this;
    const outboxSeq = part.outputs.seq;
    let wm = part.lastSeq + 1;
    for (const c of part.cells.values()) if (c.firstDirtySeq !== 0 && c.firstDirtySeq < wm) wm = c.firstDirtySeq;
    if (outboxSeq + 1 < wm) wm = outboxSeq + 1;
    const sig = `${wm}:${outboxSeq}:${part.timers.version}`;
    if (!force && sig === this.last) return;
    const done = this.writer
      .write({ wm, ls: part.lastSeq, ob: outboxSeq }, part.timers.index)
      .then(
        () => {
          this.env.metrics.checkpoints++;
          this.last = sig;
        },
        (err: unknown) => {
          this.env.log.warn({ partition: part.p, err: ensureError(err).message }, 'checkpoint failed; will retry');
        },
      )
      .finally(() => {
        this.writing = undefined;
      });
    this.writing = done;
    await done;
  }
}
