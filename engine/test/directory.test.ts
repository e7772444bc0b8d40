import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ActorDirectory,
  DirectoryWriter,
  hash32,
  LocationTable,
  readDirectory,
  type DirectoryHead,
  type LayerEntry,
} from '../src/directory.js';

describe('location table', () => {
  it('finds every key it was given, with its place, and survives its wire form', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.nat({ max: 2 ** 40 })), {
          maxLength: 300,
          selector: ([k]) => k,
        }),
        (rows) => {
          const entries: LayerEntry[] = rows.map(([k, p]) => (p % 3 === 0 ? k : [k, p]));
          const back = LocationTable.fromWire(LocationTable.of(entries).toWire());
          for (const [k, p] of rows) {
            const out: number[] = [];
            back.placesOf(hash32(k), out);
            expect(out).toContain(p % 3 === 0 ? 0 : p);
          }
        },
      ),
    );
  });

  it('says "maybe" for keys it was not given about once in 2^32 / n', () => {
    const t = LocationTable.of(Array.from({ length: 50_000 }, (_, i) => `order.s001.o_001_${i}`));
    let wrong = 0;
    for (let i = 0; i < 50_000; i++) if (t.has(hash32(`order.s001.o_001_x${i}`))) wrong++;
    // Expected ~0.6 for independent 32-bit hashes; dozens would mean the hash clusters.
    expect(wrong).toBeLessThan(10);
  });

  it('refuses bytes that cannot be a table', () => {
    expect(() => LocationTable.fromWire({ h: new Uint8Array(8), q: new Uint8Array(8) })).toThrow(
      /not a location table/,
    );
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

type Step = { add: number } | { move: number; to: number } | { checkpoint: true; fail: number };

describe('actor directory and its checkpoints', () => {
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
            fc.record({ move: fc.nat(), to: fc.nat({ max: 1000 }) }),
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
          /** Where each key's latest snapshot is. */
          const place = new Map<string, number>();
          /** What happened after the last head that was written: recovery finds it in the log it replays. */
          let afterHead: [string, number][] = [];
          let n = 0;
          for (const s of steps) {
            if ('move' in s) {
              if (all.length === 0) continue;
              const k = all[s.move % all.length]!;
              dir.locate(k, s.to);
              place.set(k, s.to);
              afterHead.push([k, s.to]);
              continue;
            }
            if ('add' in s) {
              for (let i = 0; i < s.add; i++) {
                const k = `order.s1.o${n++}`;
                dir.add(k);
                all.push(k);
                place.set(k, 0);
                afterHead.push([k, 0]);
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
          for (const [k, p] of afterHead) {
            back.add(k);
            back.locate(k, p);
          }
          for (const k of all) {
            expect(back.isNew(k)).toBe(false);
            expect(dir.isNew(k)).toBe(false);
            // The latest place comes first (a place from a shared hash may come before it only if it does not hold the key).
            expect(back.places(k)).toContain(place.get(k));
            expect(dir.places(k)[0]).toBe(place.get(k));
          }
          expect(back.isNew('order.s1.never')).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('actor directory layers', () => {
  it("folding layers deletes only this owner's own: a deposed owner's head may still name its layers", async () => {
    const kv = bucket();
    const before = new DirectoryWriter('p.2', 4, kv.put, kv.remove);
    const old = new ActorDirectory(true);
    old.add('order.s1.a');
    const { head } = await before.prepare(old);
    const after = new DirectoryWriter('p.2', 5, kv.put, kv.remove, { maxDeltaLayers: 1 });
    after.adopt(head);
    const dir = new ActorDirectory(true);
    dir.restore(await readDirectory(head, kv.get));
    dir.add('order.s1.b');
    (await after.prepare(dir)).applied(); // a whole new list (the limit is one layer): epoch 4's is superseded
    dir.add('order.s1.c');
    const folded = await after.prepare(dir); // and again: this owner's first list is superseded
    folded.applied();
    await new Promise((r) => setImmediate(r));
    expect(await readDirectory(head, kv.get)).toBeDefined(); // the epoch-4 layer is still there
    const back = new ActorDirectory(true);
    back.restore(await readDirectory(folded.head, kv.get));
    for (const k of ['order.s1.a', 'order.s1.b', 'order.s1.c']) expect(back.isNew(k)).toBe(false);
    expect([...kv.store.keys()].filter((k) => k.includes('.a.5.'))).toEqual(folded.head.l);
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
