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

  it('keeps a numeric tag per id (the seq of its record) that survives compaction and eviction of others', () => {
    const w = new IdWindow<string | undefined>(2_000);
    for (let i = 0; i < 5_000; i++) w.set(`id${i}`, i % 7 === 0 ? undefined : `r${i}`, 0);
    for (let i = 3_000; i < 5_000; i++) w.setTag(`id${i}`, i * 10);
    expect(w.has('id2999')).toBe(false);
    expect(w.tag('id2999')).toBeUndefined();
    // A result may be undefined and still be remembered.
    expect([w.has('id3003'), w.get('id3003'), w.tag('id3003')]).toEqual([true, undefined, 30_030]);
    expect([w.get('id4999'), w.tag('id4999')]).toEqual(['r4999', 49_990]);
    expect(w.newestTagged(2)).toEqual([
      ['id4998', undefined, 49_980], // 4998 is a multiple of 7
      ['id4999', 'r4999', 49_990],
    ]);
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
