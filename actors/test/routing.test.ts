/** Routing as a pure function over the demo chain's twenty 长沙 stores. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ADMISSION,
  routeOrder,
  zoneContains,
  type GeoPoint,
  type RoutingCandidate,
  type RoutingRequest,
} from '@lunchrush/actors';
import { generateDemoData } from '@lunchrush/actors/demo';

const stores = generateDemoData().stores;
const SKUS = ['gongbao', 'rice', 'cola'] as const;
const STATION: Record<string, string> = { gongbao: 'wok', rice: 'staple', cola: 'bar' };
/** Near 五一广场: inside the zones of 五一广场 (001), IFS (003), 南门口 (012) and a few more. */
const HOME: GeoPoint = { lng: 112.981, lat: 28.199 };

const idle = (store: string, extra: Partial<RoutingCandidate> = {}): RoutingCandidate => ({
  store,
  status: 'open',
  site: stores.find((s) => s.storeId === store)!.settings.site!,
  kitchen: { deliveryPaused: false, basePrepMin: DEFAULT_ADMISSION.basePrepMin, stations: [] },
  available: { gongbao: 50, rice: 50, cola: 50 },
  ...extra,
});
const everyStore = (): RoutingCandidate[] => stores.map((s) => idle(s.storeId));

const order = (to: GeoPoint = HOME, extra: Partial<RoutingRequest> = {}): RoutingRequest => ({
  channel: 'delivery',
  to,
  lines: [
    { skuId: 'gongbao', qty: 2, station: 'wok' },
    { skuId: 'rice', qty: 2, station: 'staple' },
  ],
  itemsFen: 6_000,
  ...extra,
});

describe('routing a delivery order', () => {
  it('picks the nearest idle store whose zone holds the address, and says why the others cannot', () => {
    const d = routeOrder(order(), everyStore());
    expect(d.ranked[0]).toMatchObject({ store: '003', kitchenMin: 12 });
    expect(d.ranked.map((r) => r.store).slice(0, 3)).toEqual(['003', '001', '012']);
    expect(d.ranked[0]!.etaMin).toBe(d.ranked[0]!.kitchenMin + d.ranked[0]!.rideMin);
    expect(d.excluded.find((x) => x.store === '002')).toEqual({ store: '002', reason: 'outside_zone' });
    expect(d.ranked.length + d.excluded.length).toBe(20);
  });

  it('goes to the second-best store when the best is sold out or its wok is paused', () => {
    const soldOut = routeOrder(
      order(),
      everyStore().map((c) => (c.store === '003' ? { ...c, available: { ...c.available, gongbao: 1 } } : c)),
    );
    expect(soldOut.ranked[0]!.store).toBe('001');
    expect(soldOut.excluded).toContainEqual({ store: '003', reason: 'sold_out', which: ['gongbao'] });

    const wok = { station: 'wok', quoteMin: 50, paused: true };
    const paused = routeOrder(
      order(),
      everyStore().map((c) => (c.store === '003' ? { ...c, kitchen: { ...c.kitchen, stations: [wok] } } : c)),
    );
    expect(paused.ranked[0]!.store).toBe('001');
    expect(paused.excluded).toContainEqual({ store: '003', reason: 'station_paused', which: ['wok'] });
  });

  it('sends the order away from a backed-up kitchen to a farther idle one', () => {
    const slow = {
      deliveryPaused: false,
      basePrepMin: 12,
      stations: [{ station: 'wok', quoteMin: 35, paused: false }],
    };
    const d = routeOrder(
      order(),
      everyStore().map((c) => (c.store === '003' || c.store === '001' ? { ...c, kitchen: slow } : c)),
    );
    expect(d.ranked[0]!.store).toBe('012');
    expect(d.ranked.find((r) => r.store === '003')).toMatchObject({ kitchenMin: 35 });
  });

  it('prefers a store that is not down to its last units, and refuses below the minimum order', () => {
    const thin = routeOrder(
      order(),
      everyStore().map((c) => (c.store === '003' ? { ...c, available: { ...c.available, rice: 3 } } : c)),
    );
    expect(thin.ranked[0]!.store).toBe('001');
    expect(thin.ranked.find((r) => r.store === '003')).toMatchObject({ thin: ['rice'] });
    const small = routeOrder(order(HOME, { itemsFen: 1_000 }), everyStore());
    expect(small.ranked).toEqual([]);
    expect(new Set(small.excluded.map((x) => x.reason))).toEqual(new Set(['below_minimum', 'outside_zone']));
  });

  it('a pickup order needs no zone, only a store within reach', () => {
    const westBank: GeoPoint = { lng: 112.94, lat: 28.18 };
    const d = routeOrder(order(westBank, { channel: 'takeaway' }), everyStore());
    expect(d.ranked[0]!.store).toBe('004');
    expect(d.ranked[0]!.feeFen).toBe(0);
    expect(d.excluded.map((x) => x.reason)).toContain('too_far');
  });
});

/** Arbitraries of the routing properties: points, candidates, lines. */
const anywhere = fc.record({
  lng: fc.double({ min: 112.85, max: 113.1, noNaN: true }),
  lat: fc.double({ min: 28.05, max: 28.3, noNaN: true }),
});
/** Within ~3 km of a store, where zones overlap and routing has choices to get wrong. */
const nearStore = fc
  .tuple(
    fc.nat(19),
    fc.double({ min: -0.03, max: 0.03, noNaN: true }),
    fc.double({ min: -0.03, max: 0.03, noNaN: true }),
  )
  .map(([k, dLng, dLat]) => {
    const at = stores[k]!.settings.site!.location;
    return { lng: at.lng + dLng, lat: at.lat + dLat };
  });
const point = fc.oneof(anywhere, nearStore, nearStore);
const sometimes = fc.integer({ min: 0, max: 3 }).map((n) => n === 0);
const candidate = (store: string): fc.Arbitrary<RoutingCandidate> =>
  fc
    .record({
      status: fc.constantFrom('open' as const, 'open' as const, 'busy' as const, 'closed' as const),
      deliveryPaused: sometimes,
      stations: fc.uniqueArray(
        fc.record({
          station: fc.constantFrom('wok', 'staple', 'bar'),
          quoteMin: fc.integer({ min: 12, max: 90 }),
          paused: sometimes,
        }),
        { maxLength: 3, selector: (x) => x.station },
      ),
      available: fc.record({
        gongbao: fc.integer({ min: 0, max: 8 }),
        rice: fc.integer({ min: 0, max: 8 }),
        cola: fc.integer({ min: 0, max: 8 }),
      }),
    })
    .map(({ status, deliveryPaused, stations, available }) =>
      idle(store, { status, kitchen: { deliveryPaused, basePrepMin: 12, stations }, available }),
    );
const candidates = fc.tuple(...stores.map((s) => candidate(s.storeId)));
const lines = fc.array(
  fc.record({ skuId: fc.constantFrom(...SKUS), qty: fc.integer({ min: 1, max: 4 }) }).map((l) => ({
    ...l,
    station: STATION[l.skuId]!,
  })),
  { minLength: 1, maxLength: 4 },
);

describe('routing, properties', () => {
  it("a routed order's store holds the address in its zone, had the stock and the stations, and is open", () => {
    fc.assert(
      fc.property(point, candidates, lines, fc.integer({ min: 0, max: 20_000 }), (to, cs, ls, itemsFen) => {
        const d = routeOrder({ channel: 'delivery', to, lines: ls, itemsFen }, cs);
        expect([...d.ranked.map((r) => r.store), ...d.excluded.map((x) => x.store)].sort()).toEqual(
          cs.map((c) => c.store).sort(),
        );
        for (const r of d.ranked) {
          const c = cs.find((x) => x.store === r.store)!;
          expect(c.status).not.toBe('closed');
          expect(zoneContains(c.site!.location, c.site!.delivery!.zone, to)).toBe(true);
          expect(itemsFen).toBeGreaterThanOrEqual(c.site!.delivery!.minOrderFen);
          expect(c.kitchen.deliveryPaused).toBe(false);
          for (const sku of SKUS) {
            const qty = ls.filter((l) => l.skuId === sku).reduce((n, l) => n + l.qty, 0);
            expect(c.available[sku]).toBeGreaterThanOrEqual(qty);
          }
          const used = new Set(ls.map((l) => l.station));
          expect(c.kitchen.stations.some((s) => s.paused && used.has(s.station))).toBe(false);
          expect(r.etaMin).toBe(r.kitchenMin + r.rideMin);
        }
        for (let i = 1; i < d.ranked.length; i++)
          expect(d.ranked[i]!.score).toBeGreaterThanOrEqual(d.ranked[i - 1]!.score);
        for (const x of d.excluded) {
          const c = cs.find((y) => y.store === x.store)!;
          if (x.reason === 'outside_zone')
            expect(zoneContains(c.site!.location, c.site!.delivery!.zone, to)).toBe(false);
        }
      }),
    );
  });

  it('a longer kitchen quote never moves a store up the ranking', () => {
    fc.assert(
      fc.property(point, candidates, fc.nat(19), fc.integer({ min: 1, max: 60 }), (to, cs, k, extra) => {
        const base = routeOrder(order(to), cs);
        const store = cs[k]!.store;
        const slower = cs.map((c) =>
          c.store !== store
            ? c
            : {
                ...c,
                kitchen: {
                  ...c.kitchen,
                  stations: [
                    ...c.kitchen.stations.filter((s) => s.station !== 'wok'),
                    {
                      station: 'wok',
                      quoteMin: Math.max(12, ...c.kitchen.stations.map((s) => s.quoteMin)) + extra,
                      paused: c.kitchen.stations.some((s) => s.station === 'wok' && s.paused),
                    },
                  ],
                },
              },
        );
        const after = routeOrder(order(to), slower);
        const before = base.ranked.findIndex((r) => r.store === store);
        const now = after.ranked.findIndex((r) => r.store === store);
        if (before >= 0) expect(now).toBeGreaterThanOrEqual(before);
        else expect(now).toBe(-1);
      }),
    );
  });
});
