/** Table codes, money, time windows and the immutable collections. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_FEN,
  TableCodeError,
  formatFen,
  formatTableCode,
  formatWindows,
  isLuhnValid,
  luhnCheckDigit,
  makeTableCode,
  parseTableCode,
  parseWindows,
  parseYuan,
  evolveStock,
  initialStock,
  stockActor,
  type HashTrie,
  tableId,
} from '@lunchrush/actors';
import { isWithin, localClock } from '../src/hours.js';
import { isTableIdOf, tryParseTableCode } from '../src/table-code.js';
import { allocateFen } from '../src/money.js';
import {
  emptyRecentMap,
  emptyTrie,
  rmGet,
  rmSet,
  trieDelete,
  trieEntries,
  trieGet,
  trieSet,
  upgradeRecentMap,
  upgradeTrie,
} from '../src/collections.js';

describe('table code', () => {
  it('is store, area, table and a Luhn check digit', () => {
    const code = makeTableCode('001', 2, 15);
    expect(code).toEqual({ store: '001', area: '0002', table: '00015', check: luhnCheckDigit('001000200015') });
    expect(tableId(code)).toMatch(/^0010002000150?\d$/);
    expect(formatTableCode(code)).toBe(`001-0002-00015-${code.check}`);
    expect(parseTableCode(formatTableCode(code))).toEqual(code);
    expect(parseTableCode(` ${tableId(code)} `)).toEqual(code);
  });

  it('uses the standard Luhn digit (checked against known numbers)', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3); // the textbook example
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
  });

  it.each([
    ['too short', '001-0001-0001-0'],
    ['letters', '001-000A-00001-0'],
    ['area 0000', '0010000000014'],
  ])('refuses %s', (_n, text) => {
    expect(() => parseTableCode(text)).toThrow(TableCodeError);
  });

  it('refuses a wrong check digit', () => {
    const good = tableId(makeTableCode(1, 1, 1));
    const bad = good.slice(0, 12) + ((Number(good[12]) + 1) % 10);
    expect(() => parseTableCode(bad)).toThrow(/check digit/);
  });

  it('catches every single mistyped digit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999 }),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 99999 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 9 }),
        (s, a, t, pos, plus) => {
          const id = tableId(makeTableCode(s, a, t));
          const typo = id.slice(0, pos) + ((Number(id[pos]) + plus) % 10) + id.slice(pos + 1);
          expect(isLuhnValid(typo)).toBe(false);
        },
      ),
    );
  });

  it('catches every swap of neighbouring digits except 09 ↔ 90', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 999 }),
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 99999 }),
        fc.integer({ min: 0, max: 11 }),
        (s, a, t, pos) => {
          const id = tableId(makeTableCode(s, a, t));
          const x = id[pos]!;
          const y = id[pos + 1]!;
          if (x === y) return;
          const swapped = id.slice(0, pos) + y + x + id.slice(pos + 2);
          const nineZero = (x === '0' && y === '9') || (x === '9' && y === '0');
          expect(isLuhnValid(swapped)).toBe(nineZero);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses parts that do not fit', () => {
    expect(() => makeTableCode('1234', 1, 1)).toThrow(/store/);
    expect(() => makeTableCode(1, 1, 0)).toThrow(/00000/);
  });
});

describe("a table actor's own id", () => {
  it("a table actor's id check says what parsing the code says, for its store", () => {
    const valid = tableId(makeTableCode(1, 2, 15));
    expect(isTableIdOf(valid, '001')).toBe(true);
    expect(isTableIdOf(valid, '002')).toBe(false);
    const wrongCheck = valid.slice(0, 12) + String((Number(valid[12]) + 1) % 10);
    expect(isTableIdOf(wrongCheck, '001')).toBe(false);
    // Area 0000 and table 00000 are never printed, even with a right check digit.
    const zeroArea = `0010000${'00015'}`;
    expect(isTableIdOf(zeroArea + String(luhnCheckDigit(zeroArea)), '001')).toBe(false);
    const zeroTable = `0010002${'00000'}`;
    expect(isTableIdOf(zeroTable + String(luhnCheckDigit(zeroTable)), '001')).toBe(false);
    expect(isTableIdOf(`${valid}0`, '001')).toBe(false);
    expect(isTableIdOf('001-0002-00015', '001')).toBe(false);
    // Any 13 characters over digits and a few others, any store: the same answer as the parse.
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^[0-9]{13}$/),
          fc.stringMatching(/^00[12][0-9]{10}$/),
          fc.stringMatching(/^[0-9a -]{13}$/),
          fc
            .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 }))
            .map(([st, a, t]) => {
              const d = `${String(st).padStart(3, '0')}${String(a).padStart(4, '0')}${String(t).padStart(5, '0')}`;
              return d + String(luhnCheckDigit(d));
            }),
        ),
        fc.constantFrom('001', '002', '003'),
        (id, store) => {
          expect(isTableIdOf(id, store)).toBe(id.length === 13 && tryParseTableCode(id)?.store === store);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('money', () => {
  it('parses yuan text to fen without floats', () => {
    expect(parseYuan('12')).toBe(1200);
    expect(parseYuan('12.5')).toBe(1250);
    expect(parseYuan('0.07')).toBe(7);
    expect(parseYuan('-3.10')).toBe(-310);
    expect(parseYuan('1.005')).toBeUndefined();
    expect(parseYuan('abc')).toBeUndefined();
    expect(formatFen(1250)).toBe('12.50');
    expect(formatFen(7)).toBe('0.07');
    expect(formatFen(-310)).toBe('-3.10');
  });

  it('round-trips any amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_FEN, max: MAX_FEN }), (f) => {
        expect(parseYuan(formatFen(f))).toBe(f);
      }),
    );
  });

  it('allocates in whole fen that add up exactly', () => {
    expect(allocateFen(100, [1, 1, 1])).toEqual([34, 33, 33]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.array(fc.integer({ min: 0, max: 1e5 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const parts = allocateFen(total, weights);
          if (weights.some((w) => w > 0)) expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          parts.forEach((p) => expect(Number.isInteger(p) && p >= 0).toBe(true));
        },
      ),
    );
  });
});

describe('time windows (Beijing time)', () => {
  const bj = (d: number, h: number, m = 0) => Date.UTC(2025, 2, d, h - 8, m); // March 2025
  it('knows the local weekday and minute', () => {
    expect(localClock(bj(14, 12, 30), 480)).toEqual({ day: 5, minute: 750 }); // Friday
    expect(localClock(bj(16, 0, 5), 480)).toEqual({ day: 7, minute: 5 }); // Sunday
  });
  it('windows, weekdays and overnight spans', () => {
    const lunchWeekdays = [{ days: [1, 2, 3, 4, 5], from: '11:00', to: '14:00' }];
    expect(isWithin(lunchWeekdays, bj(14, 11), 480)).toBe(true);
    expect(isWithin(lunchWeekdays, bj(14, 14), 480)).toBe(false);
    expect(isWithin(lunchWeekdays, bj(15, 12), 480)).toBe(false); // Saturday
    const lateNight = [{ days: [5], from: '22:00', to: '02:00' }];
    expect(isWithin(lateNight, bj(14, 23), 480)).toBe(true);
    expect(isWithin(lateNight, bj(15, 1, 59), 480)).toBe(true); // Saturday 01:59 belongs to Friday night
    expect(isWithin(lateNight, bj(15, 2), 480)).toBe(false);
    expect(isWithin([], bj(15, 3), 480)).toBe(true);
  });
  it('formats and parses the CSV notation', () => {
    const w = [
      { days: [1, 2, 3, 4, 5], from: '07:00', to: '10:30' },
      { days: [6, 7], from: '08:00', to: '11:00' },
      { from: '17:00', to: '21:00' },
    ];
    expect(formatWindows(w)).toBe('1-5@07:00-10:30;6,7@08:00-11:00;17:00-21:00');
    expect(parseWindows(formatWindows(w))).toEqual(w);
    expect(() => parseWindows('10:00-10:00')).toThrow(/differ/);
    expect(() => parseWindows('5-1@10:00-11:00')).toThrow(/backwards/);
  });
});

/** FNV-1a, as the trie hashes keys. */
function fnv(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** 300 keys, and two pairs whose 32-bit hashes are equal (they share a leaf at any depth). */
const COLLIDING = ['c693596', 'c1170850', 'c693597', 'c1170851'];
const KEYS = [...Array.from({ length: 300 }, (_, i) => `k${i}`), ...COLLIDING];

/** A trie in the layout snapshots had before 2 Dec: three levels of 32-slot arrays, then leaves of pairs. */
function legacyTrie(entries: [string, unknown][]): HashTrie<unknown> {
  const root: unknown[] = new Array(32).fill(null);
  for (const [k, v] of entries) {
    const h = fnv(k);
    let node = root;
    for (let level = 0; level < 2; level++) {
      const slot = (h >>> (level * 5)) & 31;
      node = (node[slot] ??= new Array(32).fill(null)) as unknown[];
    }
    ((node[(h >>> 10) & 31] ??= []) as unknown[]).push(k, v);
  }
  return { root, size: entries.length };
}

describe('immutable collections', () => {
  it('the colliding keys of the trie test do collide', () => {
    expect(fnv(COLLIDING[0]!)).toBe(fnv(COLLIDING[1]!));
    expect(fnv(COLLIDING[2]!)).toBe(fnv(COLLIDING[3]!));
  });

  it('a trie holds only the slots in use: one key is a root and a leaf', () => {
    const one = trieSet(emptyTrie<number>(), 'k1', 1);
    expect(one.root).toEqual([expect.any(Number), ['k1', 1]]);
    // Deleting back down collapses what is left into the shallowest form.
    let m = emptyTrie<number>();
    for (const k of KEYS) m = trieSet(m, k, 1);
    for (const k of KEYS.slice(1)) m = trieDelete(m, k);
    expect(m.root).toEqual([expect.any(Number), ['k0', 1]]);
  });

  it('a trie in the layout of older snapshots reads back whole, and takes changes', () => {
    const entries: [string, unknown][] = [...KEYS.slice(0, 40), ...COLLIDING].map((k, i) => [k, { n: i }]);
    const old = legacyTrie(entries);
    const t = upgradeTrie(old);
    expect(t.size).toBe(entries.length);
    expect(new Map(trieEntries(t))).toEqual(new Map(entries));
    expect(trieGet(trieSet(t, 'k7', 'x'), 'k7')).toBe('x');
    expect(trieGet(trieDelete(t, COLLIDING[1]!), COLLIDING[0]!)).toEqual({ n: 40 });
    expect(trieGet(trieDelete(t, COLLIDING[1]!), COLLIDING[1]!)).toBeUndefined();
    const rm = upgradeRecentMap({ cur: old, prev: emptyTrie() });
    expect(rmGet(rm, 'k3')).toEqual({ n: 3 });
    // A current trie is left as it is.
    expect(upgradeTrie(t)).toBe(t);
  });

  it('a stock snapshot with its tries in the older layout loads into a working stock actor', () => {
    let s = initialStock('001', 'sku1');
    s = evolveStock(s, { type: 'Restocked', qty: 10, at: 1 });
    s = evolveStock(s, { type: 'Reserved', key: 'miniprogram:o_1', channel: 'miniprogram', qty: 2, at: 2 });
    s = evolveStock(s, { type: 'Reserved', key: 'pos:s_1', channel: 'pos', qty: 1, at: 3 });
    s = evolveStock(s, { type: 'Committed', key: 'pos:s_1', qty: 1, at: 4 });
    const old = {
      ...s,
      holds: legacyTrie(trieEntries(s.holds)),
      done: { cur: legacyTrie(trieEntries(s.done.cur)), prev: emptyTrie() },
    };
    const loaded = stockActor.snapshot!.decode(JSON.parse(JSON.stringify(old)));
    expect(trieEntries(loaded.holds)).toEqual(trieEntries(s.holds));
    expect(rmGet(loaded.done, 'pos:s_1')).toEqual({ s: 'committed', qty: 1, returned: 0 });
    // The open hold commits as it would have before the snapshot.
    const next = evolveStock(loaded, { type: 'Committed', key: 'miniprogram:o_1', qty: 2, at: 5 });
    expect(next.holds.size).toBe(0);
    expect(rmGet(next.done, 'miniprogram:o_1')).toEqual({ s: 'committed', qty: 2, returned: 0 });
  });

  it('HashTrie behaves like a Map and never mutates', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 303 }), fc.integer())), (ops) => {
        let m = emptyTrie<number>();
        const model = new Map<string, number>();
        for (const [put, i, v] of ops) {
          const key = KEYS[i]!;
          const before = JSON.stringify(m);
          const next = put ? trieSet(m, key, v) : trieDelete(m, key);
          expect(JSON.stringify(m)).toBe(before);
          m = next;
          if (put) model.set(key, v);
          else model.delete(key);
          expect(m.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(trieGet(m, k)).toBe(v);
        expect(new Map(trieEntries(m))).toEqual(model);
        if (model.size === 0) expect(m.root).toBeNull();
      }),
    );
  });

  it('RecentMap remembers the latest value of at least the last `limit` keys', () => {
    let m = emptyRecentMap<number>();
    for (let i = 0; i < 100; i++) m = rmSet(m, `k${i}`, i, 30);
    for (let i = 100 - 30; i < 100; i++) expect(rmGet(m, `k${i}`)).toBe(i);
    expect(rmGet(m, 'k0')).toBeUndefined();
    m = rmSet(m, 'k75', -1, 30);
    expect(rmGet(m, 'k75')).toBe(-1);
    const old = m;
    const frozen = JSON.stringify(old);
    rmSet(old, 'new', 1, 30);
    expect(JSON.stringify(old)).toBe(frozen);
  });
});
