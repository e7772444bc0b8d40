/**
 * A member card's events and state. Every change of points, stored value or
 * coupons is an event with its reason (and the order it belongs to), so the
 * card reconciles with its history: points = Σ earned − Σ held + Σ released −
 * Σ expired + Σ refunded − Σ reversed, balance = Σ top-ups and bonuses − Σ held + Σ released +
 * Σ refunded.
 */
import type { MemberCoupon } from '../coupon.js';
import type { Fen } from '../money.js';
import type { ReleaseReason } from './commands.js';

/** Points earned together, living until `expiresAt`. */
export interface PointsLot {
  readonly points: number;
  readonly expiresAt: number;
}

export type EarnReason = 'order' | 'signup' | 'birthday' | 'checkin';

export interface HoldTaken {
  readonly points: number;
  /** The lots the points came from (so a release gives them back with their own expiry). */
  readonly lots: readonly PointsLot[];
  /** Stored value: principal first, then bonus. */
  readonly principalFen: Fen;
  readonly bonusFen: Fen;
  readonly couponIds: readonly string[];
}

export type MemberEvent =
  | { type: 'Enrolled'; birthday: string | null; at: number }
  | { type: 'PointsEarned'; points: number; reason: EarnReason; orderId?: string; expiresAt: number; at: number }
  | { type: 'PointsExpired'; points: number; at: number }
  | { type: 'CheckedIn'; day: number; streak: number; at: number }
  | { type: 'BirthdayGiftGiven'; year: number; at: number }
  | { type: 'ToppedUp'; paymentId: string; amountFen: Fen; bonusFen: Fen; at: number }
  | { type: 'CouponGranted'; coupon: MemberCoupon; at: number }
  | ({ type: 'Held'; orderId: string; at: number } & HoldTaken)
  | { type: 'HoldSpent'; orderId: string; at: number }
  | { type: 'HoldReleased'; orderId: string; reason: ReleaseReason; at: number }
  | { type: 'OrderSettled'; orderId: string; paidFen: Fen; year: number; at: number }
  | { type: 'LevelChanged'; from: number; to: number; orderId?: string; at: number }
  /**
   * A refund took back the points its order earned on the refunded amount (`points`, from the live
   * lots, earliest expiry first); `shortPoints` the card no longer had (spent or expired): never
   * below zero, the shortfall on record.
   */
  | { type: 'PointsReversed'; orderId: string; refundId: string; points: number; shortPoints: number; at: number }
  /** A paid order's hold was gone and the card could not take it again: what the order was not paid. */
  | { type: 'PaymentShortfall'; orderId: string; points: number; balanceFen: Fen; couponIds: string[]; at: number }
  | {
      type: 'RefundReturned';
      orderId: string;
      refundId: string;
      points: number;
      /** Points come back as a lot expiring with the latest lot the order spent. */
      expiresAt: number;
      principalFen: Fen;
      bonusFen: Fen;
      /** The refund's share of what earned points (absent in refunds from before it was sent). */
      paidFen?: Fen;
      at: number;
    };

export type CouponStatus = 'available' | 'held' | 'used';

export interface HeldCoupon {
  readonly coupon: MemberCoupon;
  readonly status: CouponStatus;
  readonly orderId?: string;
}

export interface MemberHold extends HoldTaken {
  readonly orderId: string;
  readonly at: number;
}

/** A paid order: what it spent of each instrument and what refunds gave back so far. */
export interface SettledOrder {
  readonly spent: HoldTaken;
  readonly paidFen: Fen;
  readonly refunds: readonly string[];
  readonly refundedPoints: number;
  readonly refundedPrincipalFen: Fen;
  readonly refundedBonusFen: Fen;
  /** Points the order earned (optional: snapshots from before it was kept read as 0). */
  readonly earnedPoints?: number;
  /** What refunds gave back of what earned points (WeChat Pay and stored value). */
  readonly refundedPaidFen?: Fen;
  /** Earned points refunds took back, the short ones included. */
  readonly reversedPoints?: number;
}

export interface MemberState {
  readonly memberId: string;
  readonly enrolledAt: number | null;
  readonly birthday: string | null;
  readonly level: number;
  readonly spendYear: number;
  readonly spendFen: Fen;
  readonly lastYearSpendFen: Fen;
  /** Earliest expiry first. */
  readonly lots: readonly PointsLot[];
  readonly principalFen: Fen;
  readonly bonusFen: Fen;
  readonly coupons: Readonly<Record<string, HeldCoupon>>;
  readonly holds: Readonly<Record<string, MemberHold>>;
  readonly settled: Readonly<Record<string, SettledOrder>>;
  readonly topUps: Readonly<Record<string, { readonly amountFen: Fen; readonly bonusFen: Fen }>>;
  readonly lastCheckInDay: number | null;
  readonly streak: number;
  readonly birthdayYears: readonly number[];
  readonly paidOrders: number;
  /** Events applied: the card's version. */
  readonly seq: number;
}

export function initialMember(memberId: string): MemberState {
  return {
    memberId,
    enrolledAt: null,
    birthday: null,
    level: 0,
    spendYear: 0,
    spendFen: 0,
    lastYearSpendFen: 0,
    lots: [],
    principalFen: 0,
    bonusFen: 0,
    coupons: {},
    holds: {},
    settled: {},
    topUps: {},
    lastCheckInDay: null,
    streak: 0,
    birthdayYears: [],
    paidOrders: 0,
    seq: 0,
  };
}

function addLot(lots: readonly PointsLot[], lot: PointsLot): PointsLot[] {
  if (lot.points === 0) return [...lots];
  const out = [...lots];
  // Points with one expiry are one lot (a released hold's points join the lot they came from).
  const same = out.findIndex((l) => l.expiresAt === lot.expiresAt);
  if (same >= 0) {
    out[same] = { points: out[same]!.points + lot.points, expiresAt: lot.expiresAt };
    return out;
  }
  let i = out.length;
  while (i > 0 && out[i - 1]!.expiresAt > lot.expiresAt) i--;
  out.splice(i, 0, lot);
  return out;
}

/** Takes `points` from the lots alive at `at`, earliest expiry first. */
export function takePoints(
  lots: readonly PointsLot[],
  points: number,
  at: number,
): { taken: PointsLot[]; left: PointsLot[] } {
  const taken: PointsLot[] = [];
  const left: PointsLot[] = [];
  let need = points;
  for (const l of lots) {
    if (need === 0 || l.expiresAt <= at) {
      left.push(l);
      continue;
    }
    const x = Math.min(need, l.points);
    taken.push({ points: x, expiresAt: l.expiresAt });
    need -= x;
    if (x < l.points) left.push({ points: l.points - x, expiresAt: l.expiresAt });
  }
  return { taken, left };
}

export function livePoints(s: MemberState, at: number): number {
  let n = 0;
  for (const l of s.lots) if (l.expiresAt > at) n += l.points;
  return n;
}

export const balanceOf = (s: MemberState): Fen => s.principalFen + s.bonusFen;

function setCoupons(s: MemberState, ids: readonly string[], status: CouponStatus, orderId?: string): MemberState {
  if (ids.length === 0) return s;
  const coupons = { ...s.coupons };
  for (const id of ids) {
    const c = coupons[id];
    if (c !== undefined)
      coupons[id] = orderId === undefined ? { coupon: c.coupon, status } : { coupon: c.coupon, status, orderId };
  }
  return { ...s, coupons };
}

function without<V>(r: Readonly<Record<string, V>>, key: string): Record<string, V> {
  const { [key]: _gone, ...rest } = r;
  return rest;
}

export function evolveMember(state: MemberState, e: MemberEvent): MemberState {
  const s: MemberState = { ...state, seq: state.seq + 1 };
  switch (e.type) {
    case 'Enrolled':
      return { ...s, enrolledAt: e.at, birthday: e.birthday };
    case 'PointsEarned':
      return evolveEarned(s, e);
    case 'PointsReversed':
      return evolveReversed(s, e);
    case 'PointsExpired':
      return { ...s, lots: s.lots.filter((l) => l.expiresAt > e.at) };
    case 'CheckedIn':
      return { ...s, lastCheckInDay: e.day, streak: e.streak };
    case 'BirthdayGiftGiven':
      return { ...s, birthdayYears: [...s.birthdayYears.slice(-4), e.year] };
    case 'ToppedUp':
      return {
        ...s,
        principalFen: s.principalFen + e.amountFen,
        bonusFen: s.bonusFen + e.bonusFen,
        topUps: { ...s.topUps, [e.paymentId]: { amountFen: e.amountFen, bonusFen: e.bonusFen } },
      };
    case 'CouponGranted':
      return { ...s, coupons: { ...s.coupons, [e.coupon.couponId]: { coupon: e.coupon, status: 'available' } } };
    case 'Held':
      return evolveHeld(s, e);
    case 'HoldSpent':
      return evolveSpent(s, e.orderId);
    case 'HoldReleased':
      return evolveReleased(s, e.orderId);
    case 'OrderSettled':
      return evolveSettled(s, e);
    case 'LevelChanged':
      return { ...s, level: e.to };
    case 'PaymentShortfall':
      return s;
    case 'RefundReturned':
      return evolveRefund(s, e);
  }
}

function evolveHeld(s: MemberState, e: Extract<MemberEvent, { type: 'Held' }>): MemberState {
  const { left } = takePoints(s.lots, e.points, e.at);
  const hold: MemberHold = {
    orderId: e.orderId,
    at: e.at,
    points: e.points,
    lots: e.lots,
    principalFen: e.principalFen,
    bonusFen: e.bonusFen,
    couponIds: e.couponIds,
  };
  const next: MemberState = {
    ...s,
    lots: left,
    principalFen: s.principalFen - e.principalFen,
    bonusFen: s.bonusFen - e.bonusFen,
    holds: { ...s.holds, [e.orderId]: hold },
  };
  return setCoupons(next, e.couponIds, 'held', e.orderId);
}

function evolveSpent(s: MemberState, orderId: string): MemberState {
  const h = s.holds[orderId];
  if (h === undefined) return s;
  const settled: SettledOrder = {
    spent: h,
    paidFen: 0,
    refunds: [],
    refundedPoints: 0,
    refundedPrincipalFen: 0,
    refundedBonusFen: 0,
  };
  const next = { ...s, holds: without(s.holds, orderId), settled: { ...s.settled, [orderId]: settled } };
  return setCoupons(next, h.couponIds, 'used', orderId);
}

function evolveReleased(s: MemberState, orderId: string): MemberState {
  const h = s.holds[orderId];
  if (h === undefined) return s;
  let lots: readonly PointsLot[] = s.lots;
  for (const l of h.lots) lots = addLot(lots, l);
  const next: MemberState = {
    ...s,
    lots,
    principalFen: s.principalFen + h.principalFen,
    bonusFen: s.bonusFen + h.bonusFen,
    holds: without(s.holds, orderId),
  };
  return setCoupons(next, h.couponIds, 'available');
}

const NOTHING: HoldTaken = { points: 0, lots: [], principalFen: 0, bonusFen: 0, couponIds: [] };

function evolveSettled(s: MemberState, e: Extract<MemberEvent, { type: 'OrderSettled' }>): MemberState {
  const was = s.settled[e.orderId];
  const settled: SettledOrder =
    was === undefined
      ? {
          spent: NOTHING,
          paidFen: e.paidFen,
          refunds: [],
          refundedPoints: 0,
          refundedPrincipalFen: 0,
          refundedBonusFen: 0,
        }
      : { ...was, paidFen: e.paidFen };
  let { spendYear, spendFen, lastYearSpendFen } = s;
  if (e.year !== spendYear) {
    lastYearSpendFen = e.year === spendYear + 1 ? spendFen : 0;
    spendYear = e.year;
    spendFen = 0;
  }
  return {
    ...s,
    spendYear,
    spendFen: spendFen + e.paidFen,
    lastYearSpendFen,
    paidOrders: s.paidOrders + 1,
    settled: { ...s.settled, [e.orderId]: settled },
  };
}

function evolveEarned(s: MemberState, e: Extract<MemberEvent, { type: 'PointsEarned' }>): MemberState {
  const next = { ...s, lots: addLot(s.lots, { points: e.points, expiresAt: e.expiresAt }) };
  const o = e.orderId === undefined ? undefined : s.settled[e.orderId];
  if (e.reason !== 'order' || o === undefined) return next;
  const settled: SettledOrder = { ...o, earnedPoints: (o.earnedPoints ?? 0) + e.points };
  return { ...next, settled: { ...s.settled, [e.orderId!]: settled } };
}

function evolveReversed(s: MemberState, e: Extract<MemberEvent, { type: 'PointsReversed' }>): MemberState {
  const o = s.settled[e.orderId];
  const lots = takePoints(s.lots, e.points, e.at).left;
  if (o === undefined) return { ...s, lots };
  const settled: SettledOrder = { ...o, reversedPoints: (o.reversedPoints ?? 0) + e.points + e.shortPoints };
  return { ...s, lots, settled: { ...s.settled, [e.orderId]: settled } };
}

function evolveRefund(s: MemberState, e: Extract<MemberEvent, { type: 'RefundReturned' }>): MemberState {
  const o = s.settled[e.orderId];
  if (o === undefined) return s;
  const settled: { -readonly [K in keyof SettledOrder]: SettledOrder[K] } = {
    ...o,
    refunds: [...o.refunds, e.refundId],
    refundedPoints: o.refundedPoints + e.points,
    refundedPrincipalFen: o.refundedPrincipalFen + e.principalFen,
    refundedBonusFen: o.refundedBonusFen + e.bonusFen,
  };
  if (e.paidFen !== undefined) settled.refundedPaidFen = (o.refundedPaidFen ?? 0) + e.paidFen;
  return {
    ...s,
    lots: addLot(s.lots, { points: e.points, expiresAt: e.expiresAt }),
    principalFen: s.principalFen + e.principalFen,
    bonusFen: s.bonusFen + e.bonusFen,
    settled: { ...s.settled, [e.orderId]: settled },
  };
}
