/**
 * Durable "printing" / "printed" records, one per ticket, in the KV bucket
 * `<ns>_printjobs`. "printing" is written (compare-and-set) just before the bytes
 * go to the printer and "printed" once the printer processed them without error;
 * a record still "printing" when a ticket comes round again means the outcome is
 * unknown, and the ticket prints again under a REPRINT banner.
 */
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { JetStreamClient } from '@nats-io/jetstream';
import { ErrorCode, PrinterDaemonError } from './errors.js';

export type JobState = 'printing' | 'printed' | 'skipped';

export interface JobRecord {
  readonly ticketId: string;
  readonly store: string;
  readonly station: string;
  /** Kitchen stream sequence: where a staff reprint finds the ticket again. */
  readonly seq: number;
  readonly state: JobState;
  /** The printer of the latest attempt (`skipped`: none). */
  readonly printer: string | null;
  readonly attempts: number;
  /** Printed under a REPRINT banner because an earlier attempt's outcome was unknown. */
  readonly reprinted: boolean;
  readonly late: boolean;
  readonly at: number;
}

export interface StoredJob {
  readonly record: JobRecord;
  readonly revision: number;
}

export class JobStore {
  private constructor(private readonly kv: KV) {}

  static async open(js: JetStreamClient, bucket: string, ttlMs: number, replicas: number): Promise<JobStore> {
    const kv = await new Kvm(js).create(bucket, { history: 1, ttl: ttlMs, replicas });
    return new JobStore(kv);
  }

  static key(store: string, ticketId: string): string {
    return `${store}.${Buffer.from(ticketId).toString('base64url')}`;
  }

  async get(store: string, ticketId: string): Promise<StoredJob | null> {
    const e = await this.kv.get(JobStore.key(store, ticketId));
    if (e === null || e.operation !== 'PUT' || e.length === 0) return null;
    return { record: e.json<JobRecord>(), revision: e.revision };
  }

  /**
   * Writes `record` only if the key is still at `revision` (null: absent), so two
   * daemons cannot both claim a ticket. Returns the new revision.
   */
  async write(record: JobRecord, revision: number | null): Promise<number> {
    const key = JobStore.key(record.store, record.ticketId);
    const data = JSON.stringify(record);
    try {
      return revision === null ? await this.kv.create(key, data) : await this.kv.update(key, data, revision);
    } catch (e) {
      throw new PrinterDaemonError(ErrorCode.Claimed, `job ${record.ticketId} changed under us`, { cause: e });
    }
  }

  /** Every record (for tests and the status request). */
  async all(store: string): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    const keys = await this.kv.keys(`${store}.>`);
    for await (const k of keys) {
      const e = await this.kv.get(k);
      if (e !== null && e.operation === 'PUT' && e.length > 0) out.push(e.json<JobRecord>());
    }
    return out;
  }
}
