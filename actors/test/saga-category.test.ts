/**
 * Category scopes through the placement: a priced line carries its dish's menu category, so a
 * coupon scoped to a category takes off only the lines of that category (and is refused on an
 * order without one), and a time-of-day promotion scoped to a category lowers only those lines.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryRuntime } from '@lunchrush/engine';
import { orderRef, type OrderDetail } from '@lunchrush/actors';
import { memberRef, promotionsRef, type MemberCoupon, type MemberResult } from '@lunchrush/actors/members';
import { expectOk, expectRejected, setupStore, STORE, T0 } from './helpers.js';
import { coupon } from './member-support.js';
import { place } from './saga-support.js';

const MEMBER = 'd_category';
const DRINKS_HALF: MemberCoupon['terms'] = {
  kind: 'percent',
  name: '饮品五折',
  percentOff: 50,
  thresholdFen: 0,
  scope: { categories: ['饮品'] },
  newCustomerOnly: false,
  stacksWithPromotions: true,
};

function withCoupon(): MemoryRuntime {
  const rt = setupStore();
  const card = (c: unknown) => expectOk(rt.send<MemberResult>(memberRef(MEMBER), c));
  card({ type: 'enroll', at: T0 });
  card({ type: 'grantCoupon', coupon: coupon('drinks-1', DRINKS_HALF), at: T0 });
  return rt;
}

function placeWith(rt: MemoryRuntime, orderId: string, lines: { skuId: string; qty: number }[]) {
  const c = expectOk(rt.send<MemberResult>(memberRef(MEMBER), { type: 'get', at: T0 }));
  const coupons = c.coupons.map(({ status: _s, orderId: _o, ...x }) => x);
  expectOk(
    rt.send(memberRef(MEMBER), { type: 'hold', orderId, points: 0, balanceFen: 0, couponIds: ['drinks-1'], at: T0 }),
  );
  const member = { memberId: MEMBER, level: 0, paidOrders: 0, coupons, points: 0, balanceFen: 0 };
  return rt.send<OrderDetail>(orderRef(STORE, orderId), place(lines, { member }));
}

describe('category scopes on priced lines', () => {
  it('a coupon for 饮品 takes half off the drinks only; the lines carry their categories', () => {
    const rt = withCoupon();
    const o = expectOk(
      placeWith(rt, 'o_001_cat1', [
        { skuId: 'cuke', qty: 1 },
        { skuId: 'cola', qty: 2 },
      ]),
    );
    expect(o.lines.map((l) => [l.skuId, l.category])).toEqual([
      ['cuke', '凉菜'],
      ['cola', '饮品'],
    ]);
    // 1200 + 2 × 600 = 2400; half of the 1200 of drinks off
    expect(o).toMatchObject({ itemsFen: 2_400, discountFen: 600, totalFen: 1_800 });
    expect(o.discounts!.map((d) => [d.id, d.amountFen])).toEqual([['coupon:drinks-1', 600]]);
  });

  it('an order with no drink: the coupon is not applicable and nothing is created', () => {
    const rt = withCoupon();
    expectRejected(placeWith(rt, 'o_001_cat2', [{ skuId: 'cuke', qty: 2 }]), 'coupon_not_applicable');
  });

  it('a time-of-day promotion for 凉菜 lowers only the cold dishes', () => {
    const rt = setupStore();
    const promotion = {
      kind: 'time_of_day',
      id: 'cold',
      label: '午市凉菜8折',
      windows: [{ from: '00:00', to: '23:59' }],
      percentOff: 20,
      categories: ['凉菜'],
    };
    expectOk(rt.send(promotionsRef(STORE), { type: 'set', promotions: [promotion], at: T0 }));
    const o = expectOk(
      rt.send<OrderDetail>(
        orderRef(STORE, 'o_001_cat3'),
        place([
          { skuId: 'cuke', qty: 1 },
          { skuId: 'cola', qty: 1 },
        ]),
      ),
    );
    // 1200 + 600; 20% of the 1200 cucumber
    expect(o).toMatchObject({ itemsFen: 1_800, discountFen: 240, totalFen: 1_560 });
  });
});
