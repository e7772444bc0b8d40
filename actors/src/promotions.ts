/**
 * Automatic promotions: discounts an order gets without a coupon. Applied in a
 * fixed order, each unit of an order taking at most one of the unit-taking kinds:
 *
 *   member price   a member (of `minLevel` or above) pays `priceFen` for a SKU
 *   combo          each full set of the listed SKUs (one unit each) costs `priceFen`
 *   second half    of the units of a listed SKU, every second one (the cheaper of each
 *                  pair) at half price
 *   time of day    `percentOff` inside the time windows, on units no combo or
 *                  second-half took, for the SKUs/categories listed (all when none)
 *
 * Member price lowers a unit's price and still lets the unit into the later kinds.
 * All in integer fen, rounding down what is taken off.
 */
import { z } from 'zod';
import { IdSchema } from './domain.js';
import { TimeWindowSchema, isWithin } from './hours.js';
import { FenSchema, sumFen, type Fen } from './money.js';
import type { ScopeLine } from './coupon.js';

const PromotionIdSchema = IdSchema;
const LabelSchema = z.string().trim().min(1).max(40);

export const PromotionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('member_price'),
    id: PromotionIdSchema,
    label: LabelSchema,
    minLevel: z.number().int().min(0).max(20).default(0),
    prices: z
      .array(z.strictObject({ skuId: IdSchema, priceFen: FenSchema }))
      .min(1)
      .max(500),
  }),
  z.strictObject({
    kind: z.literal('combo'),
    id: PromotionIdSchema,
    label: LabelSchema,
    skuIds: z.array(IdSchema).min(2).max(10),
    priceFen: FenSchema,
  }),
  z.strictObject({
    kind: z.literal('second_half'),
    id: PromotionIdSchema,
    label: LabelSchema,
    skuIds: z.array(IdSchema).min(1).max(200),
  }),
  z.strictObject({
    kind: z.literal('time_of_day'),
    id: PromotionIdSchema,
    label: LabelSchema,
    windows: z.array(TimeWindowSchema).min(1).max(14),
    percentOff: z.number().int().min(1).max(99),
    skuIds: z.array(IdSchema).min(1).max(200).optional(),
    categories: z.array(z.string().min(1).max(40)).min(1).max(50).optional(),
  }),
]);
export type PromotionInput = z.input<typeof PromotionSchema>;
export type Promotion = z.output<typeof PromotionSchema>;

/** One discount an order shows: what, why, how much, and the share of each line. */
export interface DiscountLine {
  /** `promo:<id>`, `coupon:<couponId>`, `points`. */
  readonly id: string;
  readonly kind: 'promotion' | 'coupon' | 'points';
  readonly label: string;
  /** Why it applies, for the diner: "会员价 2 件", "满 50 减 8". */
  readonly reason: string;
  readonly amountFen: Fen;
  /** Per order line, its share (empty for what is not on lines: free delivery, points). */
  readonly perLine: readonly Fen[];
}

export interface PromotionContext {
  readonly at: number;
  readonly tzOffsetMin: number;
  /** The member's level, or null for a diner who is not a member. */
  readonly memberLevel: number | null;
}

interface Unit {
  readonly line: number;
  readonly skuId: string;
  readonly category: string | undefined;
  net: Fen;
  taken: boolean;
}

function unitsOf(lines: readonly ScopeLine[]): Unit[] {
  const units: Unit[] = [];
  lines.forEach((l, i) => {
    for (let k = 0; k < l.qty; k++)
      units.push({ line: i, skuId: l.skuId, category: l.category, net: l.unitPriceFen, taken: false });
  });
  return units;
}

/** Takes `off` from `u` (never below zero) into `perLine`; answers what was taken. */
function take(u: Unit, off: Fen, perLine: Fen[]): Fen {
  const x = Math.max(0, Math.min(off, u.net));
  u.net -= x;
  perLine[u.line]! += x;
  return x;
}

function memberPrice(p: Extract<Promotion, { kind: 'member_price' }>, units: Unit[], perLine: Fen[]): number {
  const price = new Map(p.prices.map((x) => [x.skuId, x.priceFen]));
  let n = 0;
  for (const u of units) {
    const to = price.get(u.skuId);
    if (to !== undefined && to < u.net && take(u, u.net - to, perLine) > 0) n++;
  }
  return n;
}

function combo(p: Extract<Promotion, { kind: 'combo' }>, units: Unit[], perLine: Fen[]): number {
  let sets = 0;
  for (;;) {
    const set: Unit[] = [];
    for (const sku of p.skuIds) {
      const u = units.find((x) => !x.taken && x.skuId === sku && !set.includes(x));
      if (u === undefined) return sets;
      set.push(u);
    }
    const full = sumFen(set.map((u) => u.net));
    if (full <= p.priceFen) return sets;
    // The set's saving spread over its units in order, each at most its own net price.
    let off = full - p.priceFen;
    for (const u of set) {
      off -= take(u, off, perLine);
      u.taken = true;
    }
    sets++;
  }
}

function secondHalf(p: Extract<Promotion, { kind: 'second_half' }>, units: Unit[], perLine: Fen[]): number {
  let n = 0;
  for (const sku of p.skuIds) {
    const free = units.filter((u) => !u.taken && u.skuId === sku).sort((a, b) => b.net - a.net);
    for (let k = 1; k < free.length; k += 2) {
      free[k - 1]!.taken = true;
      free[k]!.taken = true;
      take(free[k]!, Math.floor(free[k]!.net / 2), perLine);
      n++;
    }
  }
  return n;
}

function timeOfDay(
  p: Extract<Promotion, { kind: 'time_of_day' }>,
  units: Unit[],
  perLine: Fen[],
  ctx: PromotionContext,
): number {
  if (!isWithin(p.windows, ctx.at, ctx.tzOffsetMin)) return 0;
  const all = p.skuIds === undefined && p.categories === undefined;
  let n = 0;
  for (const u of units) {
    if (u.taken) continue;
    const hit =
      all || p.skuIds?.includes(u.skuId) === true || (u.category !== undefined && p.categories?.includes(u.category));
    if (hit === true && take(u, Math.floor((u.net * p.percentOff) / 100), perLine) > 0) n++;
  }
  return n;
}

const KIND_ORDER: readonly Promotion['kind'][] = ['member_price', 'combo', 'second_half', 'time_of_day'];

function reasonOf(p: Promotion, n: number): string {
  switch (p.kind) {
    case 'member_price':
      return `会员价 ×${n}`;
    case 'combo':
      return `套餐 ×${n}`;
    case 'second_half':
      return `第二份半价 ×${n}`;
    case 'time_of_day':
      return `限时 ${100 - p.percentOff} 折 ×${n}`;
  }
}

/**
 * The automatic promotions of an order: a discount line per promotion that takes
 * something, and per order line what is left to pay for it (`netFen`).
 */
export function applyPromotions(
  lines: readonly ScopeLine[],
  promotions: readonly Promotion[],
  ctx: PromotionContext,
): { discounts: DiscountLine[]; netFen: Fen[] } {
  const units = unitsOf(lines);
  const discounts: DiscountLine[] = [];
  const ordered = [...promotions].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
  for (const p of ordered) {
    if (p.kind === 'member_price' && (ctx.memberLevel === null || ctx.memberLevel < p.minLevel)) continue;
    const perLine = lines.map(() => 0);
    let n: number;
    if (p.kind === 'member_price') n = memberPrice(p, units, perLine);
    else if (p.kind === 'combo') n = combo(p, units, perLine);
    else if (p.kind === 'second_half') n = secondHalf(p, units, perLine);
    else n = timeOfDay(p, units, perLine, ctx);
    const amountFen = sumFen(perLine);
    if (amountFen > 0)
      discounts.push({
        id: `promo:${p.id}`,
        kind: 'promotion',
        label: p.label,
        reason: reasonOf(p, n),
        amountFen,
        perLine,
      });
  }
  const netFen = lines.map((l) => l.amountFen);
  for (const d of discounts) d.perLine.forEach((x, i) => (netFen[i]! -= x));
  return { discounts, netFen };
}
