/** Shared by the analytics tests: a chDB warehouse in a temp folder, and records in the engine's exact format. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { encode } from '@lunchrush/engine/codec';
import { partitionOf, type BatchRecord, type LogEntry } from '@lunchrush/engine/log';
import { names } from '@lunchrush/engine/names';
import { defaultConfig, migrate, Warehouse, type IngestConfig } from '@lunchrush/analytics';

export const P = 8;

/** A fresh chDB folder (one per test file: chDB is one engine per process). */
export async function tempWarehouse(): Promise<{ wh: Warehouse; dir: string; drop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-chdb-'));
  const wh = Warehouse.open({ ...defaultConfig(), chdbPath: dir });
  await migrate(wh);
  return {
    wh,
    dir,
    drop: async () => {
      await wh.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function ingestConfig(ns: string, extra: Partial<IngestConfig> = {}): IngestConfig {
  return { ...defaultConfig(), namespace: ns, durable: 'analytics', batchMaxWaitMs: 50, ...extra };
}

/** Local (Asia/Shanghai) time 'YYYY-MM-DD HH:MM' in ms. */
export const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);

export const entry = (type: string, store: string, id: string, ev: unknown[]): LogEntry => ({
  a: [type, store, id],
  ev,
});

/** The engine's event stream, made as the engine makes it: the test stands in for the engine. */
export async function createEventStream(nc: NatsConnection, ns: string): Promise<void> {
  const n = names(ns);
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: n.stream,
    subjects: [n.eventWildcard],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_msg_size: -1,
  });
}

/**
 * Publishes records to `<ns>.ev.<partition of store>` exactly as the engine appends them: the
 * test stands in for the engine (analytics itself never writes this stream).
 */
export async function publish(
  nc: NatsConnection,
  ns: string,
  records: { store: string; record: BatchRecord }[],
): Promise<number[]> {
  await createEventStream(nc, ns);
  const js = jetstream(nc);
  const seqs: number[] = [];
  for (const r of records) {
    const ack = await js.publish(names(ns).eventSubject(partitionOf(r.store, P)), encode(r.record));
    seqs.push(ack.seq);
  }
  return seqs;
}

export const batch = (...x: LogEntry[]): BatchRecord => ({ k: 'b', e: 1, o: 'test', x });
