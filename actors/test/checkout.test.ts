/**
 * Pricing with promotions, coupons, points and stored value: each kind's rule, the best coupon
 * suggested, and properties over random orders (the amount charged plus every discount is the
 * priced total; refunds never give back more than was paid with each instrument).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NO_INSTRUMENTS,
  checkout,
  refundShares,
  type CheckoutInput,
  type CheckoutPlan,
  type Instruments,
} from '../src/checkout.js';
import { CouponTermsSchema, type MemberCoupon, type ScopeLine } from '../src/coupon.js';
import { DEFAULT_MEMBER_PROGRAM } from '../src/member/program.js';
import { PromotionSchema, type Promotion, type PromotionInput } from '../src/promotions.js';
import { T0 } from './helpers.js';
import { DAY } from './member-support.js';

const line = (lineNo: number, skuId: string, unitPriceFen: number, qty = 1, category = '热菜'): ScopeLine => ({
  lineNo,
  skuId,
  category,
  qty,
  unitPriceFen,
  amountFen: unitPriceFen * qty,
});

const promo = (p: PromotionInput): Promotion => PromotionSchema.parse(p);
const coupon = (couponId: string, terms: unknown, days = 30): MemberCoupon => ({
  couponId,
  campaignId: 'camp',
  terms: CouponTermsSchema.parse(terms),
  validFrom: T0 - DAY,
  validTo: T0 + days * DAY,
});

function input(over: Partial<CheckoutInput> = {}): CheckoutInput {
  return {
    store: '001',
    channel: 'dine_in',
    at: T0, // Friday 12:00 in Beijing
    tzOffsetMin: 480,
    lines: [line(1, 'noodle', 2800, 2), line(2, 'tea', 1200)],
    packagingFeeFen: 0,
    deliveryFeeFen: 0,
    promotions: [],
    member: { level: 1, paidOrders: 3, points: 1000, balanceFen: 5000, coupons: [] },
    choice: {},
    program: DEFAULT_MEMBER_PROGRAM,
    ...over,
  };
}

function plan(over: Partial<CheckoutInput> = {}): CheckoutPlan {
  const r = checkout(input(over));
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r.plan;
}

const MINUS = { kind: 'threshold', name: '满50减8', thresholdFen: 5000, minusFen: 800 };

describe('promotions', () => {
  it('member price for a level, a combo, second half, time of day — each a line with its reason', () => {
    const p = plan({
      lines: [line(1, 'noodle', 2800, 3), line(2, 'tea', 1200), line(3, 'egg', 300)],
      promotions: [
        promo({
          kind: 'time_of_day',
          id: 'lunch',
          label: '午市',
          windows: [{ from: '11:00', to: '14:00' }],
          percentOff: 10,
          skuIds: ['egg'],
        }),
        promo({ kind: 'second_half', id: 'half', label: '第二份半价', skuIds: ['noodle'] }),
        promo({ kind: 'combo', id: 'set', label: '面+茶', skuIds: ['noodle', 'tea'], priceFen: 3500 }),
        promo({
          kind: 'member_price',
          id: 'mp',
          label: '会员价',
          minLevel: 1,
          prices: [{ skuId: 'noodle', priceFen: 2600 }],
        }),
      ],
    });
    expect(p.discounts.map((d) => [d.id, d.reason, d.amountFen])).toEqual([
      ['promo:mp', '会员价 ×3', 600], // 3 noodles 2800 → 2600
      ['promo:set', '套餐 ×1', 300], // 2600 + 1200 → 3500
      ['promo:half', '第二份半价 ×1', 1300], // the two noodles left: one at half
      ['promo:lunch', '限时 90 折 ×1', 30],
    ]);
    expect(p.subtotalFen).toBe(9900);
    expect(p.payableFen).toBe(9900 - 2230);
  });

  it('member price is for members of the level; time of day only inside its window', () => {
    const promotions = [
      promo({
        kind: 'member_price',
        id: 'mp',
        label: '会员价',
        minLevel: 2,
        prices: [{ skuId: 'noodle', priceFen: 2000 }],
      }),
      promo({
        kind: 'time_of_day',
        id: 'tea',
        label: '下午茶',
        windows: [{ from: '14:00', to: '17:00' }],
        percentOff: 50,
      }),
    ];
    expect(plan({ promotions }).discounts).toEqual([]);
    expect(plan({ promotions, member: null }).discounts).toEqual([]);
    const gold = plan({ promotions, member: { level: 2, paidOrders: 1, points: 0, balanceFen: 0, coupons: [] } });
    expect(gold.discounts.map((d) => d.amountFen)).toEqual([1600]);
  });
});

describe('coupons', () => {
  it('threshold, percent with a cap, item voucher and free delivery; scope counts only its lines', () => {
    const c1 = coupon('a', MINUS);
    const c2 = coupon('b', { kind: 'percent', name: '88折', percentOff: 12, capFen: 500 });
    const c3 = coupon('c', { kind: 'item', name: '茶券', itemSkuIds: ['tea'] });
    const c4 = coupon('d', {
      kind: 'threshold',
      name: '饮品满20减5',
      thresholdFen: 2000,
      minusFen: 500,
      scope: { skuIds: ['tea'] },
    });
    const m = (cs: MemberCoupon[]) => ({ level: 0, paidOrders: 1, points: 0, balanceFen: 0, coupons: cs });
    expect(plan({ member: m([c1]), choice: { couponIds: ['a'] } }).discountFen).toBe(800);
    expect(plan({ member: m([c2]), choice: { couponIds: ['b'] } }).discountFen).toBe(500); // 12% of 6800 capped
    expect(plan({ member: m([c3]), choice: { couponIds: ['c'] } }).discountFen).toBe(1200);
    const r = checkout(input({ member: m([c4]), choice: { couponIds: ['d'] } }));
    expect(r).toMatchObject({ ok: false, code: 'coupon_not_applicable' }); // tea is 1200 < 2000
    const delivery = coupon('e', { kind: 'free_delivery', name: '免配送' });
    const d = plan({
      channel: 'delivery',
      deliveryFeeFen: 600,
      member: m([c1, delivery]),
      choice: { couponIds: ['a', 'e'] },
    });
    expect(d.discounts.map((x) => [x.id, x.amountFen])).toEqual([
      ['coupon:a', 800],
      ['coupon:e', 600],
    ]);
  });

  it('stacking: one discount coupon and one free delivery; a coupon that does not stack drops promotions', () => {
    const m = (cs: MemberCoupon[]) => ({ level: 0, paidOrders: 1, points: 0, balanceFen: 0, coupons: cs });
    const a = coupon('a', MINUS);
    const b = coupon('b', { ...MINUS, name: '另一张' });
    expect(checkout(input({ member: m([a, b]), choice: { couponIds: ['a', 'b'] } }))).toMatchObject({
      ok: false,
      code: 'coupon_stacking',
    });
    const lonely = coupon('x', { ...MINUS, minusFen: 1000, stacksWithPromotions: false });
    const promotions = [promo({ kind: 'second_half', id: 'half', label: '第二份半价', skuIds: ['noodle'] })];
    const p = plan({ promotions, member: m([lonely]), choice: { couponIds: ['x'] } });
    expect(p.discounts.map((x) => x.id)).toEqual(['coupon:x']);
  });

  it('the best coupon is suggested and used by default; expired and new-customer coupons are not usable', () => {
    const m = (cs: MemberCoupon[], paidOrders = 1) => ({ level: 0, paidOrders, points: 0, balanceFen: 0, coupons: cs });
    const small = coupon('small', MINUS);
    const big = coupon('big', { kind: 'percent', name: '85折', percentOff: 15 });
    const expired = coupon('old', { ...MINUS, minusFen: 3000 }, -0.5);
    const fresh = coupon('new', { ...MINUS, minusFen: 2000, newCustomerOnly: true });
    const p = plan({ member: m([small, big, expired, fresh]) });
    expect(p.suggestedCouponIds).toEqual(['big']); // 15% of 6800 = 1020 > 800
    expect(p.couponIds).toEqual(['big']);
    expect(plan({ member: m([small, big, fresh], 0) }).couponIds).toEqual(['new']);
    expect(plan({ member: m([small]), choice: { couponIds: [] } }).discountFen).toBe(0);
  });
});

describe('points and stored value', () => {
  it('points pay at most their share, balance what is left, WeChat Pay the rest', () => {
    const p = plan({ choice: { couponIds: [], points: 'max', balanceFen: 'max' } });
    expect(p).toMatchObject({ subtotalFen: 6800, pointsFen: 1000, points: 1000, balanceFen: 5000, wechatFen: 800 });
    expect(checkout(input({ choice: { points: 5000 } }))).toMatchObject({ ok: false, code: 'insufficient_points' });
    expect(checkout(input({ choice: { balanceFen: 5001 } }))).toMatchObject({
      ok: false,
      code: 'insufficient_balance',
    });
  });
});

const promoArb: fc.Arbitrary<Promotion> = fc.oneof(
  fc
    .record({ n: fc.integer({ min: 0, max: 3000 }) })
    .map(({ n }) => promo({ kind: 'member_price', id: 'mp', label: '会员价', prices: [{ skuId: 's0', priceFen: n }] })),
  fc
    .integer({ min: 0, max: 6000 })
    .map((n) => promo({ kind: 'combo', id: 'cb', label: '套餐', skuIds: ['s0', 's1'], priceFen: n })),
  fc.constant(promo({ kind: 'second_half', id: 'h', label: '半价', skuIds: ['s1', 's2'] })),
  fc
    .integer({ min: 1, max: 99 })
    .map((p) =>
      promo({ kind: 'time_of_day', id: 't', label: '时段', windows: [{ from: '11:00', to: '14:00' }], percentOff: p }),
    ),
);
const couponArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ t: fc.integer({ min: 0, max: 9000 }), m: fc.integer({ min: 1, max: 9000 }) }).map(({ t, m }) => ({
    kind: 'threshold',
    name: 'x',
    thresholdFen: Math.max(t, m),
    minusFen: m,
  })),
  fc
    .record({ p: fc.integer({ min: 1, max: 99 }), cap: fc.option(fc.integer({ min: 1, max: 5000 })) })
    .map(({ p, cap }) =>
      cap === null
        ? { kind: 'percent', name: 'p', percentOff: p }
        : { kind: 'percent', name: 'p', percentOff: p, capFen: cap },
    ),
  fc.constant({ kind: 'item', name: 'i', itemSkuIds: ['s1', 's3'] }),
  fc.constant({ kind: 'free_delivery', name: 'f' }),
  fc.boolean().map((b) => ({ kind: 'threshold', name: 'n', thresholdFen: 0, minusFen: 300, stacksWithPromotions: b })),
);
const orderArb = fc.record({
  lines: fc.array(
    fc.record({
      sku: fc.integer({ min: 0, max: 3 }),
      price: fc.integer({ min: 0, max: 5000 }),
      qty: fc.integer({ min: 1, max: 5 }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  packaging: fc.integer({ min: 0, max: 500 }),
  delivery: fc.integer({ min: 0, max: 800 }),
  promotions: fc.array(promoArb, { maxLength: 4 }),
  coupons: fc.array(couponArb, { maxLength: 4 }),
  points: fc.integer({ min: 0, max: 20_000 }),
  balance: fc.integer({ min: 0, max: 20_000 }),
  usePoints: fc.boolean(),
  useBalance: fc.boolean(),
});

type Order = typeof orderArb extends fc.Arbitrary<infer T> ? T : never;

function inputOf(o: Order): CheckoutInput {
  return input({
    lines: o.lines.map((l, i) => line(i + 1, `s${l.sku}`, l.price, l.qty)),
    packagingFeeFen: o.packaging,
    deliveryFeeFen: o.delivery,
    channel: o.delivery > 0 ? 'delivery' : 'takeaway',
    promotions: o.promotions,
    member: {
      level: 0,
      paidOrders: 1,
      points: o.points,
      balanceFen: o.balance,
      coupons: o.coupons.map((c, i) => coupon(`k${i}`, c)),
    },
    choice: { points: o.usePoints ? 'max' : 0, balanceFen: o.useBalance ? 'max' : 0 },
  });
}

describe('checkout properties', () => {
  it('charged + every discount = the priced total; no discount negative, no line below zero', () => {
    fc.assert(
      fc.property(orderArb, (o) => {
        const r = checkout(inputOf(o));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const p = r.plan;
        const discounts = p.discounts.reduce((n, d) => n + d.amountFen, 0);
        expect(p.wechatFen + p.balanceFen + discounts).toBe(p.subtotalFen);
        expect(p.subtotalFen).toBe(p.itemsFen + p.packagingFeeFen + p.deliveryFeeFen);
        for (const d of p.discounts) expect(d.amountFen).toBeGreaterThanOrEqual(0);
        for (const n of p.lineNetFen) expect(n).toBeGreaterThanOrEqual(0);
        expect(p.wechatFen).toBeGreaterThanOrEqual(0);
        expect(p.balanceFen).toBeLessThanOrEqual(o.balance);
        expect(p.points).toBeLessThanOrEqual(o.points);
        expect(new Set(p.couponIds).size).toBe(p.couponIds.length);
      }),
      { numRuns: 500 },
    );
  });

  it('refunds in any steps never give back more of an instrument than was paid; a full refund all that is left', () => {
    const inst = fc.record({ wechatFen: fc.nat(50_000), balanceFen: fc.nat(50_000), pointsFen: fc.nat(5_000) });
    fc.assert(
      fc.property(
        inst,
        fc.array(fc.nat(60_000), { maxLength: 8 }),
        fc.boolean(),
        (paid: Instruments, steps, finish) => {
          let back: Instruments = NO_INSTRUMENTS;
          const add = (a: Instruments, b: Instruments): Instruments => ({
            wechatFen: a.wechatFen + b.wechatFen,
            balanceFen: a.balanceFen + b.balanceFen,
            pointsFen: a.pointsFen + b.pointsFen,
          });
          for (const v of steps) {
            const s = refundShares(paid, back, v, false);
            expect(s.wechatFen + s.balanceFen + s.pointsFen).toBeLessThanOrEqual(v);
            back = add(back, s);
          }
          if (finish) back = add(back, refundShares(paid, back, 0, true));
          expect(back.wechatFen).toBeLessThanOrEqual(paid.wechatFen);
          expect(back.balanceFen).toBeLessThanOrEqual(paid.balanceFen);
          expect(back.pointsFen).toBeLessThanOrEqual(paid.pointsFen);
          if (finish) expect(back).toEqual(paid);
        },
      ),
      { numRuns: 500 },
    );
  });
});
