import { CheckpointWriter, readCheckpoint, type CheckpointHead, type Position } from '../checkpoint.js';
import { DirectoryWriter } from '../directory.js';
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
  /** The actor directory's layers, written with each checkpoint (`../directory.ts`). */
  readonly directory: DirectoryWriter;
  private writing: Promise<void> | undefined;
  /** What the last checkpoint written says: an unchanged one is not written again. */
  private last = '';

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
  ) {
    const put = (key: string, data: Uint8Array): Promise<void> => kvPut(env, env.names.checkpoints, key, data);
    this.writer = new CheckpointWriter(`p.${part.p}`, put);
    this.directory = new DirectoryWriter(`p.${part.p}`, part.epoch, put, async (key) => {
      await env.checkpoints.delete(key);
    });
  }

  /** Reads the partition's checkpoint (the start of its log when it has none) to recover from. */
  async read(): Promise<{ head: CheckpointHead; rows: TimerRow[] }> {
    const ck = await readCheckpoint(`p.${this.part.p}`, (key) => this.value(key));
    this.writer.adopt(ck.head);
    return ck;
  }

  /** A value of the checkpoint bucket, or undefined when there is none. */
  async value(key: string): Promise<Uint8Array | undefined> {
    const e = await this.env.checkpoints.get(key);
    return e === null || e.operation !== 'PUT' || e.length === 0 ? undefined : e.value;
  }

  /** Writes a checkpoint when anything moved (always when `force`); a failed one is retried by the next. */
  async write(force: boolean): Promise<void> {
    // One write at a time: the layers are a sequence (a slow write must not race the next tick's).
    if (this.writing !== undefined) {
      if (!force) return;
      await this.writing;
    }
    const { part } = this;
    // After a pause (SIGSTOP, a long GC) a deposed owner's timers may run before it learns it lost the
    // partition: it must not write a head over the new owner's.
    if (!this.env.leaseValid(part.p)) return;
    const outboxSeq = part.outputs.seq;
    let wm = part.lastSeq + 1;
    for (const c of part.cells.values()) if (c.firstDirtySeq !== 0 && c.firstDirtySeq < wm) wm = c.firstDirtySeq;
    if (outboxSeq + 1 < wm) wm = outboxSeq + 1;
    const dir = part.directory;
    const sig = `${wm}:${outboxSeq}:${part.timers.version}`;
    if (!force && sig === this.last && !this.directory.due(dir)) return;
    // Read together with the position, before any await: the directory's layers then hold every key
    // with a record at or before `ls`.
    const pos: Position = { wm, ls: part.lastSeq, ob: outboxSeq };
    const prep = dir.complete ? this.directory.prepare(dir) : undefined;
    const done = this.writer
      .write(
        pos,
        part.timers.index,
        prep?.then((d) => d.head),
      )
      .then(
        async () => (await prep)?.applied(),
        async (err: unknown) => {
          (await prep?.catch(() => undefined))?.failed();
          throw err;
        },
      )
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
