/**
 * The chain's list of its stores (what the console's store picker offers): adding a store again
 * with the same name changes nothing (the demo loader adds every store on every start), a new
 * name renames it, and the list is every store added, by id, with its latest name (fast-check).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryRuntime } from '@lunchrush/engine';
import { restaurantActors } from '@lunchrush/actors';
import {
  STORE_DIRECTORY_ACTOR,
  decideStoreDirectory,
  evolveStoreDirectory,
  type DirectoryStore,
  type StoreDirectoryState,
} from '@lunchrush/actors/staff';

const T0 = 1_760_000_000_000;
const REF = { store: '000', type: STORE_DIRECTORY_ACTOR, id: 'all' };

describe('the chain’s list of stores', () => {
  it('adds a store once, renames it, and ignores the same name again', () => {
    const empty: StoreDirectoryState = { stores: {} };
    const first = decideStoreDirectory(empty, { type: 'add', store: '002', name: '五一店', at: T0 });
    expect(first.events).toEqual([{ type: 'StoreListed', store: '002', name: '五一店', at: T0 }]);
    const s1 = evolveStoreDirectory(empty, first.events![0]!);
    expect(decideStoreDirectory(s1, { type: 'add', store: '002', name: '五一店', at: T0 + 1 })).toEqual({
      result: { listed: false },
    });
    const renamed = decideStoreDirectory(s1, { type: 'add', store: '002', name: '五一广场店', at: T0 + 2 });
    expect(renamed.result).toEqual({ listed: true });
    expect(evolveStoreDirectory(s1, renamed.events![0]!).stores).toEqual({ '002': '五一广场店' });
  });

  it('refuses a store id that is not three digits, and an unknown key', () => {
    const rt = new MemoryRuntime(restaurantActors);
    for (const c of [
      { type: 'add', store: '12', name: 'x', at: T0 },
      { type: 'add', store: '012', name: 'x', at: T0, extra: 1 },
    ]) {
      const out = rt.send(REF, c);
      expect(out.ok).toBe(false);
    }
  });

  it('lists every store added, by id, with its latest name, whatever the order of adds', () => {
    const add = fc.record({
      store: fc.integer({ min: 1, max: 40 }).map((n) => String(n).padStart(3, '0')),
      name: fc.constantFrom('', '五一店', '河西店', '星沙店'),
    });
    fc.assert(
      fc.property(fc.array(add, { maxLength: 60 }), (adds) => {
        const rt = new MemoryRuntime(restaurantActors);
        const latest = new Map<string, string>();
        adds.forEach((a, i) => {
          expect(rt.send(REF, { type: 'add', ...a, at: T0 + i }).ok).toBe(true);
          latest.set(a.store, a.name);
        });
        const out = rt.send<{ stores: DirectoryStore[] }>(REF, { type: 'stores' });
        const want = [...latest].sort(([a], [b]) => a.localeCompare(b)).map(([store, name]) => ({ store, name }));
        expect(out.ok && out.result.stores).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});
