import { decode, encode } from './codec.js';
import type { DirectoryHead } from './directory.js';
import { changeRows, type TimerChanges, type TimerIndex, type TimerRow } from './timers.js';

/**
 * A partition's checkpoint: where replay starts, and its timers as of one log sequence.
 *
 * The timers are layers under the head key `p.<partition>`: rows inline in the head (few timers),
 * or a base written in chunks (`.b<g>.<i>`) plus deltas (`.d<g>.<j>`), applied in that order. A
 * checkpoint with changed timers writes one delta, not the whole list; once the deltas hold more
 * rows than there are timers (or there are `MAX_DELTAS`), the next one writes a new base into the
 * other generation `g`. So the cost per checkpoint follows the rate of change, not the number of
 * pending timers, and the keys are a fixed set overwritten in place. Every layer is written before
 * the head that names it, so a crash between the two leaves the previous head and its layers whole.
 */
export interface CheckpointHead {
  /** Replay starts here: every actor's events before it are in its snapshot, every output before it is published. */
  wm: number;
  /** The timers are exact as of this sequence. */
  ls: number;
  /** Side outputs of records up to here are published. */
  ob: number;
  /** Timer rows inline. */
  tm: TimerRow[];
  /** Generation of the layers, base chunks, deltas. */
  g?: 0 | 1;
  tb?: number;
  td?: number;
  /** Timers in chunks `.t.<stamp>.<i>`: written by engines before 2 Dec 2026, still read. */
  chunks?: { stamp: string; n: number };
  /** The actor directory's layers (`directory.ts`); absent when written before 7 Dec 2026 or while the directory is incomplete. */
  dir?: DirectoryHead;
}

/** Where a checkpoint stands, and the directory layers its head names. */
export type Position = Pick<CheckpointHead, 'wm' | 'ls' | 'ob' | 'dir'>;

/** Rows up to which the head carries the timers itself. */
const INLINE_TIMERS = 256;
const MAX_DELTAS = 256;
/** A value stays under the server's default max_payload (1 MB). */
export const MAX_CHECKPOINT_BYTES = 900 * 1024;

export class CheckpointWriter {
  private g: 0 | 1 = 0;
  private tb = 0;
  private td = 0;
  private deltaRows = 0;
  /** The next write writes every timer (no layered base yet, an inline one, or after recovery). */
  private full = true;

  constructor(
    private readonly head: string,
    private readonly put: (key: string, data: Uint8Array) => Promise<void>,
  ) {}

  /** After recovery from `head`: its layers are left as they are, and the next write is a whole new base. */
  adopt(head: CheckpointHead): void {
    this.g = head.g ?? 0;
    this.full = true;
  }

  /**
   * Writes a checkpoint at `pos`; `timers` must be as of `pos.ls` now (nothing may run between the
   * caller reading both: they are taken before the first await). `dir`, when given, is the actor
   * directory's layers being written (`directory.ts`): the head names them once they are durable.
   */
  async write(pos: Position, timers: TimerIndex, dir?: Promise<DirectoryHead>): Promise<void> {
    const changes = timers.takeChanges();
    const base = this.full || this.td >= MAX_DELTAS || this.deltaRows + changes.size > timers.size;
    const rows = base ? timers.rows() : undefined;
    try {
      const at = dir === undefined ? pos : { ...pos, dir: await dir };
      if (rows !== undefined) await this.writeBase(at, rows);
      else await this.writeDelta(at, changes);
    } catch (err) {
      timers.restoreChanges(changes);
      throw err;
    }
  }

  private async writeBase(pos: Position, rows: TimerRow[]): Promise<void> {
    if (rows.length <= INLINE_TIMERS) {
      await this.put(this.head, encode({ ...pos, tm: rows } satisfies CheckpointHead));
      // Deltas need a base in layers: the next write with more timers than this writes one.
      this.tb = this.td = this.deltaRows = 0;
      this.full = true;
      return;
    }
    const g = this.g === 0 ? 1 : 0;
    const chunks = chunk(rows);
    await Promise.all(chunks.map((c, i) => this.put(`${this.head}.b${g}.${i}`, c)));
    await this.put(this.head, encode({ ...pos, tm: [], g, tb: chunks.length, td: 0 } satisfies CheckpointHead));
    this.g = g;
    this.tb = chunks.length;
    this.td = this.deltaRows = 0;
    this.full = false;
  }

  private async writeDelta(pos: Position, changes: TimerChanges): Promise<void> {
    if (changes.size > 0) {
      for (const c of chunk(changeRows(changes))) {
        await this.put(`${this.head}.d${this.g}.${this.td}`, c);
        this.td++;
      }
      this.deltaRows += changes.size;
    }
    await this.put(this.head, encode({ ...pos, tm: [], g: this.g, tb: this.tb, td: this.td } satisfies CheckpointHead));
  }
}

/** Rows encoded in values under `MAX_CHECKPOINT_BYTES`. */
function chunk(rows: TimerRow[]): Uint8Array[] {
  const whole = encode(rows);
  if (whole.length <= MAX_CHECKPOINT_BYTES) return [whole];
  const per = Math.max(1, Math.floor((rows.length * MAX_CHECKPOINT_BYTES) / whole.length / 2));
  const out: Uint8Array[] = [];
  for (let i = 0; i < rows.length; i += per) out.push(encode(rows.slice(i, i + per)));
  return out;
}

/** Reads the checkpoint under `head`: its position and its timer rows in the order to apply them. */
export async function readCheckpoint(
  head: string,
  get: (key: string) => Promise<Uint8Array | undefined>,
): Promise<{ head: CheckpointHead; rows: TimerRow[] }> {
  const v = await get(head);
  if (v === undefined) return { head: { wm: 1, ls: 0, ob: 0, tm: [] }, rows: [] };
  const h = decode<CheckpointHead>(v);
  const keys: string[] = [];
  if (h.chunks !== undefined) for (let i = 0; i < h.chunks.n; i++) keys.push(`${head}.t.${h.chunks.stamp}.${i}`);
  for (let i = 0; i < (h.tb ?? 0); i++) keys.push(`${head}.b${h.g ?? 0}.${i}`);
  for (let i = 0; i < (h.td ?? 0); i++) keys.push(`${head}.d${h.g ?? 0}.${i}`);
  const layers = await Promise.all(
    keys.map(async (k) => {
      const layer = await get(k);
      if (layer === undefined) throw new Error(`checkpoint ${head} names ${k}, which is missing`);
      return decode<TimerRow[]>(layer);
    }),
  );
  return { head: h, rows: [...h.tm, ...layers.flat()] };
}
