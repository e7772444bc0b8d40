/** The member card command by command: gifts, check-in, top-ups, holds for orders, refunds, levels. */
import { describe, expect, it } from 'vitest';
import { HOLD_TTL_MS } from '../src/member/decide.js';
import { DEFAULT_MEMBER_PROGRAM } from '../src/member/program.js';
import { expectRejected, T0 } from './helpers.js';
import { DAY, M1, MINUS_8, coupon, enrolled, member, ok, runtime, stateOf } from './member-support.js';

const O1 = 'o_001_order1';
const O2 = 'o_001_order2';

describe('member card: enrolment, gifts, top-ups and holds', () => {
  it('enrolling gives the sign-up points; a second enrolment and a card before it are refused', () => {
    const rt = runtime();
    expectRejected(member(rt, { type: 'checkIn', at: T0 }), 'not_enrolled');
    const r = ok(member(rt, { type: 'enroll', at: T0 }));
    expect(r).toMatchObject({ enrolled: true, level: 0, levelName: '普通会员', points: 100, balanceFen: 0 });
    expectRejected(member(rt, { type: 'enroll', at: T0 }), 'already_enrolled');
  });

  it('check-in: once a day, a streak bonus on the 7th day in a row, a gap starts again', () => {
    const rt = enrolled();
    for (let d = 0; d < 7; d++) {
      const r = ok(member(rt, { type: 'checkIn', at: T0 + d * DAY }));
      expect(r.earnedPoints).toBe(d === 6 ? 25 : 5);
      expect(r.checkIn.streak).toBe(d + 1);
    }
    expectRejected(member(rt, { type: 'checkIn', at: T0 + 6 * DAY + 1000 }), 'already_checked_in');
    expect(ok(member(rt, { type: 'checkIn', at: T0 + 9 * DAY })).checkIn.streak).toBe(1);
  });

  it('the birthday gift: on the birthday, once a year', () => {
    const rt = enrolled(); // birthday 03-14, T0 is 14 March in Beijing
    expectRejected(member(rt, { type: 'birthdayGift', at: T0 + DAY }), 'gift_not_due');
    expect(ok(member(rt, { type: 'birthdayGift', at: T0 })).earnedPoints).toBe(500);
    expectRejected(member(rt, { type: 'birthdayGift', at: T0 + 1000 }), 'gift_not_due');
    expect(ok(member(rt, { type: 'birthdayGift', at: T0 + 365 * DAY })).earnedPoints).toBe(500);
  });

  it('top-up: the bonus of the highest tier reached; the same payment twice is one top-up', () => {
    const rt = enrolled();
    expect(ok(member(rt, { type: 'topUp', paymentId: 'p1', amountFen: 50_000, at: T0 }))).toMatchObject({
      topUpBonusFen: 5_000,
      balanceFen: 55_000,
      principalFen: 50_000,
      bonusFen: 5_000,
    });
    expect(ok(member(rt, { type: 'topUp', paymentId: 'p1', amountFen: 50_000, at: T0 }))).toMatchObject({
      duplicate: true,
      topUpBonusFen: 5_000,
      balanceFen: 55_000,
    });
    expectRejected(member(rt, { type: 'topUp', paymentId: 'p1', amountFen: 1, at: T0 }), 'idempotency_conflict');
    expect(ok(member(rt, { type: 'topUp', paymentId: 'p2', amountFen: 100, at: T0 })).balanceFen).toBe(55_100);
  });

  it('a hold takes points, balance (principal first) and coupons; payment spends it and earns points', () => {
    const rt = enrolled();
    ok(member(rt, { type: 'topUp', paymentId: 'p1', amountFen: 20_000, at: T0 })); // +1,000 bonus
    ok(member(rt, { type: 'grantCoupon', coupon: coupon('c1-1', MINUS_8), at: T0 }));
    const held = ok(
      member(rt, { type: 'hold', orderId: O1, points: 60, balanceFen: 20_500, couponIds: ['c1-1'], at: T0 }),
    );
    expect(held).toMatchObject({ points: 40, balanceFen: 500, principalFen: 0, bonusFen: 500, openHolds: 1 });
    expect(held.coupons[0]).toMatchObject({ couponId: 'c1-1', status: 'held', orderId: O1 });
    // the same hold again is the same; other amounts for the same order are a conflict
    expect(
      ok(member(rt, { type: 'hold', orderId: O1, points: 60, balanceFen: 20_500, couponIds: ['c1-1'], at: T0 }))
        .duplicate,
    ).toBe(true);
    expectRejected(
      member(rt, { type: 'hold', orderId: O1, points: 1, balanceFen: 0, couponIds: [], at: T0 }),
      'idempotency_conflict',
    );
    const paid = ok(member(rt, { type: 'orderPaid', orderId: O1, paidFen: 30_000, at: T0 + 1000 }));
    expect(paid).toMatchObject({ earnedPoints: 300, points: 340, openHolds: 0, paidOrders: 1 });
    expect(paid.coupons[0]).toMatchObject({ status: 'used' });
    expect(ok(member(rt, { type: 'orderPaid', orderId: O1, paidFen: 30_000, at: T0 + 2000 })).duplicate).toBe(true);
    expectRejected(member(rt, { type: 'release', orderId: O1, reason: 'cancelled', at: T0 }), 'hold_settled');
  });

  it('refusals of a hold name what is short; a coupon cannot be held twice', () => {
    const rt = enrolled();
    ok(member(rt, { type: 'grantCoupon', coupon: coupon('c1-1', MINUS_8), at: T0 }));
    const pts = expectRejected(
      member(rt, { type: 'hold', orderId: O1, points: 101, balanceFen: 0, couponIds: [], at: T0 }),
      'insufficient_points',
    );
    expect(pts.details).toEqual({ available: 100, requested: 101 });
    expectRejected(
      member(rt, { type: 'hold', orderId: O1, points: 0, balanceFen: 1, couponIds: [], at: T0 }),
      'insufficient_balance',
    );
    ok(member(rt, { type: 'hold', orderId: O1, points: 0, balanceFen: 0, couponIds: ['c1-1'], at: T0 }));
    expectRejected(
      member(rt, { type: 'hold', orderId: O2, points: 0, balanceFen: 0, couponIds: ['c1-1'], at: T0 }),
      'coupon_unavailable',
    );
    expectRejected(
      member(rt, { type: 'hold', orderId: O2, points: 0, balanceFen: 0, couponIds: ['nope'], at: T0 }),
      'coupon_unavailable',
    );
  });
});

describe('member card: holds, releases and expiry', () => {
  it('a release gives everything back, coupons and points with their own expiry', () => {
    const rt = enrolled();
    ok(member(rt, { type: 'topUp', paymentId: 'p1', amountFen: 1_000, at: T0 }));
    ok(member(rt, { type: 'grantCoupon', coupon: coupon('c1-1', MINUS_8), at: T0 }));
    const before = stateOf(rt);
    ok(member(rt, { type: 'hold', orderId: O1, points: 30, balanceFen: 700, couponIds: ['c1-1'], at: T0 }));
    const r = ok(member(rt, { type: 'release', orderId: O1, reason: 'timeout', at: T0 + 1000 }));
    expect(r).toMatchObject({ points: 100, balanceFen: 1_000, openHolds: 0 });
    expect(r.coupons[0]!.status).toBe('available');
    expect(stateOf(rt).lots).toEqual(before.lots);
    // nothing held: a release changes nothing
    expect(ok(member(rt, { type: 'release', orderId: O2, reason: 'failed', at: T0 })).duplicate).toBe(true);
  });

  it('a hold no order settles goes back by itself after HOLD_TTL_MS; a settled one stays spent', () => {
    const rt = enrolled();
    ok(member(rt, { type: 'topUp', paymentId: 'p1', amountFen: 1_000, at: T0 }));
    ok(member(rt, { type: 'hold', orderId: O1, points: 0, balanceFen: 600, couponIds: [], at: T0 }));
    ok(member(rt, { type: 'hold', orderId: O2, points: 0, balanceFen: 400, couponIds: [], at: T0 }));
    ok(member(rt, { type: 'orderPaid', orderId: O2, paidFen: 400, at: T0 + 1000 }));
    rt.fireDueTimers(T0 + HOLD_TTL_MS);
    expect(stateOf(rt)).toMatchObject({ principalFen: 600, holds: {} });
    const released = rt.log
      .flatMap((e) => (e.ev ?? []) as { type: string; reason?: string }[])
      .filter((e) => e.type === 'HoldReleased');
    expect(released).toEqual([expect.objectContaining({ orderId: O1, reason: 'timeout' })]);
  });

  it('points expire on their day; expired points cannot be held', () => {
    const rt = enrolled();
    const end = T0 + DEFAULT_MEMBER_PROGRAM.pointsValidDays * DAY;
    expectRejected(
      member(rt, { type: 'hold', orderId: O1, points: 1, balanceFen: 0, couponIds: [], at: end }),
      'insufficient_points',
    );
    expect(ok(member(rt, { type: 'expirePoints', at: end })).points).toBe(0);
    expect(stateOf(rt).lots).toEqual([]);
  });

  it('a durable timer expires the earliest points on their day, with an event, and is set for the next', () => {
    const rt = enrolled(); // 100 sign-up points, a year to live
    ok(member(rt, { type: 'checkIn', at: T0 + 30 * DAY })); // 5 more, expiring 30 days later
    const year = DEFAULT_MEMBER_PROGRAM.pointsValidDays * DAY;
    expect(rt.timers().map((t) => t.at)).toEqual([T0 + year]);
    expect(rt.fireDueTimers(T0 + year)).toBe(1);
    const events = rt.log.flatMap((e) => (e.ev ?? []) as { type: string; points?: number }[]);
    expect(events.at(-1)).toMatchObject({ type: 'PointsExpired', points: 100 });
    expect(stateOf(rt).lots).toEqual([{ points: 5, expiresAt: T0 + 30 * DAY + year }]);
    expect(rt.timers().map((t) => t.at)).toEqual([T0 + 30 * DAY + year]);
    rt.fireDueTimers(T0 + 30 * DAY + year);
    expect(stateOf(rt).lots).toEqual([]);
    expect(rt.timers()).toEqual([]);
  });
});

describe('member card: refunds, levels and the trail of events', () => {
  it('a refund gives back points and balance, never more than the order spent of each', () => {
    const rt = enrolled();
    ok(member(rt, { type: 'topUp', paymentId: 'p1', amountFen: 20_000, at: T0 })); // 20,000 + 1,000 bonus
    ok(member(rt, { type: 'hold', orderId: O1, points: 100, balanceFen: 21_000, couponIds: [], at: T0 }));
    ok(member(rt, { type: 'orderPaid', orderId: O1, paidFen: 21_000, at: T0 }));
    const r1 = ok(member(rt, { type: 'refund', orderId: O1, refundId: 'r1', points: 50, balanceFen: 10_500, at: T0 }));
    // back to each part in proportion: 1,000 of 21,000 was bonus
    expect(r1).toMatchObject({ principalFen: 10_000, bonusFen: 500 });
    expect(
      ok(member(rt, { type: 'refund', orderId: O1, refundId: 'r1', points: 50, balanceFen: 10_500, at: T0 })).duplicate,
    ).toBe(true);
    expectRejected(
      member(rt, { type: 'refund', orderId: O1, refundId: 'r2', points: 51, balanceFen: 0, at: T0 }),
      'refund_exceeds_paid',
    );
    expectRejected(
      member(rt, { type: 'refund', orderId: O1, refundId: 'r2', points: 0, balanceFen: 10_501, at: T0 }),
      'refund_exceeds_paid',
    );
    const r2 = ok(member(rt, { type: 'refund', orderId: O1, refundId: 'r2', points: 50, balanceFen: 10_500, at: T0 }));
    expect(r2).toMatchObject({ principalFen: 20_000, bonusFen: 1_000 });
    expectRejected(
      member(rt, { type: 'refund', orderId: O2, refundId: 'r3', points: 0, balanceFen: 0, at: T0 }),
      'order_not_found',
    );
  });

  it('levels follow the year’s spend and are kept through the next year', () => {
    const rt = enrolled();
    expect(ok(member(rt, { type: 'orderPaid', orderId: O1, paidFen: 100_000, at: T0 })).level).toBe(1);
    const s = stateOf(rt);
    expect(s.spendFen).toBe(100_000);
    // next year: spend starts again, last year's keeps silver
    const nextYear = T0 + 365 * DAY;
    expect(ok(member(rt, { type: 'orderPaid', orderId: O2, paidFen: 100, at: nextYear })).level).toBe(1);
    // the year after, with little spend, silver is gone
    expect(
      ok(member(rt, { type: 'orderPaid', orderId: 'o_001_order3', paidFen: 100, at: nextYear + 365 * DAY })).level,
    ).toBe(0);
    const changes = member(rt, { type: 'get' });
    expect(changes.ok).toBe(true);
  });

  it('every change of points or money is an event with its reason and order', () => {
    const rt = enrolled();
    ok(member(rt, { type: 'hold', orderId: O1, points: 10, balanceFen: 0, couponIds: [], at: T0 }));
    ok(member(rt, { type: 'orderPaid', orderId: O1, paidFen: 5_000, at: T0 }));
    const events = rt.log.flatMap((e) => (e.ev ?? []) as { type: string; reason?: string; orderId?: string }[]);
    expect(events.map((e) => e.type)).toEqual([
      'Enrolled',
      'PointsEarned',
      'Held',
      'HoldSpent',
      'OrderSettled',
      'PointsEarned',
    ]);
    expect(events[1]).toMatchObject({ reason: 'signup' });
    expect(events[5]).toMatchObject({ reason: 'order', orderId: O1 });
    expect(M1).toBe(stateOf(rt).memberId);
  });
});
