/**
 * Where ingestion time goes, stage by stage, in one process without NATS:
 * msgpack decode, rows as TabSeparated text, and the insert into chDB (with its
 * materialized views) at a few batch sizes.
 *
 *   node --import tsx analytics/bench/stages.ts [--events 200000] [--batches 5000,20000,50000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decode, encode } from '@lunchrush/engine/codec';
import type { PartitionRecord } from '@lunchrush/engine/log';
import {
  defaultConfig,
  generateHistory,
  Loader,
  migrate,
  recordToTsv,
  truncateAll,
  Warehouse,
  type PendingRecord,
} from '@lunchrush/analytics';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, batches: { type: 'string', default: '5000,20000,50000' } },
});
const want = Number(values.events);

const recs: { p: number; at: number; bytes: Uint8Array }[] = [];
let events = 0;
for (const r of generateHistory({ stores: 20, days: 30, start: '2026-10-01' })) {
  recs.push({ p: r.partition, at: r.at, bytes: encode(r.record) });
  events += r.events;
  if (events >= want) break;
}
const perEvent = (ms: number): string => `${((ms * 1000) / events).toFixed(2)} µs/event`;
console.log(`${recs.length} records, ${events} events`);

let pending: PendingRecord[] = [];
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  const decoded = recs.map((r) => decode<PartitionRecord>(r.bytes));
  const t1 = performance.now();
  pending = decoded.map((d, i) => ({
    seq: i + 1,
    publishedMs: recs[i]!.at,
    redelivered: false,
    ...recordToTsv(d, { seq: i + 1, partition: recs[i]!.p, publishedMs: recs[i]!.at }),
  }));
  const t2 = performance.now();
  console.log(`round ${round}: decode ${perEvent(t1 - t0)}, rows as TSV ${perEvent(t2 - t1)}`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-stages-'));
const wh = Warehouse.open({ ...defaultConfig(), chdbPath: dir });
await migrate(wh);
for (const size of values.batches.split(',').map(Number)) {
  await truncateAll(wh);
  const loader = new Loader(wh);
  await loader.init();
  const t = performance.now();
  let batch: PendingRecord[] = [];
  let n = 0;
  for (const p of pending) {
    batch.push(p);
    n += p.events;
    if (n >= size) {
      await loader.load(batch);
      batch = [];
      n = 0;
    }
  }
  await loader.load(batch);
  const ms = performance.now() - t;
  console.log(`insert, batches of ${size} events: ${perEvent(ms)}, ${Math.round((events / ms) * 1000)} events/s`);
}
await wh.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
process.exit(0);
