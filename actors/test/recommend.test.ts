/**
 * The ranking is a pure function: what the cart holds changes what comes back, a sold-out or
 * out-of-window SKU never does, a new dish with no sales still gets a place by its content,
 * and (property) no answer ever holds a cart item, an ineligible SKU or more than the limit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  catalogFeatures,
  contentNeighbours,
  partyBucket,
  recommend,
  recoHourOf,
  recoPeriodOf,
  type RecoModel,
} from '@lunchrush/actors';
import { chainTemplate } from '@lunchrush/actors/demo';

const model: RecoModel = {
  v: 1,
  scope: '001',
  builtAt: 1,
  trainedFrom: '2026-10-01',
  trainedTo: '2026-10-28',
  orders: 100,
  cf: {
    dinner: {
      'kouwei-xia-l': [
        ['qingdao-pijiu', 0.5],
        ['laocu-huasheng', 0.4],
      ],
      'kele-jichi': [
        ['kekou-kele', 0.6],
        ['fanqie-chaodan', 0.3],
      ],
    },
    all: {
      'kouwei-xia-l': [['qingdao-pijiu', 0.4]],
      'kele-jichi': [['kekou-kele', 0.5]],
      'mapo-doufu': [['mifan-l', 0.5]],
      'qingdao-pijiu': [['kouwei-xia-l', 0.4]],
    },
  },
  slope: { all: { 'mapo-doufu': [['mifan-l', 0.2, 12]] } },
  hot: {
    '18': [
      ['mapo-doufu', 40],
      ['mifan-l', 30],
      ['qingdao-pijiu', 20],
      ['suanmei-tang-l', 10],
    ],
  },
  content: {},
};

const base = { store: model, period: 'dinner' as const, hour: 18, limit: 3 };
const skus = (r: { skuId: string }[]): string[] => r.map((x) => x.skuId);

describe('recommend', () => {
  it('what the cart holds changes the suggestions, and reasons say why', () => {
    const shrimp = recommend({ ...base, cart: ['kouwei-xia-l'] });
    const wings = recommend({ ...base, cart: ['kele-jichi'] });
    expect(skus(shrimp).slice(0, 2)).toEqual(['qingdao-pijiu', 'laocu-huasheng']);
    expect(skus(wings).slice(0, 2)).toEqual(['kekou-kele', 'fanqie-chaodan']);
    expect(shrimp[0]!.reason).toBe('with_cart');
    // An empty cart falls back on the hour's hot list.
    const empty = recommend({ ...base, cart: [] });
    expect(skus(empty)).toEqual(['mapo-doufu', 'mifan-l', 'qingdao-pijiu']);
    expect(empty.every((r) => r.reason === 'hot')).toBe(true);
  });

  it('a party size leans the hot list to what parties of that size order', () => {
    const withParty: RecoModel = {
      ...model,
      party: {
        '5+': [
          ['qingdao-pijiu', 90],
          ['laocu-huasheng', 60],
        ],
      },
    };
    const none = recommend({ ...base, store: withParty, cart: [], limit: 2 });
    const six = recommend({ ...base, store: withParty, cart: [], party: 6, limit: 2 });
    const two = recommend({ ...base, store: withParty, cart: [], party: 2, limit: 2 });
    expect(skus(none)).toEqual(['mapo-doufu', 'mifan-l']);
    expect(skus(six)).toEqual(['qingdao-pijiu', 'mapo-doufu']);
    expect(skus(two)).toEqual(skus(none)); // no list for parties of two: the hour's alone
    expect([partyBucket(1), partyBucket(2), partyBucket(4), partyBucket(5), partyBucket(12)]).toEqual([
      '1',
      '2',
      '3-4',
      '5+',
      '5+',
    ]);
  });

  it('never returns what is not eligible (sold out, out of its window)', () => {
    const r = recommend({ ...base, cart: ['kouwei-xia-l'], eligible: (s) => s !== 'qingdao-pijiu' });
    expect(skus(r)).not.toContain('qingdao-pijiu');
    expect(skus(r)[0]).toBe('laocu-huasheng');
  });

  it("the diner's own favourites come back as 'for you'", () => {
    const r = recommend({ ...base, cart: [], history: new Map([['suanmei-tang-l', 6]]), limit: 1 });
    expect(r).toEqual([{ skuId: 'suanmei-tang-l', score: expect.any(Number) as unknown, reason: 'for_you' }]);
  });
});

describe('recommend: new dishes, local time, properties', () => {
  it('a new dish with no sales still gets the last place, by its content', () => {
    const content = new Map<string, [string, number][]>([['kouwei-xia-l', [['suanla-xiaolongxia', 0.6]]]]);
    const r = recommend({ ...base, cart: ['kouwei-xia-l'], content });
    expect(r).toHaveLength(3);
    expect(r[2]).toMatchObject({ skuId: 'suanla-xiaolongxia', reason: 'similar' });
    // Not when it is sold out.
    const out = recommend({ ...base, cart: ['kouwei-xia-l'], content, eligible: (s) => s !== 'suanla-xiaolongxia' });
    expect(skus(out)).not.toContain('suanla-xiaolongxia');
  });

  it('content neighbours never name another size of the same dish', () => {
    const n = contentNeighbours(catalogFeatures(chainTemplate()));
    expect(n.get('kouwei-xia-l')!.map(([s]) => s)).not.toContain('kouwei-xia-s');
    expect(n.get('kouwei-xia-l')!.length).toBeGreaterThan(3);
  });

  it('meal period and hour in local time (UTC+8)', () => {
    const at = (hhmm: string): number => Date.parse(`2026-11-02T${hhmm}:00+08:00`);
    expect([recoPeriodOf(at('10:29')), recoPeriodOf(at('10:30')), recoPeriodOf(at('14:30'))]).toEqual([
      'other',
      'lunch',
      'other',
    ]);
    expect([recoPeriodOf(at('16:30')), recoPeriodOf(at('21:29')), recoHourOf(at('18:45'))]).toEqual([
      'dinner',
      'dinner',
      18,
    ]);
  });

  it('property: no cart item, nothing ineligible, at most the limit, best first', () => {
    const pool = [
      'kouwei-xia-l',
      'qingdao-pijiu',
      'laocu-huasheng',
      'kele-jichi',
      'kekou-kele',
      'mapo-doufu',
      'mifan-l',
    ];
    fc.assert(
      fc.property(
        fc.subarray(pool),
        fc.subarray(pool),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('lunch' as const, 'dinner' as const, 'other' as const),
        (cart, banned, limit, period) => {
          const r = recommend({ ...base, period, cart, limit, eligible: (s) => !banned.includes(s) });
          expect(r.length).toBeLessThanOrEqual(limit);
          for (const x of r) {
            expect(cart).not.toContain(x.skuId);
            expect(banned).not.toContain(x.skuId);
          }
          expect(r.map((x) => x.score)).toEqual([...r.map((x) => x.score)].sort((a, b) => b - a));
        },
      ),
    );
  });
});
