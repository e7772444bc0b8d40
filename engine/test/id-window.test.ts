import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdWindow } from '../src/id-window.js';

describe('IdWindow', () => {
  it('remembers the last `capacity` ids, evicting the oldest', () => {
    const w = new IdWindow<number>(3);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) w.set(id, i);
    expect(w.get('a')).toBeUndefined();
    expect([w.get('b'), w.get('c'), w.get('d')]).toEqual([1, 2, 3]);
    expect(w.newest(2)).toEqual([
      ['c', 2],
      ['d', 3],
    ]);
  });

  it('forgets ids older than its age bound, whatever the count', () => {
    let t = 0;
    const w = new IdWindow<number>(100, 1000, () => t);
    w.set('old', 1);
    t = 600;
    w.set('mid', 2);
    t = 1200;
    w.evict();
    expect(w.get('old')).toBeUndefined();
    expect(w.get('mid')).toBe(2);
    expect(w.newest(10).map(([id]) => id)).toEqual(['mid']);
  });

  it('agrees with a plain list model for any sequence of inserts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.string({ maxLength: 2 }), { maxLength: 60 }),
        (cap, ids) => {
          const w = new IdWindow<string>(cap);
          const model: string[] = [];
          for (const id of ids) {
            w.set(id, id.toUpperCase());
            if (!model.includes(id)) {
              model.push(id);
              if (model.length > cap) model.shift();
            }
          }
          expect(w.size).toBe(model.length);
          expect(w.newest(cap).map(([id]) => id)).toEqual(model);
          for (const id of model) expect(w.get(id)).toBe(id.toUpperCase());
        },
      ),
    );
  });
});
