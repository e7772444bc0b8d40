/**
 * The placement saga with members' cards over random sequences: orders placed with random
 * coupons, points and stored value (held on the card first, released when the placement is
 * refused), paid, cancelled, timed out, refunded line by line or in full, top-ups between them,
 * and the card told every step (the forwarder, in order). After every step: no balance below
 * zero, the card reconciles with its events (points a refund takes back included: all an order
 * earned once it is refunded in full), no coupon used twice, and per order the amount
 * charged plus every discount is its priced total and no refund gives back more of an instrument
 * than the order was paid with.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MemoryRuntime } from '@lunchrush/engine';
import { orderRef, type OrderState } from '@lunchrush/actors';
import {
  DEFAULT_MEMBER_PROGRAM,
  checkout,
  memberRef,
  promotionsRef,
  type MemberEvent,
  type MemberInstruction,
  type MemberResult,
  type MemberState,
} from '@lunchrush/actors/members';
import { setupStore, STORE, T0 } from './helpers.js';
import { MINUS_8, coupon } from './member-support.js';
import { DEADLINE, spicy } from './saga-support.js';

const M = 'd_prop';

type Op =
  | { k: 'order'; lines: number[]; points: boolean; balance: boolean; coupon: boolean }
  | { k: 'pay'; o: number }
  | { k: 'cancel'; o: number }
  | { k: 'timeout' }
  | { k: 'refundLine'; o: number; line: number }
  | { k: 'refundAll'; o: number }
  | { k: 'topUp'; fen: number };

const SKUS = [
  { skuId: 'noodle-l', options: spicy },
  { skuId: 'cola', options: [] },
  { skuId: 'cuke', options: [] },
];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('order' as const),
      lines: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
      points: fc.boolean(),
      balance: fc.boolean(),
      coupon: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('pay' as const), o: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), o: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'timeout' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('refundLine' as const), o: fc.nat(9), line: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('refundAll' as const), o: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('topUp' as const), fen: fc.integer({ min: 100, max: 30_000 }) }) },
);

const DINER = { role: 'diner' as const, id: M };

class World {
  readonly rt: MemoryRuntime = setupStore({
    stock: { 'noodle-l': 500, 'noodle-s': 10, cuke: 500, cola: 500, bun: 1, beer: 1, dumpling: 1 },
  });
  readonly orders: string[] = [];
  private forwarded = 0;
  private n = 0;
  at = T0;

  constructor() {
    const send = (c: unknown): void => void this.rt.send(memberRef(M), c);
    this.rt.send(promotionsRef(STORE), {
      type: 'set',
      promotions: [{ kind: 'second_half', id: 'half', label: '第二份半价', skuIds: ['cola'] }],
      at: T0,
    });
    send({ type: 'enroll', at: T0 });
    send({ type: 'topUp', paymentId: 'top-0', amountFen: 20_000, at: T0 });
    for (let i = 0; i < 4; i++) send({ type: 'grantCoupon', coupon: coupon(`c${i}-1`, MINUS_8, 400), at: T0 });
  }

  card(): MemberResult {
    const r = this.rt.send<MemberResult>(memberRef(M), { type: 'get', at: this.at });
    if (!r.ok) throw new Error(r.message);
    return r.result;
  }

  /** The member forwarder: every new instruction on `members.>` to the card, in order, under its id. */
  forward(): void {
    const out = this.rt.outputs.filter((o) => o.subject.startsWith('members.'));
    for (; this.forwarded < out.length; this.forwarded++) {
      const o = out[this.forwarded]!;
      const r = this.rt.send(memberRef((o.data as MemberInstruction).memberId), (o.data as MemberInstruction).command, {
        id: o.id,
      });
      expect(r.ok, `${o.id}: ${r.ok ? '' : r.message}`).toBe(true);
    }
  }

  /** As the gateway does: plan, hold on the card, place with what it held, release on a refusal. */
  order(x: Extract<Op, { k: 'order' }>): void {
    const orderId = `o_001_p${++this.n}`;
    const card = this.card();
    const lines = x.lines.map((i) => ({ ...SKUS[i]!, qty: 1 }));
    const q = this.rt.send<{ lines: never[]; packagingFeeFen: number; deliveryFeeFen: number }>(
      { store: STORE, type: 'catalog', id: 'menu' },
      { type: 'quote', channel: 'dine_in', lines, at: this.at },
    );
    if (!q.ok) return;
    const coupons = card.coupons
      .filter((c) => c.status === 'available' && c.validTo > this.at)
      .map(({ couponId, campaignId, terms, validFrom, validTo }) => ({
        couponId,
        campaignId,
        terms,
        validFrom,
        validTo,
      }));
    const plan = checkout({
      store: STORE,
      channel: 'dine_in',
      at: this.at,
      tzOffsetMin: 480,
      lines: q.result.lines,
      packagingFeeFen: q.result.packagingFeeFen,
      deliveryFeeFen: q.result.deliveryFeeFen,
      promotions: [{ kind: 'second_half', id: 'half', label: '第二份半价', skuIds: ['cola'] }],
      member: {
        level: card.level,
        paidOrders: card.paidOrders,
        points: card.points,
        balanceFen: card.balanceFen,
        coupons,
      },
      choice: { couponIds: x.coupon ? 'best' : [], points: x.points ? 'max' : 0, balanceFen: x.balance ? 'max' : 0 },
      program: DEFAULT_MEMBER_PROGRAM,
    });
    if (!plan.ok) return;
    const p = plan.plan;
    const hold = this.rt.send(memberRef(M), {
      type: 'hold',
      orderId,
      points: p.points,
      balanceFen: p.balanceFen,
      couponIds: p.couponIds,
      at: this.at,
    });
    if (!hold.ok) return;
    const member = {
      memberId: M,
      level: card.level,
      paidOrders: card.paidOrders,
      coupons: coupons.filter((c) => p.couponIds.includes(c.couponId)),
      points: p.points,
      balanceFen: p.balanceFen,
    };
    const placed = this.rt.send(orderRef(STORE, orderId), {
      type: 'place',
      channel: 'dine_in',
      dinerId: M,
      lines,
      member,
      at: this.at,
    });
    if (!placed.ok) {
      this.rt.send(memberRef(M), { type: 'release', orderId, reason: 'failed', at: this.at });
      return;
    }
    this.orders.push(orderId);
  }

  state(o: number): OrderState | undefined {
    const id = this.orders[o % Math.max(1, this.orders.length)];
    return id === undefined ? undefined : this.rt.state<OrderState>(orderRef(STORE, id));
  }

  step(x: Op): void {
    this.at += 60_000;
    if (x.k === 'order') this.order(x);
    else if (x.k === 'topUp')
      this.rt.send(memberRef(M), { type: 'topUp', paymentId: `top-${this.at}`, amountFen: x.fen, at: this.at });
    else if (x.k === 'timeout') {
      this.at = Math.max(this.at, DEADLINE + (this.at - T0));
      this.rt.fireDueTimers(this.at);
    } else {
      const s = this.state(x.o);
      if (s === undefined) return;
      const ref = orderRef(STORE, s.orderId);
      const due = s.totalFen - (s.member?.balanceFen ?? 0);
      if (x.k === 'pay')
        this.rt.send(ref, {
          type: 'confirmPayment',
          paymentId: `wx-${s.orderId}`,
          amountFen: due,
          paidAt: this.at,
          at: this.at,
        });
      else if (x.k === 'cancel') this.rt.send(ref, { type: 'cancel', by: DINER, at: this.at });
      else {
        const lines = x.k === 'refundLine' ? { lines: [{ lineNo: Math.min(x.line, s.lines.length), qty: 1 }] } : {};
        this.rt.send(ref, {
          type: 'requestRefund',
          refundId: `r${this.at}`,
          ...lines,
          reason: 'test',
          by: DINER,
          at: this.at,
        });
      }
    }
    this.forward();
  }
}

function checkInvariants(w: World): void {
  const card = w.rt.state<MemberState>(memberRef(M));
  expect(card.principalFen).toBeGreaterThanOrEqual(0);
  expect(card.bonusFen).toBeGreaterThanOrEqual(0);
  const events = w.rt.log.filter((e) => e.a[0] === 'member').flatMap((e) => (e.ev ?? []) as MemberEvent[]);
  let points = 0;
  let balance = 0;
  const used: string[] = [];
  const held = new Map<string, { points: number; balance: number; couponIds: readonly string[] }>();
  for (const e of events) {
    if (e.type === 'PointsEarned') points += e.points;
    if (e.type === 'PointsExpired' || e.type === 'PointsReversed') points -= e.points;
    if (e.type === 'ToppedUp') balance += e.amountFen + e.bonusFen;
    if (e.type === 'Held') {
      points -= e.points;
      balance -= e.principalFen + e.bonusFen;
      held.set(e.orderId, { points: e.points, balance: e.principalFen + e.bonusFen, couponIds: e.couponIds });
    }
    if (e.type === 'HoldReleased') {
      points += held.get(e.orderId)!.points;
      balance += held.get(e.orderId)!.balance;
    }
    if (e.type === 'HoldSpent') used.push(...held.get(e.orderId)!.couponIds);
    if (e.type === 'RefundReturned') {
      points += e.points;
      balance += e.principalFen + e.bonusFen;
    }
  }
  expect(card.lots.reduce((n, l) => n + l.points, 0)).toBe(points);
  expect(card.principalFen + card.bonusFen).toBe(balance);
  expect(new Set(used).size).toBe(used.length);
  // Refunds take back the points the order earned on what they give back: all of them in full.
  for (const o of Object.values(card.settled)) {
    expect(o.reversedPoints ?? 0).toBeLessThanOrEqual(o.earnedPoints ?? 0);
    if (o.paidFen > 0 && o.refundedPaidFen === o.paidFen) expect(o.reversedPoints ?? 0).toBe(o.earnedPoints ?? 0);
  }
  for (const id of w.orders) {
    const s = w.rt.state<OrderState>(orderRef(STORE, id));
    const discounts = (s.discounts ?? []).reduce((n, d) => n + d.amountFen, 0);
    expect(s.totalFen + discounts).toBe(s.itemsFen + s.packagingFeeFen + s.deliveryFeeFen);
    const live = s.refunds.filter((r) => r.status !== 'rejected');
    const back = (f: (r: (typeof live)[number]) => number): number => live.reduce((n, r) => n + f(r), 0);
    expect(back((r) => r.amountFen)).toBeLessThanOrEqual(s.payment?.amountFen ?? 0);
    expect(back((r) => r.balanceFen ?? 0)).toBeLessThanOrEqual(s.payment === null ? 0 : (s.member?.balanceFen ?? 0));
    expect(back((r) => r.pointsFen ?? 0)).toBeLessThanOrEqual(s.payment === null ? 0 : (s.member?.pointsFen ?? 0));
  }
}

describe('member orders, any sequence', () => {
  it('balances ≥ 0, the card reconciles, coupons used once, charged + discounts = total, refunds ≤ paid per instrument', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 40, size: 'max' }), (ops) => {
        const w = new World();
        for (const x of ops) {
          w.step(x);
          checkInvariants(w);
        }
        for (const e of w.rt.log.flatMap((l) => (l.ev ?? []) as { type: string }[])) seen.add(e.type);
      }),
      { numRuns: 60 },
    );
    // The generator reaches the paths the properties are about.
    for (const t of ['Held', 'HoldSpent', 'HoldReleased', 'RefundReturned', 'PointsReversed', 'Paid', 'Cancelled'])
      expect(seen, t).toContain(t);
  });
});
