import type { ActorType } from '../decider.js';
import { actorKey } from '../partitioning.js';
import type { LogEntry, PartitionRecord } from '../record.js';
import { fold } from '../transaction.js';
import type { Cell } from './cell.js';
import type { Unit } from './group-commit.js';
import type { LoadedSnapshot, SnapshotRecord } from './snapshots.js';

/**
 * Chains: an actor found by its own records instead of a snapshot written for it.
 *
 * A lunch rush leaves hundreds of idle orders a second, each with one or two records; a snapshot of
 * each (an entry as large as its events, ~1.4 KB for an order) was 40% of the bytes appended and its
 * encoding a tenth of the engine's CPU. Each record now names, on an actor's first entry in it
 * (`LogEntry.p`), where the actor's state before that record is: its initial state, a snapshot, or
 * its entries in an earlier record. An idle actor with at most `chainMaxRecords` records since its
 * last snapshot is put in the directory at its latest record (`-seq`) with nothing written, and a
 * later load reads those records back and folds them (`readChain`).
 *
 * `Cell.from` says where the committed state is, as the next record's entry will name it; it
 * follows each record appended or replayed (`advance`), and becomes NaN (unknown: only a snapshot
 * ends the chain) when an entry does not name it, or the chain grows past its bound.
 */

/** The `p` of each actor's first entry in the record about to be appended (its units, in order). */
export function namePrevious(units: readonly Unit[], maxRecords: number): void {
  const seen = new Set<Cell>();
  for (const u of units) {
    for (const s of u.staged) {
      const c = s.cell;
      if (seen.has(c)) {
        if (s.entry.p !== undefined) delete s.entry.p; // a batch split: this entry's record changed
        continue;
      }
      seen.add(c);
      // A snapshot entry is the state itself; entries after it in the same record fold onto it.
      if (u.snapshots === true) continue;
      if (c.from !== undefined && !Number.isNaN(c.from) && c.chainLen < maxRecords) s.entry.p = c.from;
      else if (s.entry.p !== undefined) delete s.entry.p;
    }
  }
}

/**
 * Cell `c`'s entry `e` in record `seq` is committed (or replayed): its chain goes on from there when
 * `e` names where its state was, else it is unknown until its next snapshot.
 */
export function advance(c: Cell, seq: number, e: LogEntry, maxRecords: number): void {
  if (c.from === -seq) return; // a later entry of the same record
  if (c.chainLen < maxRecords && e.p === c.from) {
    c.from = -seq;
    c.chainLen++;
  } else {
    c.from = NaN;
  }
}

/** A snapshot entry in record `seq` holds `c`'s committed state: its chain starts again there. */
export function restart(c: Cell, seq: number): void {
  c.from = -seq;
  c.chainLen = 1;
}

/** How to read what a chain names. */
export interface ChainReader {
  record(seq: number): Promise<PartitionRecord | undefined>;
  /** The snapshot in the bucket (undefined: none). */
  bucket(key: string): Promise<LoadedSnapshot | undefined>;
  decode(bytes: Uint8Array): SnapshotRecord;
}

/**
 * The actor `key` as its chain ending at record `head` leaves it, or undefined when that record holds
 * no entry of it (a place a shared hash gave). Throws when a record the chain names is gone.
 */
export async function readChain(
  r: ChainReader,
  type: ActorType,
  key: string,
  head: number,
  bound: number,
): Promise<LoadedSnapshot | undefined> {
  /** The actor's entries of each record, newest record first. */
  const found: { seq: number; entries: LogEntry[] }[] = [];
  let base: SnapshotRecord | undefined;
  let seq = head;
  for (;;) {
    const rec = await r.record(seq);
    const mine = rec?.k === 'b' ? rec.x.filter((e) => actorKey(e.a[1], e.a[0], e.a[2]) === key) : [];
    if (mine.length === 0) {
      if (seq === head) return undefined;
      throw new Error(`record ${seq}, named by the chain of ${key}, does not hold it`);
    }
    let snapAt = -1;
    for (let i = mine.length - 1; i >= 0; i--)
      if (mine[i]!.sn !== undefined) {
        snapAt = i;
        break;
      }
    if (snapAt >= 0) {
      base = r.decode(mine[snapAt]!.sn!);
      found.push({ seq, entries: mine.slice(snapAt + 1) });
      break;
    }
    found.push({ seq, entries: mine });
    const p = mine[0]!.p;
    if (p === undefined) break; // from its initial state
    if (p === 0) {
      base = await r.bucket(key);
      break;
    }
    if (p > 0) {
      const rec = await r.record(p);
      const sn =
        rec?.k === 'b' ? rec.x.find((e) => e.sn !== undefined && actorKey(e.a[1], e.a[0], e.a[2]) === key) : undefined;
      if (sn === undefined) throw new Error(`record ${p}, named by the chain of ${key}, holds no snapshot of it`);
      base = r.decode(sn.sn!);
      break;
    }
    if (-p >= seq || found.length > bound) throw new Error(`the chain of ${key} at record ${seq} names record ${-p}`);
    seq = -p;
  }
  const from = base?.seq ?? 0;
  // The bucket written again past the whole chain (its directory place not yet stored): it is the state.
  if (base !== undefined && from >= head) return { ...base, place: 0, chainLen: 0 };
  let state: unknown =
    base === undefined
      ? type.initial(refOf(found[0]!.entries[0]!))
      : type.snapshot
        ? type.snapshot.decode(base.s)
        : base.s;
  const chainIds: [string, unknown, number][] = [];
  let records = 0;
  for (let i = found.length - 1; i >= 0; i--) {
    const { seq: at, entries } = found[i]!;
    // A base newer than the chain expected (the bucket written again since) already holds these.
    if (at <= from) continue;
    records++;
    for (const e of entries) {
      state = fold(type, state, e.ev);
      if (e.c !== undefined) chainIds.push([e.c, e.r, at]);
    }
  }
  const out: LoadedSnapshot = {
    ...(base ?? { idr: [] }),
    seq: head,
    s: state,
    folded: true,
    place: -head,
    chainLen: records,
  };
  if (chainIds.length > 0) out.chainIds = chainIds;
  return out;
}

function refOf(e: LogEntry): { type: string; store: string; id: string } {
  return { type: e.a[0], store: e.a[1], id: e.a[2] };
}
