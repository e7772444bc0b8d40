/**
 * Inserts decoded records into `events` exactly once (see `schema.ts`): records
 * that may have been stored before are looked up by sequence first and dropped
 * when present. Shared by live ingestion and backfill. Sequences are `events.seq`:
 * a stream sequence plus its source's base (`sources.ts`), so "the highest stored"
 * is kept per source.
 */
import { EVENT_COLUMNS } from './rows.js';
import { SEQ_SPACE, seqRange } from './sources.js';
import type { Warehouse } from './warehouse.js';

export interface PendingRecord {
  seq: number;
  publishedMs: number;
  /** How many events (rows) the record holds. */
  events: number;
  /**
   * Its rows as TabSeparated lines (`recordToTsv`), as bytes: a batch waiting for its
   * insert holds them off the JS heap, where strings would be promoted and traced by GC.
   */
  tsv: Buffer;
  /** Delivered before (JetStream says so): may already be stored. */
  redelivered: boolean;
}

/**
 * Measured on chDB (analytics/bench/stages.ts, README): about 20% less CPU per event and 30% less time.
 * optimize_on_insert = 0: no merging by the table engine inside the inserted block (the loader already
 * dropped duplicates; Replacing/Summing/Aggregating merges happen in the background and every query
 * aggregates or reads FINAL anyway). parallel_view_processing = 1: the four views are fed in parallel.
 */
const INSERT_SETTINGS = { optimize_on_insert: 0, parallel_view_processing: 1 };

export interface LoadResult {
  inserted: number;
  /** Records dropped because their events were already stored. */
  duplicates: number;
}

export class Loader {
  /** Per source's range of `seq`: the highest known to be stored; records above it are new unless re-delivered. */
  private readonly top = new Map<number, number>();

  constructor(private readonly wh: Warehouse) {}

  /** Reads the highest stored sequence of each source (at start, and after a truncate). */
  async init(): Promise<void> {
    const r = await this.wh.query<{ src: number; m: number }>(
      `SELECT intDiv(seq, ${SEQ_SPACE}) AS src, max(seq) AS m FROM events GROUP BY src`,
    );
    this.top.clear();
    for (const x of r) this.top.set(Number(x.src), Number(x.m));
  }

  /** The highest stored sequence of any source. */
  get maxStoredSeq(): number {
    return Math.max(0, ...this.top.values());
  }

  /** The highest stored sequence in the range starting at `base` (`base` itself when none is). */
  highestFrom(base: number): number {
    return this.top.get(seqRange(base)) ?? base;
  }

  private highestOf(seq: number): number {
    return this.top.get(seqRange(seq)) ?? 0;
  }

  async load(records: readonly PendingRecord[]): Promise<LoadResult> {
    const suspicious = records.filter((r) => r.events > 0 && (r.redelivered || r.seq <= this.highestOf(r.seq)));
    let present = new Set<number>();
    if (suspicious.length > 0) {
      const seqs = suspicious.map((r) => r.seq);
      // A loop, not Math.min(...seqs): a re-delivered batch can hold tens of thousands of records.
      let lo = Infinity;
      let hi = 0;
      for (const q of seqs) {
        if (q < lo) lo = q;
        if (q > hi) hi = q;
      }
      const found = await this.wh.query<{ seq: number }>(
        `SELECT DISTINCT seq FROM events
         WHERE seq >= {lo:UInt64} AND seq <= {hi:UInt64} AND seq IN {seqs:Array(UInt64)}`,
        { lo, hi, seqs },
      );
      present = new Set(found.map((f) => Number(f.seq)));
    }
    const parts: Buffer[] = [];
    let bytes = 0;
    let inserted = 0;
    let duplicates = 0;
    const top = new Map(this.top);
    for (const r of records) {
      if (present.has(r.seq)) {
        duplicates++;
        continue;
      }
      if (r.events > 0) {
        parts.push(r.tsv);
        bytes += r.tsv.length;
      }
      inserted += r.events;
      const range = seqRange(r.seq);
      if (r.seq > (top.get(range) ?? 0)) top.set(range, r.seq);
    }
    if (inserted > 0) await this.wh.insertTsv('events', EVENT_COLUMNS, Buffer.concat(parts, bytes), INSERT_SETTINGS);
    for (const [range, seq] of top) this.top.set(range, seq);
    return { inserted, duplicates };
  }
}
