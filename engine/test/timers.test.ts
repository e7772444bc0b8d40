import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerIndex } from '../src/timers.js';

const ref = (n: number) => ({ type: 'order', store: 's1', id: `o${n}` });
const keyOf = (n: number): string => `order.s1.o${n}`;

describe('TimerIndex', () => {
  it('forgets cancelled timers instead of keeping them until their time (a paid order cancels its 15-minute timer)', () => {
    const t = new TimerIndex();
    for (let n = 0; n < 20_000; n++) t.set(ref(n), keyOf(n), 'pay', 900_000 + n, { type: 'paymentTimeout' });
    for (let n = 0; n < 20_000; n++) if (n % 100 !== 0) t.cancel(keyOf(n), 'pay');
    expect(t.size).toBe(200);
    expect(t.queued).toBeLessThanOrEqual(2 * 200 + 1024);
    const due = t.due(Number.MAX_SAFE_INTEGER, 10_000).map((x) => x.ref.id);
    expect(due).toEqual(Array.from({ length: 200 }, (_, i) => `o${i * 100}`));
  });

  it('fires what is pending, once, in time order, whatever was set, set again, cancelled or fired before', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 4, arbitrary: fc.record({ k: fc.constant('set' as const), n: fc.nat(50), at: fc.nat(1000) }) },
            { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), n: fc.nat(50) }) },
          ),
          // Enough sets that the heap passes its slack and is compacted several times.
          { minLength: 3000, maxLength: 6000, size: 'max' },
        ),
        (ops) => {
          const t = new TimerIndex();
          const model = new Map<number, number>();
          for (const op of ops) {
            if (op.k === 'set') {
              t.set(ref(op.n), keyOf(op.n), 'k', op.at, null);
              model.set(op.n, op.at);
            } else {
              t.cancel(keyOf(op.n), 'k');
              model.delete(op.n);
            }
          }
          const fired = t.due(Number.MAX_SAFE_INTEGER, 10_000).map((x) => [x.ref.id, x.at]);
          const expected = [...model].map(([n, at]) => [`o${n}`, at]);
          expect(fired.map((x) => x[1])).toEqual([...fired.map((x) => x[1] as number)].sort((a, b) => a - b));
          expect(new Set(fired.map((x) => `${x[0]}@${x[1]}`))).toEqual(new Set(expected.map((x) => `${x[0]}@${x[1]}`)));
          expect(fired.length).toBe(expected.length);
          expect(t.queued).toBeLessThanOrEqual(2 * t.size + 1024);
        },
      ),
      { numRuns: 50 },
    );
  });
});
