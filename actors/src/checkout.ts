/**
 * What an order costs a member, line by line and instrument by instrument:
 *
 *   subtotal   = items + packaging + delivery                 (pricing.ts)
 *   discounts  = automatic promotions + coupons + points       (each a line with its reason)
 *   payable    = subtotal − discounts = stored value + WeChat Pay
 *
 * so the amount charged plus every discount is the priced total, to the fen.
 * A coupon that does not stack with promotions is priced on the lines without
 * them and, when chosen, the order drops them. `best` picks the coupon (one
 * discount, one free delivery) that saves the most. Points pay at most
 * `maxPointsSharePct` of what is left after coupons; stored value pays at most
 * what is left after points.
 *
 * A refund gives back, of each instrument (WeChat Pay, stored value, points), a
 * share in proportion to what the order paid with it, never more than is left of
 * it; a full refund gives back exactly what is left. Coupons are not given back:
 * a refund returns what was paid, the coupon's value was not.
 */
import { couponValue, stackingRefusal, type CouponContext, type MemberCoupon, type ScopeLine } from './coupon.js';
import type { ServiceChannel } from './domain.js';
import { ErrorCode, type DomainErrorCode } from './errors.js';
import { sumFen, type Fen } from './money.js';
import type { MemberProgram } from './member/program.js';
import { applyPromotions, type DiscountLine, type Promotion } from './promotions.js';

export interface CheckoutMember {
  readonly level: number;
  readonly paidOrders: number;
  /** Points alive now. */
  readonly points: number;
  readonly balanceFen: Fen;
  /** Coupons the member may use (available, not expired). */
  readonly coupons: readonly MemberCoupon[];
}

export interface CheckoutChoice {
  /** Coupons to use, or `best` (the default for a member) for the most saving. */
  readonly couponIds?: readonly string[] | 'best';
  /** Points to use, `max` for as many as allowed; none by default. */
  readonly points?: number | 'max';
  /** Stored value to pay with, `max` for as much as covers; none by default. */
  readonly balanceFen?: Fen | 'max';
}

export interface CheckoutInput {
  readonly store: string;
  readonly channel: ServiceChannel;
  readonly at: number;
  readonly tzOffsetMin: number;
  readonly lines: readonly ScopeLine[];
  readonly packagingFeeFen: Fen;
  readonly deliveryFeeFen: Fen;
  readonly promotions: readonly Promotion[];
  readonly member: CheckoutMember | null;
  readonly choice: CheckoutChoice;
  readonly program: MemberProgram;
}

export interface CheckoutPlan {
  readonly itemsFen: Fen;
  readonly packagingFeeFen: Fen;
  readonly deliveryFeeFen: Fen;
  readonly subtotalFen: Fen;
  readonly discounts: readonly DiscountLine[];
  readonly discountFen: Fen;
  readonly payableFen: Fen;
  readonly couponIds: readonly string[];
  /** The coupons `best` would pick (shown at checkout as the suggestion). */
  readonly suggestedCouponIds: readonly string[];
  readonly points: number;
  readonly pointsFen: Fen;
  readonly balanceFen: Fen;
  readonly wechatFen: Fen;
  /** Per line: its amount less its promotions and coupons (what a refund of the line is worth). */
  readonly lineNetFen: readonly Fen[];
}

export type CheckoutOutcome =
  | { readonly ok: true; readonly plan: CheckoutPlan }
  | { readonly ok: false; readonly code: DomainErrorCode; readonly message: string };

interface Priced {
  readonly coupons: MemberCoupon[];
  readonly discounts: DiscountLine[];
  readonly netFen: Fen[];
  readonly savedFen: Fen;
}

function couponReason(c: MemberCoupon): string {
  const t = c.terms;
  switch (t.kind) {
    case 'threshold':
      return `满 ${t.thresholdFen / 100} 减 ${t.minusFen / 100}`;
    case 'percent':
      return `${100 - t.percentOff} 折`;
    case 'item':
      return '单品券';
    case 'free_delivery':
      return '免配送费';
  }
}

/** Prices one set of coupons (on the promoted lines, or on the bare lines when one does not stack). */
function priceWith(
  input: CheckoutInput,
  promoted: { discounts: DiscountLine[]; netFen: Fen[] },
  coupons: readonly MemberCoupon[],
): Priced | { code: DomainErrorCode; message: string } {
  const bare = coupons.some((c) => !c.terms.stacksWithPromotions);
  const discounts = bare ? [] : [...promoted.discounts];
  const netFen = bare ? input.lines.map((l) => l.amountFen) : [...promoted.netFen];
  const ctx: Omit<CouponContext, 'netFen'> = {
    store: input.store,
    channel: input.channel,
    at: input.at,
    lines: input.lines,
    deliveryFeeFen: input.deliveryFeeFen,
    newCustomer: (input.member?.paidOrders ?? 0) === 0,
  };
  // Discount coupons first, free delivery after (its threshold sees the discounted goods).
  const ordered = [...coupons].sort(
    (a, b) => Number(a.terms.kind === 'free_delivery') - Number(b.terms.kind === 'free_delivery'),
  );
  for (const c of ordered) {
    const v = couponValue(c, { ...ctx, netFen });
    if (!v.ok) return { code: v.code, message: v.message };
    v.perLine.forEach((x, i) => (netFen[i]! -= x));
    const perLine = v.delivery ? [] : v.perLine;
    discounts.push({
      id: `coupon:${c.couponId}`,
      kind: 'coupon',
      label: c.terms.name,
      reason: couponReason(c),
      amountFen: v.amountFen,
      perLine,
    });
  }
  return { coupons: [...coupons], discounts, netFen, savedFen: sumFen(discounts.map((d) => d.amountFen)) };
}

/** The coupons that save the most: the best single discount coupon, then the best free delivery on top. */
function best(input: CheckoutInput, promoted: { discounts: DiscountLine[]; netFen: Fen[] }): Priced {
  const none = priceWith(input, promoted, []) as Priced;
  const all = input.member?.coupons ?? [];
  let top = none;
  for (const c of all.filter((x) => x.terms.kind !== 'free_delivery')) {
    const p = priceWith(input, promoted, [c]);
    if ('coupons' in p && p.savedFen > top.savedFen) top = p;
  }
  let withDelivery = top;
  for (const c of all.filter((x) => x.terms.kind === 'free_delivery')) {
    const p = priceWith(input, promoted, [...top.coupons, c]);
    if ('coupons' in p && p.savedFen > withDelivery.savedFen) withDelivery = p;
  }
  return withDelivery;
}

function chosen(
  input: CheckoutInput,
  promoted: { discounts: DiscountLine[]; netFen: Fen[] },
  suggested: Priced,
): Priced | { code: DomainErrorCode; message: string } {
  const ids = input.choice.couponIds ?? (input.member === null ? [] : 'best');
  if (ids === 'best') return suggested;
  const coupons: MemberCoupon[] = [];
  for (const id of ids) {
    const c = input.member?.coupons.find((x) => x.couponId === id);
    if (c === undefined) return { code: ErrorCode.CouponUnavailable, message: `no usable coupon ${id}` };
    coupons.push(c);
  }
  const stacking = stackingRefusal(coupons);
  if (stacking !== undefined) return { code: ErrorCode.CouponStacking, message: stacking };
  return priceWith(input, promoted, coupons);
}

/** Prices an order for a member (or a guest, `member: null`): discounts, points, stored value, the rest. */
export function checkout(input: CheckoutInput): CheckoutOutcome {
  const p = input.program;
  const itemsFen = sumFen(input.lines.map((l) => l.amountFen));
  const subtotalFen = itemsFen + input.packagingFeeFen + input.deliveryFeeFen;
  const promoted = applyPromotions(input.lines, input.promotions, {
    at: input.at,
    tzOffsetMin: input.tzOffsetMin,
    memberLevel: input.member?.level ?? null,
  });
  const suggested = best(input, promoted);
  const priced = chosen(input, promoted, suggested);
  if (!('coupons' in priced)) return { ok: false, ...priced };
  const afterCoupons = subtotalFen - priced.savedFen;

  const member = input.member;
  const maxPointsFen = Math.min(
    Math.floor((afterCoupons * p.maxPointsSharePct) / 100),
    Math.floor((member?.points ?? 0) / p.pointsPerFen),
  );
  const wantPoints = input.choice.points ?? 0;
  const pointsFen = wantPoints === 'max' ? maxPointsFen : Math.ceil(wantPoints / p.pointsPerFen);
  if (wantPoints !== 'max' && (wantPoints % p.pointsPerFen !== 0 || pointsFen > maxPointsFen))
    return {
      ok: false,
      code: ErrorCode.InsufficientPoints,
      message: `at most ${maxPointsFen * p.pointsPerFen} points on this order, in steps of ${p.pointsPerFen}`,
    };
  const discounts = [...priced.discounts];
  if (pointsFen > 0)
    discounts.push({
      id: 'points',
      kind: 'points',
      label: '积分抵扣',
      reason: `${pointsFen * p.pointsPerFen} 积分`,
      amountFen: pointsFen,
      perLine: [],
    });
  const discountFen = sumFen(discounts.map((d) => d.amountFen));
  const payableFen = subtotalFen - discountFen;

  const wantBalance = input.choice.balanceFen ?? 0;
  const balanceFen = wantBalance === 'max' ? Math.min(member?.balanceFen ?? 0, payableFen) : wantBalance;
  if (balanceFen > (member?.balanceFen ?? 0))
    return { ok: false, code: ErrorCode.InsufficientBalance, message: `the balance is ${member?.balanceFen ?? 0} fen` };
  if (balanceFen > payableFen)
    return { ok: false, code: ErrorCode.InsufficientBalance, message: `the order needs only ${payableFen} fen` };
  return {
    ok: true,
    plan: {
      itemsFen,
      packagingFeeFen: input.packagingFeeFen,
      deliveryFeeFen: input.deliveryFeeFen,
      subtotalFen,
      discounts,
      discountFen,
      payableFen,
      couponIds: priced.coupons.map((c) => c.couponId),
      suggestedCouponIds: suggested.coupons.map((c) => c.couponId),
      points: pointsFen * p.pointsPerFen,
      pointsFen,
      balanceFen,
      wechatFen: payableFen - balanceFen,
      lineNetFen: priced.netFen,
    },
  };
}

/** What an order paid, or what refunds gave back, of each instrument. */
export interface Instruments {
  readonly wechatFen: Fen;
  readonly balanceFen: Fen;
  /** Points, in fen of value. */
  readonly pointsFen: Fen;
}

export const NO_INSTRUMENTS: Instruments = { wechatFen: 0, balanceFen: 0, pointsFen: 0 };

const KEYS = ['wechatFen', 'balanceFen', 'pointsFen'] as const;

/**
 * The shares of a refund worth `valueFen` (what the refunded goods cost after their discounts), given
 * what the order paid and what earlier refunds gave back: in proportion to what was paid with each
 * instrument, capped by what is left of each; `full` gives back everything left.
 */
export function refundShares(paid: Instruments, refunded: Instruments, valueFen: Fen, full: boolean): Instruments {
  const left = { wechatFen: 0, balanceFen: 0, pointsFen: 0 };
  for (const k of KEYS) left[k] = Math.max(0, paid[k] - refunded[k]);
  if (full) return left;
  const totalPaid = sumFen(KEYS.map((k) => paid[k]));
  const want = Math.min(valueFen, sumFen(KEYS.map((k) => left[k])));
  if (totalPaid === 0 || want === 0) return NO_INSTRUMENTS;
  const out = { wechatFen: 0, balanceFen: 0, pointsFen: 0 };
  for (const k of KEYS) out[k] = Math.min(left[k], Math.floor((want * paid[k]) / totalPaid));
  // Rounding and caps leave a few fen: they go to what has room, WeChat Pay first.
  let rest = want - sumFen(KEYS.map((k) => out[k]));
  for (const k of KEYS) {
    const x = Math.min(rest, left[k] - out[k]);
    out[k] += x;
    rest -= x;
  }
  return out;
}

/** What refunding `qty` of line `i` is worth: its net amount's share (its packaging is the caller's). */
export function lineRefundValue(plan: CheckoutPlan, line: ScopeLine, i: number, qty: number): Fen {
  return Math.floor(((plan.lineNetFen[i] ?? 0) * qty) / line.qty);
}
