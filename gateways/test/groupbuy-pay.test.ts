/**
 * Group-buy and bargain money through the WeChat Pay simulator on an in-process stack (real
 * engine, NATS, Redis, the gateway's payment callback and campaign worker): a group of
 * three completes when the third pays; a group short of N at its deadline refunds every member
 * once and releases the stock; a payment for a seat given up is refunded; a bargain is bought at
 * the price reached; a completed group's members get paid orders the kitchen cooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupTermsInput, GroupView } from '@lunchrush/actors/campaigns';
import type { OrderDetail, StockView } from '@lunchrush/actors';
import { campaignOrderId } from '@lunchrush/payments';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, login, startStack, staff, type Stack } from '@lunchrush/stack/testing';

let s: Stack;
beforeAll(async () => {
  s = await startStack({ WECHATPAY_REFUND_QUERY_MS: '50' });
});
afterAll(() => s?.close());

const PRICE = 1990;
const base = '/v1/diner/stores/001';
type Diner = { token: string; dinerId: string };
interface DinerGroup {
  groupId: string;
  status: string;
  members: number;
  paid: number;
  share?: { code: string };
}

let n = 0;
async function campaign(over: Partial<GroupTermsInput> = {}): Promise<{ id: string; skuId: string }> {
  const id = `gp${process.pid}x${++n}`;
  const skuId = `sku_${id}`;
  await s.client.send('001', 'stock', skuId, { type: 'set', available: 10, at: Date.now() });
  const now = Date.now();
  const terms: GroupTermsInput = {
    name: '牛肉面三人团',
    skuId,
    qty: 1,
    groupPriceFen: PRICE,
    size: 3,
    timeLimitMs: 10 * 60_000,
    openFrom: now - 60_000,
    openTo: now + 3_600_000,
    ...over,
  };
  const r = await call(s.url, 'PUT', `/v1/staff/stores/001/group-buys/${id}`, {
    token: staff(s, 'manager'),
    body: terms,
  });
  expect(r.status).toBe(200);
  return { id, skuId };
}

/** The diner prepays their seat and pays it in the simulator (which sends the signed callback). */
async function pay(d: Diner, path: string): Promise<string> {
  const p = await call<{ orderId: string; amountFen: number; simulator: { payUrl: string; body: unknown } }>(
    s.url,
    'POST',
    path,
    { token: d.token },
  );
  expect(p.status).toBe(200);
  const r = await call<{ callbackStatus: number; transactionId: string }>(s.url, 'POST', p.body.simulator.payUrl, {
    body: p.body.simulator.body,
  });
  expect(r.body.callbackStatus).toBe(204);
  return r.body.transactionId;
}

async function openGroup(campaignId: string): Promise<Diner & { group: DinerGroup }> {
  const d = await login(s);
  const r = await call<DinerGroup>(s.url, 'POST', `${base}/group-buys/${campaignId}/groups`, {
    token: d.token,
    headers: { 'idempotency-key': idemKey() },
  });
  return { ...d, group: r.body };
}

async function joined(campaignId: string, code: string): Promise<Diner> {
  const d = await login(s);
  const r = await call(s.url, 'POST', `${base}/group-buys/${campaignId}/join`, {
    token: d.token,
    body: { shareCode: code },
  });
  expect(r.status).toBe(200);
  return d;
}

const staffGroup = async (campaignId: string, groupId: string): Promise<GroupView> => {
  const r = await call<{ groups: GroupView[] }>(
    s.url,
    'GET',
    `/v1/staff/stores/001/group-buys/${campaignId}/groups?which=all`,
    {
      token: staff(s, 'manager'),
    },
  );
  return r.body.groups.find((g) => g.groupId === groupId)!;
};
const stockOf = (skuId: string) => s.client.send<StockView>('001', 'stock', skuId, { type: 'get' });

describe('group payments through WeChat Pay', () => {
  it('the leader and two friends pay: the group completes, the stock is sold, three paid orders reach the kitchen', async () => {
    // A dish of the menu, so the members' orders are priced and cooked like any other.
    await s.client.send('001', 'stock', 'huiguo-rou', { type: 'set', available: 10, at: Date.now() });
    const c = await campaign({ skuId: 'huiguo-rou' });
    const leader = await openGroup(c.id);
    await pay(leader, `${base}/groups/${leader.group.groupId}/pay`);
    const friends = [await joined(c.id, leader.group.share!.code), await joined(c.id, leader.group.share!.code)];
    for (const f of friends) await pay(f, `${base}/groups/${leader.group.groupId}/pay`);
    const g = await call<DinerGroup>(s.url, 'GET', `${base}/groups/${leader.group.groupId}`, { token: leader.token });
    expect(g.body).toMatchObject({ status: 'completed', members: 3, paid: 3 });
    const again = await call<{ code: string }>(s.url, 'POST', `${base}/groups/${leader.group.groupId}/pay`, {
      token: leader.token,
    });
    expect([again.status, again.body.code]).toEqual([409, 'group_closed']);
    expect(await stockOf('huiguo-rou')).toMatchObject({ available: 7, reserved: 0, sold: 3 });
    // Each member's purchase is an order placed paid: the board accepts it and the kitchen gets its ticket.
    for (const d of [leader, ...friends]) {
      const orderId = campaignOrderId('001', 'group', leader.group.groupId, d.dinerId);
      const order = await waitFor(
        () => s.client.send<OrderDetail>('001', 'order', orderId, { type: 'get' }).catch(() => null),
        {
          what: `the order of ${d.dinerId}`,
        },
      );
      expect(order).toMatchObject({ status: 'paid', totalFen: PRICE, channel: 'takeaway', dinerId: d.dinerId });
      const accepted = await call<{ status: string }>(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/accept`, {
        token: staff(s, 'manager'),
      });
      expect(accepted.status).toBe(200);
      const after = await s.client.send<OrderDetail>('001', 'order', orderId, { type: 'get' });
      expect(after.stations.map((x) => x.state)).toEqual(['queued']);
    }
    expect(await stockOf('huiguo-rou')).toMatchObject({ available: 7, reserved: 0, sold: 3 });
  });

  it('short of N at the deadline: every paid member refunded once through the worker, the stock released', async () => {
    const c = await campaign({ timeLimitMs: 1500 });
    const leader = await openGroup(c.id);
    await pay(leader, `${base}/groups/${leader.group.groupId}/pay`);
    const friend = await joined(c.id, leader.group.share!.code);
    await pay(friend, `${base}/groups/${leader.group.groupId}/pay`);
    await waitFor(async () => (await staffGroup(c.id, leader.group.groupId)).status === 'refunded', {
      what: 'the group refunded',
      timeoutMs: 30_000,
    });
    const g = await staffGroup(c.id, leader.group.groupId);
    expect(g).toMatchObject({ failure: 'expired', refundsPending: 0, paid: 0 });
    expect(await stockOf(c.skuId)).toMatchObject({ available: 10, reserved: 0 });
  });

  it('a payment for a seat given up is refunded; nobody pays twice', async () => {
    const c = await campaign({ size: 2 });
    const leader = await openGroup(c.id);
    await pay(leader, `${base}/groups/${leader.group.groupId}/pay`);
    const friend = await joined(c.id, leader.group.share!.code);
    const p = await call<{ simulator: { payUrl: string; body: unknown } }>(
      s.url,
      'POST',
      `${base}/groups/${leader.group.groupId}/pay`,
      { token: friend.token },
    );
    await call(s.url, 'POST', `${base}/groups/${leader.group.groupId}/leave`, { token: friend.token });
    const r = await call<{ callbackStatus: number }>(s.url, 'POST', p.body.simulator.payUrl, {
      body: p.body.simulator.body,
    });
    expect(r.body.callbackStatus).toBe(204);
    await waitFor(async () => (await staffGroup(c.id, leader.group.groupId)).refundsPending === 0, {
      what: 'the spare payment refunded',
      timeoutMs: 30_000,
    });
    const g = await staffGroup(c.id, leader.group.groupId);
    expect(g).toMatchObject({ status: 'open', members: 1, paid: 1 });
  });
});

describe('a double tap on pay', () => {
  it('two pays of one prepay at once make one transaction: the seat is paid once, nothing to refund', async () => {
    const c = await campaign();
    const leader = await openGroup(c.id);
    const p = await call<{ simulator: { payUrl: string; body: unknown } }>(
      s.url,
      'POST',
      `${base}/groups/${leader.group.groupId}/pay`,
      { token: leader.token },
    );
    const both = await Promise.all(
      [1, 2].map(() =>
        call<{ transactionId: string; callbackStatus: number }>(s.url, 'POST', p.body.simulator.payUrl, {
          body: p.body.simulator.body,
        }),
      ),
    );
    expect(both.map((r) => r.body.callbackStatus)).toEqual([204, 204]);
    expect(both[0]!.body.transactionId).toBe(both[1]!.body.transactionId);
    const g = await staffGroup(c.id, leader.group.groupId);
    expect(g).toMatchObject({ status: 'open', paid: 1, refundsPending: 0 });
  });
});

describe('bargain payments', () => {
  it('the initiator checks out and pays the price reached: the bargain is bought', async () => {
    const id = `bp${process.pid}x${++n}`;
    await s.client.send('001', 'stock', `sku_${id}`, { type: 'set', available: 3, at: Date.now() });
    const now = Date.now();
    await call(s.url, 'PUT', `/v1/staff/stores/001/bargain-campaigns/${id}`, {
      token: staff(s, 'manager'),
      body: {
        name: '砍价',
        skuId: `sku_${id}`,
        qty: 1,
        startPriceFen: 3000,
        floorPriceFen: 1000,
        helpersToFloor: 2,
        timeLimitMs: 600_000,
        openFrom: now - 1000,
        openTo: now + 600_000,
      },
    });
    const me = await login(s);
    const b = await call<{ bargainId: string }>(s.url, 'POST', `${base}/bargain-campaigns/${id}/bargains`, {
      token: me.token,
      headers: { 'idempotency-key': idemKey() },
    });
    const early = await call<{ code: string }>(s.url, 'POST', `${base}/bargains/${b.body.bargainId}/pay`, {
      token: me.token,
    });
    expect([early.status, early.body.code]).toEqual([409, 'bargain_closed']);
    await call(s.url, 'POST', `${base}/bargains/${b.body.bargainId}/checkout`, { token: me.token });
    await pay(me, `${base}/bargains/${b.body.bargainId}/pay`);
    const v = await call<{ status: string; priceFen: number }>(s.url, 'GET', `${base}/bargains/${b.body.bargainId}`, {
      token: me.token,
    });
    expect(v.body).toMatchObject({ status: 'bought', priceFen: 3000 });
    expect(await stockOf(`sku_${id}`)).toMatchObject({ available: 2, reserved: 0 });
  });
});
