/**
 * Group-buy under any interleaving of joins, payments (late, repeated, twice by one member),
 * leaves, dissolving, seat and deadline timers and refund confirmations: every group ends
 * completed with exactly N paid members, or refunded with every member refunded and its stock
 * released; nobody pays twice; money received = kept + refunded.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { MemoryRuntime } from '@lunchrush/engine';
import { trieGet } from '../src/collections.js';
import { groupCampaignRef, groupView } from '../src/groupbuy/index.js';
import type { GroupCampaignState } from '../src/groupbuy/campaign.js';
import { activeSeats, type GroupState } from '../src/groupbuy/state.js';
import { MIN, T0, expectOk } from './helpers.js';
import { CAMPAIGN, PRICE, STORE, group, groupRuntime, groupState, instructions, skuState } from './groupbuy-support.js';

const G = 'g_p';
const MEMBERS = ['d_0', 'd_1', 'd_2', 'd_3'];

type Op =
  | { k: 'join'; m: number; dt: number }
  | { k: 'pay'; m: number; p: number; dt: number; lag: number; held: boolean }
  | { k: 'leave'; m: number; dt: number }
  | { k: 'dissolve'; dt: number; go: number }
  | { k: 'tick'; dt: number }
  | { k: 'refundDone'; i: number; dt: number };

const dt = fc.integer({ min: 0, max: 3 * MIN });
const m = fc.nat(MEMBERS.length - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('join' as const), m, dt }) },
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('pay' as const),
      m,
      p: fc.nat(2),
      dt,
      lag: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 10 * MIN })),
      held: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('leave' as const), m, dt }) },
  // staff dissolving is rare: one in ten of these ops does it
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dissolve' as const), dt, go: fc.nat(9) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 20 * MIN }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('refundDone' as const), i: fc.nat(5), dt }) },
);

/** `p === 0` repeats the member's last payment id (a provider's retry); otherwise a new payment. */
function apply(rt: MemoryRuntime, o: Op, now: number, ids: Map<string, number>): void {
  let memberId = MEMBERS[(o as { m?: number }).m ?? 0]!;
  switch (o.k) {
    case 'join':
      group(rt, G, { type: 'join', memberId, at: now });
      return;
    case 'pay': {
      // half the payments come from a member whose seat waits for it, the others from anyone
      const waiting = groupState(rt, G).seats.filter((x) => x.status === 'held');
      if (o.held && waiting.length > 0) memberId = waiting[o.m % waiting.length]!.memberId;
      const n = (ids.get(memberId) ?? 0) + (o.p === 0 ? 0 : 1);
      ids.set(memberId, n);
      const paymentId = `p_${memberId}_${n}`;
      const paidAt = Math.max(T0, now - o.lag);
      group(rt, G, { type: 'pay', memberId, paymentId, amountFen: PRICE, paidAt, at: now });
      return;
    }
    case 'leave':
      group(rt, G, { type: 'leave', memberId, at: now });
      return;
    case 'dissolve':
      if (o.go === 0) group(rt, G, { type: 'dissolve', by: { role: 'manager', id: 'boss' }, reason: 'stop', at: now });
      return;
    case 'tick':
      rt.fireDueTimers(now);
      return;
    case 'refundDone': {
      const pending = groupState(rt, G).payments.filter((p) => p.status === 'refunding');
      const p = pending[o.i % Math.max(1, pending.length)];
      if (p !== undefined) expectOk(group(rt, G, { type: 'refundCompleted', paymentId: p.paymentId, at: now }));
      return;
    }
  }
}

/** What holds after every step. */
function checkStep(rt: MemoryRuntime, size: number, stock: number): void {
  const s = groupState(rt, G);
  const active = activeSeats(s);
  expect(active.length).toBeLessThanOrEqual(size);
  expect(new Set(active.map((x) => x.memberId)).size).toBe(active.length);
  // the campaign counts each member's seats (its per-member limit) exactly as the group holds them
  const campaign = rt.state<GroupCampaignState>(groupCampaignRef(STORE, CAMPAIGN));
  for (const m of MEMBERS) expect(trieGet(campaign.seats, m) ?? 0).toBe(active.filter((x) => x.memberId === m).length);
  const kept = s.payments.filter((p) => p.status === 'kept');
  // money kept = paid seats, one to one; no member keeps two payments
  expect(new Set(kept.map((p) => p.memberId)).size).toBe(kept.length);
  const paidSeatPayments = s.seats.filter((x) => x.status === 'paid').map((x) => x.paymentId);
  expect(kept.map((p) => p.paymentId).sort()).toEqual(paidSeatPayments.sort());
  const sku = skuState(rt);
  const bought = s.seats.filter((x) => x.status === 'paid').length;
  if (s.status === 'completed') expect(sku).toMatchObject({ sold: bought, reserved: 0, available: stock - bought });
  else expect(sku).toMatchObject({ sold: 0, reserved: active.length, available: stock - active.length });
}

function checkEnd(
  rt: MemoryRuntime,
  s: GroupState,
  size: number,
  stock: number,
  autoFill: boolean,
): 'completed' | 'refunded' | 'filled' {
  const view = groupView(s);
  expect(['completed', 'refunded']).toContain(view.status);
  const out = instructions(rt);
  const refunds = out.filter((o) => o.data.kind === 'group-refund');
  // each refund instructed once, and each instructed refund is a payment not kept
  expect(new Set(refunds.map((r) => r.id)).size).toBe(refunds.length);
  const notKept = s.payments.filter((p) => p.status !== 'kept');
  expect(refunds.map((r) => r.id).sort()).toEqual(notKept.map((p) => `group-refund:${G}:${p.paymentId}`).sort());
  expect(notKept.every((p) => p.status === 'refunded')).toBe(true);
  const received = s.payments.reduce((a, p) => a + p.amountFen, 0);
  const kept = s.payments.filter((p) => p.status === 'kept').reduce((a, p) => a + p.amountFen, 0);
  const refunded = notKept.reduce((a, p) => a + p.amountFen, 0);
  expect(received).toBe(kept + refunded);
  if (view.status === 'completed') {
    // exactly N paid, or (an auto-filled campaign) the members who paid by the deadline, the store the rest
    const paid = s.seats.filter((x) => x.status === 'paid').length;
    if (autoFill) expect(paid).toBeGreaterThanOrEqual(1);
    else expect(paid).toBe(size);
    expect(paid).toBeLessThanOrEqual(size);
    expect(s.payments.filter((p) => p.status === 'kept')).toHaveLength(paid);
    expect(activeSeats(s).every((x) => x.status === 'paid')).toBe(true);
    expect(out.filter((o) => o.data.kind === 'group-completed')).toHaveLength(1);
    expect(skuState(rt)).toMatchObject({ sold: paid, reserved: 0, available: stock - paid });
    if (paid < size) return 'filled';
  } else {
    expect(kept).toBe(0);
    expect(activeSeats(s)).toHaveLength(0);
    expect(out.filter((o) => o.data.kind === 'group-completed')).toHaveLength(0);
    expect(skuState(rt)).toMatchObject({ sold: 0, reserved: 0, available: stock });
  }
  return view.status as 'completed' | 'refunded';
}

describe('group-buy properties', () => {
  it('every group ends completed (exactly N paid; with auto-fill, those who paid) or refunded (everyone refunded, stock released)', () => {
    const seen = { completed: 0, refunded: 0, filled: 0, lateRefunds: 0, full: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 6 }),
        fc.boolean(),
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        (size, stock, leaderPays, ops, autoFill) => {
          const rt = groupRuntime({ size, timeLimitMs: 60 * MIN, seatHoldMs: 5 * MIN, autoFill }, stock);
          let now = T0;
          group(rt, G, { type: 'open', campaignId: 'gb_noodle', leader: MEMBERS[0]!, at: now });
          const ids = new Map<string, number>();
          if (leaderPays) apply(rt, { k: 'pay', m: 0, p: 1, dt: 0, lag: 0, held: false }, now, ids);
          checkStep(rt, size, stock);
          for (const o of ops) {
            now += o.dt;
            apply(rt, o, now, ids);
            checkStep(rt, size, stock);
            if (activeSeats(groupState(rt, G)).length === size) seen.full++;
          }
          // every deadline passes, the payment worker confirms every refund
          rt.fireDueTimers(now + 24 * 60 * MIN);
          for (const p of groupState(rt, G).payments)
            if (p.status === 'refunding')
              expectOk(group(rt, G, { type: 'refundCompleted', paymentId: p.paymentId, at: now }));
          checkStep(rt, size, stock);
          const s = groupState(rt, G);
          seen[checkEnd(rt, s, size, stock, autoFill)]++;
          if (s.payments.some((p) => p.reason === 'group_closed' || p.reason === 'already_paid')) seen.lateRefunds++;
        },
      ),
      { numRuns: 400 },
    );
    // the generator reaches both ends, full groups and refunds of payments that found no seat
    expect(seen.completed).toBeGreaterThan(10);
    expect(seen.refunded).toBeGreaterThan(10);
    expect(seen.filled).toBeGreaterThan(10);
    expect(seen.lateRefunds).toBeGreaterThan(5);
    expect(seen.full).toBeGreaterThan(10);
  });
});
