/**
 * Routing an order with no store to the store that serves it best: every store
 * is a forward warehouse. Pure: the caller gathers each candidate's standing
 * (its `load` read: status, site, kitchen) and the stock of the order's SKUs,
 * and this ranks them; placement then tries them in that order, reserving
 * atomically at one.
 *
 * A candidate is excluded, with the reason, when it is closed, has no site,
 * does not hold the address in its delivery zone (delivery), is under its
 * minimum order, has paused delivery or a station the order needs, or lacks
 * stock for any line. The others are ranked by a score in minutes, lower
 * first: the kitchen's quote for the order's stations plus the ride, plus the
 * delivery fee at `FEE_MIN_PER_YUAN`, plus `THIN_STOCK_PENALTY_MIN` when a line
 * would leave the store with fewer than `THIN_STOCK_UNITS` (its last units are
 * the likeliest to be gone by the time the reservation arrives). Ties go to
 * the nearer store, then the lower store id, so a decision replays exactly.
 */
import type { ServiceChannel } from '../domain.js';
import { distanceM, quoteDelivery, rideMinutes, type GeoPoint, type StoreSite } from '../geo/site.js';
import type { KitchenLoad, StationLoad } from '../kitchen-load.js';
import type { Fen } from '../money.js';

/** A yuan of delivery fee weighs as much as this many minutes of waiting. */
export const FEE_MIN_PER_YUAN = 0.5;
/** A line leaving fewer units than this makes the store less attractive… */
export const THIN_STOCK_UNITS = 3;
/** …by this many minutes. */
export const THIN_STOCK_PENALTY_MIN = 5;
/** A diner collecting an order (takeaway, retail pickup) comes from at most this far. */
export const MAX_PICKUP_DISTANCE_M = 10_000;

export type RoutedChannel = Extract<ServiceChannel, 'delivery' | 'takeaway' | 'retail'>;

export interface RoutingLine {
  readonly skuId: string;
  readonly qty: number;
  /** The kitchen station that cooks it (from the catalog). */
  readonly station: string;
}

export interface RoutingRequest {
  readonly channel: RoutedChannel;
  /** The delivery address, or where the diner is for a pickup. */
  readonly to: GeoPoint;
  readonly lines: readonly RoutingLine[];
  /** The items' value, for the minimum order and free-delivery threshold. */
  readonly itemsFen: Fen;
}

/** What routing knows of one store (its `load` read and the stock of the order's SKUs). */
export interface RoutingCandidate {
  readonly store: string;
  readonly status: 'open' | 'busy' | 'closed';
  readonly site: StoreSite | null;
  readonly kitchen: Pick<KitchenLoad, 'deliveryPaused' | 'basePrepMin'> & {
    readonly stations: readonly Pick<StationLoad, 'station' | 'quoteMin' | 'paused'>[];
  };
  /** Units available per SKU; a SKU not listed has none. */
  readonly available: Readonly<Record<string, number>>;
}

export type ExclusionReason =
  | 'closed'
  | 'no_site'
  | 'no_delivery'
  | 'outside_zone'
  | 'too_far'
  | 'below_minimum'
  | 'delivery_paused'
  | 'station_paused'
  | 'sold_out';

export interface Excluded {
  readonly store: string;
  readonly reason: ExclusionReason;
  /** The SKUs short (sold_out) or the stations paused (station_paused). */
  readonly which?: readonly string[];
}

export interface ScoredStore {
  readonly store: string;
  readonly score: number;
  readonly distanceM: number;
  readonly kitchenMin: number;
  readonly rideMin: number;
  /** Kitchen then ride: when the diner may expect the order. */
  readonly etaMin: number;
  readonly feeFen: Fen;
  /** The SKUs this order would leave thin. */
  readonly thin: readonly string[];
}

export interface RoutingDecision {
  /** Stores that can serve, best first. */
  readonly ranked: readonly ScoredStore[];
  readonly excluded: readonly Excluded[];
}

/** Quantity per SKU (lines of one SKU add up). */
function wanted(lines: readonly RoutingLine[]): Map<string, number> {
  const by = new Map<string, number>();
  for (const l of lines) by.set(l.skuId, (by.get(l.skuId) ?? 0) + l.qty);
  return by;
}

function reach(
  r: RoutingRequest,
  site: StoreSite,
): { distanceM: number; rideMin: number; feeFen: Fen } | { reason: ExclusionReason } {
  if (r.channel === 'delivery') {
    const q = quoteDelivery(site, r.to, r.itemsFen);
    return q.ok ? { distanceM: q.distanceM, rideMin: q.rideMin, feeFen: q.feeFen } : { reason: q.reason };
  }
  const d = Math.round(distanceM(site.location, r.to));
  if (d > MAX_PICKUP_DISTANCE_M) return { reason: 'too_far' };
  return { distanceM: d, rideMin: rideMinutes(d), feeFen: 0 };
}

function scoreOne(r: RoutingRequest, c: RoutingCandidate, need: Map<string, number>): ScoredStore | Excluded {
  const out = (reason: ExclusionReason, which?: string[]): Excluded =>
    which === undefined ? { store: c.store, reason } : { store: c.store, reason, which };
  if (c.status === 'closed') return out('closed');
  if (c.site === null) return out('no_site');
  const where = reach(r, c.site);
  if ('reason' in where) return out(where.reason);
  if (r.channel === 'delivery' && c.kitchen.deliveryPaused) return out('delivery_paused');
  const stations = [...new Set(r.lines.map((l) => l.station))];
  const readings = new Map(c.kitchen.stations.map((s) => [s.station, s]));
  const paused = stations.filter((st) => readings.get(st)?.paused === true);
  if (paused.length > 0) return out('station_paused', paused);
  const short = [...need].filter(([sku, qty]) => (c.available[sku] ?? 0) < qty).map(([sku]) => sku);
  if (short.length > 0) return out('sold_out', short);
  const thin = [...need].filter(([sku, qty]) => (c.available[sku] ?? 0) - qty < THIN_STOCK_UNITS).map(([s]) => s);
  const base = c.kitchen.basePrepMin;
  const kitchenMin = Math.max(base, ...stations.map((st) => readings.get(st)?.quoteMin ?? base));
  const etaMin = kitchenMin + where.rideMin;
  const score = etaMin + (where.feeFen / 100) * FEE_MIN_PER_YUAN + (thin.length > 0 ? THIN_STOCK_PENALTY_MIN : 0);
  return {
    store: c.store,
    score,
    distanceM: where.distanceM,
    kitchenMin,
    rideMin: where.rideMin,
    etaMin,
    feeFen: where.feeFen,
    thin,
  };
}

/** Every candidate, ranked or excluded with its reason. */
export function routeOrder(r: RoutingRequest, candidates: readonly RoutingCandidate[]): RoutingDecision {
  const need = wanted(r.lines);
  const ranked: ScoredStore[] = [];
  const excluded: Excluded[] = [];
  for (const c of candidates) {
    const s = scoreOne(r, c, need);
    if ('reason' in s) excluded.push(s);
    else ranked.push(s);
  }
  ranked.sort((a, b) => a.score - b.score || a.distanceM - b.distanceM || (a.store < b.store ? -1 : 1));
  return { ranked, excluded };
}
