/**
 * The group-buy, bargain and lottery views fill from real events: at a real gateway (WeChat Pay
 * simulator, the campaign worker) one group of three completes and one short of N is dissolved
 * and refunded, a bargain is helped to its floor and bought, a lottery draws until its prize is gone;
 * ingestion follows the engine's log into chDB, and `groupbuy`, `bargains` and `lotteries` count it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, login, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import { Ingester, runView, type Warehouse } from '@lunchrush/analytics';
import { ingestConfig, tempWarehouse } from './helpers.js';

let s: Stack;
let wh: Warehouse;
let drop: () => Promise<void>;
let ingester: Ingester;

const today = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const base = '/v1/diner/stores/001';
type Diner = { token: string; dinerId: string };

beforeAll(async () => {
  s = await startStack({ WECHATPAY_REFUND_QUERY_MS: '50' });
  ({ wh, drop } = await tempWarehouse());
  ingester = await Ingester.start({ nc: s.t.nc, warehouse: wh, config: ingestConfig(s.t.ns) });
}, 120_000);

afterAll(async () => {
  await ingester?.stop();
  await drop?.();
  await s?.close();
});

async function paid(d: Diner, path: string): Promise<void> {
  const p = await call<{ simulator: { payUrl: string; body: unknown } }>(s.url, 'POST', path, { token: d.token });
  const r = await call<{ callbackStatus: number }>(s.url, 'POST', p.body.simulator.payUrl, {
    body: p.body.simulator.body,
  });
  expect(r.body.callbackStatus).toBe(204);
}

async function group(campaignId: string, joiners: number): Promise<string> {
  const leader = await login(s);
  const g = await call<{ groupId: string; share: { code: string } }>(
    s.url,
    'POST',
    `${base}/group-buys/${campaignId}/groups`,
    {
      token: leader.token,
      headers: { 'idempotency-key': idemKey() },
    },
  );
  await paid(leader, `${base}/groups/${g.body.groupId}/pay`);
  for (let i = 0; i < joiners; i++) {
    const d = await login(s);
    await call(s.url, 'POST', `${base}/group-buys/${campaignId}/join`, {
      token: d.token,
      body: { shareCode: g.body.share.code },
    });
    await paid(d, `${base}/groups/${g.body.groupId}/pay`);
  }
  return g.body.groupId;
}

async function define(path: string, body: unknown): Promise<void> {
  expect((await call(s.url, 'PUT', `/v1/staff/stores/001/${path}`, { token: staff(s, 'manager'), body })).status).toBe(
    200,
  );
}

describe('campaign views', () => {
  it('the group-buy funnel, bargain completion and lottery cost', async () => {
    const now = Date.now();
    const window = { openFrom: now - 60_000, openTo: now + 3_600_000 };
    await define('group-buys/vgb', {
      name: '三人团',
      skuId: 'huiguo-rou',
      qty: 1,
      groupPriceFen: 2_500,
      size: 3,
      timeLimitMs: 600_000,
      ...window,
    });
    await group('vgb', 2);
    // Short of N: staff dissolve it, and both members are refunded through the worker.
    const short = await group('vgb', 1);
    const dissolved = await call(s.url, 'POST', `/v1/staff/stores/001/groups/${short}/dissolve`, {
      token: staff(s, 'manager'),
      body: { reason: '活动调整' },
    });
    expect(dissolved.status).toBe(200);
    await define('bargain-campaigns/vba', {
      name: '砍价',
      skuId: 'huiguo-rou',
      qty: 1,
      startPriceFen: 3_600,
      floorPriceFen: 1_000,
      helpersToFloor: 1,
      timeLimitMs: 600_000,
      ...window,
    });
    const me = await login(s);
    const b = await call<{ bargainId: string; share: { code: string } }>(
      s.url,
      'POST',
      `${base}/bargain-campaigns/vba/bargains`,
      {
        token: me.token,
        headers: { 'idempotency-key': idemKey() },
      },
    );
    const friend = await login(s);
    await call(s.url, 'POST', `${base}/bargain-campaigns/vba/help`, {
      token: friend.token,
      body: { shareCode: b.body.share.code },
      headers: { 'x-device-id': 'views-phone-1' },
    });
    await call(s.url, 'POST', `${base}/bargains/${b.body.bargainId}/checkout`, { token: me.token });
    await paid(me, `${base}/bargains/${b.body.bargainId}/pay`);
    const prizes = [{ prizeId: 'cola', name: '可乐', kind: 'item', quantity: 2, oddsBp: 10_000 }];
    await define('lotteries/vlo', { name: '抽奖', prizes, entry: 'free', dailyLimit: 5, ...window });
    for (let i = 0; i < 3; i++)
      await call(s.url, 'POST', `${base}/lotteries/vlo/draw`, {
        token: me.token,
        body: { entry: { kind: 'free' } },
        headers: { 'idempotency-key': idemKey() },
      });

    const p = { store: '', from: today(), to: today(), limit: 20 };
    await waitFor(async () => (await runView(wh, 'groupbuy', p)).some((r) => Number(r.refunds_paid_back) === 2), {
      what: 'the failed group refunded in ClickHouse',
      timeoutMs: 30_000,
    });
    const funnel = (await runView(wh, 'groupbuy', p)).map((r) => [
      r.campaign,
      ...['opened', 'joined', 'completed', 'failed', 'refunds_started', 'refunds_paid_back', 'completion_rate'].map(
        (k) => Number(r[k]),
      ),
    ]);
    expect(funnel).toEqual([['vgb', 2, 3, 1, 1, 2, 2, 0.5]]);
    await waitFor(async () => (await runView(wh, 'bargains', p)).some((r) => Number(r.bought) === 1), {
      what: 'the bargain bought',
    });
    const bargains = (await runView(wh, 'bargains', p)).map((r) =>
      ['started', 'helps', 'reached_floor', 'bought', 'completion_rate', 'cut_fen'].map((k) => Number(r[k])),
    );
    expect(bargains).toEqual([[1, 1, 1, 1, 1, 2_600]]);
    await waitFor(async () => (await runView(wh, 'lotteries', p)).length > 0, { what: 'the draws' });
    const lotteries = (await runView(wh, 'lotteries', p)).map((r) => [
      r.lottery,
      r.prize,
      Number(r.draws),
      Number(r.awarded),
      Number(r.exhausted),
    ]);
    expect(lotteries).toEqual([['vlo', 'cola', 3, 2, 1]]);
  });
});
