/**
 * Properties of the member card over random sequences of orders (hold, pay), cancels, timeouts,
 * refunds, top-ups, check-ins, coupons and expiry: the balance never goes negative, points and
 * balance reconcile with the event history, a coupon is used at most once, refunds never exceed
 * what an order spent of each instrument, and replay of the log is the live state.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { replay } from '@lunchrush/engine';
import { memberActor, memberRef } from '../src/member/index.js';
import type { MemberCommand } from '../src/member/commands.js';
import type { MemberEvent, MemberState } from '../src/member/state.js';
import { T0 } from './helpers.js';
import { DAY, M1, MINUS_8, coupon, enrolled, member, stateOf } from './member-support.js';

type Op =
  | { k: 'topUp'; pay: number; amount: number }
  | { k: 'grant'; c: number }
  | { k: 'hold'; o: number; points: number; balance: number; c: number | null }
  | { k: 'pay'; o: number; paid: number }
  | { k: 'release'; o: number; timeout: boolean }
  | { k: 'refund'; o: number; r: number; points: number; balance: number; paid: number | null }
  | { k: 'checkIn' }
  | { k: 'expire' }
  | { k: 'wait'; days: number };

const o = fc.integer({ min: 0, max: 7 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('topUp' as const),
      pay: fc.integer({ min: 0, max: 9 }),
      amount: fc.integer({ min: 1_000, max: 60_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('grant' as const), c: fc.integer({ min: 0, max: 4 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('hold' as const),
      o,
      points: fc.integer({ min: 0, max: 120 }),
      balance: fc.integer({ min: 0, max: 20_000 }),
      c: fc.option(fc.integer({ min: 0, max: 4 })),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('pay' as const), o, paid: fc.integer({ min: 0, max: 50_000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('release' as const), o, timeout: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('refund' as const),
      o,
      r: fc.integer({ min: 0, max: 3 }),
      points: fc.integer({ min: 0, max: 200 }),
      balance: fc.integer({ min: 0, max: 30_000 }),
      // what earned points: within most orders' paid amounts, absent (an older instruction) at times
      paid: fc.option(fc.integer({ min: 0, max: 3_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: 'checkIn' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'expire' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('wait' as const), days: fc.integer({ min: 0, max: 200 }) }) },
);

const orderId = (n: number): string => `o_001_p${n}`;

function toCommand(x: Op, at: number): MemberCommand | null {
  switch (x.k) {
    case 'topUp':
      return { type: 'topUp', paymentId: `pay${x.pay}`, amountFen: x.amount, at };
    case 'grant':
      return { type: 'grantCoupon', coupon: coupon(`c${x.c}-1`, MINUS_8, 90), at };
    case 'hold':
      return {
        type: 'hold',
        orderId: orderId(x.o),
        points: x.points,
        balanceFen: x.balance,
        couponIds: x.c === null ? [] : [`c${x.c}-1`],
        at,
      };
    case 'pay':
      return { type: 'orderPaid', orderId: orderId(x.o), paidFen: x.paid, at };
    case 'release':
      return { type: 'release', orderId: orderId(x.o), reason: x.timeout ? 'timeout' : 'cancelled', at };
    case 'refund':
      return {
        type: 'refund',
        orderId: orderId(x.o),
        refundId: `r${x.o}_${x.r}`,
        points: x.points,
        balanceFen: x.balance,
        ...(x.paid === null ? {} : { paidFen: x.paid }),
        at,
      };
    case 'checkIn':
      return { type: 'checkIn', at };
    case 'expire':
      return { type: 'expirePoints', at };
    case 'wait':
      return null;
  }
}

/** Points and balance as the event history says, holds followed by order. */
function fromHistory(events: readonly MemberEvent[]): {
  points: number;
  balance: number;
  spentCoupons: string[];
  overRefunded: string[];
} {
  let points = 0;
  let balance = 0;
  const held = new Map<string, { points: number; balance: number; couponIds: readonly string[] }>();
  const spent = new Map<string, { points: number; balance: number }>();
  const refunded = new Map<string, { points: number; balance: number }>();
  const spentCoupons: string[] = [];
  for (const e of events) {
    if (e.type === 'PointsEarned') points += e.points;
    else if (e.type === 'PointsExpired' || e.type === 'PointsReversed') points -= e.points;
    else if (e.type === 'ToppedUp') balance += e.amountFen + e.bonusFen;
    else if (e.type === 'Held') {
      points -= e.points;
      balance -= e.principalFen + e.bonusFen;
      held.set(e.orderId, { points: e.points, balance: e.principalFen + e.bonusFen, couponIds: e.couponIds });
    } else if (e.type === 'HoldReleased') {
      const h = held.get(e.orderId)!;
      points += h.points;
      balance += h.balance;
      held.delete(e.orderId);
    } else if (e.type === 'HoldSpent') {
      const h = held.get(e.orderId)!;
      spent.set(e.orderId, h);
      spentCoupons.push(...h.couponIds);
      held.delete(e.orderId);
    } else if (e.type === 'RefundReturned') {
      points += e.points;
      balance += e.principalFen + e.bonusFen;
      const r = refunded.get(e.orderId) ?? { points: 0, balance: 0 };
      refunded.set(e.orderId, { points: r.points + e.points, balance: r.balance + e.principalFen + e.bonusFen });
    }
  }
  const overRefunded = [...refunded].filter(([id, r]) => {
    const s = spent.get(id) ?? { points: 0, balance: 0 };
    return r.points > s.points || r.balance > s.balance;
  });
  return { points, balance, spentCoupons, overRefunded: overRefunded.map(([id]) => id) };
}

const pointsOf = (s: MemberState): number => s.lots.reduce((n, l) => n + l.points, 0);

describe('member card properties', () => {
  it('balance ≥ 0, points and balance reconcile with the events, coupons used once, refunds ≤ spent, replay = live', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), (ops) => {
        const rt = enrolled();
        let at = T0;
        for (const x of ops) {
          if (x.k === 'wait') at += x.days * DAY;
          const c = toCommand(x, at);
          if (c !== null) member(rt, c);
          const s = stateOf(rt);
          expect(s.principalFen).toBeGreaterThanOrEqual(0);
          expect(s.bonusFen).toBeGreaterThanOrEqual(0);
          for (const l of s.lots) expect(l.points).toBeGreaterThan(0);
        }
        const s = stateOf(rt);
        const events = rt.log.flatMap((e) => (e.ev ?? []) as MemberEvent[]);
        const h = fromHistory(events);
        expect(pointsOf(s)).toBe(h.points);
        expect(s.principalFen + s.bonusFen).toBe(h.balance);
        expect(new Set(h.spentCoupons).size).toBe(h.spentCoupons.length);
        expect(h.overRefunded).toEqual([]);
        const ref = memberRef(M1);
        const replayed = replay([memberActor], rt.log).get(`member.${ref.store}.${M1}`);
        expect(replayed).toEqual(s);
        for (const e of events) seen.add(e.type);
      }),
      {
        numRuns: 300,
        // A refund that gives back part of a paid order, so a reversal of its points is always
        // among the runs (random refunds seldom fit what an order spent: PointsReversed was missing
        // from one run of 300 in CI).
        examples: [
          [
            [
              { k: 'topUp', pay: 0, amount: 60_000 },
              { k: 'hold', o: 0, points: 0, balance: 5_000, c: null },
              { k: 'pay', o: 0, paid: 3_000 },
              { k: 'refund', o: 0, r: 0, points: 0, balance: 2_000, paid: 1_500 },
            ],
          ],
        ],
      },
    );
    // The generator reaches every path the properties are about.
    for (const t of [
      'Held',
      'HoldSpent',
      'HoldReleased',
      'RefundReturned',
      'PointsReversed',
      'PointsExpired',
      'ToppedUp',
    ])
      expect(seen, t).toContain(t);
  });
});
