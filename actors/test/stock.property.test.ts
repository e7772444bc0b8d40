/** Properties of the stock actor over random command sequences: never oversold, replay equals live state. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryRuntime, decode, encode, isRejection, replay } from '@lunchrush/engine';
import { initialStock, stockActor, stockRef, type StockCommand, type StockState } from '@lunchrush/actors';
import { STORE, T0 } from './helpers.js';
import { run } from './stock-support.js';

type Op =
  | { k: 'reserve'; ch: 'miniprogram' | 'delivery'; id: number; qty: number }
  | { k: 'commit'; ch: 'miniprogram' | 'delivery'; id: number }
  | { k: 'release'; ch: 'miniprogram' | 'delivery'; id: number }
  | { k: 'sell'; id: number; qty: number }
  | { k: 'return'; id: number; qty: number }
  | { k: 'restock'; qty: number }
  | { k: 'set'; n: number }
  | { k: 'adjust'; delta: number }
  | { k: 'set86'; on: boolean };

const ch = fc.constantFrom('miniprogram' as const, 'delivery' as const);
const id = fc.integer({ min: 0, max: 15 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ k: fc.constant('reserve' as const), ch, id, qty: fc.integer({ min: 1, max: 6 }) }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('commit' as const), ch, id }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('release' as const), ch, id }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('sell' as const), id, qty: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('return' as const), id, qty: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('restock' as const), qty: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('set' as const), n: fc.integer({ min: 0, max: 30 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('adjust' as const),
      delta: fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('set86' as const), on: fc.boolean() }) },
);

function toCommand(o: Op, i: number): StockCommand {
  const t = T0 + i;
  switch (o.k) {
    case 'reserve':
      return { type: 'reserve', channel: o.ch, ref: `r${o.id}`, qty: o.qty, at: t };
    case 'commit':
      return { type: 'commit', channel: o.ch, ref: `r${o.id}`, at: t };
    case 'release':
      return { type: 'release', channel: o.ch, ref: `r${o.id}`, at: t };
    case 'sell':
      return { type: 'sell', channel: 'pos', ref: `s${o.id}`, qty: o.qty, at: t };
    case 'return':
      return { type: 'return', channel: 'pos', ref: `s${o.id}`, qty: o.qty, reason: 'void', at: t };
    case 'restock':
      return { type: 'restock', qty: o.qty, at: t };
    case 'set':
      return { type: 'set', available: o.n, at: t };
    case 'adjust':
      return { type: 'adjust', delta: o.delta, reason: 'count', at: t };
    case 'set86':
      return { type: 'set86', on: o.on, at: t };
  }
}

describe('stock properties', () => {
  it('any interleaving across channels: available ≥ 0 and stock is conserved', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.array(op, { maxLength: 120 }), (initial, ops) => {
        let s = initialStock(STORE, 'sku');
        s = run(s, { type: 'set', available: initial, at: T0 }).s;
        let restocked = 0;
        let adjusted = initial;
        ops.forEach((o, i) => {
          const r = run(s, toCommand(o, i));
          if (!isRejection(r.d)) {
            for (const e of r.d.events ?? []) {
              if (e.type === 'Restocked') restocked += e.qty;
              if (e.type === 'StockSet') adjusted += e.delta;
              if (e.type === 'Adjusted') adjusted += e.delta;
            }
          }
          s = r.s;
          expect(s.available).toBeGreaterThanOrEqual(0);
          expect(s.reserved).toBeGreaterThanOrEqual(0);
          expect(s.sold).toBeGreaterThanOrEqual(0);
          // available + reserved + sold = initial + restocked ± set/adjust deltas
          expect(s.available + s.reserved + s.sold).toBe(restocked + adjusted);
          expect(s.restocked).toBe(restocked);
          expect(s.adjusted).toBe(adjusted);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a business id is counted once however often it is sent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 })), { maxLength: 60 }),
        (sales) => {
          let s = run(initialStock(STORE, 'sku'), { type: 'set', available: 1_000, at: T0 }).s;
          const first = new Map<number, number>();
          for (const [sid, qty] of sales) {
            s = run(s, { type: 'sell', channel: 'pos', ref: `s${sid}`, qty, at: T0 }).s;
            if (!first.has(sid)) first.set(sid, qty);
          }
          expect(s.sold).toBe([...first.values()].reduce((a, b) => a + b, 0));
        },
      ),
    );
  });

  it('replaying the log gives the live state (MemoryRuntime, several SKUs)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), op), { maxLength: 80 }), (ops) => {
        const rt = new MemoryRuntime([stockActor]);
        for (const sku of ['a', 'b', 'c']) rt.send(stockRef(STORE, sku), { type: 'set', available: 10, at: T0 });
        ops.forEach(([sku, o], i) => rt.send(stockRef(STORE, sku), toCommand(o, i), { id: `c${i}` }));
        const replayed = replay([stockActor], rt.log);
        for (const sku of ['a', 'b', 'c']) {
          const live = rt.state<StockState>(stockRef(STORE, sku));
          expect(replayed.get(`stock.${STORE}.${sku}`)).toEqual(live);
          // and the default snapshot (msgpack of the state) restores it exactly
          expect(decode(encode(live))).toEqual(live);
        }
      }),
      { numRuns: 100 },
    );
  });
});
