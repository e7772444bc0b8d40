/**
 * The surface readers of the engine's log import: names (`@lunchrush/engine/names`),
 * the codec (`/codec`) and the read-only reader (`/log`), against a live engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import * as root from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';
import { decode, encode } from '@lunchrush/engine/codec';
import { EngineError, ensureError } from '@lunchrush/engine/errors';
import { names, partitionOfSubject } from '@lunchrush/engine/names';
import { LogReader, decodeRecord, isBatchRecord, partitionOf, type LogMessage } from '@lunchrush/engine/log';
import { inProcessEngine, type InProcessEngine } from './support.js';

const ns = `t${Math.random().toString(36).slice(2, 10)}`;
const P = 4;
const STORES = ['s1', 's2', 's3', 's4', 's5'];
let t: InProcessEngine;

beforeAll(async () => {
  t = await inProcessEngine(demoActors, { namespace: ns, partitions: P }, 'silent');
  for (const store of STORES)
    for (let i = 1; i <= 3; i++) await t.client.send(store, 'counter', 'c', { op: 'add', by: i });
});
afterAll(() => t?.stop());

async function readAll(reader: LogReader, to: number): Promise<LogMessage[]> {
  const out: LogMessage[] = [];
  for await (const m of reader.read({ from: 1, to })) out.push(m);
  return out;
}

describe('names', () => {
  it('are the ones deployed processes use', () => {
    const n = names('lr');
    expect([n.stream, n.leases, n.snapshots, n.checkpoints]).toEqual([
      'LR_EVENTS',
      'lr_leases',
      'lr_snapshots',
      'lr_checkpoints',
    ]);
    expect([n.cmdSubject(3), n.procSubject('e1'), n.eventSubject(7), n.eventWildcard]).toEqual([
      'lr.cmd.3',
      'lr.proc.e1',
      'lr.ev.7',
      'lr.ev.>',
    ]);
    expect([n.outputStream('kitchen'), n.subject('kitchen.001.wok')]).toEqual(['LR_KITCHEN', 'lr.kitchen.001.wok']);
    expect([partitionOfSubject('lr.ev.12'), partitionOfSubject('lr.ev.>')]).toEqual([12, -1]);
  });

  it('the root export and the subpaths are the same modules', () => {
    expect(root.names).toBe(names);
    expect(root.encode).toBe(encode);
    expect(root.decode).toBe(decode);
    expect(root.ensureError).toBe(ensureError);
    expect(root.EngineError).toBe(EngineError);
  });

  it('the demo actors are on their own subpath, not in the root export', () => {
    expect(demoActors.map((a) => a.name)).toEqual(['account', 'counter']);
    for (const name of ['account', 'counter', 'demoActors', 'demoOutputStreams']) expect(name in root).toBe(false);
  });
});

describe('LogReader', () => {
  it("reads every record the engine appended, each on its store's partition subject", async () => {
    const reader = LogReader.events(t.nc, ns);
    expect(reader.stream).toBe(names(ns).stream);
    const bounds = await reader.bounds();
    expect(bounds).not.toBeNull();
    const messages = await readAll(reader, bounds!.last);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: bounds!.last }, (_, i) => i + 1));

    const added = new Map<string, number[]>();
    for (const m of messages) {
      expect(m.subject).toBe(names(ns).eventSubject(m.partition));
      const record = decodeRecord(m.data);
      if (!isBatchRecord(record)) continue;
      for (const e of record.x) {
        const [type, store] = e.a;
        expect(partitionOf(store, P)).toBe(m.partition);
        if (type !== 'counter') continue;
        for (const ev of e.ev ?? []) added.set(store, [...(added.get(store) ?? []), (ev as { by: number }).by]);
      }
    }
    expect(Object.fromEntries(added)).toEqual(Object.fromEntries(STORES.map((s) => [s, [1, 2, 3]])));
  });

  it('a range past the end stops at the last record instead of waiting, and reading writes nothing', async () => {
    const reader = LogReader.events(t.nc, ns);
    const before = (await reader.bounds())!;
    const messages = await readAll(reader, before.last + 1_000);
    expect(messages.at(-1)?.seq).toBe(before.last);
    expect(await reader.bounds()).toEqual(before);
    const jsm = await jetstreamManager(t.nc);
    const durables: string[] = [];
    for await (const c of jsm.consumers.list(names(ns).stream)) if (c.config.durable_name) durables.push(c.name);
    expect(durables).toEqual([]);
  });

  it('bounds() is null where no engine has made the stream', async () => {
    expect(await LogReader.events(t.nc, `${ns}none`).bounds()).toBeNull();
  });
});
