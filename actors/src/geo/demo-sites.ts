/**
 * Where the demo chain's stores stand: twenty places in 长沙 with GCJ-02
 * coordinates of the real neighbourhoods (to ~100 m), their delivery zones and
 * fees. Stores east of the 湘江 near the river deliver inside a polygon that
 * stops at the water (a courier does not cross a bridge for a ¥5 fee); the
 * others deliver within a radius. Overlapping zones in the centre give routing
 * a choice; the suburbs have one candidate or none.
 */
import type { GeoPoint, StoreSite } from './site.js';
import type { TimeWindow } from '../hours.js';

export const DEMO_CITY = '长沙';

interface DemoPlace {
  readonly place: string;
  readonly address: string;
  readonly location: GeoPoint;
  /** A polygon zone (east bank, stopping at the river) instead of a radius. */
  readonly eastBank?: true;
  readonly radiusM?: number;
}

/** The first four keep the names the demo stores had before they were put on the map. */
export const DEMO_PLACES: readonly DemoPlace[] = [
  { place: '五一广场', address: '芙蓉区五一大道 235 号', location: { lng: 112.9768, lat: 28.1962 }, eastBank: true },
  { place: '梅溪湖', address: '岳麓区梅溪湖路 1 号', location: { lng: 112.8825, lat: 28.1948 } },
  { place: 'IFS', address: '芙蓉区解放西路 188 号', location: { lng: 112.9795, lat: 28.1953 }, eastBank: true },
  { place: '河西大学城', address: '岳麓区麓山南路 932 号', location: { lng: 112.9405, lat: 28.1702 } },
  { place: '万家丽广场', address: '芙蓉区万家丽中路二段 9 号', location: { lng: 113.0363, lat: 28.1967 } },
  { place: '德思勤', address: '雨花区湘府中路 18 号', location: { lng: 113.0201, lat: 28.1208 } },
  { place: '星沙', address: '长沙县开元东路 1 号', location: { lng: 113.0805, lat: 28.2503 }, radiusM: 5_000 },
  { place: '溁湾镇', address: '岳麓区枫林一路 1 号', location: { lng: 112.9502, lat: 28.1931 } },
  { place: '侯家塘', address: '天心区芙蓉中路三段 1 号', location: { lng: 112.9903, lat: 28.1752 } },
  { place: '东塘', address: '雨花区韶山北路 139 号', location: { lng: 113.0052, lat: 28.1803 } },
  { place: '长沙南站', address: '雨花区花侯路 1 号', location: { lng: 113.0651, lat: 28.1481 } },
  { place: '南门口', address: '天心区黄兴南路 1 号', location: { lng: 112.9752, lat: 28.1849 }, eastBank: true },
  { place: '月亮岛', address: '望城区月亮岛路 1 号', location: { lng: 112.9202, lat: 28.2751 }, radiusM: 5_000 },
  { place: '洋湖', address: '岳麓区洋湖大道 1 号', location: { lng: 112.9301, lat: 28.1203 } },
  { place: '麓谷', address: '岳麓区麓谷大道 627 号', location: { lng: 112.8802, lat: 28.2204 } },
  { place: '马栏山', address: '开福区鸭子铺路 1 号', location: { lng: 113.0402, lat: 28.2251 } },
  { place: '长沙火车站', address: '芙蓉区车站北路 1 号', location: { lng: 113.0131, lat: 28.1943 } },
  {
    place: '湘江世纪城',
    address: '开福区湘江北路三段 1 号',
    location: { lng: 112.9753, lat: 28.2352 },
    eastBank: true,
  },
  { place: '四方坪', address: '开福区东二环三段 1 号', location: { lng: 113.0102, lat: 28.2303 } },
  { place: '暮云', address: '天心区暮云街道芙蓉南路 1 号', location: { lng: 112.9903, lat: 28.0602 }, radiusM: 5_000 },
];

/** The 湘江's east bank near the centre runs about along this meridian. */
const RIVER_LNG = 112.9635;

/** ~3 km east and north/south of the store, west edge on the river: a polygon zone. */
function eastBankRing(at: GeoPoint): GeoPoint[] {
  const dLat = 0.027; // ≈ 3 km
  const dLng = 0.031; // ≈ 3 km at 28° N
  return [
    { lng: RIVER_LNG, lat: at.lat + dLat },
    { lng: at.lng + dLng, lat: at.lat + dLat },
    { lng: at.lng + dLng, lat: at.lat - dLat },
    { lng: RIVER_LNG, lat: at.lat - dLat },
  ];
}

/**
 * The site of demo store number `k` (1-based). Past the twentieth store the
 * places repeat, each repeat ~450 m further north, so every store has a spot
 * of its own.
 */
export function demoSite(k: number, openingHours: boolean): { place: string; site: StoreSite } {
  const p = DEMO_PLACES[(k - 1) % DEMO_PLACES.length]!;
  const round = Math.floor((k - 1) / DEMO_PLACES.length);
  const location = { lng: p.location.lng, lat: Math.round((p.location.lat + round * 0.004) * 1e4) / 1e4 };
  const delivery: StoreSite['delivery'] = {
    zone:
      p.eastBank === true
        ? { kind: 'polygon', ring: eastBankRing(location) }
        : { kind: 'radius', radiusM: p.radiusM ?? 3_000 },
    feeBands: [
      { upToM: 1_000, feeFen: 300 },
      { upToM: 3_000, feeFen: 500 },
      { upToM: 5_000, feeFen: 800 },
    ],
    minOrderFen: 2_000,
    freeDeliveryOverFen: 8_800,
  };
  const deliveryHours: TimeWindow[] = [{ from: '10:30', to: '21:30' }];
  const site: StoreSite = {
    location,
    address: `${DEMO_CITY}市${p.address}`,
    delivery,
    ...(openingHours ? { channelHours: { delivery: deliveryHours } } : {}),
  };
  return { place: round === 0 ? p.place : `${p.place}${round + 1}号`, site };
}
