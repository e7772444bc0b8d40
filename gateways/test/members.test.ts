/**
 * The member card, coupon centre and checkout over HTTP, and managers' campaigns and promotions,
 * on an in-process stack (real engine, NATS and Redis).
 */
import { describe, expect, it } from 'vitest';
import type {
  CampaignDefInput,
  CampaignView,
  CheckoutPlan,
  ClaimResult,
  MemberResult,
} from '@lunchrush/actors/members';
import { type OrderDetail } from '@lunchrush/actors';
import { memberOf } from '@lunchrush/actors/members';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, login, staff, type ErrorAnswer } from '@lunchrush/stack/testing';
import { s, useDinerStack } from './diner-support.js';

useDinerStack();

const DAY = 86_400_000;
type Claim = { coupon: ClaimResult['coupon']; campaign: CampaignView; card: MemberResult };

function campaign(total: number): CampaignDefInput {
  const now = Date.now();
  return {
    name: '午市满减',
    terms: { kind: 'threshold', name: '满50减8', thresholdFen: 5000, minusFen: 800 },
    total,
    perMemberLimit: 1,
    claimFrom: now - 60_000,
    claimTo: now + DAY,
    validity: { days: 7 },
  };
}

async function member(): Promise<{ token: string; dinerId: string }> {
  const d = await login(s);
  const r = await call<MemberResult>(s.url, 'POST', '/v1/diner/member/enroll', { token: d.token, body: {} });
  expect(r.status).toBe(200);
  return d;
}

describe('member card', () => {
  it('enrol, card, check-in once a day; unknown keys refused by name', async () => {
    const d = await login(s);
    const before = await call<MemberResult>(s.url, 'GET', '/v1/diner/member', { token: d.token });
    expect(before.body).toMatchObject({ enrolled: false, points: 0 });
    const bad = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/member/enroll', {
      token: d.token,
      body: { birthday: '03-14', vip: true },
    });
    expect([bad.status, bad.body.code, bad.body.message]).toEqual([
      400,
      'validation_failed',
      expect.stringContaining('vip'),
    ]);
    const r = await call<MemberResult>(s.url, 'POST', '/v1/diner/member/enroll', {
      token: d.token,
      body: { birthday: '03-14' },
    });
    expect(r.body).toMatchObject({ enrolled: true, points: 100, levelName: '普通会员' });
    const again = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/member/enroll', { token: d.token, body: {} });
    expect([again.status, again.body.code]).toEqual([409, 'already_enrolled']);
    const ci = await call<MemberResult>(s.url, 'POST', '/v1/diner/member/check-in', { token: d.token });
    expect(ci.body).toMatchObject({ earnedPoints: 5, points: 105 });
    const twice = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/member/check-in', { token: d.token });
    expect([twice.status, twice.body.code]).toEqual([409, 'already_checked_in']);
    expect((await call(s.url, 'GET', '/v1/diner/member')).status).toBe(401);
  });
});

describe('top-up through WeChat Pay', () => {
  it('a prepay for the card, paid through the simulator: the amount and its bonus on the card, once', async () => {
    const m = await member();
    const key = idemKey();
    const top = (body: unknown) =>
      call<{ orderId: string; amountFen: number; simulator: { payUrl: string; body: unknown } }>(
        s.url,
        'POST',
        '/v1/diner/member/top-up',
        {
          token: m.token,
          body,
          headers: { 'idempotency-key': key },
        },
      );
    const r = await top({ amountFen: 50_000 });
    expect(r.status).toBe(200);
    expect(r.body.orderId).toMatch(/^t_[A-Za-z0-9_-]{20}$/);
    expect((await top({ amountFen: 50_000 })).body.orderId).toBe(r.body.orderId);
    const paid = await call<{ callbackStatus: number }>(s.url, 'POST', r.body.simulator.payUrl, {
      body: r.body.simulator.body,
    });
    expect(paid.body.callbackStatus).toBe(204);
    const card = await call<MemberResult>(s.url, 'GET', '/v1/diner/member', { token: m.token });
    expect(card.body).toMatchObject({ balanceFen: 55_000, principalFen: 50_000, bonusFen: 5_000 });
    const small = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/member/top-up', {
      token: m.token,
      body: { amountFen: 99 },
      headers: { 'idempotency-key': idemKey() },
    });
    expect([small.status, small.body.code]).toEqual([400, 'validation_failed']);
  });
});

describe('campaigns and the coupon centre', () => {
  it('a manager defines a campaign of 2; the first two members get one each, then it is exhausted', async () => {
    const manager = staff(s, 'manager');
    const waiter = staff(s, 'waiter');
    const path = '/v1/staff/stores/001/campaigns/httpdrop';
    expect((await call(s.url, 'PUT', path, { token: waiter, body: campaign(2) })).status).toBe(403);
    const def = await call<CampaignView>(s.url, 'PUT', path, { token: manager, body: campaign(2) });
    expect(def.body).toMatchObject({ defined: true, total: 2, issued: 0, open: true });

    const [a, b, c] = [await member(), await member(), await member()];
    const centre = await call<{ campaigns: CampaignView[] }>(s.url, 'GET', '/v1/diner/coupon-centre', {
      token: a.token,
    });
    expect(centre.body.campaigns.find((x) => x.campaignId === 'httpdrop')).toMatchObject({ remaining: 2 });

    const claimPath = '/v1/diner/coupon-centre/httpdrop/claim';
    const got = await call<Claim>(s.url, 'POST', claimPath, { token: a.token });
    expect(got.status).toBe(200);
    expect(got.body.coupon.couponId).toBe('httpdrop-1');
    expect(got.body.card.coupons.map((x) => [x.couponId, x.status])).toEqual([['httpdrop-1', 'available']]);
    const limit = await call<ErrorAnswer>(s.url, 'POST', claimPath, { token: a.token });
    expect([limit.status, limit.body.code]).toEqual([409, 'claim_limit_reached']);
    expect((await call(s.url, 'POST', claimPath, { token: b.token })).status).toBe(200);
    const gone = await call<ErrorAnswer>(s.url, 'POST', claimPath, { token: c.token });
    expect([gone.status, gone.body.code]).toEqual([409, 'campaign_exhausted']);
    const stranger = await login(s);
    const notMember = await call<ErrorAnswer>(s.url, 'POST', claimPath, { token: stranger.token });
    expect([notMember.status, notMember.body.code]).toEqual([409, 'not_enrolled']);
    const view = await call<CampaignView>(s.url, 'GET', path, { token: waiter });
    expect(view.body).toMatchObject({ issued: 2, remaining: 0 });
  });

  it('staff issue a coupon to a member outside the claim window', async () => {
    const manager = staff(s, 'manager');
    const def = { ...campaign(5), claimFrom: Date.now() - 2 * DAY, claimTo: Date.now() - DAY };
    expect(
      (await call(s.url, 'PUT', '/v1/staff/stores/001/campaigns/gift', { token: manager, body: def })).status,
    ).toBe(200);
    const m = await member();
    const r = await call<Claim>(s.url, 'POST', '/v1/staff/stores/001/campaigns/gift/issue', {
      token: manager,
      body: { memberId: m.dinerId },
    });
    expect(r.status).toBe(200);
    expect(r.body.card.memberId).toBe(m.dinerId);
    const closed = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/coupon-centre/gift/claim', { token: m.token });
    expect([closed.status, closed.body.code]).toEqual([409, 'campaign_not_open']);
  });
});

describe('checkout with discounts', () => {
  it('promotions and the best coupon, each with its reason; charged + discounts = the priced total', async () => {
    const manager = staff(s, 'manager');
    const promotions = [{ kind: 'second_half', id: 'half', label: '第二份半价', skuIds: ['huiguo-rou'] }];
    const set = await call(s.url, 'PUT', '/v1/staff/stores/001/promotions', { token: manager, body: { promotions } });
    expect(set.status).toBe(200);
    await call(s.url, 'PUT', '/v1/staff/stores/001/campaigns/checkout1', { token: manager, body: campaign(10) });
    const m = await member();
    await call(s.url, 'POST', '/v1/diner/coupon-centre/checkout1/claim', { token: m.token });
    const r = await call<CheckoutPlan>(s.url, 'POST', '/v1/diner/checkout', {
      token: m.token,
      body: { store: '001', channel: 'takeaway', lines: [{ skuId: 'huiguo-rou', qty: 2 }], points: 'max' },
    });
    expect(r.status).toBe(200);
    const p = r.body;
    expect(p.discounts.map((d) => [d.kind, d.reason])).toEqual([
      ['promotion', '第二份半价 ×1'],
      ['coupon', '满 50 减 8'],
      ['points', '100 积分'],
    ]);
    expect(p.suggestedCouponIds).toEqual(['checkout1-1']);
    expect(p.wechatFen + p.balanceFen + p.discountFen).toBe(p.subtotalFen);
    const tooMuch = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/checkout', {
      token: m.token,
      body: { store: '001', channel: 'takeaway', lines: [{ skuId: 'huiguo-rou', qty: 1 }], balanceFen: 1 },
    });
    expect([tooMuch.status, tooMuch.body.code]).toEqual([409, 'insufficient_balance']);
  });
});

describe('placing an order with the member card', () => {
  const order = (token: string, body: unknown) =>
    call<{ order: OrderDetail }>(s.url, 'POST', '/v1/diner/orders', {
      token,
      body,
      headers: { 'idempotency-key': idemKey() },
    });
  // 2 × 3600, the second at half price (the store's promotion above): over the coupon's 50 threshold.
  const lines = [{ skuId: 'huiguo-rou', qty: 2 }];

  it('the card holds coupon, points and stored value; WeChat Pay is asked for the rest; paid, the card spends', async () => {
    const manager = staff(s, 'manager');
    await call(s.url, 'PUT', '/v1/staff/stores/001/campaigns/placing', { token: manager, body: campaign(10) });
    const m = await member();
    await call(s.url, 'POST', '/v1/diner/coupon-centre/placing/claim', { token: m.token });
    await memberOf(s.client, m.dinerId).send({
      type: 'topUp',
      paymentId: `wx-${m.dinerId}`,
      amountFen: 1_000,
      at: Date.now(),
    });
    const r = await order(m.token, {
      channel: 'takeaway',
      store: '001',
      lines,
      pay: { points: 'max', balanceFen: 1_000 },
    });
    expect(r.status).toBe(201);
    const o = r.body.order;
    expect(o.discounts!.map((d) => d.kind)).toEqual(['promotion', 'coupon', 'points']);
    expect(o.member).toMatchObject({ balanceFen: 1_000, couponIds: ['placing-1'] });
    const held = await call<MemberResult>(s.url, 'GET', '/v1/diner/member', { token: m.token });
    expect(held.body).toMatchObject({ balanceFen: 0, openHolds: 1 });
    const prepay = await call<{ amountFen: number }>(s.url, 'POST', `/v1/diner/orders/${o.orderId}/pay`, {
      token: m.token,
    });
    expect(prepay.body.amountFen).toBe(o.totalFen - 1_000);
  });

  it('an order the card pays in full is paid at once; a refused placement gives the hold back', async () => {
    const m = await member();
    await memberOf(s.client, m.dinerId).send({
      type: 'topUp',
      paymentId: `wx-${m.dinerId}`,
      amountFen: 50_000,
      at: Date.now(),
    });
    const r = await order(m.token, { channel: 'takeaway', store: '001', lines, pay: { balanceFen: 'max' } });
    expect(r.status).toBe(201);
    expect(r.body.order.status).toBe('paid');
    const spent = await waitFor(async () => {
      const c = await call<MemberResult>(s.url, 'GET', '/v1/diner/member', { token: m.token });
      return c.body.paidOrders === 1 ? c.body : undefined;
    });
    expect(spent.balanceFen).toBe(50_000 + 5_000 - r.body.order.totalFen); // the 500 tier's bonus: 50

    const manager = staff(s, 'manager');
    await call(s.url, 'POST', '/v1/staff/stores/001/stock/huiguo-rou/set', { token: manager, body: { available: 0 } });
    const refused = await order(m.token, { channel: 'takeaway', store: '001', lines, pay: { balanceFen: 'max' } });
    expect([refused.status, refused.body.code]).toEqual([409, 'sold_out']);
    const after = await call<MemberResult>(s.url, 'GET', '/v1/diner/member', { token: m.token });
    expect(after.body).toMatchObject({ balanceFen: spent.balanceFen, openHolds: 0 });
    await call(s.url, 'POST', '/v1/staff/stores/001/stock/huiguo-rou/set', {
      token: manager,
      body: { available: 100 },
    });
  });
});
