/**
 * A member's order on the real stack (NATS, Redis, engine with the restaurant actors, gateway with
 * the WeChat Pay simulator; wx.request bound to fetch): a diner scans the table, joins on the member
 * page, tops the card up through the simulator's WeChat Pay, takes a coupon in the coupon centre,
 * confirms the table's cart with the coupon, points and stored value (which pays it all), and the
 * card shows them spent.
 */
import './dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { call, staff, startStack, tableToken, type Stack } from '@lunchrush/stack/testing';
import { AppContext, setContext } from '../src/lib/app-context';
import { confirmPage } from '../src/pages/confirm/page';
import { couponsPage } from '../src/pages/coupons/page';
import { memberPage } from '../src/pages/member/page';
import { scanPage } from '../src/pages/scan/page';
import { loadDef, page, render, snapshot, stubWx, text } from './harness';

let s: Stack;
let codes = 0;

/** wx.request bound to fetch, wx.login to a fresh code; no push socket (the pages here need none). */
function bindWx(): { navigations: string[] } {
  return stubWx({
    login: (o: { success: (r: { code: string }) => void }) => o.success({ code: `mpmember${process.pid}-${++codes}` }),
    request: (o: any) => {
      fetch(o.url, { method: o.method, headers: o.header, ...(o.data === '' || o.method === 'GET' ? {} : { body: o.data }) })
        .then(async (r) => {
          const body = await r.text();
          let data: unknown = body;
          try {
            data = body === '' ? '' : JSON.parse(body);
          } catch {
            // not JSON
          }
          o.success({ statusCode: r.status, data, header: Object.fromEntries([...(r.headers as any)]) });
        })
        .catch((e: Error) => o.fail({ errMsg: `request:fail ${e.message}` }));
      return {};
    },
    connectSocket: () => ({ send() {}, close() {}, onOpen() {}, onMessage() {}, onClose() {}, onError() {} }),
  });
}

beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  setContext(null);
  await s?.close();
});

describe('a member on the real gateway', () => {
  it('join → top up → claim a coupon → confirm with coupon, points and stored value → the card spends them', async () => {
    const manager = staff(s, 'manager');
    const now = Date.now();
    const def = {
      name: '午市满减',
      terms: { kind: 'threshold', name: '满30减5', thresholdFen: 3000, minusFen: 500 },
      total: 50,
      claimFrom: now - 60_000,
      claimTo: now + 86_400_000,
      validity: { days: 7 },
    };
    expect((await call(s.url, 'PUT', '/v1/staff/stores/001/campaigns/mpflow', { token: manager, body: def })).status).toBe(200);

    const nav = bindWx();
    const ctx = new AppContext({ env: { version: 'develop', apiBase: s.url, paySimulator: true } });
    setContext(ctx);
    const table = tableToken(s, 6);
    const scan = render(loadDef('pages/scan', scanPage));
    await page(scan).onLoad({ q: encodeURIComponent(`${s.url}/qr?t=${table.token}`) });
    expect(ctx.store.session).toMatchObject({ storeId: '001', tableId: table.tableId });

    const member = render(loadDef('pages/member', memberPage));
    await page(member).onShow();
    expect(text(member, '.join-btn')).toEqual(['免费加入会员']);
    await page(member).join();
    expect(text(member, '.points')).toEqual(['100']);
    // 充值 500 元 through the simulator's WeChat Pay: 550 on the card with the tier's bonus.
    await page(member).topUp();
    expect(text(member, '.notice')).toEqual(['充值成功']);
    expect(text(member, '.balance')).toEqual(['¥550.00']);

    const coupons = render(loadDef('pages/coupons', couponsPage));
    await page(coupons).onShow();
    expect(text(coupons, '.campaign-name')).toContain('午市满减');
    await page(coupons).claim({ currentTarget: { dataset: { id: 'mpflow', can: true } }, detail: {} });
    expect(text(coupons, '.notice')).toEqual(['领取成功，下单时自动使用最优惠的券']);

    // Two 回锅肉 (36.00 each) in the table's cart.
    expect((await ctx.api.addLine({ lineId: 'mine-1', skuId: 'huiguo-rou', qty: 2, options: [] })).cart).toHaveLength(1);
    const confirm = render(loadDef('pages/confirm', confirmPage));
    await page(confirm).onLoad();
    expect(text(confirm, '.discount-label')).toEqual(['满30减5 · 满 30 减 5']);
    await page(confirm).togglePoints();
    await page(confirm).toggleBalance();
    expect(text(confirm, '.discount-label')).toEqual(['满30减5 · 满 30 减 5', '积分抵扣 · 100 积分']);
    // 72.00 − 5.00 − 1.00 = 66.00, all from the card's 550.00: nothing left for WeChat Pay.
    expect(text(confirm, '.total-amount')).toEqual(['¥66.00']);
    expect(text(confirm, '.wechat-amount')).toEqual(['¥0.00']);
    snapshot('flow-confirm-member', confirm, 'pages/confirm');
    await page(confirm).submit();
    const orderUrl = nav.navigations.at(-1)!;
    expect(orderUrl).toMatch(/^\/pages\/order\/index\?id=o_001_/);
    const orderId = orderUrl.split('=')[1]!;
    const order = await ctx.api.order(orderId);
    expect(order.status).toBe('paid');
    expect(order.totalFen).toBe(6_600);

    // The order told the card (the member forwarder): the coupon used, points and stored value spent, points earned.
    await waitFor(async () => (await ctx.api.member()).paidOrders === 1, { what: 'the card to hear the order was paid' });
    await page(member).onShow();
    expect(text(member, '.balance')).toEqual(['¥484.00']);
    expect(text(member, '.points')).toEqual(['66']);
    expect(text(member, '.coupon-meta')[0]).toMatch(/^已使用/);
  });
});
