/**
 * Bargains and lotteries over HTTP on an in-process stack (real engine, NATS, Redis): a manager
 * defines them, a diner starts a bargain and shares its code, friends help by it (once per diner
 * and device, never the initiator), the initiator checks out at the price reached; a draw is
 * decided on the server, a retry with its key is the same draw, and prizes never run past their
 * quantity.
 */
import { describe, expect, it } from 'vitest';
import type { BargainTermsInput, BargainView, LotteryDefInput, LotteryView } from '@lunchrush/actors/campaigns';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, login, staff, type ErrorAnswer } from '@lunchrush/stack/testing';
import { s, useDinerStack } from './diner-support.js';

useDinerStack();

const base = '/v1/diner/stores/001';
type Bargain = BargainView & { share?: { code: string; path: string } } & Partial<ErrorAnswer>;
let n = 0;

async function bargainCampaign(): Promise<string> {
  const id = `bc${process.pid}x${++n}`;
  const skuId = `sku_${id}`;
  await s.client.send('001', 'stock', skuId, { type: 'set', available: 5, at: Date.now() });
  const now = Date.now();
  const terms: BargainTermsInput = {
    name: '砍一刀牛肉面',
    skuId,
    qty: 1,
    startPriceFen: 3000,
    floorPriceFen: 990,
    helpersToFloor: 3,
    timeLimitMs: 3_600_000,
    openFrom: now - 60_000,
    openTo: now + 3_600_000,
  };
  const r = await call(s.url, 'PUT', `/v1/staff/stores/001/bargain-campaigns/${id}`, {
    token: staff(s, 'manager'),
    body: terms,
  });
  expect(r.status).toBe(200);
  return id;
}

const help = (token: string, campaignId: string, code: string, device: string) =>
  call<Bargain>(s.url, 'POST', `${base}/bargain-campaigns/${campaignId}/help`, {
    token,
    body: { shareCode: code },
    headers: { 'x-device-id': device },
  });

describe('bargains', () => {
  it('start, three friends reach the floor, the initiator checks out at it; abuse refused with codes', async () => {
    const id = await bargainCampaign();
    const me = await login(s);
    const started = await call<Bargain>(s.url, 'POST', `${base}/bargain-campaigns/${id}/bargains`, {
      token: me.token,
      headers: { 'idempotency-key': idemKey() },
    });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: 'active', priceFen: 3000, floorPriceFen: 990, campaignId: id });
    const code = started.body.share!.code;
    expect(started.body.share!.path).toMatch(/^\/pages\/bargain\/index\?/);
    const self = await help(me.token, id, code, 'device-me-0');
    expect([self.status, self.body.code]).toEqual([403, 'bargain_self_help']);
    const noDevice = await call<ErrorAnswer>(s.url, 'POST', `${base}/bargain-campaigns/${id}/help`, {
      token: me.token,
      body: { shareCode: code },
    });
    expect([noDevice.status, noDevice.body.code]).toEqual([400, 'bad_request']);
    const a = await login(s);
    const first = await help(a.token, id, code, 'device-a-01');
    expect(first.body.priceFen).toBeLessThan(3000);
    const again = await help(a.token, id, code, 'device-a-02');
    expect([again.status, again.body.code]).toEqual([409, 'bargain_already_helped']);
    const b = await login(s);
    const sameDevice = await help(b.token, id, code, 'device-a-01');
    expect([sameDevice.status, sameDevice.body.code]).toEqual([409, 'bargain_device_already_helped']);
    await help(b.token, id, code, 'device-b-01');
    const c = await login(s);
    const last = await help(c.token, id, code, 'device-c-01');
    expect(last.body.priceFen).toBe(990);
    expect(last.body.helpers).toHaveLength(3);
    const notMine = await call<ErrorAnswer>(s.url, 'POST', `${base}/bargains/${started.body.bargainId}/checkout`, {
      token: c.token,
    });
    expect([notMine.status, notMine.body.code]).toEqual([403, 'forbidden']);
    const bought = await call<Bargain>(s.url, 'POST', `${base}/bargains/${started.body.bargainId}/checkout`, {
      token: me.token,
    });
    expect(bought.body).toMatchObject({ status: 'locked', priceFen: 990 });
    const wrong = await help((await login(s)).token, await bargainCampaign(), code, 'device-d-01');
    expect([wrong.status, wrong.body.code]).toEqual([422, 'share_code_wrong_campaign']);
  });
});

describe('lotteries', () => {
  it('free draws are decided on the server, a retry is the same draw, a prize never past its quantity', async () => {
    const id = `lt${process.pid}x${++n}`;
    const now = Date.now();
    const def: LotteryDefInput = {
      name: '午市抽奖',
      prizes: [{ prizeId: 'noodle', name: '牛肉面一碗', kind: 'item', quantity: 2, oddsBp: 10_000 }],
      entry: 'free',
      dailyLimit: 5,
      openFrom: now - 60_000,
      openTo: now + 3_600_000,
    };
    const put = await call<LotteryView>(s.url, 'PUT', `/v1/staff/stores/001/lotteries/${id}`, {
      token: staff(s, 'manager'),
      body: def,
    });
    expect(put.body).toMatchObject({ name: '午市抽奖', prizes: [{ prizeId: 'noodle', left: 2 }] });
    const d = await login(s);
    const draw = (key: string, entry: unknown = { kind: 'free' }) =>
      call<LotteryView & ErrorAnswer>(s.url, 'POST', `${base}/lotteries/${id}/draw`, {
        token: d.token,
        body: { entry },
        headers: { 'idempotency-key': key },
      });
    const key = idemKey();
    const first = await draw(key);
    expect(first.body.draw).toMatchObject({ prizeId: 'noodle', outcome: 'won', memberId: d.dinerId });
    const retry = await draw(key);
    expect([retry.body.draw?.drawId, retry.body.duplicate, retry.body.drawn]).toEqual([
      first.body.draw!.drawId,
      true,
      1,
    ]);
    await draw(idemKey());
    const third = await draw(idemKey());
    expect(third.body.draw?.outcome).toBe('exhausted');
    expect(third.body.prizes[0]!.left).toBe(0);
    const bad = await draw(idemKey(), { kind: 'order', orderId: 'o_001_nosuch' });
    expect([bad.status, bad.body.code]).toEqual([422, 'lottery_wrong_entry']);
    const redeem = await call<LotteryView>(s.url, 'POST', `/v1/staff/stores/001/lotteries/${id}/redeem`, {
      token: staff(s, 'waiter'),
      body: { drawId: first.body.draw!.drawId },
    });
    expect(redeem.body.draw).toMatchObject({ redeemed: true });
    const list = await call<{ lotteries: LotteryView[] }>(s.url, 'GET', `${base}/campaigns`, { token: d.token });
    expect(list.body.lotteries.map((l) => l.lotteryId)).toContain(id);
  });
});

describe('a lottery coupon prize', () => {
  it('is issued from its coupon campaign to the winner and reaches their member card', async () => {
    const now = Date.now();
    const manager = staff(s, 'manager');
    const couponCampaign = `lc${process.pid}x${++n}`;
    const coupons = await call(s.url, 'PUT', `/v1/staff/stores/001/campaigns/${couponCampaign}`, {
      token: manager,
      body: {
        name: '抽奖券',
        terms: { kind: 'threshold', name: '满20减3', thresholdFen: 2000, minusFen: 300 },
        total: 10,
        perMemberLimit: 5,
        claimFrom: now - 60_000,
        claimTo: now + 86_400_000,
        validity: { days: 7 },
      },
    });
    expect(coupons.status).toBe(200);
    const id = `lc${process.pid}x${++n}`;
    await call(s.url, 'PUT', `/v1/staff/stores/001/lotteries/${id}`, {
      token: manager,
      body: {
        name: '抽券',
        prizes: [
          {
            prizeId: 'c3',
            name: '满20减3',
            kind: 'coupon',
            couponCampaignId: couponCampaign,
            quantity: 5,
            oddsBp: 10_000,
          },
        ],
        entry: 'free',
        dailyLimit: 3,
        openFrom: now - 60_000,
        openTo: now + 3_600_000,
      },
    });
    const d = await login(s);
    expect((await call(s.url, 'POST', '/v1/diner/member/enroll', { token: d.token, body: {} })).status).toBe(200);
    const r = await call<LotteryView>(s.url, 'POST', `${base}/lotteries/${id}/draw`, {
      token: d.token,
      body: { entry: { kind: 'free' } },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.body.draw).toMatchObject({ outcome: 'won', prizeId: 'c3' });
    const card = await waitFor(
      async () => {
        const c = await call<{ coupons: { campaignId: string }[] }>(s.url, 'GET', '/v1/diner/member', {
          token: d.token,
        });
        return c.body.coupons.some((x) => x.campaignId === couponCampaign) ? c.body : null;
      },
      { what: 'the prize coupon on the card' },
    );
    expect(card.coupons.filter((x) => x.campaignId === couponCampaign)).toHaveLength(1);
  });
});

describe('a points lottery', () => {
  it('takes the points with the draw, once per draw, and refuses a diner short of them with a code', async () => {
    const now = Date.now();
    const id = `lp${process.pid}x${++n}`;
    const def: LotteryDefInput = {
      name: '积分抽奖',
      prizes: [{ prizeId: 'cola', name: '可乐', kind: 'item', quantity: 100, oddsBp: 5_000 }],
      entry: 'points',
      pointsCost: 40,
      dailyLimit: 5,
      openFrom: now - 60_000,
      openTo: now + 3_600_000,
    };
    const put = await call(s.url, 'PUT', `/v1/staff/stores/001/lotteries/${id}`, {
      token: staff(s, 'manager'),
      body: def,
    });
    expect(put.status).toBe(200);
    const d = await login(s);
    const draw = (key: string) =>
      call<LotteryView & ErrorAnswer>(s.url, 'POST', `${base}/lotteries/${id}/draw`, {
        token: d.token,
        body: { entry: { kind: 'points' } },
        headers: { 'idempotency-key': key },
      });
    const notMember = await draw(idemKey());
    expect([notMember.status, notMember.body.code]).toEqual([409, 'not_enrolled']);
    expect((await call(s.url, 'POST', '/v1/diner/member/enroll', { token: d.token, body: {} })).status).toBe(200);
    const card = async () =>
      (await call<{ points: number; openHolds: number }>(s.url, 'GET', '/v1/diner/member', { token: d.token })).body;
    const start = (await card()).points;
    expect(start).toBeGreaterThanOrEqual(40);
    const draws = Math.floor(start / 40);
    const first = idemKey();
    const made = await draw(first);
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ entry: 'points', pointsCost: 40, drawn: 1 });
    // The draw spends the hold on the card (the member forwarder): no hold left, the points gone.
    await waitFor(async () => (await card()).openHolds === 0, { what: 'the points hold spent' });
    expect((await card()).points).toBe(start - 40);
    // A retry of the same draw answers it again and takes nothing more.
    const again = await draw(first);
    expect(again.status).toBe(200);
    expect(again.body.draw).toEqual(made.body.draw);
    expect(again.body.drawn).toBe(1);
    for (let i = 1; i < draws; i++) expect((await draw(idemKey())).status).toBe(200);
    await waitFor(async () => (await card()).openHolds === 0, { what: 'every points hold spent' });
    expect((await card()).points).toBe(start - 40 * draws);
    // Short of the cost: refused with a code, nothing drawn, nothing held.
    const short = await draw(idemKey());
    expect([short.status, short.body.code]).toEqual([409, 'insufficient_points']);
    const v = await call<LotteryView>(s.url, 'GET', `${base}/lotteries/${id}`, { token: d.token });
    expect(v.body.drawn).toBe(draws);
    expect(await card()).toMatchObject({ points: start - 40 * draws, openHolds: 0 });
  });

  it('a draw the lottery refuses gives the points back', async () => {
    const now = Date.now();
    const id = `lq${process.pid}x${++n}`;
    await call(s.url, 'PUT', `/v1/staff/stores/001/lotteries/${id}`, {
      token: staff(s, 'manager'),
      body: {
        name: '每日一抽',
        prizes: [{ prizeId: 'cola', name: '可乐', kind: 'item', quantity: 100, oddsBp: 5_000 }],
        entry: 'points',
        pointsCost: 10,
        dailyLimit: 1,
        openFrom: now - 60_000,
        openTo: now + 3_600_000,
      } satisfies LotteryDefInput,
    });
    const d = await login(s);
    await call(s.url, 'POST', '/v1/diner/member/enroll', { token: d.token, body: {} });
    const card = async () =>
      (await call<{ points: number; openHolds: number }>(s.url, 'GET', '/v1/diner/member', { token: d.token })).body;
    const start = (await card()).points;
    const draw = () =>
      call<LotteryView & ErrorAnswer>(s.url, 'POST', `${base}/lotteries/${id}/draw`, {
        token: d.token,
        body: { entry: { kind: 'points' } },
        headers: { 'idempotency-key': idemKey() },
      });
    expect((await draw()).status).toBe(200);
    const second = await draw();
    expect([second.status, second.body.code]).toEqual([429, 'lottery_daily_limit_reached']);
    await waitFor(async () => (await card()).openHolds === 0, { what: 'the holds settled' });
    expect((await card()).points).toBe(start - 10);
  });
});
