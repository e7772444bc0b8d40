import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bloom } from '../src/bloom.js';
import { ActorDirectory, DirectoryWriter, readDirectory, type DirectoryHead } from '../src/directory.js';

describe('Bloom filter', () => {
  it('never forgets a key it was given, and survives its wire form', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { maxLength: 300 }), (keys) => {
        const b = Bloom.sized(keys.length, 0.001);
        for (const k of keys) b.add(k);
        const back = Bloom.fromWire(b.toWire());
        for (const k of keys) expect(back.mayHave(k)).toBe(true);
      }),
    );
  });

  it('says "maybe" for keys it was not given about as rarely as it was sized for', () => {
    const b = Bloom.sized(20_000, 0.001);
    for (let i = 0; i < 20_000; i++) b.add(`order.s001.o_001_${i}`);
    let wrong = 0;
    for (let i = 0; i < 20_000; i++) if (b.mayHave(`order.s001.o_001_x${i}`)) wrong++;
    // Sized for 0.1%: 20 expected; 0.5% would mean the hashing is not independent.
    expect(wrong).toBeLessThan(100);
  });

  it('refuses bytes that cannot be a filter', () => {
    expect(() => Bloom.fromWire({ m: 100, k: 3, b: new Uint8Array(2) })).toThrow(/not a Bloom filter/);
  });
});

/** A KV bucket in a Map, whose puts can be made to fail. */
function bucket(): {
  store: Map<string, Uint8Array>;
  failNext: { n: number };
  put: (k: string, v: Uint8Array) => Promise<void>;
  remove: (k: string) => Promise<void>;
  get: (k: string) => Promise<Uint8Array | undefined>;
} {
  const store = new Map<string, Uint8Array>();
  const failNext = { n: 0 };
  return {
    store,
    failNext,
    put: (k, v) => {
      if (failNext.n > 0) {
        failNext.n--;
        return Promise.reject(new Error('put failed'));
      }
      store.set(k, v);
      return Promise.resolve();
    },
    remove: (k) => {
      store.delete(k);
      return Promise.resolve();
    },
    get: (k) => Promise.resolve(store.get(k)),
  };
}

type Step = { add: number } | { checkpoint: true; fail: number };

describe('actor directory', () => {
  it('an unknown key is new; a key added is not; an incomplete directory never says new', () => {
    const d = new ActorDirectory(true);
    expect(d.isNew('order.s1.a')).toBe(true);
    d.add('order.s1.a');
    expect(d.isNew('order.s1.a')).toBe(false);
    expect(new ActorDirectory(false).isNew('order.s1.b')).toBe(false);
  });

  it('what a head names, plus the keys added after it, is every key ever added (with failed writes, rewrites and freezes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ add: fc.integer({ min: 1, max: 9 }) }),
            fc.record({ checkpoint: fc.constant(true as const), fail: fc.integer({ min: 0, max: 2 }) }),
          ),
          { maxLength: 60 },
        ),
        async (steps: Step[]) => {
          const kv = bucket();
          const dir = new ActorDirectory(true);
          const writer = new DirectoryWriter('p.3', 7, kv.put, kv.remove, { freezeKeys: 20, maxDeltaLayers: 3 });
          let head: DirectoryHead = { l: [], f: [] };
          const all: string[] = [];
          /** Keys added after the last head that was written: recovery finds them in the log it replays. */
          let afterHead: string[] = [];
          let n = 0;
          for (const s of steps) {
            if ('add' in s) {
              for (let i = 0; i < s.add; i++) {
                const k = `order.s1.o${n++}`;
                dir.add(k);
                all.push(k);
                afterHead.push(k);
              }
              continue;
            }
            kv.failNext.n = s.fail;
            const takenAt = afterHead.length;
            try {
              const prepared = await writer.prepare(dir);
              head = prepared.head; // the checkpoint head that names it is written here
              prepared.applied();
              afterHead = afterHead.slice(takenAt);
            } catch {
              // The next checkpoint writes them again.
            }
          }
          const layers = await readDirectory(head, kv.get);
          const back = new ActorDirectory(true);
          back.restore(layers);
          for (const k of afterHead) back.add(k);
          for (const k of all) expect(back.isNew(k)).toBe(false);
          for (const k of all) expect(dir.isNew(k)).toBe(false);
          expect(back.isNew('order.s1.never')).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a head naming a layer that is gone cannot be read (recovery then reads every actor)', async () => {
    const kv = bucket();
    const dir = new ActorDirectory(true);
    const writer = new DirectoryWriter('p.1', 1, kv.put, kv.remove);
    dir.add('order.s1.a');
    const { head } = await writer.prepare(dir);
    kv.store.clear();
    await expect(readDirectory(head, kv.get)).rejects.toThrow(/missing/);
  });
});
