/** A table's shared cart: lines from every diner, turned into one order. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { replay } from '@lunchrush/engine';
import { restaurantActors } from '@lunchrush/actors';
import { STORE, T0, expectOk, setupStore } from './helpers.js';
import { T1, tbl, state, open, add } from './table-support.js';

describe('shared cart', () => {
  it('several diners add lines; every line is kept in order, retries add nothing', () => {
    const rt = setupStore();
    open(rt, T1, 'd1', 4);
    expectOk(tbl(rt, T1, { type: 'open', sessionId: 'other', partySize: 4, dinerId: 'd2', at: T0 }));
    expect(state(rt, T1).session).toMatchObject({ sessionId: `s-${T1}`, diners: ['d1', 'd2'] });
    expectOk(tbl(rt, T1, add('d1-1', 'd1', 'cola'), 'c1'));
    expectOk(tbl(rt, T1, add('d2-1', 'd2', 'cuke'), 'c2'));
    expectOk(tbl(rt, T1, add('d3-1', 'd3', 'noodle-l', 2), 'c3'));
    expectOk(tbl(rt, T1, add('d2-1', 'd2', 'cuke'), 'c2-retry'));
    expectOk(tbl(rt, T1, add('d1-1', 'd1', 'cola'), 'c1'));
    expect(state(rt, T1).session!.cart.map((l) => [l.lineId, l.dinerId, l.skuId, l.qty])).toEqual([
      ['d1-1', 'd1', 'cola', 1],
      ['d2-1', 'd2', 'cuke', 1],
      ['d3-1', 'd3', 'noodle-l', 2],
    ]);
    expect(state(rt, T1).session!.diners).toEqual(['d1', 'd2', 'd3']);
    const pushed = rt.outputs.filter((o) => o.subject === `push.${STORE}.table.${T1}`);
    expect((pushed[pushed.length - 1]!.data as { cartTotalFen: number }).cartTotalFen).toBe(600 + 1200 + 5600);
  });

  type CartOp =
    | { k: 'add'; diner: number; n: number; qty: number }
    | { k: 'update'; diner: number; n: number; qty: number }
    | { k: 'remove'; diner: number; n: number };
  const cartOp: fc.Arbitrary<CartOp> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant('add' as const),
        diner: fc.integer({ min: 1, max: 5 }),
        n: fc.integer({ min: 1, max: 6 }),
        qty: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('update' as const),
        diner: fc.integer({ min: 1, max: 5 }),
        n: fc.integer({ min: 1, max: 6 }),
        qty: fc.integer({ min: 0, max: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('remove' as const),
        diner: fc.integer({ min: 1, max: 5 }),
        n: fc.integer({ min: 1, max: 6 }),
      }),
    },
  );

  it('any interleaving of diners: the cart is exactly the lines added, in arrival order, none lost', () => {
    fc.assert(
      fc.property(fc.array(cartOp, { maxLength: 60 }), (ops) => {
        const rt = setupStore();
        open(rt, T1);
        const model: { lineId: string; qty: number }[] = [];
        ops.forEach((o, i) => {
          const lineId = `d${o.diner}-${o.n}`;
          const at = model.find((l) => l.lineId === lineId);
          if (o.k === 'add') {
            const out = tbl(rt, T1, add(lineId, `d${o.diner}`, 'cola', o.qty, T0 + i));
            if (at === undefined) {
              expect(out.ok).toBe(true);
              model.push({ lineId, qty: o.qty });
            } else expect(out.ok ? 'ok' : out.reason).toBe(at.qty === o.qty ? 'ok' : 'idempotency_conflict');
          } else {
            const out = tbl(
              rt,
              T1,
              o.k === 'update'
                ? { type: 'updateLine', lineId, qty: o.qty, at: T0 + i }
                : { type: 'removeLine', lineId, at: T0 + i },
            );
            expect(out.ok).toBe(at !== undefined);
            if (at !== undefined) {
              if (o.k === 'remove' || o.qty === 0) model.splice(model.indexOf(at), 1);
              else at.qty = o.qty;
            }
          }
        });
        expect(state(rt, T1).session!.cart.map((l) => ({ lineId: l.lineId, qty: l.qty }))).toEqual(model);
        const replayed = replay(restaurantActors, rt.log).get(`table.${STORE}.${T1}`);
        expect(replayed).toEqual(state(rt, T1));
      }),
      { numRuns: 60 },
    );
  });
});
