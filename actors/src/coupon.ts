/**
 * Coupon terms and what a coupon takes off an order. A coupon is a copy of its
 * campaign's terms made when it is issued (`MemberCoupon`), so a campaign edited
 * later never changes a coupon a diner holds, and a member actor prices it
 * without reading the campaign (which lives in another partition).
 *
 * Kinds: 满减 `threshold` (minus a fixed amount from a threshold on), `percent`
 * (a percentage off, with a cap and an optional threshold), `item` (one unit of
 * a listed SKU free, the dearest one in the order, up to `maxFen`) and
 * `free_delivery` (the delivery fee waived). Every kind has a scope (stores,
 * channels, SKUs, categories): the threshold and the amount count only the lines
 * in scope. Stacking: an order takes at most one discount coupon and one
 * free-delivery coupon; a coupon with `stacksWithPromotions: false` is priced
 * on the lines without automatic promotions, and using it drops them.
 */
import { z } from 'zod';
import { IdSchema, ServiceChannelSchema, StoreIdSchema, type ServiceChannel } from './domain.js';
import { ErrorCode, type DomainErrorCode } from './errors.js';
import { FenSchema, allocateFen, sumFen, type Fen } from './money.js';

const CategorySchema = z.string().min(1).max(40);

/** Where a coupon applies; an absent list means everywhere / everything. */
export const CouponScopeSchema = z.strictObject({
  stores: z.array(StoreIdSchema).min(1).max(500).optional(),
  channels: z.array(ServiceChannelSchema).min(1).max(4).optional(),
  skuIds: z.array(IdSchema).min(1).max(200).optional(),
  categories: z.array(CategorySchema).min(1).max(50).optional(),
});

const common = {
  name: z.string().trim().min(1).max(40),
  scope: CouponScopeSchema.default({}),
  /** Only for a member who has no paid order yet. */
  newCustomerOnly: z.boolean().default(false),
  /** false: priced on the lines without automatic promotions, which the order then drops. */
  stacksWithPromotions: z.boolean().default(true),
};

export const CouponTermsSchema = z.discriminatedUnion('kind', [
  /** 满减; a threshold of 0 is a 无门槛 coupon (it never takes more than the lines in scope cost). */
  z.strictObject({ kind: z.literal('threshold'), thresholdFen: FenSchema, minusFen: FenSchema.min(1), ...common }),
  z.strictObject({
    kind: z.literal('percent'),
    /** 12 = 12% off (八八折). */
    percentOff: z.number().int().min(1).max(99),
    capFen: FenSchema.min(1).optional(),
    thresholdFen: FenSchema.default(0),
    ...common,
  }),
  z.strictObject({
    kind: z.literal('item'),
    /** One unit of one of these SKUs free: the dearest in the order. */
    itemSkuIds: z.array(IdSchema).min(1).max(50),
    maxFen: FenSchema.min(1).optional(),
    ...common,
  }),
  z.strictObject({ kind: z.literal('free_delivery'), thresholdFen: FenSchema.default(0), ...common }),
]);
export type CouponTermsInput = z.input<typeof CouponTermsSchema>;
export type CouponTerms = z.output<typeof CouponTermsSchema>;
export type CouponKind = CouponTerms['kind'];

/** A coupon a member holds: the terms copied from its campaign and its validity. */
export const MemberCouponSchema = z.strictObject({
  couponId: IdSchema,
  campaignId: IdSchema,
  terms: CouponTermsSchema,
  validFrom: z.number().int().min(0),
  validTo: z.number().int().min(0),
});
export type MemberCoupon = z.output<typeof MemberCouponSchema>;

/** One order line as promotions and coupons see it: its net unit price so far. */
export interface ScopeLine {
  readonly lineNo: number;
  readonly skuId: string;
  readonly category?: string;
  readonly qty: number;
  readonly unitPriceFen: Fen;
  readonly amountFen: Fen;
}

export interface CouponContext {
  readonly store: string;
  readonly channel: ServiceChannel;
  readonly at: number;
  /** The lines after automatic promotions (or before, for a coupon that does not stack with them). */
  readonly lines: readonly ScopeLine[];
  /** Per line, what is left to discount (its amount less promotions). */
  readonly netFen: readonly Fen[];
  readonly deliveryFeeFen: Fen;
  /** The member has no paid order yet. */
  readonly newCustomer: boolean;
}

export type CouponValue =
  | {
      readonly ok: true;
      readonly amountFen: Fen;
      /** Per line of the order, its share of `amountFen` (zeros for free delivery). */
      readonly perLine: readonly Fen[];
      readonly delivery: boolean;
    }
  | { readonly ok: false; readonly code: DomainErrorCode; readonly message: string };

const notApplicable = (message: string): CouponValue => ({ ok: false, code: ErrorCode.CouponNotApplicable, message });

export function inScope(terms: CouponTerms, line: ScopeLine): boolean {
  const s = terms.scope;
  if (s.skuIds === undefined && s.categories === undefined) return true;
  if (s.skuIds?.includes(line.skuId) === true) return true;
  return line.category !== undefined && s.categories?.includes(line.category) === true;
}

/** Why a coupon cannot be used here, or undefined. Validity, store, channel, new customer. */
export function couponRefusal(c: MemberCoupon, ctx: CouponContext): CouponValue | undefined {
  if (ctx.at < c.validFrom) return notApplicable(`${c.terms.name} is not valid yet`);
  if (ctx.at >= c.validTo) return { ok: false, code: ErrorCode.CouponExpired, message: `${c.terms.name} has expired` };
  const s = c.terms.scope;
  if (s.stores !== undefined && !s.stores.includes(ctx.store))
    return notApplicable(`${c.terms.name} is not valid in store ${ctx.store}`);
  if (s.channels !== undefined && !s.channels.includes(ctx.channel))
    return notApplicable(`${c.terms.name} is not valid for ${ctx.channel}`);
  if (c.terms.newCustomerOnly && !ctx.newCustomer) return notApplicable(`${c.terms.name} is for new customers only`);
  return undefined;
}

/** What `c` takes off the order described by `ctx`, with its share per line. */
export function couponValue(c: MemberCoupon, ctx: CouponContext): CouponValue {
  const refusal = couponRefusal(c, ctx);
  if (refusal !== undefined) return refusal;
  const t = c.terms;
  const zeros = ctx.lines.map(() => 0);
  if (t.kind === 'free_delivery') {
    const base = sumFen(ctx.netFen);
    if (ctx.deliveryFeeFen === 0) return notApplicable(`${t.name}: this order has no delivery fee`);
    if (base < t.thresholdFen) return notApplicable(`${t.name}: needs ${t.thresholdFen} fen of goods`);
    return { ok: true, amountFen: ctx.deliveryFeeFen, perLine: zeros, delivery: true };
  }
  const weights = ctx.lines.map((l, i) => (inScope(t, l) ? ctx.netFen[i]! : 0));
  const base = sumFen(weights);
  if (base === 0) return notApplicable(`${t.name}: nothing in this order is in its scope`);
  let amount: Fen;
  switch (t.kind) {
    case 'threshold':
      if (base < t.thresholdFen) return notApplicable(`${t.name}: needs ${t.thresholdFen} fen in scope, has ${base}`);
      amount = t.minusFen;
      break;
    case 'percent':
      if (base < t.thresholdFen) return notApplicable(`${t.name}: needs ${t.thresholdFen} fen in scope, has ${base}`);
      amount = Math.floor((base * t.percentOff) / 100);
      if (t.capFen !== undefined) amount = Math.min(amount, t.capFen);
      break;
    case 'item':
      return itemValue(c, ctx);
  }
  amount = Math.min(amount, base);
  return { ok: true, amountFen: amount, perLine: allocateFen(amount, weights), delivery: false };
}

/** The dearest unit of a listed SKU, at its net price, up to `maxFen`. */
function itemValue(c: MemberCoupon, ctx: CouponContext): CouponValue {
  const t = c.terms;
  if (t.kind !== 'item') throw new Error('not an item coupon');
  let best = -1;
  let unit = 0;
  ctx.lines.forEach((l, i) => {
    if (!t.itemSkuIds.includes(l.skuId) || !inScope(t, l)) return;
    const net = Math.floor(ctx.netFen[i]! / l.qty);
    if (net > unit) [best, unit] = [i, net];
  });
  if (best < 0) return notApplicable(`${t.name}: none of its items is in this order`);
  const amount = t.maxFen === undefined ? unit : Math.min(unit, t.maxFen);
  const perLine = ctx.lines.map((_, i) => (i === best ? amount : 0));
  return { ok: true, amountFen: amount, perLine, delivery: false };
}

/** At most one discount coupon and one free-delivery coupon an order. */
export function stackingRefusal(coupons: readonly MemberCoupon[]): string | undefined {
  const delivery = coupons.filter((c) => c.terms.kind === 'free_delivery').length;
  if (delivery > 1) return 'at most one free-delivery coupon an order';
  if (coupons.length - delivery > 1) return 'at most one discount coupon an order';
  if (new Set(coupons.map((c) => c.couponId)).size !== coupons.length) return 'the same coupon twice';
  return undefined;
}
