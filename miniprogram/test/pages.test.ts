// @vitest-environment jsdom
/**
 * Pages and the dish sheet in miniprogram-simulate, against an in-memory gateway
 * (the flow test uses the real one): rendering, spec and option selection, cart
 * totals, live cart and stock from the push, sold-out and error states. Writes the
 * HTML snapshots in test/snapshots/.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AppContext, setContext } from '../src/lib/app-context';
import type { SocketFactory, SocketLike } from '../src/lib/push';
import type { Store } from '../src/lib/store';
import { confirmPage } from '../src/pages/confirm/page';
import { menuPage } from '../src/pages/menu/page';
import { orderPage } from '../src/pages/order/page';
import { ordersPage } from '../src/pages/orders/page';
import { scanPage } from '../src/pages/scan/page';
import { dishSheet } from '../src/components/dish-sheet/sheet';
import { MENU, STOCK, TABLE, fakeGateway } from './fixtures';
import { flush, html, loadDef, page, render, snapshot, stubWx, tap, text } from './harness';

class FakeSocket implements SocketLike {
  sent: any[] = [];
  private handlers: { open?: () => void; message?: (t: string) => void; close?: (c: number) => void } = {};
  send(t: string): void {
    this.sent.push(JSON.parse(t));
  }
  close(): void {}
  onOpen(cb: () => void): void {
    this.handlers.open = cb;
  }
  onMessage(cb: (t: string) => void): void {
    this.handlers.message = cb;
  }
  onClose(cb: (c: number) => void): void {
    this.handlers.close = cb;
  }
  onError(): void {}
  open(): void {
    this.handlers.open?.();
  }
  frame(m: object): void {
    this.handlers.message?.(JSON.stringify(m));
  }
}

const SESSION = { token: 'ds_x', dinerId: 'd_me', storeId: '001', storeName: '湘川小馆·五一广场店', tableId: TABLE.tableId, tableLabel: 'A01', tableToken: 't1.k1.0010001000016.AAAAAAAAAAAAAAAAAAAAAA' };

function context(routes: Parameters<typeof fakeGateway>[0]): { ctx: AppContext; socket: FakeSocket; requests: ReturnType<typeof fakeGateway>['requests'] } {
  const { transport, requests } = fakeGateway(routes);
  const socket = new FakeSocket();
  const factory: SocketFactory = () => socket;
  const ctx = new AppContext({ env: { version: 'develop', apiBase: 'http://gw.test', paySimulator: true }, transport, socket: factory });
  ctx.store.setSession(SESSION);
  ctx.api.token = SESSION.token;
  setContext(ctx);
  return { ctx, socket, requests };
}

const menuRoutes = {
  'GET /v1/stores/001/menu': { status: 200, data: MENU },
  'GET /v1/stores/001/stock': { status: 200, data: STOCK },
  'GET /v1/diner/table': { status: 200, data: TABLE },
};

async function loadedMenu(routes = {}): Promise<{ c: ReturnType<typeof render>; ctx: AppContext; socket: FakeSocket; requests: any[] }> {
  const x = context({ ...menuRoutes, ...routes });
  const c = render(loadDef('pages/menu', menuPage));
  await page(c).onLoad();
  return { c, ...x };
}

beforeEach(() => {
  stubWx();
});

describe('menu page', () => {
  it('renders categories, dishes with allergens, calories, prep time, prices in yuan, sold-out and low-stock marks', async () => {
    const { c } = await loadedMenu();
    expect(text(c, '.cat')).toEqual(['热销', '招牌', '饮品']);
    expect(text(c, '.dish-name')).toEqual(['麻婆豆腐热销辣', '红烧牛肉面招牌', '酸梅汤新品', '可口可乐']);
    expect(text(c, '.price')).toEqual(['¥22.00', '¥26.00起', '¥8.00', '¥6.00']);
    expect(text(c, '.allergens')).toEqual(['含大豆', '含小麦']);
    expect(text(c, '.dish-facts')[0]).toBe('约 8 分钟 · 420 千卡');
    // Cola is out: last in its section, greyed, no add button; 酸梅汤 shows what remains.
    expect(text(c, '.sold-out .dish-name')).toEqual(['可口可乐']);
    expect(text(c, '.remaining')).toEqual(['仅剩 3 份']);
    expect(c.querySelectorAll('.plus')).toHaveLength(1);
    // The shared cart: 2 × 麻婆豆腐 (24.00 with 特辣 + 加蛋) and a friend's 酸梅汤.
    expect(text(c, '.sum')).toEqual(['¥56.00']);
    expect(text(c, '.count')).toEqual(['3']);
    expect(text(c, '.in-cart')).toEqual(['已点 2', '已点 1']);
    await tap(c, '.bag');
    expect(text(c, '.cart-line .who')).toEqual(['我', '同桌2']);
    expect(text(c, '.cart-line .opts')).toEqual(['特辣 / 加蛋']);
    expect(text(c, '.cart-line .line-amount')).toEqual(['¥48.00', '¥8.00']);
    expect(text(c, '.others')).toEqual(['（1 位同桌也在点）']);
    snapshot('menu', c, 'pages/menu');
  });

  it('other diners’ additions and stock levels arrive live on the push (snapshot then deltas, a gap resyncs)', async () => {
    const { c, socket } = await loadedMenu();
    socket.open();
    expect(socket.sent.map((m) => `${m.type} ${m.topic}`)).toEqual([`subscribe table:${TABLE.tableId}`, 'subscribe menu']);
    socket.frame({ type: 'snapshot', topic: `table:${TABLE.tableId}`, seq: 10, versions: {}, data: TABLE });
    socket.frame({ type: 'snapshot', topic: 'menu', seq: 3, versions: {}, data: { levels: Object.fromEntries(STOCK.skus.map((s) => [s.skuId, s])) } });
    const friendAdds = { ...TABLE, version: 5, cart: [...TABLE.cart, { ...TABLE.cart[1]!, lineId: 'fr-2', skuId: 'niurou-mian-s', name: '红烧牛肉面', spec: '小份', unitPriceFen: 2600 }] };
    socket.frame({ type: 'delta', topic: `table:${TABLE.tableId}`, seq: 11, key: `table:${TABLE.tableId}`, v: 5, data: friendAdds });
    expect(text(c, '.sum')).toEqual(['¥82.00']);
    expect(text(c, '.in-cart')).toEqual(['已点 2', '已点 1', '已点 1']);
    socket.frame({ type: 'delta', topic: 'menu', seq: 4, key: 'stock:mapo-doufu', v: 9, data: { kind: 'stock', skuId: 'mapo-doufu', level: 'out', available: 0, at: 1 } });
    expect(text(c, '.sold-out .dish-name')).toEqual(['麻婆豆腐热销辣', '可口可乐']);
    // A lost delta (seq 6 after 4): the client asks for a fresh snapshot and ignores deltas until it comes.
    socket.frame({ type: 'delta', topic: 'menu', seq: 6, key: 'stock:kekou-kele', v: 3, data: { kind: 'stock', skuId: 'kekou-kele', level: 'ok', available: 9, at: 2 } });
    expect(socket.sent.at(-1)).toEqual({ type: 'resync', topic: 'menu' });
    expect(text(c, '.sold-out .dish-name')).toContain('可口可乐');
  });

  it('spec and option selection in the dish sheet: defaults, min/max, switched-off choices, price, add', async () => {
    const { c, requests } = await loadedMenu({
      'POST /v1/diner/table/cart': (_r: unknown, body: any) => ({ status: 201, data: { lineId: body.lineId, table: { ...TABLE, version: 6 } } }),
    });
    await tap(c, '.pick', 0); // 麻婆豆腐
    expect(text(c, '.sheet .name')).toEqual(['麻婆豆腐']);
    expect(text(c, '.sheet .fact')).toEqual(['420 千卡', '约 8 分钟', '过敏原：大豆']);
    expect(text(c, '.choice.active')).toEqual(['微辣']); // required single pick starts on the first choice
    expect(text(c, '.sheet .total')).toEqual(['¥22.00']);
    await tap(c, '.choice', 1); // 特辣 replaces 微辣
    await tap(c, '.choice', 2); // 加蛋 +2
    await tap(c, '.choice', 3); // 加牛肉 +8
    await tap(c, '.choice', 4); // 加豆腐 is off: nothing
    expect(text(c, '.choice.active')).toEqual(['特辣', '加蛋+¥2', '加牛肉+¥8']);
    expect(text(c, '.choice.off')).toEqual(['加豆腐+¥3']);
    expect(text(c, '.sheet .total')).toEqual(['¥32.00']);
    await tap(c, '.sheet .inc');
    expect(text(c, '.sheet .total')).toEqual(['¥64.00']);
    snapshot('dish-sheet', c, 'pages/menu');
    await tap(c, '.sheet .add');
    const add = requests.find((r) => r.method === 'POST');
    expect(JSON.parse(add.body)).toMatchObject({ skuId: 'mapo-doufu', qty: 2, options: [{ group: 'spice', choice: 'hot' }, { group: 'extra', choice: 'egg' }, { group: 'extra', choice: 'beef' }] });
    expect(add.headers.authorization).toBe('Bearer ds_x');
  });

  it('a spec that is sold out cannot be picked; a dish whose every spec is out is marked and has no button', async () => {
    const { c } = await loadedMenu();
    await tap(c, '.pick', 1); // 红烧牛肉面: 大份 is out
    expect(text(c, '.sheet .choice')).toEqual(['小份 ¥26.00', '大份 ¥32.00售罄']);
    await tap(c, '.sheet .choice', 1);
    expect(text(c, '.sheet .choice.active')).toEqual(['小份 ¥26.00']);
    expect(text(c, '.sheet .add')).toEqual(['加入购物车']);
  });

  it('error state: the menu cannot load → words and a retry that works', async () => {
    let fail = true;
    const { c } = await loadedMenu({
      'GET /v1/stores/001/menu': () => (fail ? { status: 503, data: { code: 'overloaded', message: 'busy' } } : { status: 200, data: MENU }),
    });
    expect(text(c, '.state-text')).toEqual(['门店太忙了，请稍后重试']);
    snapshot('menu-error', c, 'pages/menu');
    fail = false;
    await page(c).retry();
    expect(text(c, '.cat')).toEqual(['热销', '招牌', '饮品']);
  });

  it('without a scanned table the menu says to scan', async () => {
    context(menuRoutes).ctx.store.setSession(null);
    const c = render(loadDef('pages/menu', menuPage));
    await page(c).onLoad();
    expect(text(c, '.state-text')).toEqual(['请先扫描桌上的二维码']);
  });
});

describe('dish sheet alone', () => {
  it('a required group left empty blocks the add button with its words', async () => {
    const id = loadDef('components/dish-sheet', dishSheet);
    const spu = { ...MENU.spus[0]!, optionGroups: [{ ...MENU.spus[0]!.optionGroups[0]!, max: 2, min: 2 }] };
    const c = render(id, { spu, stock: {}, show: true });
    expect(text(c, '.add')).toEqual(['辣度至少选2项']);
    expect(text(c, '.problem')).toEqual(['辣度至少选2项']);
    await tap(c, '.choice', 0);
    await tap(c, '.choice', 1);
    expect(text(c, '.add')).toEqual(['加入购物车']);
  });
});

describe('confirm page', () => {
  const quote = {
    lines: [
      { lineNo: 1, skuId: 'mapo-doufu', spuId: 'mapo-doufu', name: '麻婆豆腐', spec: '', qty: 2, basePriceFen: 2200, options: [{ group: 'spice', choice: 'hot', name: '特辣', priceDeltaFen: 0 }, { group: 'extra', choice: 'egg', name: '加蛋', priceDeltaFen: 200 }], unitPriceFen: 2400, amountFen: 4800, packagingFeeFen: 0, station: 'wok', prepTimeSec: 480 },
      { lineNo: 2, skuId: 'suanmei-tang', spuId: 'suanmei-tang', name: '酸梅汤', spec: '', qty: 1, basePriceFen: 800, options: [], unitPriceFen: 800, amountFen: 800, packagingFeeFen: 0, station: 'bar', prepTimeSec: 60 },
    ],
    itemsFen: 5600,
    packagingFeeFen: 0,
    deliveryFeeFen: 0,
    discountFen: 0,
    totalFen: 5600,
  };

  it('shows the server’s totals, places with an Idempotency-Key and pays through the simulator', async () => {
    const order = { orderId: 'o_001_abcdefghijklmnopqrst', status: 'pending_payment', totalFen: 5600, lines: quote.lines };
    const { requests, ctx } = context({
      'POST /v1/diner/quote': { status: 200, data: quote },
      'POST /v1/diner/orders': { status: 201, data: { order } },
      [`POST /v1/diner/orders/${order.orderId}/pay`]: { status: 200, data: { orderId: order.orderId, amountFen: 5600, prepayId: 'wx1', requestPayment: {}, simulator: { payUrl: '/v1/simulator/wechatpay/pay', body: { prepayId: 'wx1' } } } },
      'POST /v1/simulator/wechatpay/pay': { status: 200, data: { callbackStatus: 204 } },
    });
    ctx.store.setTable(TABLE);
    const nav = stubWx();
    const c = render(loadDef('pages/confirm', confirmPage));
    await page(c).onLoad();
    expect(text(c, '.line .amount')).toEqual(['¥48.00', '¥8.00']);
    expect(text(c, '.total-amount')).toEqual(['¥56.00']);
    snapshot('confirm', c, 'pages/confirm');
    await page(c).submit();
    const placed = requests.find((r) => r.url.endsWith('/v1/diner/orders'))!;
    expect(placed.headers['idempotency-key']).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toContain('POST /v1/simulator/wechatpay/pay');
    expect(nav.navigations).toEqual([`/pages/order/index?id=${order.orderId}`]);
  });

  it('sold out at placing: names each short dish and what remains', async () => {
    context({
      'POST /v1/diner/quote': { status: 200, data: quote },
      'POST /v1/diner/orders': { status: 409, data: { code: 'sold_out', message: 'sold out', details: { lines: [{ skuId: 'suanmei-tang', available: 0, qty: 1, lineId: 'fr-1' }, { skuId: 'mapo-doufu', available: 1, qty: 2, lineId: 'me-1' }] } } },
    }).ctx.store.setTable(TABLE);
    const c = render(loadDef('pages/confirm', confirmPage));
    await page(c).onLoad();
    await page(c).submit();
    expect(text(c, '.sold-title')).toEqual(['手慢了，部分菜品库存不足']);
    expect(text(c, '.sold-line')).toEqual(['酸梅汤：已售罄', '麻婆豆腐：仅剩 1 份，点了 2 份']);
    snapshot('confirm-sold-out', c, 'pages/confirm');
  });

  it('an empty cart and a network failure have their own states', async () => {
    context({ 'POST /v1/diner/quote': { status: 409, data: { code: 'empty_cart', message: 'empty' } } });
    const c = render(loadDef('pages/confirm', confirmPage));
    await page(c).onLoad();
    expect(text(c, '.state-text')).toEqual(['购物车是空的，先去点菜吧']);
    const { transport } = fakeGateway({});
    setContext(new AppContext({ env: { version: 'develop', apiBase: 'http://gw.test', paySimulator: true }, transport: () => transport({ method: 'GET', url: 'http://x/', headers: {} }).then(() => Promise.reject(new Error('ECONNREFUSED'))) }));
    const d = render(loadDef('pages/confirm', confirmPage));
    await page(d).onLoad();
    expect(html(d)).toContain('网络不太稳定，请稍后重试');
  });
});

describe('order, history and scan pages', () => {
  /** What the gateway answers as the order's diner actions at each status used here. */
  const ACTIONS: Record<string, string[]> = { paid: ['cancel', 'urge', 'refund'], sent_to_kitchen: ['urge', 'refund'] };
  const detail = (status: string): object => ({
    orderId: 'o_001_abcdefghijklmnopqrst', status, totalFen: 5600, deadline: 0, paidFen: 5600, refundedFen: 0, channel: 'dine_in', tableId: TABLE.tableId,
    lines: [{ lineNo: 1, skuId: 'mapo-doufu', spuId: 'mapo-doufu', name: '麻婆豆腐', spec: '', qty: 2, basePriceFen: 2200, options: [{ group: 'spice', choice: 'hot', name: '特辣', priceDeltaFen: 0 }], unitPriceFen: 2200, amountFen: 4400, packagingFeeFen: 0, station: 'wok', prepTimeSec: 480 }],
    itemsFen: 5600, packagingFeeFen: 0, deliveryFeeFen: 0, discountFen: 0, stations: [], refunds: [], urges: 0,
    dinerActions: ACTIONS[status] ?? [],
  });

  it('order status follows the push; the buttons follow the status; urge_too_soon is said in words', async () => {
    let status = 'paid';
    const { socket } = context({
      'GET /v1/diner/orders/o_001_abcdefghijklmnopqrst': () => ({ status: 200, data: detail(status) }),
      'POST /v1/diner/orders/o_001_abcdefghijklmnopqrst/urge': { status: 409, data: { code: 'urge_too_soon', message: 'later', details: { retryAt: 1 } } },
    });
    const c = render(loadDef('pages/order', orderPage));
    await page(c).onLoad({ id: 'o_001_abcdefghijklmnopqrst' });
    expect(text(c, '.status')).toEqual(['已支付，等待接单']);
    expect(text(c, '.act')).toEqual(['催单', '取消订单', '继续点餐']);
    socket.open();
    socket.frame({ type: 'snapshot', topic: 'order:o_001_abcdefghijklmnopqrst', seq: 1, versions: {}, data: detail('paid') });
    status = 'sent_to_kitchen';
    socket.frame({ type: 'delta', topic: 'order:o_001_abcdefghijklmnopqrst', seq: 2, key: 'order:o_001_abcdefghijklmnopqrst', v: 5, data: { kind: 'order', orderId: 'o_001_abcdefghijklmnopqrst', status, seq: 5, events: ['Accepted'], at: 1 } });
    expect(text(c, '.status')).toEqual(['后厨已接单']);
    // The push names the status; the buttons come with the read it sets off.
    expect(text(c, '.act')).toEqual(['继续点餐']);
    await flush();
    expect(text(c, '.act')).toEqual(['催单', '申请退款', '继续点餐']);
    expect(text(c, '.live')).toEqual(['● 状态实时更新']);
    await page(c).urge();
    expect(text(c, '.notice')).toEqual(['刚刚催过单了，请稍后再催']);
    snapshot('order', c, 'pages/order');
  });

  it('history lists orders, and says so when there are none', async () => {
    context({ 'GET /v1/diner/orders': { status: 200, data: { orders: [detail('served'), detail('cancelled')] } } });
    const c = render(loadDef('pages/orders', ordersPage));
    await page(c).onShow();
    expect(text(c, '.order .status')).toEqual(['已上桌', '已取消']);
    expect(text(c, '.order .total')).toEqual(['¥56.00', '¥56.00']);
    snapshot('orders', c, 'pages/orders');
    context({ 'GET /v1/diner/orders': { status: 200, data: { orders: [] } } });
    const e = render(loadDef('pages/orders', ordersPage));
    await page(e).onShow();
    expect(text(e, '.state-text')).toEqual(['还没有订单']);
  });

  it('scan: a QR that is not a table code is refused in words; a forged token shows the gateway’s refusal', async () => {
    const { ctx } = context({ 'POST /v1/diner/login': { status: 200, data: { sessionToken: 'ds_y', dinerId: 'd_y', expiresInS: 60 } }, 'POST /v1/diner/scan': { status: 401, data: { code: 'invalid_qr_token', message: 'bad' } } });
    ctx.store.setSession(null);
    stubWx({
      scanCode: (o: { success: (r: { result: string }) => void }) => o.success({ result: 'https://example.com/not-ours' }),
      login: (o: { success: (r: { code: string }) => void }) => o.success({ code: 'tester-1' }),
    });
    const c = render(loadDef('pages/scan', scanPage));
    await page(c).onLoad({});
    await page(c).scan();
    expect(text(c, '.error-text')).toEqual(['这不是本店的点餐码，请扫描桌上的二维码']);
    await page(c).onLoad({ q: encodeURIComponent('http://gw.test/qr?t=t1.k1.0010001000016.AAAAAAAAAAAAAAAAAAAAAA') });
    expect(text(c, '.error-text')).toEqual(['二维码无效，请扫描桌上的点餐码']);
    snapshot('scan-error', c, 'pages/scan');
  });
});

export type { Store };
