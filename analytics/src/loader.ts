/**
 * Inserts decoded records into `events` exactly once (see `schema.ts`): records
 * that may have been stored before are looked up by stream sequence first and
 * dropped when present. Shared by live ingestion and backfill.
 */
import type { EventRow } from './rows.js';
import type { Warehouse } from './warehouse.js';

export interface PendingRecord {
  seq: number;
  publishedMs: number;
  rows: EventRow[];
  /** Delivered before (JetStream says so): may already be stored. */
  redelivered: boolean;
}

export interface LoadResult {
  inserted: number;
  /** Records dropped because their events were already stored. */
  duplicates: number;
}

export class Loader {
  /** Highest stream sequence known to be stored; records above it are new unless re-delivered. */
  private maxSeq = 0;

  constructor(private readonly wh: Warehouse) {}

  /** Reads the highest stored sequence (at start, and after a truncate). */
  async init(): Promise<void> {
    const r = await this.wh.query<{ m: number }>('SELECT max(seq) AS m FROM events');
    this.maxSeq = Number(r[0]?.m ?? 0);
  }

  get maxStoredSeq(): number {
    return this.maxSeq;
  }

  async load(records: readonly PendingRecord[]): Promise<LoadResult> {
    const suspicious = records.filter((r) => r.rows.length > 0 && (r.redelivered || r.seq <= this.maxSeq));
    let present = new Set<number>();
    if (suspicious.length > 0) {
      const seqs = suspicious.map((r) => r.seq);
      const found = await this.wh.query<{ seq: number }>(
        `SELECT DISTINCT seq FROM events
         WHERE seq >= {lo:UInt64} AND seq <= {hi:UInt64} AND seq IN {seqs:Array(UInt64)}`,
        { lo: Math.min(...seqs), hi: Math.max(...seqs), seqs },
      );
      present = new Set(found.map((f) => Number(f.seq)));
    }
    const rows: EventRow[] = [];
    let duplicates = 0;
    let top = this.maxSeq;
    for (const r of records) {
      if (present.has(r.seq)) {
        duplicates++;
        continue;
      }
      for (const row of r.rows) rows.push(row);
      if (r.seq > top) top = r.seq;
    }
    await this.wh.insert('events', rows);
    this.maxSeq = top;
    return { inserted: rows.length, duplicates };
  }
}
