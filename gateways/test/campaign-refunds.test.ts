/**
 * Staff refunds of campaign orders on the real stack (engine, NATS, Redis, the WeChat Pay
 * simulator, the order refund worker and the campaign worker). A group-buy member's or a bargain's order was
 * paid under the seat's `gp_…` or the bargain's `bp_…` out_trade_no, not under the order id: its
 * refunds must go back against that trade, in full or in parts, never past what was paid, and a
 * refund of the same payment by the group (the campaign worker) at the same moment must not
 * pay the diner twice.
 */
import type { StockView } from '@lunchrush/actors';
import type { GroupRefundInstruction } from '@lunchrush/actors/campaigns';
import { encode } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { campaignOrderId, type WeChatPaySimulator } from '@lunchrush/payments';
import { waitFor } from '@lunchrush/testkit';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, idemKey, login, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import type { StaffOrderDetail } from './answers.js';
import {
  freshId,
  groupCampaign,
  joinGroup,
  openGroup,
  payThrough,
  STORE_BASE,
  type Diner,
} from './campaign-support.js';

let s: Stack;
let sim: WeChatPaySimulator;
beforeAll(async () => {
  s = await startStack({ WECHATPAY_REFUND_QUERY_MS: '50' });
  sim = s.gw.deps.simulator!;
}, 60_000);
afterAll(() => s?.close());

const DISH = 'huiguo-rou';
const dishStock = () => s.client.send<StockView>('001', 'stock', DISH, { type: 'get' });

const order = async (orderId: string): Promise<StaffOrderDetail> =>
  (await call<StaffOrderDetail>(s.url, 'GET', `/v1/staff/stores/001/orders/${orderId}`, { token: staff(s, 'manager') }))
    .body;

async function staffRefund(orderId: string, body: Record<string, unknown>): Promise<number> {
  const r = await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/refunds`, {
    token: staff(s, 'manager'),
    body,
  });
  return r.status;
}

const refunded = (orderId: string): Promise<StaffOrderDetail> =>
  waitFor(
    async () => {
      const o = await order(orderId);
      return o.status === 'refunded' ? o : undefined;
    },
    { what: `order ${orderId} to read refunded`, timeoutMs: 30_000 },
  );

/** What WeChat Pay holds against one trade, settled: every refund's amount. */
async function tradeRefunds(outTradeNo: string): Promise<number[]> {
  const all = await sim.tradeRefunds(outTradeNo);
  return all.map((r) => r.amount.refund).sort((a, b) => a - b);
}

interface Member extends Diner {
  payId: string;
  transactionId: string;
  orderId: string;
}

/** A completed group of three (`qty` of the dish each, at `priceFen`): its members and their paid orders. */
async function completedGroup(qty: number, priceFen: number): Promise<{ groupId: string; members: Member[] }> {
  await s.client.send('001', 'stock', DISH, { type: 'set', available: 50, at: Date.now() });
  const c = await groupCampaign(s, { skuId: DISH, qty, groupPriceFen: priceFen });
  const leader = await openGroup(s, c.id);
  const groupId = leader.group.groupId;
  const members: Member[] = [];
  const seat = async (d: Diner): Promise<void> => {
    const paid = await payThrough(s, d, `${STORE_BASE}/groups/${groupId}/pay`);
    const orderId = campaignOrderId('001', 'group', groupId, d.dinerId);
    members.push({ token: d.token, dinerId: d.dinerId, payId: paid.payId, transactionId: paid.transactionId, orderId });
  };
  // Nobody joins before the leader has paid.
  await seat(leader);
  for (let i = 0; i < 2; i++) await seat(await joinGroup(s, c.id, leader.group.share!.code));
  for (const m of members)
    await waitFor(async () => (await order(m.orderId).catch(() => undefined))?.status === 'paid', {
      what: `the order of ${m.dinerId}`,
      timeoutMs: 30_000,
    });
  return { groupId, members };
}

describe('a staff refund of a group-buy order goes back against the seat’s gp_ trade', () => {
  it('a full refund from the order page: WeChat refunds the gp_ trade in full once, the order reads refunded', async () => {
    const { members } = await completedGroup(1, 1990);
    const [m] = members;
    expect(m!.payId).toMatch(/^gp_/);
    const accepted = await call(s.url, 'POST', `/v1/staff/stores/001/orders/${m!.orderId}/accept`, {
      token: staff(s, 'manager'),
    });
    expect(accepted.status).toBe(200);
    expect(await staffRefund(m!.orderId, { refundId: 'full-1', reason: '顾客不要了' })).toBe(200);
    const o = await refunded(m!.orderId);
    expect(o.refunds).toMatchObject([{ refundId: 'full-1', status: 'completed', amountFen: 1990 }]);
    expect(await tradeRefunds(m!.payId)).toEqual([1990]);
    // The same request again (a retried tap) refunds nothing more.
    expect(await staffRefund(m!.orderId, { refundId: 'full-1', reason: '顾客不要了' })).toBe(200);
    expect(await tradeRefunds(m!.payId)).toEqual([1990]);
    // The other members' trades are untouched.
    for (const other of members.slice(1)) expect(await tradeRefunds(other.payId)).toEqual([]);
  });

  it('a part and then the rest: two refunds against the gp_ trade that add up to what was paid, no more', async () => {
    const { members } = await completedGroup(2, 3980);
    const m = members[1]!;
    const before = await dishStock();
    expect(await staffRefund(m.orderId, { refundId: 'part-1', lines: [{ lineNo: 1, qty: 1 }], reason: '少一份' })).toBe(
      200,
    );
    const part = await waitFor(
      async () => {
        const r = (await order(m.orderId)).refunds.find((x) => x.refundId === 'part-1');
        return r?.status === 'completed' ? r.amountFen : undefined;
      },
      { what: 'the part refunded', timeoutMs: 30_000 },
    );
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(3980);
    expect(await tradeRefunds(m.payId)).toEqual([part]);
    // Not accepted yet, so nothing was cooked: the unit goes back on sale from the seat's sale.
    expect(await dishStock()).toMatchObject({ available: before.available + 1, sold: before.sold - 1 });
    expect(await staffRefund(m.orderId, { refundId: 'rest-1', reason: '全部退' })).toBe(200);
    await refunded(m.orderId);
    expect(await tradeRefunds(m.payId)).toEqual([part, 3980 - part].sort((a, b) => a - b));
    expect(await dishStock()).toMatchObject({ available: before.available + 2, sold: before.sold - 2 });
    // Nothing is left on the trade: WeChat refuses another fen.
    await expect(
      sim.refund({
        outRefundNo: `extra-${m.payId}`,
        outTradeNo: m.payId,
        transactionId: m.transactionId,
        amountFen: 1,
        totalFen: 3980,
        reason: 'x',
      }),
    ).rejects.toMatchObject({ code: 'payment_refused' });
  });

  it('the group’s refund of the same payment racing the staff refund pays the diner back once', async () => {
    const { groupId, members } = await completedGroup(1, 1990);
    const m = members[2]!;
    const [status] = await Promise.all([
      staffRefund(m.orderId, { refundId: 'race-1', reason: '拼团退款' }),
      groupRefunds(groupId, m, 'race'),
    ]);
    expect(status).toBe(200);
    await refunded(m.orderId);
    await waitFor(async () => (await tradeRefunds(m.payId)).length > 0, { what: 'a refund at WeChat' });
    // Whichever went first, WeChat holds one refund of what was paid.
    expect(await tradeRefunds(m.payId)).toEqual([1990]);
  });

  it('the group’s refund landed first: the staff refund finds it at WeChat and the order reads refunded', async () => {
    const { groupId, members } = await completedGroup(1, 1990);
    const m = members[0]!;
    await groupRefunds(groupId, m, 'first');
    await waitFor(async () => (await tradeRefunds(m.payId)).length > 0, { what: 'the group’s refund at WeChat' });
    expect(await staffRefund(m.orderId, { refundId: 'after-1', reason: '拼团退款' })).toBe(200);
    await refunded(m.orderId);
    expect(await tradeRefunds(m.payId)).toEqual([1990]);
  });
});

describe('a member who left a paid seat and joined again', () => {
  it('pays the new seat under a trade of its own: the first refunded in full, the order refunds the second', async () => {
    await s.client.send('001', 'stock', DISH, { type: 'set', available: 50, at: Date.now() });
    const c = await groupCampaign(s, { skuId: DISH });
    const leader = await openGroup(s, c.id);
    const groupId = leader.group.groupId;
    const pay = (d: Diner) => payThrough(s, d, `${STORE_BASE}/groups/${groupId}/pay`);
    await pay(leader);
    const friend = await joinGroup(s, c.id, leader.group.share!.code);
    const first = await pay(friend);
    const left = await call(s.url, 'POST', `${STORE_BASE}/groups/${groupId}/leave`, { token: friend.token });
    expect(left.status).toBe(200);
    await waitFor(async () => (await tradeRefunds(first.payId)).length === 1, { what: 'the left seat refunded' });
    const again = await call(s.url, 'POST', `${STORE_BASE}/group-buys/${c.id}/join`, {
      token: friend.token,
      body: { shareCode: leader.group.share!.code },
    });
    expect(again.status).toBe(200);
    const second = await pay(friend);
    expect(second.payId).toMatch(/^gp_/);
    expect(second.payId).not.toBe(first.payId);
    await pay(await joinGroup(s, c.id, leader.group.share!.code));
    const orderId = campaignOrderId('001', 'group', groupId, friend.dinerId);
    await waitFor(async () => (await order(orderId).catch(() => undefined))?.status === 'paid', {
      what: 'the friend’s order',
      timeoutMs: 30_000,
    });
    expect(await staffRefund(orderId, { refundId: 'rejoin-1', reason: '不要了' })).toBe(200);
    await refunded(orderId);
    expect(await tradeRefunds(first.payId)).toEqual([1990]);
    expect(await tradeRefunds(second.payId)).toEqual([1990]);
  });
});

/**
 * What the campaign worker is told when a group refunds a member's payment (a group
 * that failed): published as the group would, for a payment of a completed group's member.
 */
async function groupRefunds(groupId: string, m: Member, tag: string): Promise<void> {
  const ins: GroupRefundInstruction = {
    kind: 'group-refund',
    store: '001',
    groupId,
    memberId: m.dinerId,
    paymentId: m.transactionId,
    amountFen: 1990,
    outTradeNo: m.payId,
    reason: 'expired',
    at: Date.now(),
  };
  await jetstream(s.t.nc).publish(names(s.t.ns).subject('groupbuy.001'), encode(ins), { msgID: `${tag}-${m.orderId}` });
}

describe('a staff refund of a bargain order goes back against the bargain’s bp_ trade', () => {
  it('bought at the price reached, refunded in full from the order page', async () => {
    const id = freshId('bp');
    await s.client.send('001', 'stock', DISH, { type: 'set', available: 50, at: Date.now() });
    const now = Date.now();
    const def = await call(s.url, 'PUT', `/v1/staff/stores/001/bargain-campaigns/${id}`, {
      token: staff(s, 'manager'),
      body: {
        name: '砍价回锅肉',
        skuId: DISH,
        qty: 1,
        startPriceFen: 3000,
        floorPriceFen: 1000,
        helpersToFloor: 2,
        timeLimitMs: 600_000,
        openFrom: now - 1000,
        openTo: now + 600_000,
      },
    });
    expect(def.status).toBe(200);
    const me = await login(s);
    const b = await call<{ bargainId: string }>(s.url, 'POST', `${STORE_BASE}/bargain-campaigns/${id}/bargains`, {
      token: me.token,
      headers: { 'idempotency-key': idemKey() },
    });
    await call(s.url, 'POST', `${STORE_BASE}/bargains/${b.body.bargainId}/checkout`, { token: me.token });
    const paid = await payThrough(s, me, `${STORE_BASE}/bargains/${b.body.bargainId}/pay`);
    expect(paid.payId).toMatch(/^bp_/);
    const orderId = campaignOrderId('001', 'bargain', b.body.bargainId, me.dinerId);
    await waitFor(async () => (await order(orderId).catch(() => undefined))?.status === 'paid', {
      what: 'the bargain order',
      timeoutMs: 30_000,
    });
    expect(await staffRefund(orderId, { refundId: 'bargain-1', reason: '做不了' })).toBe(200);
    const o = await refunded(orderId);
    expect(o.refunds).toMatchObject([{ status: 'completed', amountFen: 3000 }]);
    expect(await tradeRefunds(paid.payId)).toEqual([3000]);
  });
});
