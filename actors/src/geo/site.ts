/**
 * A store on the map: where it is, where it delivers, what delivery costs
 * there, and when each channel is served. Part of the store's settings
 * (`StoreSettings.site`); pure functions over it, so routing and pricing test
 * without a server.
 *
 * Coordinates are GCJ-02 degrees, as WeChat's location API (`wx.getLocation`
 * with `type: 'gcj02'`) and Chinese map providers give them. GCJ-02 is WGS-84
 * shifted by a smooth offset of a few hundred metres that barely changes across
 * a city, so distances and point-in-zone tests between two GCJ-02 points are
 * off by far less than a courier's route differs from a straight line; nothing
 * here converts datums.
 */
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { distance } from '@turf/distance';
import { point, polygon } from '@turf/helpers';
import { z } from 'zod';
import { ServiceChannelSchema, type ServiceChannel } from '../domain.js';
import { TimeWindowSchema, type TimeWindow } from '../hours.js';
import { FenSchema, type Fen } from '../money.js';

/** A point in GCJ-02 degrees; the bounds are China's (the datum exists only there). */
export const GeoPointSchema = z.strictObject({
  lng: z.number().min(73).max(136),
  lat: z.number().min(3).max(54),
});
export type GeoPoint = z.infer<typeof GeoPointSchema>;

/** The farthest a store delivers: a radius or a polygon's reach past this is refused as a typo. */
export const MAX_DELIVERY_RADIUS_M = 30_000;

export const DeliveryZoneSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('radius'), radiusM: z.number().int().min(100).max(MAX_DELIVERY_RADIUS_M) }),
  /** A ring of at least three corners, closed implicitly (the first corner is not repeated). */
  z.strictObject({
    kind: z.literal('polygon'),
    ring: z
      .array(GeoPointSchema)
      .min(3)
      .max(200)
      .refine((r) => new Set(r.map((p) => `${p.lng},${p.lat}`)).size >= 3, 'a ring needs three distinct corners'),
  }),
]);
export type DeliveryZone = z.infer<typeof DeliveryZoneSchema>;

/** Up to `upToM` metres (straight line), delivery costs `feeFen`. */
export const FeeBandSchema = z.strictObject({
  upToM: z.number().int().min(1).max(MAX_DELIVERY_RADIUS_M),
  feeFen: FenSchema,
});
export type FeeBand = z.infer<typeof FeeBandSchema>;

export const DeliverySettingsSchema = z.strictObject({
  zone: DeliveryZoneSchema,
  /** Ascending by `upToM`; an address past the last band pays the last band's fee. */
  feeBands: z
    .array(FeeBandSchema)
    .min(1)
    .max(10)
    .refine((bs) => bs.every((b, i) => i === 0 || b.upToM > bs[i - 1]!.upToM), 'fee bands ascend by upToM'),
  /** Items below this are refused for delivery (起送价). */
  minOrderFen: FenSchema.default(0),
  /** From this much of items on, delivery is free. */
  freeDeliveryOverFen: FenSchema.optional(),
});
export type DeliverySettings = z.output<typeof DeliverySettingsSchema>;

/** Opening hours of one channel; a channel not listed follows the store's hours. */
export const ChannelHoursSchema = z.partialRecord(ServiceChannelSchema, z.array(TimeWindowSchema).max(20));

export const StoreSiteSchema = z.strictObject({
  location: GeoPointSchema,
  address: z.string().trim().min(1).max(200),
  /** Absent: the store does not deliver itself (takeaway and dine-in only). */
  delivery: DeliverySettingsSchema.optional(),
  channelHours: ChannelHoursSchema.optional(),
});
export type StoreSite = z.output<typeof StoreSiteSchema>;

/** A courier's average pace in a Chinese city centre on an e-bike, and how much longer roads are than a straight line. */
export const DEFAULT_RIDER_SPEED_KMH = 15;
export const ROAD_FACTOR = 1.3;

const turfPoint = (p: GeoPoint) => point([p.lng, p.lat]);

/** Great-circle distance in metres (turf's haversine). */
export function distanceM(a: GeoPoint, b: GeoPoint): number {
  return distance(turfPoint(a), turfPoint(b), { units: 'meters' });
}

function ringPolygon(ring: readonly GeoPoint[]) {
  const coords = ring.map((p) => [p.lng, p.lat]);
  const [first] = coords;
  return polygon([[...coords, first!]]);
}

/** Whether the zone holds the address (a polygon's edge counts as inside). */
export function zoneContains(center: GeoPoint, zone: DeliveryZone, at: GeoPoint): boolean {
  if (zone.kind === 'radius') return distanceM(center, at) <= zone.radiusM;
  return booleanPointInPolygon(turfPoint(at), ringPolygon(zone.ring));
}

/** Minutes a rider takes from the store to the address: the straight line times the road factor at rider pace. */
export function rideMinutes(distM: number, speedKmh = DEFAULT_RIDER_SPEED_KMH): number {
  return Math.ceil(((distM * ROAD_FACTOR) / 1000 / speedKmh) * 60);
}

/** The fee of the band the distance falls in (the last band past it), 0 from the free-delivery threshold. */
export function deliveryFeeFen(d: DeliverySettings, distM: number, itemsFen: Fen): Fen {
  if (d.freeDeliveryOverFen !== undefined && itemsFen >= d.freeDeliveryOverFen) return 0;
  const band = d.feeBands.find((b) => distM <= b.upToM) ?? d.feeBands[d.feeBands.length - 1]!;
  return band.feeFen;
}

export type DeliveryQuote =
  | { readonly ok: true; readonly distanceM: number; readonly feeFen: Fen; readonly rideMin: number }
  | { readonly ok: false; readonly reason: 'no_delivery' | 'outside_zone'; readonly distanceM: number }
  | { readonly ok: false; readonly reason: 'below_minimum'; readonly distanceM: number; readonly minOrderFen: Fen };

/** What delivering `itemsFen` of items from this store to `to` costs and takes, or why it cannot. */
export function quoteDelivery(site: StoreSite, to: GeoPoint, itemsFen: Fen): DeliveryQuote {
  const distM = Math.round(distanceM(site.location, to));
  const d = site.delivery;
  if (d === undefined) return { ok: false, reason: 'no_delivery', distanceM: distM };
  if (!zoneContains(site.location, d.zone, to)) return { ok: false, reason: 'outside_zone', distanceM: distM };
  if (itemsFen < d.minOrderFen)
    return { ok: false, reason: 'below_minimum', distanceM: distM, minOrderFen: d.minOrderFen };
  return { ok: true, distanceM: distM, feeFen: deliveryFeeFen(d, distM, itemsFen), rideMin: rideMinutes(distM) };
}

/** The hours a channel is served: its own when configured, the store's otherwise. */
export function channelHours(
  storeHours: readonly TimeWindow[],
  site: StoreSite | undefined,
  channel: ServiceChannel,
): readonly TimeWindow[] {
  return site?.channelHours?.[channel] ?? storeHours;
}
