/** Stores on the map: zones, distances, fees, channel hours, and the demo chain's sites. Pure. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRejection } from '@lunchrush/engine';
import {
  StoreSiteSchema,
  decideStore,
  deliveryFeeFen,
  distanceM,
  evolveStore,
  initialStore,
  quoteDelivery,
  rideMinutes,
  storeRef,
  zoneContains,
  type Admission,
  type DeliverySettings,
  type GeoPoint,
  type StoreCommand,
  type StoreSite,
  type StoreState,
} from '@lunchrush/actors';
import { generateDemoData } from '@lunchrush/actors/demo';
import { DEMO_PLACES } from '../src/geo/demo-sites.js';
import { STORE, T0, ctxOf } from './helpers.js';

const WUYI: GeoPoint = { lng: 112.9768, lat: 28.1962 };
const MEIXIHU: GeoPoint = { lng: 112.8825, lat: 28.1948 };
/** 橘子洲, in the river west of the centre. */
const ORANGE_ISLAND: GeoPoint = { lng: 112.958, lat: 28.185 };

const BANDS: DeliverySettings['feeBands'] = [
  { upToM: 1_000, feeFen: 300 },
  { upToM: 3_000, feeFen: 500 },
  { upToM: 5_000, feeFen: 800 },
];
const radiusSite = (radiusM: number, extra: Partial<DeliverySettings> = {}): StoreSite => ({
  location: WUYI,
  address: '长沙市芙蓉区五一大道 235 号',
  delivery: { zone: { kind: 'radius', radiusM }, feeBands: BANDS, minOrderFen: 2_000, ...extra },
});

/** Points within ~15 km of the centre of 长沙. */
const nearby = fc.record({
  lng: fc.double({ min: WUYI.lng - 0.15, max: WUYI.lng + 0.15, noNaN: true }),
  lat: fc.double({ min: WUYI.lat - 0.13, max: WUYI.lat + 0.13, noNaN: true }),
});

describe('distances and zones', () => {
  it('measures 长沙 as a map does: 五一广场 to 梅溪湖 ~9.2 km, to IFS ~300 m', () => {
    expect(distanceM(WUYI, MEIXIHU)).toBeGreaterThan(9_000);
    expect(distanceM(WUYI, MEIXIHU)).toBeLessThan(9_500);
    expect(distanceM(WUYI, DEMO_PLACES[2]!.location)).toBeLessThan(400);
  });

  it('a radius zone holds exactly the points within its radius', () => {
    fc.assert(
      fc.property(nearby, fc.integer({ min: 100, max: 30_000 }), (p, r) => {
        expect(zoneContains(WUYI, { kind: 'radius', radiusM: r }, p)).toBe(distanceM(WUYI, p) <= r);
      }),
    );
  });

  it('a polygon zone holds its inside and not its outside', () => {
    const ring: GeoPoint[] = [
      { lng: 112.9635, lat: 28.22 },
      { lng: 113.0, lat: 28.22 },
      { lng: 113.0, lat: 28.17 },
      { lng: 112.9635, lat: 28.17 },
    ];
    const zone = { kind: 'polygon' as const, ring };
    expect(zoneContains(WUYI, zone, WUYI)).toBe(true);
    expect(zoneContains(WUYI, zone, ORANGE_ISLAND)).toBe(false);
    fc.assert(
      fc.property(nearby, (p) => {
        const inside = p.lng > 112.9635 && p.lng < 113.0 && p.lat > 28.17 && p.lat < 28.22;
        const outside = p.lng < 112.9635 || p.lng > 113.0 || p.lat < 28.17 || p.lat > 28.22;
        if (inside) expect(zoneContains(WUYI, zone, p)).toBe(true);
        if (outside) expect(zoneContains(WUYI, zone, p)).toBe(false);
      }),
    );
  });
});

describe('delivery quotes', () => {
  it('charges by distance band, the last band past it, nothing from the free-delivery threshold', () => {
    const d = radiusSite(8_000, { freeDeliveryOverFen: 8_800 }).delivery!;
    expect([0, 1_000, 1_001, 3_000, 4_999, 7_000].map((m) => deliveryFeeFen(d, m, 5_000))).toEqual([
      300, 300, 500, 500, 800, 800,
    ]);
    expect(deliveryFeeFen(d, 7_000, 8_800)).toBe(0);
  });

  it('never charges less for farther, never charges over the free threshold, and rides take longer further out', () => {
    const d = radiusSite(8_000, { freeDeliveryOverFen: 8_800 }).delivery!;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30_000 }),
        fc.integer({ min: 0, max: 30_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        (a, b, items) => {
          const [near, far] = a <= b ? [a, b] : [b, a];
          expect(deliveryFeeFen(d, near, items)).toBeLessThanOrEqual(deliveryFeeFen(d, far, items));
          if (items >= 8_800) expect(deliveryFeeFen(d, far, items)).toBe(0);
          expect(rideMinutes(near)).toBeLessThanOrEqual(rideMinutes(far));
        },
      ),
    );
  });

  it('a quote that is ok is inside the zone and over the minimum; otherwise it says why', () => {
    const site = radiusSite(3_000);
    fc.assert(
      fc.property(nearby, fc.integer({ min: 0, max: 10_000 }), (p, items) => {
        const q = quoteDelivery(site, p, items);
        const inZone = zoneContains(site.location, site.delivery!.zone, p);
        if (q.ok) {
          expect(inZone).toBe(true);
          expect(items).toBeGreaterThanOrEqual(2_000);
          expect(q.distanceM).toBe(Math.round(distanceM(site.location, p)));
        } else {
          expect(q.reason).toBe(inZone ? 'below_minimum' : 'outside_zone');
        }
      }),
    );
    expect(quoteDelivery({ location: WUYI, address: 'x' }, WUYI, 5_000)).toMatchObject({ reason: 'no_delivery' });
  });
});

describe('the site in the store settings', () => {
  it('refuses a ring of two corners, descending bands, a point outside China and unknown keys, naming them', () => {
    const bad = (site: unknown): string => {
      const r = StoreSiteSchema.safeParse(site);
      expect(r.success).toBe(false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    const ok = radiusSite(3_000);
    expect(StoreSiteSchema.parse(ok)).toMatchObject({ location: WUYI });
    expect(
      bad({ ...ok, delivery: { ...ok.delivery, zone: { kind: 'polygon', ring: [WUYI, MEIXIHU, WUYI] } } }),
    ).toMatch(/zone\.ring/);
    expect(bad({ ...ok, delivery: { ...ok.delivery, feeBands: [...BANDS].reverse() } })).toMatch(/ascend/);
    expect(bad({ ...ok, location: { lng: -0.12, lat: 51.5 } })).toMatch(/location\.lng/);
    expect(bad({ ...ok, parking: true })).toMatch(/parking/);
  });

  it('serves a channel in its own hours: delivery stops at 21:30 while dine-in goes on to 22:00', () => {
    const ctx = ctxOf(storeRef(STORE));
    const site: StoreSite = { ...radiusSite(3_000), channelHours: { delivery: [{ from: '10:30', to: '21:30' }] } };
    let s: StoreState = initialStore(STORE);
    const setup: StoreCommand[] = [
      { type: 'configure', settings: { name: '五一广场店', hours: [{ from: '10:00', to: '22:00' }], site }, at: T0 },
      { type: 'open', at: T0 },
    ];
    for (const c of setup) {
      const d = decideStore(s, c, ctx);
      if (isRejection(d)) throw new Error(d.reject.code);
      for (const e of d.events ?? []) s = evolveStore(s, e);
    }
    // T0 is 12:00 in 长沙; 21:45 is 9 h 45 min later.
    const late = T0 + (9 * 60 + 45) * 60_000;
    const admit = (channel: 'dine_in' | 'delivery', at: number) => decideStore(s, { type: 'admit', channel, at }, ctx);
    expect(isRejection(admit('delivery', T0))).toBe(false);
    expect((admit('dine_in', late) as { result: Admission }).result.status).toBe('open');
    const refused = admit('delivery', late);
    expect(isRejection(refused) && refused.reject.code).toBe('store_closed');
    expect(isRejection(refused) && refused.reject.message).toMatch(/delivery hours/);
  });
});

describe('the demo chain on the map', () => {
  const stores = generateDemoData().stores;

  it('puts 20 stores in 长沙, each at its own spot, each inside its own zone', () => {
    expect(stores.every((s) => s.settings.name.startsWith('湘川小馆·长沙'))).toBe(true);
    const spots = new Set(stores.map((s) => `${s.settings.site!.location.lng},${s.settings.site!.location.lat}`));
    expect(spots.size).toBe(20);
    for (const s of stores) {
      const site = s.settings.site!;
      expect(StoreSiteSchema.parse(site)).toEqual(site);
      expect(site.location.lng).toBeGreaterThan(112.7);
      expect(site.location.lng).toBeLessThan(113.2);
      expect(site.location.lat).toBeGreaterThan(28.0);
      expect(site.location.lat).toBeLessThan(28.4);
      expect(zoneContains(site.location, site.delivery!.zone, site.location)).toBe(true);
    }
  });

  it('gives the centre a choice of stores and keeps east-bank stores from delivering across the river', () => {
    const serving = (p: GeoPoint) =>
      stores.filter((s) => zoneContains(s.settings.site!.location, s.settings.site!.delivery!.zone, p));
    expect(serving(WUYI).length).toBeGreaterThanOrEqual(3);
    const eastBank = stores.filter((s) => s.settings.site!.delivery!.zone.kind === 'polygon');
    expect(eastBank.length).toBeGreaterThanOrEqual(3);
    for (const s of eastBank) expect(serving(ORANGE_ISLAND)).not.toContain(s);
  });

  it('places repeat further north past the twentieth store, still apart', () => {
    const many = generateDemoData({ stores: 45 }).stores;
    const spots = new Set(many.map((s) => `${s.settings.site!.location.lng},${s.settings.site!.location.lat}`));
    expect(spots.size).toBe(45);
    expect(many[20]!.settings.name).toBe('湘川小馆·长沙五一广场2号店');
  });
});
