import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { cleanupNamespace, connectNats, uniqueNamespace } from '@lunchrush/testkit';
import { names } from '@lunchrush/engine/names';
import { CheckpointWriter, readCheckpoint } from '../src/checkpoint.js';
import { TimerIndex, type TimerRow } from '../src/timers.js';

const ns = uniqueNamespace('ckpt');
let nc: NatsConnection;
let kv: KV;

beforeAll(async () => {
  nc = await connectNats();
  kv = await new Kvm(jetstream(nc)).create(names(ns).checkpoints, { history: 1 });
});
afterAll(async () => {
  await cleanupNamespace(nc, ns);
  await nc.close();
});

const keyOf = (n: number): string => `order\u0000s1\u0000o${n}`;
const get = async (key: string): Promise<Uint8Array | undefined> => {
  const e = await kv.get(key);
  return e === null || e.operation !== 'PUT' ? undefined : e.value;
};

/** The pending timers as sorted rows: what a checkpoint must give back. */
const state = (t: TimerIndex): TimerRow[] => t.rows().sort((a, b) => (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));

async function restored(head: string): Promise<TimerRow[]> {
  const { rows } = await readCheckpoint(head, get);
  const t = new TimerIndex();
  for (const r of rows) t.apply(r, `${r[1]}\u0000${r[0]}\u0000${r[2]}`);
  return state(t);
}

type Op = { k: 'set'; n: number; at: number } | { k: 'cancel'; n: number } | { k: 'fire'; n: number } | { k: 'ckpt' };

function run(t: TimerIndex, op: Op, pad: string): void {
  const ref = { type: 'order', store: 's1', id: `o${op.k === 'ckpt' ? 0 : op.n}` };
  if (op.k === 'set') t.set(ref, keyOf(op.n), 'pay', op.at, { op: 'expire', pad });
  else if (op.k === 'cancel') t.cancel(keyOf(op.n), 'pay');
  else if (op.k === 'fire') {
    const at = t.atOf(keyOf(op.n), 'pay');
    if (at !== undefined) t.fired(keyOf(op.n), 'pay', at);
  }
}

describe('checkpoint timers (a real KV bucket)', () => {
  it('give back exactly the timers as of the last checkpoint that wrote its head, across inline, base and delta layers and failed writes', async () => {
    let case_ = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { weight: 14, arbitrary: fc.record({ k: fc.constant('set' as const), n: fc.nat(500), at: fc.nat(1e6) }) },
            { weight: 2, arbitrary: fc.record({ k: fc.constant('cancel' as const), n: fc.nat(500) }) },
            { weight: 1, arbitrary: fc.record({ k: fc.constant('fire' as const), n: fc.nat(500) }) },
            { weight: 1, arbitrary: fc.constant({ k: 'ckpt' as const }) },
          ),
          { minLength: 600, maxLength: 1200, size: 'max' },
        ),
        // Which puts of the run fail (a connection lost mid-checkpoint).
        fc.uniqueArray(fc.nat(150), { minLength: 5, maxLength: 30 }),
        fc.boolean(),
        async (ops, failing, big) => {
          const head = `p.${case_++}`;
          // Big commands push the base past one value's limit, so it is written in chunks.
          const pad = big ? 'x'.repeat(3000) : '';
          let puts = 0;
          let healthy = false;
          const w = new CheckpointWriter(head, async (key, data) => {
            if (!healthy && failing.includes(puts++)) throw new Error('injected: connection lost');
            await kv.put(key, data);
          });
          const t = new TimerIndex();
          let expected: TimerRow[] = [];
          // Timers keep changing while a checkpoint is being written, as in a partition.
          let writing: Promise<void> | undefined;
          const settle = async (): Promise<void> => {
            await writing;
            expect(await restored(head)).toEqual(expected);
          };
          for (const op of ops) {
            if (op.k !== 'ckpt') {
              run(t, op, pad);
              continue;
            }
            await settle();
            const now = state(t);
            writing = w.write({ wm: 1, ls: 0, ob: 0 }, t).then(
              () => void (expected = now),
              () => undefined,
            );
          }
          await settle();
          const last = state(t);
          healthy = true;
          await w.write({ wm: 1, ls: 0, ob: 0 }, t);
          expect(await restored(head)).toEqual(last);
        },
      ),
      { numRuns: 10, endOnFailure: true },
    );
  }, 120_000);

  it('a checkpoint after a few changes to many timers writes those changes, not every timer', async () => {
    const written: string[] = [];
    const w = new CheckpointWriter('p.cost', async (key, data) => {
      written.push(`${key}:${data.length}`);
      await kv.put(key, data);
    });
    const t = new TimerIndex();
    for (let n = 0; n < 2000; n++) t.set({ type: 'order', store: 's1', id: `o${n}` }, keyOf(n), 'pay', n, { op: 'x' });
    await w.write({ wm: 1, ls: 1, ob: 1 }, t);
    const baseBytes = written.filter((x) => x.startsWith('p.cost.b')).reduce((n, x) => n + Number(x.split(':')[1]), 0);
    expect(baseBytes).toBeGreaterThan(2000 * 20);

    written.length = 0;
    t.cancel(keyOf(5), 'pay');
    t.set({ type: 'order', store: 's1', id: 'o9999' }, keyOf(9999), 'pay', 1, { op: 'x' });
    await w.write({ wm: 2, ls: 2, ob: 2 }, t);
    expect(written.map((x) => x.split(':')[0])).toEqual(['p.cost.d1.0', 'p.cost']);
    expect(written.reduce((n, x) => n + Number(x.split(':')[1]), 0)).toBeLessThan(300);
    expect(await restored('p.cost')).toEqual(state(t));

    // Once the deltas hold more rows than there are timers, a new base replaces them.
    written.length = 0;
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 1000; n++)
        t.set({ type: 'order', store: 's1', id: `o${n}` }, keyOf(n), 'pay', round, { op: 'x' });
      await w.write({ wm: 3 + round, ls: 3 + round, ob: 3 + round }, t);
    }
    expect(written.some((x) => x.startsWith('p.cost.b0.'))).toBe(true);
    expect(await restored('p.cost')).toEqual(state(t));
  });
});
