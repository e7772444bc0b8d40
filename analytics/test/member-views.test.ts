/**
 * The member views fill from real events: at a real gateway two members join, top up through the
 * WeChat Pay simulator, take coupons of a campaign, and pay orders with coupon, points and stored
 * value (one of them twice, one order cancelled unpaid); ingestion follows the engine's log into
 * chDB, and `coupons`, `members` and `liability` count it; the dashboard draws their three panels
 * (headless Chromium, readable Chinese, screenshot in analytics/test/artifacts/member-dashboard.png).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { REPO_ROOT, boxedOnCanvas, boxedText, waitFor } from '@lunchrush/testkit';
import { call, idemKey, login, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import { Ingester, runView, startServer, type Warehouse } from '@lunchrush/analytics';
import { ingestConfig, tempWarehouse } from './helpers.js';

let s: Stack;
let wh: Warehouse;
let drop: () => Promise<void>;
let ingester: Ingester;

const today = (): string => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  s = await startStack();
  ({ wh, drop } = await tempWarehouse());
  ingester = await Ingester.start({ nc: s.t.nc, warehouse: wh, config: ingestConfig(s.t.ns) });
}, 120_000);

afterAll(async () => {
  await ingester?.stop();
  await drop?.();
  await s?.close();
});

type Placed = { order: { orderId: string; totalFen: number; member?: { balanceFen: number } } };

async function member(): Promise<string> {
  const d = await login(s);
  expect((await call(s.url, 'POST', '/v1/diner/member/enroll', { token: d.token, body: {} })).status).toBe(200);
  const top = await call<{ simulator: { payUrl: string; body: unknown } }>(s.url, 'POST', '/v1/diner/member/top-up', {
    token: d.token,
    body: { amountFen: 20_000 }, // + 10 yuan bonus
    headers: { 'idempotency-key': idemKey() },
  });
  expect(
    (
      await call<{ callbackStatus: number }>(s.url, 'POST', top.body.simulator.payUrl, {
        body: top.body.simulator.body,
      })
    ).body.callbackStatus,
  ).toBe(204);
  expect((await call(s.url, 'POST', '/v1/diner/coupon-centre/views1/claim', { token: d.token })).status).toBe(200);
  return d.token;
}

/** A takeaway order of two 回锅肉 (72 yuan, 2 of packaging) with the best coupon and `balanceFen` of stored value; paid when asked. */
async function order(token: string, balanceFen: number, pay: boolean): Promise<Placed['order']> {
  const r = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
    token,
    body: { channel: 'takeaway', store: '001', lines: [{ skuId: 'huiguo-rou', qty: 2 }], pay: { balanceFen } },
    headers: { 'idempotency-key': idemKey() },
  });
  expect(r.status).toBe(201);
  const o = r.body.order;
  if (pay) {
    const pre = await call<{ simulator: { payUrl: string; body: unknown } }>(
      s.url,
      'POST',
      `/v1/diner/orders/${o.orderId}/pay`,
      { token },
    );
    expect(
      (
        await call<{ callbackStatus: number }>(s.url, 'POST', pre.body.simulator.payUrl, {
          body: pre.body.simulator.body,
        })
      ).body.callbackStatus,
    ).toBe(204);
  } else {
    expect((await call(s.url, 'POST', `/v1/diner/orders/${o.orderId}/cancel`, { token, body: {} })).status).toBe(200);
  }
  return o;
}

describe('member views', () => {
  it('coupons issued and redeemed with the revenue given away, repeat purchase by level, stored value owed per day', async () => {
    const now = Date.now();
    const def = {
      name: '满减',
      terms: { kind: 'threshold', name: '满30减5', thresholdFen: 3000, minusFen: 500 },
      total: 10,
      claimFrom: now - 60_000,
      claimTo: now + 86_400_000,
      validity: { days: 7 },
    };
    expect(
      (await call(s.url, 'PUT', '/v1/staff/stores/001/campaigns/views1', { token: staff(s, 'manager'), body: def }))
        .status,
    ).toBe(200);
    const [a, b] = [await member(), await member()];
    await order(a, 3_000, true); // the coupon: 74 − 5 = 69, 30 from the card, 39 by WeChat Pay
    await order(a, 1_000, true); // no coupon left: 10 from the card
    await order(b, 2_000, false); // cancelled unpaid: the coupon and 20 go back to the card
    const p = { store: '', from: today(), to: today(), limit: 20 };
    await waitFor(
      async () =>
        (await runView(wh, 'members', p)).length > 0 &&
        (await runView(wh, 'liability', p)).some((r) => Number(r.returned_fen) > 0),
      {
        what: 'the member events in ClickHouse',
        timeoutMs: 30_000,
      },
    );

    const coupons = await runView(wh, 'coupons', p);
    expect(
      coupons.map((r) => [
        r.campaign,
        Number(r.issued),
        Number(r.redeemed),
        Number(r.redeem_rate),
        Number(r.given_away_fen),
      ]),
    ).toEqual([['views1', 2, 1, 0.5, 500]]);
    const members = await runView(wh, 'members', p);
    expect(
      members.map((r) => [Number(r.level), Number(r.members), Number(r.repeat_members), Number(r.repeat_rate)]),
    ).toEqual([[0, 1, 1, 1]]);
    // a's two orders (72 yuan and 2 yuan of packaging each, 5 off the first): paid with cash and stored value
    expect(Number(members[0]!.spend_fen)).toBe(6_900 + 7_400);
    const day = (await runView(wh, 'liability', p))[0]!;
    // two top-ups of 200 + 10 bonus; 30 + 10 spent by a, 20 held then given back for b
    expect([Number(day.topped_up_fen), Number(day.spent_fen), Number(day.returned_fen), Number(day.owed_fen)]).toEqual([
      42_000,
      6_000,
      2_000,
      42_000 - 4_000,
    ]);
  });
});

/** The part of a DOM element the page checks read (this package type-checks without the DOM library). */
interface PageElement {
  readonly id: string;
  getAttribute(name: string): string | null;
}

describe('member dashboard panels', () => {
  // Reads what the test above put in ClickHouse (same file, run after it).
  it('draws coupons, members and stored value with their data, in Chinese, not boxes', async () => {
    const server = await startServer({ warehouse: wh, ingester, port: 0 });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/?from=${today()}&to=${today()}`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
      const points = await page.$$eval('.chart', (els) =>
        els.map((e: PageElement) => [e.id, Number(e.getAttribute('data-points') ?? 0)]),
      );
      expect(Object.fromEntries(points)).toMatchObject({ coupons: 1, members: 1, liability: 1 });
      const dir = path.join(REPO_ROOT, 'analytics/test/artifacts');
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, 'member-dashboard.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(await boxedText(page)).toEqual([]);
      const charts = await page.evaluate<{ font: string; text: string }>(`(() => {
        const o = ['coupons', 'members', 'liability'].map((id) => echarts.getInstanceByDom(document.getElementById(id)).getOption());
        return { font: [o[0].textStyle].flat()[0].fontFamily, text: JSON.stringify(o) };
      })()`);
      expect(charts.text).toMatch(/views1.*核销.*复购率.*负债余额/s);
      expect(await boxedOnCanvas(page, charts.font, charts.text)).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
