import type { ActorRef, ActorType } from '../decider.js';
import type { EngineConfig } from '../config.js';
import { IdWindow } from '../id-window.js';
import { now } from './env.js';
import type { LoadedSnapshot } from './snapshots.js';

/** One actor in memory: its state, where it stands in the log and in its snapshot, and its recent command ids. */
export interface Cell {
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
  /**
   * Where its committed state is found in the log, as its next record's entry names it (`LogEntry.p`):
   * undefined for the initial state, 0 the bucket, S > 0 a snapshot entry in record S, -S its entries
   * in record S (a chain: see `Snapshots.chainIdle`). NaN while unknown (rebuilt by a replay, or a
   * chain past `chainMaxRecords`): only a snapshot makes it known again.
   */
  from: number | undefined;
  /** Records its chain has reached since `from` last named a snapshot (or its initial state). */
  chainLen: number;
  /** Command id → result, tagged with the seq of its record (0 while its append is in flight). */
  readonly recent: IdWindow<unknown>;
}

/** An actor as its snapshot left it (its initial state without one), with `pending` commands already waiting. */
export function newCell(
  cfg: EngineConfig,
  ref: ActorRef,
  key: string,
  type: ActorType,
  snap: LoadedSnapshot | undefined,
  pending: number,
): Cell {
  const state: unknown =
    snap === undefined
      ? type.initial(ref)
      : snap.folded
        ? snap.s
        : type.snapshot
          ? type.snapshot.decode(snap.s)
          : snap.s;
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
    // A snapshot read without saying where it was (none does today) leaves its chain unknown.
    from: snap === undefined ? undefined : (snap.place ?? NaN),
    chainLen: snap?.chainLen ?? 0,
    recent: new IdWindow(cfg.dedupWindowPerActor, cfg.dedupMaxAgeMs, undefined, cfg.dedupInlineResultBytes),
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
  for (const [id, r, seq] of snap?.chainIds ?? []) cell.recent.set(id, r, seq);
  return cell;
}

/**
 * Nothing pending, every event in a snapshot, and no state staged by a transaction still being
 * appended: a callee of another actor's call has no pending commands of its own, and loading it
 * again from its snapshot would lose what that append makes durable.
 */
export function canPassivate(c: Cell): boolean {
  return c.pending === 0 && !c.snapshotting && !c.snapQueued && c.firstDirtySeq === 0 && c.state === c.committed;
}
