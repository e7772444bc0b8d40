import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdWindow } from '../src/id-window.js';

describe('IdWindow: what it remembers, and for how long', () => {
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
    // A result may be undefined and still be remembered (it comes back as msgpack gives it: null).
    expect([w.has('id3003'), w.get('id3003'), w.tag('id3003')]).toEqual([true, null, 30_030]);
    expect([w.get('id4999'), w.tag('id4999')]).toEqual(['r4999', 49_990]);
    expect(w.newestTagged(2)).toEqual([
      ['id4998', null, 49_980], // 4998 is a multiple of 7
      ['id4999', 'r4999', 49_990],
    ]);
  });

  it('agrees with a plain list model for any sequence of inserts, for ASCII and other ids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        // ASCII ids take a fast path (char codes are the bytes); any other id is encoded as UTF-8.
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'é', '订', '😀'), maxLength: 3 }), { maxLength: 60 }),
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
      // Small tables: clusters that wrap around the end of the hash table are common.
      { numRuns: 2_000 },
    );
  });
});

describe('IdWindow: finding ids, tags and results', () => {
  it('finds every live id through long runs of evictions on small tables', () => {
    // Hash-table clusters that wrap around the end of the table, broken up by evictions.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.nat(99), { minLength: 200, maxLength: 600 }),
        (cap, xs) => {
          const w = new IdWindow<number>(cap);
          const model: number[] = [];
          for (const x of xs) {
            w.set(`k${x}`, x);
            if (!model.includes(x)) {
              model.push(x);
              if (model.length > cap) model.shift();
            }
            for (const y of model) expect(w.get(`k${y}`)).toBe(y);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('tags an entry by the position set returned, and never another entry once it is evicted', () => {
    const w = new IdWindow<number>(3);
    const pos = ['a', 'b', 'c'].map((id, i) => w.set(id, i));
    w.setTagAt(pos[1]!, 11);
    expect(w.tag('b')).toBe(11);
    // Six more: a, b and c are evicted, and the slots they had are reused by the newest.
    for (let i = 3; i < 9; i++) w.set(`x${i}`, i);
    for (const p of pos) w.setTagAt(p, 99);
    expect(w.newestTagged(3)).toEqual([
      ['x6', 6, 0],
      ['x7', 7, 0],
      ['x8', 8, 0],
    ]);
    const p8 = w.set('x8', 80, 5); // already there: same position, first result kept
    w.setTagAt(p8, 6);
    expect([w.get('x8'), w.tag('x8')]).toEqual([8, 6]);
  });

  it('hands its results over as bytes and takes them back without decoding (snapshots)', () => {
    const w = new IdWindow<{ n: number; s: string }>(100);
    for (let i = 0; i < 50; i++) w.set(`id${i}`, { n: i, s: '订单'.repeat(i % 3) }, i + 1);
    const copy = new IdWindow<{ n: number; s: string }>(100);
    for (const [id, bytes, tag] of w.newestEncoded(20)) copy.setRaw(id, bytes!, tag);
    expect(copy.newestTagged(100)).toEqual(w.newestTagged(20));
    expect(copy.get('id49')).toEqual({ n: 49, s: '订单' });
  });

  it('keeps a large result only until its record is known, then answers where it is in the log', () => {
    const w = new IdWindow<string>(100, Infinity, undefined, 16);
    w.set('small', 'ok', 0);
    const pos = w.set('big', 'x'.repeat(40), 0);
    // In flight: the bytes it was given are still there (a repeat now is answered from them).
    expect(w.get('big')).toBe('x'.repeat(40));
    expect(w.outcome('big')).toBeInstanceOf(Uint8Array);
    w.setTagAt(pos, 42);
    w.setTag('small', 43);
    expect([w.outcome('big'), w.get('big'), w.tag('big')]).toEqual([42, undefined, 42]);
    expect(w.get('small')).toBe('ok');
    // Snapshots carry its id and record only; a window rebuilt from them answers the same.
    const snap = w.newestEncoded(10);
    expect(snap.map(([id, r, tag]) => [id, r === null ? null : 'bytes', tag])).toEqual([
      ['small', 'bytes', 43],
      ['big', null, 42],
    ]);
    const copy = new IdWindow<string>(100, Infinity, undefined, 16);
    for (const [id, r, tag] of snap)
      if (r === null) copy.setLogged(id, tag);
      else copy.setRaw(id, r, tag);
    expect([copy.outcome('big'), copy.get('small'), copy.size]).toEqual([42, 'ok', 2]);
  });
});

describe('IdWindow: first results, age and any id', () => {
  it('agrees with a model of where each result is, across tags, eviction and growth', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(
          fc.oneof(
            fc.record({ k: fc.constant('set' as const), id: fc.nat(8), pad: fc.nat(40) }),
            fc.record({ k: fc.constant('tag' as const), id: fc.nat(8), seq: fc.integer({ min: 1, max: 1e6 }) }),
          ),
          { maxLength: 300 },
        ),
        (cap, ops) => {
          const w = new IdWindow<string>(cap, Infinity, undefined, 20);
          const model: { id: string; r: string; seq: number }[] = [];
          for (const op of ops) {
            const id = `i${op.id}`;
            const m = model.find((x) => x.id === id);
            if (op.k === 'set') {
              w.set(id, 'r'.repeat(op.pad), 0);
              // A repeat keeps the first result; where a result in the log is stays where it is.
              if (m === undefined) {
                model.push({ id, r: 'r'.repeat(op.pad), seq: 0 });
                if (model.length > cap) model.shift();
              }
            } else if (m !== undefined) {
              w.setTag(id, op.seq);
              const inline = m.r.length + (m.r.length < 32 ? 1 : 2) <= 20;
              if (inline || m.seq === 0) m.seq = op.seq;
            }
          }
          for (const m of model) {
            // msgpack of a string of n < 32 bytes is n + 1 bytes, else n + 2.
            const inline = m.r.length + (m.r.length < 32 ? 1 : 2) <= 20;
            expect(w.outcome(m.id)).toEqual(inline || m.seq === 0 ? expect.any(Uint8Array) : m.seq);
            expect(w.get(m.id)).toEqual(inline || m.seq === 0 ? m.r : undefined);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an id past its age is new again, with its new result', () => {
    let t = 0;
    const w = new IdWindow<number>(10, 500, () => t);
    w.set('a', 1);
    t = 600;
    w.set('a', 2, 9);
    expect([w.get('a'), w.tag('a'), w.size]).toEqual([2, 9, 1]);
  });

  it('keeps the first result of an id; a second set only moves its tag', () => {
    const w = new IdWindow<{ n: number }>(10);
    w.set('x', { n: 1 }, 0);
    w.set('x', { n: 2 }, 7);
    expect([w.get('x'), w.tag('x'), w.size]).toEqual([{ n: 1 }, 7, 1]);
  });

  it('tells apart ids of any length and alphabet, also ids whose bytes share a prefix', () => {
    const w = new IdWindow<string>(1_000);
    const ids = [
      '',
      'a',
      'ab',
      'ba',
      '订单-42',
      '订单-4',
      'x'.repeat(128),
      'x'.repeat(127) + 'y',
      '🍜',
      'é',
      'e\u0301',
    ];
    for (const id of ids) w.set(id, `r:${id}`);
    for (const id of ids) expect(w.get(id)).toBe(`r:${id}`);
    expect(w.has('x'.repeat(129))).toBe(false);
    expect(w.newest(ids.length).map(([id]) => id)).toEqual(ids);
  });
});

describe('IdWindow: a model under every kind of eviction', () => {
  it('agrees with a model under inserts, tags, age and count eviction, across growth and compaction', () => {
    // Mostly a few ids that come back (repeats, expiry and re-insertion), some of any length and alphabet.
    const anId = fc.oneof(
      fc.constantFrom(...Array.from({ length: 24 }, (_, i) => `id${i}`)),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(
          fc.oneof(
            fc.record({ k: fc.constant('set' as const), id: anId, dt: fc.nat(30) }),
            fc.record({ k: fc.constant('tag' as const), id: anId, tag: fc.nat(), byPos: fc.boolean() }),
            fc.record({ k: fc.constant('evict' as const), dt: fc.nat(200) }),
          ),
          { maxLength: 400 },
        ),
        (cap, ops) => {
          let t = 0;
          const w = new IdWindow<{ id: string; i: number }>(cap, 500, () => t);
          const model: { id: string; r: { id: string; i: number }; tag: number; at: number }[] = [];
          const positions = new Map<string, number>();
          const ageOut = () => {
            while (model.length > 0 && t - model[0]!.at > 500) model.shift();
          };
          for (const [i, op] of ops.entries()) {
            if (op.k === 'set') {
              t += op.dt;
              positions.set(op.id, w.set(op.id, { id: op.id, i }, 0));
              ageOut();
              const m = model.find((x) => x.id === op.id);
              if (m !== undefined) m.tag = 0;
              else {
                model.push({ id: op.id, r: { id: op.id, i }, tag: 0, at: t });
                if (model.length > cap) model.shift();
              }
            } else if (op.k === 'tag') {
              if (!op.byPos) w.setTag(op.id, op.tag);
              else if (positions.has(op.id)) w.setTagAt(positions.get(op.id)!, op.tag);
              else continue;
              const m = model.find((x) => x.id === op.id);
              if (m !== undefined) m.tag = op.tag;
            } else {
              t += op.dt;
              w.evict();
              ageOut();
            }
          }
          expect(w.size).toBe(model.length);
          expect(w.newestTagged(cap)).toEqual(model.map((m) => [m.id, m.r, m.tag]));
          for (const m of model) expect([w.get(m.id), w.tag(m.id)]).toEqual([m.r, m.tag]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
