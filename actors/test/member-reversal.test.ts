/**
 * Points an order earned are taken back when it is refunded: in proportion to the paid amount
 * (WeChat Pay and stored value) the refunds give back, from the live lots, never below zero (what
 * the card no longer has is recorded short), and a refund from before `paidFen` was sent takes none.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { replay } from '@lunchrush/engine';
import { memberActor } from '../src/member/index.js';
import type { MemberEvent, MemberState } from '../src/member/state.js';
import { expectRejected, T0 } from './helpers.js';
import { M1, enrolled, member, memberRef, ok, stateOf } from './member-support.js';

const O1 = 'o_001_order1';
const O2 = 'o_001_order2';
const livePoints = (s: MemberState): number => s.lots.reduce((n, l) => n + l.points, 0);
const eventsOf = (rt: ReturnType<typeof enrolled>): MemberEvent[] =>
  rt.log.flatMap((e) => (e.ev ?? []) as MemberEvent[]);
const reversed = (rt: ReturnType<typeof enrolled>) =>
  eventsOf(rt).filter((e): e is Extract<MemberEvent, { type: 'PointsReversed' }> => e.type === 'PointsReversed');

/** A card with its 100 sign-up points and order O1 paid 100 yuan (100 points earned at level 0). */
function paidOrder() {
  const rt = enrolled();
  ok(member(rt, { type: 'orderPaid', orderId: O1, paidFen: 10_000, at: T0 }));
  expect(livePoints(stateOf(rt))).toBe(200);
  return rt;
}

const refund = (refundId: string, paidFen: number | undefined, orderId = O1) => ({
  type: 'refund' as const,
  orderId,
  refundId,
  points: 0,
  balanceFen: 0,
  ...(paidFen === undefined ? {} : { paidFen }),
  at: T0,
});

describe('member card: earned points taken back by refunds', () => {
  it('a refund of 30% takes back 30 of the 100 points earned, the rest of the order the other 70', () => {
    const rt = paidOrder();
    ok(member(rt, refund('r1', 3_000)));
    expect(livePoints(stateOf(rt))).toBe(170);
    ok(member(rt, refund('r2', 7_000)));
    expect(livePoints(stateOf(rt))).toBe(100);
    expect(reversed(rt).map((e) => [e.points, e.shortPoints])).toEqual([
      [30, 0],
      [70, 0],
    ]);
    expect(ok(member(rt, refund('r2', 7_000))).duplicate).toBe(true);
    expect(reversed(rt)).toHaveLength(2);
  });

  it('points spent elsewhere meanwhile: takes what is left, the rest on record as short, never below zero', () => {
    const rt = paidOrder();
    ok(member(rt, { type: 'hold', orderId: O2, points: 150, balanceFen: 0, couponIds: [], at: T0 }));
    ok(member(rt, refund('r1', 10_000)));
    expect(reversed(rt).map((e) => [e.points, e.shortPoints])).toEqual([[50, 50]]);
    expect(livePoints(stateOf(rt))).toBe(0);
  });

  it('more than was paid is refused; a refund without paidFen (an older instruction) takes none back', () => {
    const rt = paidOrder();
    expectRejected(member(rt, refund('r1', 10_001)), 'refund_exceeds_paid');
    ok(member(rt, refund('r1', undefined)));
    expect(reversed(rt)).toEqual([]);
    expect(livePoints(stateOf(rt))).toBe(200);
  });
});

type Step = { o: number; kind: 'pay'; paid: number } | { o: number; kind: 'refund'; paid: number } | { kind: 'spend' };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ o: fc.integer({ min: 0, max: 3 }), kind: fc.constant('pay' as const), paid: fc.nat(90_000) }),
  fc.record({ o: fc.integer({ min: 0, max: 3 }), kind: fc.constant('refund' as const), paid: fc.nat(40_000) }),
  fc.constant({ kind: 'spend' as const }),
);

describe('member card: reversal property', () => {
  it('per order, points taken back + short = ⌊earned × refunded ÷ paid⌋ (all of it when refunded in full); never negative', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const rt = enrolled();
        let n = 0;
        for (const x of steps) {
          n++;
          if (x.kind === 'spend') {
            const live = livePoints(stateOf(rt));
            member(rt, {
              type: 'hold',
              orderId: `o_001_spend${n}`,
              points: live >> 1,
              balanceFen: 0,
              couponIds: [],
              at: T0,
            });
          } else if (x.kind === 'pay') {
            member(rt, { type: 'orderPaid', orderId: `o_001_p${x.o}`, paidFen: x.paid, at: T0 });
          } else {
            const o = stateOf(rt).settled[`o_001_p${x.o}`];
            const left = o === undefined ? x.paid : o.paidFen - (o.refundedPaidFen ?? 0);
            // Half the steps refund what is left, so orders are refunded in full too.
            member(rt, refund(`r${n}`, x.paid % 2 === 0 ? left : Math.min(left, x.paid), `o_001_p${x.o}`));
          }
          for (const l of stateOf(rt).lots) expect(l.points).toBeGreaterThan(0);
        }
        const s = stateOf(rt);
        const events = eventsOf(rt);
        for (const [id, o] of Object.entries(s.settled)) {
          const earned = events
            .filter((e) => e.type === 'PointsEarned' && e.orderId === id)
            .reduce((t, e) => t + (e as { points: number }).points, 0);
          const back = reversed(rt)
            .filter((e) => e.orderId === id)
            .reduce((t, e) => t + e.points + e.shortPoints, 0);
          const refunded = o.refundedPaidFen ?? 0;
          expect(back).toBe(o.paidFen === 0 ? 0 : Math.floor((earned * refunded) / o.paidFen));
          if (refunded === o.paidFen) expect(back).toBe(earned);
          if (refunded === o.paidFen && earned > 0) seen.add('full');
        }
        for (const e of reversed(rt)) seen.add(e.shortPoints > 0 ? 'short' : 'taken');
        const history = events.reduce((t, e) => {
          if (e.type === 'PointsEarned' || e.type === 'RefundReturned') return t + e.points;
          if (e.type === 'Held' || e.type === 'PointsReversed' || e.type === 'PointsExpired') return t - e.points;
          return t;
        }, 0);
        expect(livePoints(s)).toBe(history);
        expect(replay([memberActor], rt.log).get(`member.${memberRef(M1).store}.${M1}`)).toEqual(s);
      }),
      { numRuns: 200 },
    );
    for (const k of ['full', 'short', 'taken']) expect(seen, k).toContain(k);
  });
});
