/**
 * Reading an actor back from its chain (pure: records and the bucket given as maps): what it folds,
 * where it stops, and what it refuses.
 */
import { describe, expect, it } from 'vitest';
import { counter } from '@lunchrush/engine/demo';
import { readChain, type ChainReader } from '../src/partition/chain.js';
import type { SnapshotRecord } from '../src/partition/snapshots.js';
import type { LogEntry, PartitionRecord } from '../src/record.js';

const A: [string, string, string] = ['counter', 's1', 'x'];
const KEY = 'counter.s1.x';
const OTHER: [string, string, string] = ['counter', 's1', 'y'];

const add = (by: number, extra: Partial<LogEntry> = {}): LogEntry => ({ a: A, ev: [{ t: 'added', by }], ...extra });
const rec = (...x: LogEntry[]): PartitionRecord => ({ k: 'b', e: 1, o: 'test', x });
/** Snapshot entries hold the record as bytes; here the reader's `decode` takes the record back from a table. */
const snaps: SnapshotRecord[] = [];
const sn = (s: SnapshotRecord): Uint8Array => new Uint8Array([snaps.push(s) - 1]);

function reader(records: Record<number, PartitionRecord>, bucket?: SnapshotRecord): ChainReader {
  return {
    record: (seq) => Promise.resolve(records[seq]),
    bucket: () => Promise.resolve(bucket === undefined ? undefined : { ...bucket, place: 0 }),
    decode: (b) => snaps[b[0]!]!,
  };
}

describe('readChain', () => {
  it('folds the records back to the initial state, command ids with the record that holds them', async () => {
    const r = reader({
      3: rec(add(1, { c: 'i1', r: { n: 1 } })),
      7: rec({ a: OTHER, ev: [] }, add(2, { p: -3 }), add(4)),
      9: rec(add(8, { p: -7, c: 'i3', r: { n: 15 } })),
    });
    const got = await readChain(r, counter, KEY, 9, 4);
    expect(got).toMatchObject({ seq: 9, s: { n: 15 }, folded: true, place: -9, chainLen: 3 });
    expect(got?.chainIds).toEqual([
      ['i1', { n: 1 }, 3],
      ['i3', { n: 15 }, 9],
    ]);
  });

  it('starts from a snapshot entry: in an earlier record, or in the same record before later entries', async () => {
    const base = { seq: 4, s: { n: 100 }, idr: [] };
    const earlier = reader({ 5: rec({ a: A, sn: sn(base) }), 8: rec(add(1, { p: 5 })) });
    expect(await readChain(earlier, counter, KEY, 8, 4)).toMatchObject({ s: { n: 101 }, chainLen: 1 });
    const same = reader({ 5: rec(add(50, { p: 2 }), { a: A, sn: sn(base) }, add(3)) });
    expect(await readChain(same, counter, KEY, 5, 4)).toMatchObject({ s: { n: 103 }, chainLen: 1 });
  });

  it('skips the records a bucket snapshot written again since already holds', async () => {
    // The chain began at the bucket when it covered record 2; the bucket was written again covering 6.
    const r = reader(
      { 4: rec(add(1, { p: 0 })), 6: rec(add(2, { p: -4 })), 9: rec(add(4, { p: -6 })) },
      { seq: 6, s: { n: 1003 }, idr: [] },
    );
    expect(await readChain(r, counter, KEY, 9, 4)).toMatchObject({ seq: 9, s: { n: 1007 }, chainLen: 1 });
    // Written again past the whole chain: the bucket is the state.
    const past = reader({ 4: rec(add(1, { p: 0 })) }, { seq: 6, s: { n: 1003 }, idr: [] });
    expect(await readChain(past, counter, KEY, 4, 4)).toMatchObject({ seq: 6, s: { n: 1003 }, place: 0 });
  });

  it('answers nothing for a head record without the actor (a place a shared hash gave), and refuses a broken chain', async () => {
    expect(await readChain(reader({ 3: rec({ a: OTHER, ev: [] }) }), counter, KEY, 3, 4)).toBeUndefined();
    await expect(readChain(reader({ 9: rec(add(1, { p: -3 })) }), counter, KEY, 9, 4)).rejects.toThrow(/record 3/);
    await expect(readChain(reader({ 9: rec(add(1, { p: 2 })) }), counter, KEY, 9, 4)).rejects.toThrow(/no snapshot/);
  });
});
