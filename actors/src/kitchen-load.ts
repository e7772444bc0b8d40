/**
 * Kitchen load, from facts the store actor already hears: which tickets each
 * station has open (an order's `ticketsOpened`) since when, and when stations
 * bump them (`ticketsClosed`). From those, at any instant: a quoted wait for a
 * new order, and admission control when a kitchen backs up: first longer
 * quotes, then pausing the stations that are furthest behind (their dishes are
 * refused), then pausing the delivery channel; staff may force any of them
 * open or paused. Pure: the instant comes from the caller.
 *
 * The quote of a station is the longest of three readings, each a lower bound
 * a diner would otherwise learn the hard way:
 *   - the base preparation time (an idle kitchen still cooks);
 *   - the queue ahead, (open + 1) / throughput, the throughput being the bumps
 *     of the last window when there are enough of them to trust, the configured
 *     rate otherwise;
 *   - the age of the oldest open ticket: a new ticket waits behind it, and a
 *     stuck station bumps nothing, which the rate alone would not show.
 * Stations cook in parallel, so an order's quote is that of its slowest station.
 */
import { z } from 'zod';

/** How far back bumps count towards a station's throughput. */
export const BUMP_WINDOW_MS = 10 * 60_000;
/** Bumps a station remembers: enough to fill the window at a busy lunch. */
export const BUMP_MEMORY = 60;
/** Fewer bumps than this in the window and the measured rate is noise: the configured rate stands in. */
export const MIN_BUMPS_FOR_RATE = 3;
/** Open tickets a station tracks by age (a count is kept beyond it). */
export const MAX_TRACKED_TICKETS = 2_000;

export const AdmissionSettingsSchema = z
  .strictObject({
    /** Minutes an order takes in an idle kitchen. */
    basePrepMin: z.number().int().min(1).max(240).default(12),
    /** Tickets a station clears per minute when it has not bumped enough lately to measure. */
    stationRatePerMin: z.number().min(0.05).max(60).default(1),
    /** A quote above this makes the kitchen "slow": diners see the longer quote. */
    slowQuoteMin: z.number().int().min(1).max(600).default(25),
    /** A station whose quote is above this is paused: its dishes are refused. */
    pauseStationQuoteMin: z.number().int().min(1).max(600).default(45),
    /** With the kitchen's quote above this, delivery is paused. */
    pauseDeliveryQuoteMin: z.number().int().min(1).max(600).default(60),
  })
  .refine((a) => a.slowQuoteMin <= a.pauseStationQuoteMin, {
    message: 'slowQuoteMin must not exceed pauseStationQuoteMin',
    path: ['slowQuoteMin'],
  });
export type AdmissionSettings = z.output<typeof AdmissionSettingsSchema>;
export const DEFAULT_ADMISSION: AdmissionSettings = AdmissionSettingsSchema.parse({});

const StationSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/);
/** What staff override: the delivery channel, or one station. */
export const AdmissionTargetSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('channel'), channel: z.literal('delivery') }),
  z.strictObject({ kind: z.literal('station'), station: StationSchema }),
]);
export type AdmissionTarget = z.infer<typeof AdmissionTargetSchema>;
/** `auto` follows the load; `open` keeps it open whatever the load; `paused` pauses it whatever the load. */
export const OverrideModeSchema = z.enum(['auto', 'open', 'paused']);
export type OverrideMode = z.infer<typeof OverrideModeSchema>;

export function targetKey(t: AdmissionTarget): string {
  return t.kind === 'channel' ? `channel:${t.channel}` : `station:${t.station}`;
}

export interface KitchenLoadState {
  /** Per station: open tickets by order id → when they opened. */
  readonly open: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Per station: when its last bumps happened, oldest first, at most `BUMP_MEMORY`. */
  readonly bumps: Readonly<Record<string, readonly number[]>>;
  /** Staff overrides by `targetKey`; `auto` is no entry. */
  readonly overrides: Readonly<Record<string, 'open' | 'paused'>>;
}

export const EMPTY_KITCHEN: KitchenLoadState = { open: {}, bumps: {}, overrides: {} };

export function ticketsOpenedLoad(
  k: KitchenLoadState,
  orderId: string,
  stations: readonly string[],
  at: number,
): KitchenLoadState {
  const open = { ...k.open };
  for (const st of stations) {
    const mine = open[st] ?? {};
    if (orderId in mine || Object.keys(mine).length >= MAX_TRACKED_TICKETS) continue;
    open[st] = { ...mine, [orderId]: at };
  }
  return { ...k, open };
}

export function ticketsClosedLoad(
  k: KitchenLoadState,
  orderId: string,
  stations: readonly string[],
  at: number,
): KitchenLoadState {
  const open = { ...k.open };
  const bumps = { ...k.bumps };
  for (const st of stations) {
    const mine = open[st];
    if (mine !== undefined && orderId in mine) {
      const { [orderId]: _closed, ...rest } = mine;
      if (Object.keys(rest).length === 0) delete open[st];
      else open[st] = rest;
    }
    const list = [...(bumps[st] ?? []), at];
    bumps[st] = list.length > BUMP_MEMORY ? list.slice(list.length - BUMP_MEMORY) : list;
  }
  return { ...k, open, bumps };
}

export function overrideLoad(k: KitchenLoadState, target: AdmissionTarget, mode: OverrideMode): KitchenLoadState {
  const key = targetKey(target);
  const overrides = { ...k.overrides };
  if (mode === 'auto') delete overrides[key];
  else overrides[key] = mode;
  return { ...k, overrides };
}

export interface StationLoad {
  readonly station: string;
  readonly open: number;
  /** Minutes the oldest open ticket has waited (0 without open tickets or without their ages). */
  readonly oldestAgeMin: number;
  /** Bumps per minute over the last window. */
  readonly bumpsPerMin: number;
  readonly quoteMin: number;
  readonly paused: boolean;
  /** Why it is paused: staff paused it, or its load. */
  readonly pausedBy?: 'load' | 'staff';
}

export type KitchenLevel = 'normal' | 'slow' | 'paused';

export interface KitchenLoad {
  readonly at: number;
  /** The quote for an order that needs every station: the slowest station's. */
  readonly quoteMin: number;
  /** The quote of a station without tickets or bumps (an idle kitchen's). */
  readonly basePrepMin: number;
  readonly level: KitchenLevel;
  readonly stations: readonly StationLoad[];
  readonly deliveryPaused: boolean;
  readonly deliveryPausedBy?: 'load' | 'staff';
  readonly overrides: Readonly<Record<string, 'open' | 'paused'>>;
}

function stationLoad(
  k: KitchenLoadState,
  a: AdmissionSettings,
  station: string,
  openCount: number,
  at: number,
): StationLoad {
  const ages = Object.values(k.open[station] ?? {});
  const oldest = ages.length === 0 ? at : Math.min(...ages);
  const oldestAgeMin = Math.max(0, (at - oldest) / 60_000);
  const recent = (k.bumps[station] ?? []).filter((b) => b <= at && at - b <= BUMP_WINDOW_MS).length;
  const bumpsPerMin = recent / (BUMP_WINDOW_MS / 60_000);
  const rate = recent >= MIN_BUMPS_FOR_RATE ? bumpsPerMin : a.stationRatePerMin;
  const queueMin = (openCount + 1) / rate;
  const quoteMin = Math.ceil(Math.max(a.basePrepMin, queueMin, oldestAgeMin));
  const override = k.overrides[`station:${station}`];
  const byLoad = quoteMin > a.pauseStationQuoteMin;
  const paused = override === undefined ? byLoad : override === 'paused';
  const base = { station, open: openCount, oldestAgeMin: Math.floor(oldestAgeMin), bumpsPerMin, quoteMin, paused };
  return paused ? { ...base, pausedBy: override === 'paused' ? 'staff' : 'load' } : base;
}

/**
 * The kitchen's load at `at`. `pending` is the store's count of open tickets per
 * station (authoritative: it predates the tracked ages); the stations listed
 * are those with open tickets, recent bumps or an override.
 */
export function kitchenLoad(
  k: KitchenLoadState,
  pending: Readonly<Record<string, number>>,
  a: AdmissionSettings,
  at: number,
): KitchenLoad {
  const names = new Set([...Object.keys(pending), ...Object.keys(k.open), ...Object.keys(k.bumps)]);
  for (const key of Object.keys(k.overrides)) if (key.startsWith('station:')) names.add(key.slice(8));
  const stations = [...names]
    .sort()
    .map((st) => stationLoad(k, a, st, Math.max(pending[st] ?? 0, Object.keys(k.open[st] ?? {}).length), at));
  const quoteMin = Math.max(a.basePrepMin, ...stations.map((s) => s.quoteMin));
  const override = k.overrides['channel:delivery'];
  const byLoad = quoteMin > a.pauseDeliveryQuoteMin;
  const deliveryPaused = override === undefined ? byLoad : override === 'paused';
  const level: KitchenLevel =
    deliveryPaused || stations.some((s) => s.paused) ? 'paused' : quoteMin > a.slowQuoteMin ? 'slow' : 'normal';
  const out = { at, quoteMin, basePrepMin: a.basePrepMin, level, stations, deliveryPaused, overrides: k.overrides };
  return deliveryPaused ? { ...out, deliveryPausedBy: override === 'paused' ? 'staff' : 'load' } : out;
}

/** The quote of an order whose lines go to these stations: its slowest station's (the base time without any). */
export function quoteFor(load: KitchenLoad, a: AdmissionSettings, stations: readonly string[]): number {
  let q = a.basePrepMin;
  for (const st of stations) q = Math.max(q, load.stations.find((s) => s.station === st)?.quoteMin ?? a.basePrepMin);
  return q;
}

/** The stations among these that take no new orders now. */
export function pausedAmong(load: KitchenLoad, stations: readonly string[]): string[] {
  return [...new Set(stations)].filter((st) => load.stations.find((s) => s.station === st)?.paused === true);
}
