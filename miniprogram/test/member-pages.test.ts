// @vitest-environment jsdom
/**
 * The member card, coupon centre and checkout with discounts in miniprogram-simulate, against an
 * in-memory gateway (the flow test places an order with a coupon and stored value on the real one).
 * Writes the HTML snapshots in test/snapshots/.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AppContext, setContext } from '../src/lib/app-context';
import type { SocketFactory } from '../src/lib/push';
import type { MemberCard } from '../src/lib/types';
import { confirmPage } from '../src/pages/confirm/page';
import { couponsPage } from '../src/pages/coupons/page';
import { memberPage } from '../src/pages/member/page';
import { TABLE, fakeGateway } from './fixtures';
import { loadDef, page, render, snapshot, stubWx, tap, text } from './harness';

const SESSION = { token: 'ds_x', dinerId: 'd_me', storeId: '001', storeName: '湘川小馆·五一广场店', tableId: TABLE.tableId, tableLabel: 'A01', tableToken: 't1.k1.0010001000016.AAAAAAAAAAAAAAAAAAAAAA' };
const DAY = 86_400_000;
const T = Date.UTC(2026, 11, 6, 4);

function context(routes: Parameters<typeof fakeGateway>[0]): { ctx: AppContext; requests: ReturnType<typeof fakeGateway>['requests'] } {
  const { transport, requests } = fakeGateway(routes);
  const socket: SocketFactory = () => ({ send() {}, close() {}, onOpen() {}, onMessage() {}, onClose() {}, onError() {} });
  const ctx = new AppContext({ env: { version: 'develop', apiBase: 'http://gw.test', paySimulator: true }, transport, socket });
  ctx.store.setSession(SESSION);
  ctx.api.token = SESSION.token;
  setContext(ctx);
  return { ctx, requests };
}

const coupon = (id: string, status: 'available' | 'used', name = '满50减8') => ({
  couponId: id,
  campaignId: id.split('-')[0]!,
  terms: { kind: 'threshold' as const, name, thresholdFen: 5000, minusFen: 800 },
  validFrom: T,
  validTo: T + 7 * DAY,
  status,
});

const CARD: MemberCard = {
  memberId: 'd_me',
  enrolled: true,
  level: 1,
  levelName: '银卡',
  points: 320,
  balanceFen: 5000,
  coupons: [coupon('lunch-1', 'available'), coupon('old-3', 'used', '新人券')],
  paidOrders: 2,
  checkIn: { lastDay: null, streak: 0 },
};

beforeEach(() => {
  stubWx();
});

describe('member page', () => {
  it('a diner without a card joins; the card shows level, points, stored value and coupons; check-in once a day', async () => {
    let card: MemberCard = { ...CARD, enrolled: false, coupons: [], points: 0, balanceFen: 0 };
    context({
      'GET /v1/diner/member': () => ({ status: 200, data: card }),
      'POST /v1/diner/member/enroll': () => {
        card = { ...CARD, earnedPoints: 100 };
        return { status: 200, data: card };
      },
      'POST /v1/diner/member/check-in': () =>
        card.checkIn.streak === 0
          ? ((card = { ...card, points: 325, earnedPoints: 5, checkIn: { lastDay: 1, streak: 1 } }), { status: 200, data: card })
          : { status: 409, data: { code: 'already_checked_in', message: 'today' } },
    });
    const c = render(loadDef('pages/member', memberPage));
    await page(c).onShow();
    expect(text(c, '.join-btn')).toEqual(['免费加入会员']);
    await tap(c, '.join-btn');
    expect(text(c, '.level')).toEqual(['银卡']);
    expect(text(c, '.points')).toEqual(['320']);
    expect(text(c, '.balance')).toEqual(['¥50.00']);
    expect(text(c, '.notice')).toEqual(['欢迎加入，送你 100 积分']);
    expect(text(c, '.coupon-name')).toEqual(['满50减8', '新人券']);
    expect(text(c, '.coupon.off .coupon-name')).toEqual(['新人券']);
    await tap(c, '.check-in');
    expect(text(c, '.notice')).toEqual(['签到成功，+5 积分']);
    expect(text(c, '.streak')).toEqual(['已连续签到 1 天']);
    await tap(c, '.check-in');
    expect(text(c, '.notice')).toEqual(['今天已经签到过了']);
    snapshot('member', c, 'pages/member');
  });
});

describe('coupon centre', () => {
  it('lists campaigns with what is left; a claim puts the coupon on the card; a drop taken is said in words', async () => {
    const campaigns = [
      { campaignId: 'lunch', name: '午市满减', total: 100, issued: 40, remaining: 60, open: true, def: { terms: { name: '满50减8' } } },
      { campaignId: 'flash', name: '开业快闪', total: 10, issued: 9, remaining: 1, open: true, def: { terms: { name: '无门槛减5元' } } },
    ];
    const claimed: string[] = [];
    context({
      'GET /v1/diner/coupon-centre': () => ({ status: 200, data: { campaigns } }),
      'GET /v1/diner/member': () => ({ status: 200, data: { ...CARD, coupons: claimed.map((id) => coupon(`${id}-1`, 'available')) } }),
      'POST /v1/diner/coupon-centre/lunch/claim': () => (claimed.push('lunch'), { status: 200, data: { card: CARD } }),
      'POST /v1/diner/coupon-centre/flash/claim': { status: 409, data: { code: 'campaign_exhausted', message: 'gone' } },
    });
    const c = render(loadDef('pages/coupons', couponsPage));
    await page(c).onShow();
    expect(text(c, '.campaign-name')).toEqual(['午市满减', '开业快闪']);
    expect(text(c, '.left')).toEqual(['剩余 60 张', '剩余 1 张']);
    expect(text(c, '.claim')).toEqual(['立即领取', '立即领取']);
    await tap(c, '.claim', 0);
    expect(text(c, '.notice')).toEqual(['领取成功，下单时自动使用最优惠的券']);
    expect(text(c, '.claim')).toEqual(['已领取', '立即领取']);
    await tap(c, '.claim', 1);
    expect(text(c, '.notice')).toEqual(['券已经被抢光了']);
    snapshot('coupons', c, 'pages/coupons');
  });
});

describe('confirm page with the member card', () => {
  const quote = {
    lines: [
      { lineNo: 1, skuId: 'mapo-doufu', spuId: 'mapo-doufu', name: '麻婆豆腐', spec: '', qty: 2, basePriceFen: 2200, options: [], unitPriceFen: 2400, amountFen: 4800, packagingFeeFen: 0, station: 'wok', prepTimeSec: 480 },
      { lineNo: 2, skuId: 'suanmei-tang', spuId: 'suanmei-tang', name: '酸梅汤', spec: '', qty: 1, basePriceFen: 800, options: [], unitPriceFen: 800, amountFen: 800, packagingFeeFen: 0, station: 'bar', prepTimeSec: 60 },
    ],
    itemsFen: 5600,
    packagingFeeFen: 0,
    deliveryFeeFen: 0,
    discountFen: 0,
    totalFen: 5600,
  };
  /** The gateway's checkout for a pay choice: the coupon always, points and stored value when asked. */
  const plan = (pay: { points: unknown; balanceFen: unknown }) => {
    const discounts = [
      { id: 'promo:tea', kind: 'promotion', label: '会员价', reason: '会员价 ×1', amountFen: 100, perLine: [0, 100] },
      { id: 'coupon:lunch-1', kind: 'coupon', label: '满50减8', reason: '满 50 减 8', amountFen: 800, perLine: [800, 0] },
      ...(pay.points === 'max' ? [{ id: 'points', kind: 'points', label: '积分抵扣', reason: '320 积分', amountFen: 320, perLine: [] }] : []),
    ];
    const discountFen = discounts.reduce((n, d) => n + d.amountFen, 0);
    const payableFen = 5600 - discountFen;
    const balanceFen = pay.balanceFen === 'max' ? Math.min(5000, payableFen) : 0;
    return { itemsFen: 5600, packagingFeeFen: 0, deliveryFeeFen: 0, subtotalFen: 5600, discounts, discountFen, payableFen, couponIds: ['lunch-1'], suggestedCouponIds: ['lunch-1'], points: pay.points === 'max' ? 320 : 0, pointsFen: pay.points === 'max' ? 320 : 0, balanceFen, wechatFen: payableFen - balanceFen, lineNetFen: [4000, 700] };
  };

  it('shows every discount with its reason; points and stored value switch on; the card pays it all and no WeChat Pay is asked', async () => {
    const order = { orderId: 'o_001_abcdefghijklmnopqrst', status: 'paid', totalFen: 4380, lines: quote.lines };
    const { requests, ctx } = context({
      'GET /v1/diner/member': { status: 200, data: CARD },
      'POST /v1/diner/quote': { status: 200, data: quote },
      'POST /v1/diner/checkout': (_req, body: { points: unknown; balanceFen: unknown }) => ({ status: 200, data: plan(body) }),
      'POST /v1/diner/orders': { status: 201, data: { order } },
    });
    ctx.store.setTable(TABLE);
    const nav = stubWx();
    const c = render(loadDef('pages/confirm', confirmPage));
    await page(c).onLoad();
    expect(text(c, '.discount-label')).toEqual(['会员价 · 会员价 ×1', '满50减8 · 满 50 减 8']);
    expect(text(c, '.discount-amount')).toEqual(['-¥1.00', '-¥8.00']);
    expect(text(c, '.total-amount')).toEqual(['¥47.00']);
    expect(text(c, '.wechat-amount')).toEqual(['¥47.00']);
    await tap(c, '.switch', 0);
    expect(text(c, '.discount-amount')).toEqual(['-¥1.00', '-¥8.00', '-¥3.20']);
    await tap(c, '.switch', 1);
    expect(text(c, '.total-amount')).toEqual(['¥43.80']);
    expect(text(c, '.wechat-amount')).toEqual(['¥0.00']);
    snapshot('confirm-member', c, 'pages/confirm');
    await page(c).submit();
    const placed = requests.find((r) => r.url.endsWith('/v1/diner/orders'))!;
    expect(JSON.parse(placed.body!)).toEqual({ pay: { couponIds: 'best', points: 'max', balanceFen: 'max' } });
    expect(requests.some((r) => r.url.includes('/pay'))).toBe(false);
    expect(nav.navigations).toEqual([`/pages/order/index?id=${order.orderId}`]);
  });
});
