/** Group-buy groups command by command: opening, joining, paying, completing, and failing with refunds. */
import { describe, expect, it } from 'vitest';
import { replay } from '@lunchrush/engine';
import { groupActor, groupCampaignActor, groupCampaignRef, groupRef } from '../src/groupbuy/index.js';
import { stockActor } from '@lunchrush/actors';
import type { GroupCompleted, GroupRefundInstruction } from '../src/groupbuy/outputs.js';
import { MIN, T0, expectOk, expectRejected } from './helpers.js';
import {
  CAMPAIGN,
  PRICE,
  STOCK,
  STORE,
  group,
  groupRuntime,
  groupState,
  instructions,
  opened,
  paid,
  skuState,
} from './groupbuy-support.js';

const G = 'g_1';
const DEADLINE = T0 + 60 * MIN;

/** A group with the leader paid and two more members joined (not paid). */
function fullGroup() {
  const rt = groupRuntime();
  opened(rt, G);
  paid(rt, G, 'd_leader', 'p_leader', T0 + MIN);
  expectOk(group(rt, G, { type: 'join', memberId: 'd_b', inviter: 'd_leader', at: T0 + 2 * MIN }));
  expectOk(group(rt, G, { type: 'join', memberId: 'd_c', inviter: 'd_b', at: T0 + 2 * MIN }));
  return rt;
}

describe('group-buy: the way to completion', () => {
  it('the leader opens by paying, members join through the code, the N-th payment completes the group', () => {
    const rt = groupRuntime();
    const o = opened(rt, G);
    expect(o).toMatchObject({ status: 'forming', members: 1, paid: 0, size: 3, priceFen: PRICE, deadline: DEADLINE });
    expect(skuState(rt)).toMatchObject({ available: STOCK - 1, reserved: 1 });
    expectRejected(group(rt, G, { type: 'join', memberId: 'd_b', at: T0 + 1 }), 'group_not_open');
    expect(paid(rt, G, 'd_leader', 'p_leader', T0 + MIN)).toMatchObject({ status: 'open', paid: 1 });
    expectOk(group(rt, G, { type: 'join', memberId: 'd_b', inviter: 'd_leader', at: T0 + 2 * MIN }));
    const three = expectOk(group(rt, G, { type: 'join', memberId: 'd_c', at: T0 + 2 * MIN }));
    expect(three.members).toBe(3);
    expectRejected(group(rt, G, { type: 'join', memberId: 'd_d', at: T0 + 3 * MIN }), 'group_full');
    // joining twice is one seat
    expect(expectOk(group(rt, G, { type: 'join', memberId: 'd_b', at: T0 + 3 * MIN })).duplicate).toBe(true);
    paid(rt, G, 'd_b', 'p_b', T0 + 4 * MIN);
    const done = paid(rt, G, 'd_c', 'p_c', T0 + 5 * MIN);
    expect(done).toMatchObject({ status: 'completed', paid: 3, members: 3 });
    expect(skuState(rt)).toMatchObject({ available: STOCK - 3, reserved: 0, sold: 3 });
    const out = instructions(rt);
    expect(out.map((o) => o.id)).toEqual([`group-completed:${G}`]);
    const c = out[0]!.data as GroupCompleted;
    expect(c.members.map((m) => [m.memberId, m.paymentId, m.amountFen])).toEqual([
      ['d_leader', 'p_leader', PRICE],
      ['d_b', 'p_b', PRICE],
      ['d_c', 'p_c', PRICE],
    ]);
    // every timer is gone with the completion: nothing fires later
    expect(rt.timers()).toEqual([]);
    expectRejected(group(rt, G, { type: 'join', memberId: 'd_d', at: T0 + 6 * MIN }), 'group_closed');
  });

  it('a payment after the group closed is refunded, and a second payment of a member too', () => {
    const rt = fullGroup();
    paid(rt, G, 'd_b', 'p_b', T0 + 3 * MIN);
    const twice = paid(rt, G, 'd_b', 'p_b2', T0 + 3 * MIN);
    expect(twice.payment).toEqual({ paymentId: 'p_b2', status: 'refunding', reason: 'already_paid' });
    // the same payment again changes nothing
    expect(paid(rt, G, 'd_b', 'p_b2', T0 + 3 * MIN).duplicate).toBe(true);
    paid(rt, G, 'd_c', 'p_c', T0 + 4 * MIN);
    const late = paid(rt, G, 'd_z', 'p_z', T0 + 5 * MIN);
    expect(late).toMatchObject({ status: 'completed', paid: 3 });
    expect(late.payment).toMatchObject({ status: 'refunding', reason: 'group_closed' });
    const refunds = instructions(rt).filter((o) => o.data.kind === 'group-refund');
    expect(refunds.map((r) => r.id)).toEqual([`group-refund:${G}:p_b2`, `group-refund:${G}:p_z`]);
    expect((refunds[0]!.data as GroupRefundInstruction).amountFen).toBe(PRICE);
  });

  it('an amount other than the group price is refused', () => {
    const rt = fullGroup();
    const r = group(rt, G, { type: 'pay', memberId: 'd_b', paymentId: 'p', amountFen: 1, paidAt: T0, at: T0 });
    expect(expectRejected(r, 'group_amount_mismatch').details).toEqual({ expected: PRICE, paid: 1 });
  });
});

describe('group-buy: short of N', () => {
  it('the deadline refunds every member in full and releases every seat, once', () => {
    const rt = fullGroup();
    paid(rt, G, 'd_b', 'p_b', T0 + 3 * MIN);
    // d_c's seat expires unpaid before the deadline; nobody else joins
    expect(rt.fireDueTimers(DEADLINE)).toBeGreaterThan(0);
    const s = expectOk(group(rt, G, { type: 'get' }));
    expect(s).toMatchObject({ status: 'refunding', failure: 'expired', members: 0, refundsPending: 2 });
    expect(skuState(rt)).toMatchObject({ available: STOCK, reserved: 0, sold: 0 });
    const refunds = instructions(rt).map((o) => o.id);
    expect(refunds).toEqual([`group-refund:${G}:p_leader`, `group-refund:${G}:p_b`]);
    expect(rt.timers()).toEqual([]);
    expectOk(group(rt, G, { type: 'refundCompleted', paymentId: 'p_leader', at: DEADLINE + 1 }));
    const done = expectOk(group(rt, G, { type: 'refundCompleted', paymentId: 'p_b', at: DEADLINE + 1 }));
    expect(done).toMatchObject({ status: 'refunded', refundsPending: 0 });
    expect(expectOk(group(rt, G, { type: 'refundCompleted', paymentId: 'p_b', at: DEADLINE + 2 })).duplicate).toBe(
      true,
    );
    expectRejected(
      group(rt, G, { type: 'refundCompleted', paymentId: 'p_x', at: DEADLINE + 2 }),
      'group_unknown_payment',
    );
    expectRejected(group(rt, G, { type: 'deadline', at: DEADLINE }), 'group_nothing_due');
  });

  it('the N-th payment against the deadline: the provider time decides, and the group ends one way only', () => {
    // paid inside the time limit, arriving before the timer fires: completed, the timer cancelled
    const a = fullGroup();
    paid(a, G, 'd_b', 'p_b', T0 + 3 * MIN);
    // d_c's seat hold (5 min) has passed only when its payment is later than that: pay inside it
    const inTime = paid(a, G, 'd_c', 'p_c', T0 + 6 * MIN);
    expect(inTime.status).toBe('completed');
    expect(a.fireDueTimers(DEADLINE + MIN)).toBe(0);

    // the timer fired first, even with a payment inside the window in flight: refunded, that payment too
    const b = groupRuntime({ seatHoldMs: 60 * MIN });
    opened(b, G);
    paid(b, G, 'd_leader', 'p_leader', T0 + MIN);
    expectOk(group(b, G, { type: 'join', memberId: 'd_b', at: T0 + 2 * MIN }));
    expectOk(group(b, G, { type: 'join', memberId: 'd_c', at: T0 + 2 * MIN }));
    paid(b, G, 'd_b', 'p_b', T0 + 3 * MIN);
    b.fireDueTimers(DEADLINE);
    const lost = paid(b, G, 'd_c', 'p_c', DEADLINE - 1);
    expect(lost).toMatchObject({ status: 'refunding', paid: 0 });
    expect(lost.payment).toMatchObject({ status: 'refunding', reason: 'group_closed' });
    expect(instructions(b).map((o) => o.id)).toEqual(['p_leader', 'p_b', 'p_c'].map((p) => `group-refund:${G}:${p}`));

    // paid after the deadline, arriving before the timer: refunded, and the timer then fails the group
    const c = groupRuntime({ seatHoldMs: 60 * MIN });
    opened(c, G);
    paid(c, G, 'd_leader', 'p_leader', T0 + MIN);
    expectOk(group(c, G, { type: 'join', memberId: 'd_b', at: T0 + 2 * MIN }));
    expectOk(group(c, G, { type: 'join', memberId: 'd_c', at: T0 + 2 * MIN }));
    paid(c, G, 'd_b', 'p_b', T0 + 3 * MIN);
    expect(paid(c, G, 'd_c', 'p_c', DEADLINE + 1).payment?.reason).toBe('after_deadline');
    c.fireDueTimers(DEADLINE);
    expect(expectOk(group(c, G, { type: 'get' })).status).toBe('refunding');
    expect(skuState(c)).toMatchObject({ available: STOCK, reserved: 0, sold: 0 });
  });
});

describe('group-buy: auto-fill, unpaid seats, leaving', () => {
  it('auto-fill (成团): at the deadline an open group completes with the members who paid', () => {
    const rt = groupRuntime({ autoFill: true, seatHoldMs: 60 * MIN });
    opened(rt, G);
    paid(rt, G, 'd_leader', 'p_leader', T0 + MIN);
    expectOk(group(rt, G, { type: 'join', memberId: 'd_b', at: T0 + 2 * MIN }));
    expectOk(group(rt, G, { type: 'join', memberId: 'd_c', at: T0 + 2 * MIN }));
    paid(rt, G, 'd_b', 'p_b', T0 + 3 * MIN);
    rt.fireDueTimers(DEADLINE);
    expect(expectOk(group(rt, G, { type: 'get' }))).toMatchObject({ status: 'completed', paid: 2, members: 2 });
    expect(skuState(rt)).toMatchObject({ available: STOCK - 2, reserved: 0, sold: 2 });
    const c = instructions(rt)[0]!.data as GroupCompleted;
    expect([c.kind, c.filled, c.members.map((m) => m.memberId)]).toEqual(['group-completed', 1, ['d_leader', 'd_b']]);
    expect(rt.timers()).toEqual([]);
    // a campaign without auto-fill refunds the same group (the deadline test above); a forming one fails here too
    const f = groupRuntime({ autoFill: true });
    opened(f, G);
    f.fireDueTimers(DEADLINE);
    expect(expectOk(group(f, G, { type: 'get' })).failure).toBe('leader_unpaid');
  });

  it('a seat not paid in its window is released and its place freed', () => {
    const rt = fullGroup();
    rt.fireDueTimers(T0 + 7 * MIN);
    const s = expectOk(group(rt, G, { type: 'get' }));
    expect(s).toMatchObject({ status: 'open', members: 1, paid: 1 });
    expect(skuState(rt)).toMatchObject({ available: STOCK - 1, reserved: 1 });
    // a payment of a released seat is refunded; the member may join again (a new seat)
    expect(paid(rt, G, 'd_b', 'p_b', T0 + 6 * MIN).payment?.reason).toBe('no_seat');
    expect(expectOk(group(rt, G, { type: 'join', memberId: 'd_b', at: T0 + 8 * MIN })).members).toBe(2);
  });

  it('a leader who never pays: the group fails with nothing to refund, its stock released', () => {
    const rt = groupRuntime();
    opened(rt, G);
    rt.fireDueTimers(T0 + 5 * MIN);
    expect(expectOk(group(rt, G, { type: 'get' }))).toMatchObject({ status: 'refunded', failure: 'leader_unpaid' });
    expect(skuState(rt)).toMatchObject({ available: STOCK, reserved: 0 });
    expect(rt.timers()).toEqual([]);
  });

  it('leaving refunds a paid seat; dissolving refunds everyone', () => {
    const rt = fullGroup();
    paid(rt, G, 'd_b', 'p_b', T0 + 3 * MIN);
    expect(expectOk(group(rt, G, { type: 'leave', memberId: 'd_b', at: T0 + 4 * MIN })).members).toBe(2);
    expectRejected(group(rt, G, { type: 'leave', memberId: 'd_b', at: T0 + 4 * MIN }), 'group_not_a_member');
    const by = { role: 'manager' as const, id: 'boss' };
    const d = expectOk(group(rt, G, { type: 'dissolve', by, reason: '活动提前结束', at: T0 + 5 * MIN }));
    expect(d).toMatchObject({ status: 'refunding', failure: 'dissolved' });
    expect(instructions(rt).map((o) => o.id)).toEqual([`group-refund:${G}:p_b`, `group-refund:${G}:p_leader`]);
    expect(skuState(rt)).toMatchObject({ available: STOCK, reserved: 0 });
    expectRejected(group(rt, G, { type: 'dissolve', by, reason: 'again', at: T0 + 6 * MIN }), 'group_closed');
  });
});

describe('group-buy: the trade each payment was made under', () => {
  it('a seat left and taken again is a new seat, paid under its own trade; refunds and the completion name the trades', () => {
    const rt = groupRuntime();
    opened(rt, G);
    const pay = (memberId: string, paymentId: string, outTradeNo: string, at: number) =>
      expectOk(group(rt, G, { type: 'pay', memberId, paymentId, amountFen: PRICE, outTradeNo, paidAt: at, at }));
    pay('d_leader', 'p_leader', 'gp_leader_seat1_xxxxx', T0 + MIN);
    expectOk(group(rt, G, { type: 'join', memberId: 'd_b', at: T0 + 2 * MIN }));
    pay('d_b', 'p_b1', 'gp_b_seat2_xxxxxxxxxx', T0 + 2 * MIN);
    expectOk(group(rt, G, { type: 'leave', memberId: 'd_b', at: T0 + 3 * MIN }));
    const again = expectOk(group(rt, G, { type: 'join', memberId: 'd_b', at: T0 + 4 * MIN }));
    expect(again.seats.map((x) => [x.n, x.memberId, x.status])).toEqual([
      [1, 'd_leader', 'paid'],
      [3, 'd_b', 'held'],
    ]);
    pay('d_b', 'p_b2', 'gp_b_seat3_xxxxxxxxxx', T0 + 4 * MIN);
    expectOk(group(rt, G, { type: 'join', memberId: 'd_c', at: T0 + 5 * MIN }));
    pay('d_c', 'p_c', 'gp_c_seat4_xxxxxxxxxx', T0 + 5 * MIN);
    const out = instructions(rt);
    const refund = out.find((o) => o.data.kind === 'group-refund')!.data as GroupRefundInstruction;
    expect([refund.paymentId, refund.outTradeNo, refund.reason]).toEqual(['p_b1', 'gp_b_seat2_xxxxxxxxxx', 'left']);
    const done = out.find((o) => o.data.kind === 'group-completed')!.data as GroupCompleted;
    expect(done.members.map((m) => [m.memberId, m.outTradeNo, m.stockRef])).toEqual([
      ['d_leader', 'gp_leader_seat1_xxxxx', `g.${G}.1`],
      ['d_b', 'gp_b_seat3_xxxxxxxxxx', `g.${G}.3`],
      ['d_c', 'gp_c_seat4_xxxxxxxxxx', `g.${G}.4`],
    ]);
  });
});

describe('group-buy: opening', () => {
  it('refusals: no campaign, a stopped one, outside its window, no stock, another leader, unknown keys', () => {
    const rt = groupRuntime({}, 1);
    const open = (groupId: string, campaignId = CAMPAIGN, at = T0) =>
      group(rt, groupId, { type: 'open', campaignId, leader: 'd_a', at });
    expectRejected(open('g_x', 'gb_none'), 'group_campaign_not_found');
    expectRejected(open('g_x', CAMPAIGN, T0 + 48 * 60 * MIN), 'group_campaign_not_open');
    expectOk(open('g_1'));
    expect(expectOk(open('g_1')).duplicate).toBe(true);
    expectRejected(group(rt, 'g_1', { type: 'open', campaignId: CAMPAIGN, leader: 'd_b', at: T0 }), 'group_exists');
    expectRejected(open('g_2'), 'sold_out');
    expectOk(rt.send(groupCampaignRef(STORE, CAMPAIGN), { type: 'stop', at: T0 }));
    expectRejected(open('g_3'), 'group_campaign_not_open');
    const bad = rt.send(groupRef(STORE, 'g_4'), { type: 'join', memberId: 'd_a', colour: 'red', at: T0 });
    expect(expectRejected(bad, 'invalid_command').message).toContain('colour');
    expectRejected(group(rt, 'g_9', { type: 'get' }), 'group_not_found');
  });

  it('a member holds at most the per-member limit of seats across the campaign; leaving frees one', () => {
    const rt = groupRuntime({ perMemberLimit: 1 });
    opened(rt, 'g_1', 'd_a');
    opened(rt, 'g_2', 'd_b');
    expectRejected(
      group(rt, 'g_3', { type: 'open', campaignId: CAMPAIGN, leader: 'd_a', at: T0 }),
      'group_member_limit',
    );
    paid(rt, 'g_2', 'd_b', 'p_b', T0 + 1);
    expectRejected(group(rt, 'g_2', { type: 'join', memberId: 'd_a', at: T0 + 2 }), 'group_member_limit');
    // the refused join reserved nothing: the transaction dropped its stock hold
    expect(skuState(rt)).toMatchObject({ reserved: 2 });
    expectOk(group(rt, 'g_1', { type: 'leave', memberId: 'd_a', at: T0 + 3 }));
    expect(expectOk(group(rt, 'g_2', { type: 'join', memberId: 'd_a', at: T0 + 4 })).members).toBe(2);
  });

  it('replay of the log gives the live state', () => {
    const rt = fullGroup();
    paid(rt, G, 'd_b', 'p_b', T0 + 3 * MIN);
    rt.fireDueTimers(DEADLINE);
    const states = replay([stockActor, groupCampaignActor, groupActor], rt.log);
    expect(states.get(`group.${STORE}.${G}`)).toEqual(groupState(rt, G));
  });
});
