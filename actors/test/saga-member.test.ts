/**
 * The placement saga with promotions and a member's card: discount lines with reasons, the
 * coupon, points and stored value the card held used exactly, WeChat Pay collecting the rest, and
 * the card told (durable side outputs) when the order is paid or will never be.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryRuntime } from '@lunchrush/engine';
import { orderRef, type OrderDetail, type OrderEvent } from '@lunchrush/actors';
import {
  memberRef,
  promotionsRef,
  type MemberInstruction,
  type MemberResult,
  type MemberState,
} from '@lunchrush/actors/members';
import { expectOk, expectRejected, setupStore, STORE, T0 } from './helpers.js';
import { MINUS_8, coupon } from './member-support.js';
import { DEADLINE, orderState, pay, place, spicy } from './saga-support.js';

const refund = (refundId: string, lines?: { lineNo: number; qty: number }[]) => ({
  type: 'requestRefund' as const,
  refundId,
  ...(lines === undefined ? {} : { lines }),
  reason: 'changed my mind',
  by: { role: 'diner' as const, id: 'd1' },
  at: T0 + 5000,
});

const MEMBER = 'd_saga';
const O1 = 'o_001_member1';

function store(): MemoryRuntime {
  const rt = setupStore();
  expectOk(
    rt.send(promotionsRef(STORE), {
      type: 'set',
      promotions: [{ kind: 'member_price', id: 'cola', label: '会员价', prices: [{ skuId: 'cola', priceFen: 500 }] }],
      at: T0,
    }),
  );
  const card = (c: unknown) => expectOk(rt.send<MemberResult>(memberRef(MEMBER), c));
  card({ type: 'enroll', at: T0 }); // 100 points
  card({ type: 'topUp', paymentId: 'wx-top-1', amountFen: 3_000, at: T0 });
  card({ type: 'grantCoupon', coupon: coupon('c1-1', MINUS_8), at: T0 });
  return rt;
}

const card = (rt: MemoryRuntime): MemberResult =>
  expectOk(rt.send<MemberResult>(memberRef(MEMBER), { type: 'get', at: T0 }));

/** What the member forwarder does: every instruction on `members.>` to the card, under its id. */
function forward(rt: MemoryRuntime): void {
  for (const o of rt.outputs.filter((x) => x.subject.startsWith('members.'))) {
    const i = o.data as MemberInstruction;
    expectOk(rt.send(memberRef(i.memberId), i.command, { id: o.id }));
  }
}

const LINES = [
  { skuId: 'noodle-l', qty: 2, options: spicy },
  { skuId: 'cola', qty: 1 },
];
const HELD = { points: 100, balanceFen: 3_000, couponIds: ['c1-1'] };
const memberBlock = (rt: MemoryRuntime) => ({
  memberId: MEMBER,
  level: 0,
  paidOrders: 0,
  coupons: card(rt).coupons.map(({ status: _s, orderId: _o, ...c }) => c),
  points: HELD.points,
  balanceFen: HELD.balanceFen,
});

function placed(rt: MemoryRuntime, orderId = O1): OrderDetail {
  const member = memberBlock(rt);
  expectOk(rt.send(memberRef(MEMBER), { type: 'hold', orderId, ...HELD, at: T0 }));
  return expectOk(rt.send<OrderDetail>(orderRef(STORE, orderId), place(LINES, { member })));
}

describe('placement with promotions and a member card: pricing, payment, timeouts', () => {
  it('prices with the promotion, coupon and points held, shows each discount with its reason', () => {
    const rt = store();
    const o = placed(rt);
    // 2 × 2800 + 600 = 6200; 会员价 cola −100; 满50减8 −800; 100 points −100
    expect(o).toMatchObject({ itemsFen: 6_200, discountFen: 1_000, totalFen: 5_200 });
    const created = rt.log
      .flatMap((e) => (e.ev ?? []) as OrderEvent[])
      .find((e): e is Extract<OrderEvent, { type: 'Created' }> => e.type === 'Created')!;
    expect(created.discounts!.map((d) => [d.id, d.reason, d.amountFen])).toEqual([
      ['promo:cola', '会员价 ×1', 100],
      ['coupon:c1-1', '满 50 减 8', 800],
      ['points', '100 积分', 100],
    ]);
    expect(created.member).toEqual({
      memberId: MEMBER,
      couponIds: ['c1-1'],
      points: 100,
      pointsFen: 100,
      balanceFen: 3_000,
    });
    // amount charged + every discount = the priced total; the detail shows each discount and the card's part
    expect(o.totalFen + o.discountFen).toBe(6_200);
    expect(o.discounts!.map((d) => d.label)).toEqual(['会员价', '满50减8', '积分抵扣']);
    expect(o.member).toMatchObject({ balanceFen: 3_000, points: 100 });
  });

  it('WeChat Pay collects the total less the stored value; paid, the card spends its hold and earns', () => {
    const rt = store();
    placed(rt);
    expectRejected(rt.send(orderRef(STORE, O1), pay(5_200, T0 + 1000)), 'amount_mismatch');
    expectOk(rt.send(orderRef(STORE, O1), pay(2_200, T0 + 1000)));
    expect(orderState(rt, O1).status).toBe('paid');
    const out = rt.outputs.filter((x) => x.subject === `members.${MEMBER}`);
    expect(out.map((x) => [x.id, x.jetstream, (x.data as MemberInstruction).command.type])).toEqual([
      [`member:${O1}:paid`, true, 'orderPaid'],
    ]);
    forward(rt);
    const c = card(rt);
    expect(c).toMatchObject({ balanceFen: 0, points: 52, paidOrders: 1, openHolds: 0 });
    expect(c.coupons.map((x) => x.status)).toEqual(['used']);
  });

  it('a payment timeout releases the hold: coupon, points and balance back on the card', () => {
    const rt = store();
    placed(rt);
    expect(card(rt)).toMatchObject({ balanceFen: 0, points: 0, openHolds: 1 });
    rt.fireDueTimers(DEADLINE);
    expect(orderState(rt, O1).status).toBe('cancelled');
    forward(rt);
    const c = card(rt);
    expect(c).toMatchObject({ balanceFen: 3_000, points: 100, openHolds: 0 });
    expect(c.coupons.map((x) => x.status)).toEqual(['available']);
  });

  it('a placement the held coupon no longer fits is refused and creates nothing', () => {
    const rt = store();
    const member = memberBlock(rt);
    const small = place([{ skuId: 'cola', qty: 1 }], { member });
    expectRejected(rt.send(orderRef(STORE, O1), small), 'coupon_not_applicable');
    expect(orderState(rt, O1).status).toBe('none');
    // without a member the store's promotions do not apply (member price), and nothing is held
    const guest = expectOk(rt.send<OrderDetail>(orderRef(STORE, 'o_001_guest'), place([{ skuId: 'cola', qty: 1 }])));
    expect(guest).toMatchObject({ totalFen: 600, discountFen: 0 });
  });
});

describe('placement with a member card: refunds and late payments', () => {
  it('a line refund gives back each instrument its share of the line after its discounts; never more than paid', () => {
    const rt = store();
    placed(rt);
    expectOk(rt.send(orderRef(STORE, O1), pay(2_200, T0 + 1000)));
    // one of the two noodles (2800, its share of the coupon taken off), asked by the diner before acceptance
    expectOk(rt.send(orderRef(STORE, O1), refund('r1', [{ lineNo: 1, qty: 1 }])));
    const r1 = orderState(rt, O1).refunds[0]!;
    const net = 2_800 - Math.floor((800 * (5_600 / 6_100)) / 2); // the line's coupon share, halved
    expect(r1.amountFen + r1.balanceFen! + r1.pointsFen!).toBeGreaterThanOrEqual(net - 1);
    expect(r1.amountFen + r1.balanceFen! + r1.pointsFen!).toBeLessThanOrEqual(net);
    // the rest: everything left, no more
    expectOk(rt.send(orderRef(STORE, O1), refund('r2')));
    const all = orderState(rt, O1).refunds;
    expect(all.reduce((n, r) => n + r.amountFen, 0)).toBe(2_200);
    expect(all.reduce((n, r) => n + r.balanceFen!, 0)).toBe(3_000);
    expect(all.reduce((n, r) => n + r.pointsFen!, 0)).toBe(100);
    const wechat = rt.outputs.filter((o) => o.subject === `refunds.${STORE}`);
    expect(wechat.reduce((n, o) => n + (o.data as { amountFen: number }).amountFen, 0)).toBe(2_200);
    forward(rt);
    // the points given back, and the 52 the order earned on its 52 yuan taken back by the refunds
    expect(card(rt)).toMatchObject({ balanceFen: 3_000, points: 100 });
    expect(rt.state<MemberState>(memberRef(MEMBER)).settled[O1]).toMatchObject({
      earnedPoints: 52,
      reversedPoints: 52,
      refundedPaidFen: 5_200,
    });
  });

  it('an order paid all from the card: nothing for WeChat Pay; cancelled before acceptance, refunded at once', () => {
    const rt = store();
    expectOk(rt.send(memberRef(MEMBER), { type: 'topUp', paymentId: 'wx-top-2', amountFen: 10_000, at: T0 }));
    const member = { ...memberBlock(rt), balanceFen: 5_200 };
    expectOk(rt.send(memberRef(MEMBER), { type: 'hold', orderId: O1, ...HELD, balanceFen: 5_200, at: T0 }));
    const o = expectOk(rt.send<OrderDetail>(orderRef(STORE, O1), place(LINES, { member })));
    expect(o.totalFen).toBe(5_200);
    expectOk(rt.send(orderRef(STORE, O1), pay(0, T0 + 1000, T0 + 1000, `card-${O1}`)));
    expectOk(rt.send(orderRef(STORE, O1), { type: 'cancel', by: { role: 'diner', id: 'd1' }, at: T0 + 2000 }));
    expect(orderState(rt, O1).status).toBe('refunded');
    expect(rt.outputs.filter((x) => x.subject === `refunds.${STORE}`)).toEqual([]);
    forward(rt);
    expect(card(rt)).toMatchObject({ balanceFen: 13_000, points: 100, openHolds: 0 });
  });

  it('paid inside the window after the timeout fired: the order revives and the card takes its hold again', () => {
    const rt = store();
    placed(rt);
    rt.fireDueTimers(DEADLINE);
    forward(rt); // released
    expectOk(rt.send(orderRef(STORE, O1), pay(2_200, DEADLINE - 1, DEADLINE + 1000)));
    expect(orderState(rt, O1).status).toBe('paid');
    forward(rt);
    const c = card(rt);
    expect(c).toMatchObject({ balanceFen: 0, paidOrders: 1, openHolds: 0 });
    expect(c.coupons.map((x) => x.status)).toEqual(['used']);
  });
});
