// @vitest-environment jsdom
/**
 * The delivery pages in miniprogram-simulate against an in-memory gateway (the flow test drives
 * them on the real one): the address book when the diner refuses the location use and when an
 * address is removed; the delivery menu without an address, where no store delivers, and below
 * the store's minimum; the checkout when the quote moved to another store and when a dish sold out
 * meanwhile; the tracking page following the order's push (rider steps, a stale one dropped, done
 * at the door).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AppContext, setContext } from '../src/lib/app-context';
import { AddressBook, wxStorage } from '../src/lib/address-book';
import type { DeliveryQuote } from '../src/lib/delivery-types';
import type { SocketFactory, SocketLike } from '../src/lib/push';
import { addressPage } from '../src/pages/address/page';
import { checkoutPage } from '../src/pages/checkout/page';
import { menuPage } from '../src/pages/menu/page';
import { trackPage } from '../src/pages/track/page';
import { MENU, STOCK, fakeGateway } from './fixtures';
import { flush, loadDef, page, render, stubWx, tap, text } from './harness';

class FakeSocket implements SocketLike {
  sent: { type: string; topic?: string }[] = [];
  url = '';
  private handlers: { open?: () => void; message?: (t: string) => void } = {};
  send(t: string): void {
    this.sent.push(JSON.parse(t) as { type: string; topic?: string });
  }
  close(): void {}
  onOpen(cb: () => void): void {
    this.handlers.open = cb;
  }
  onMessage(cb: (t: string) => void): void {
    this.handlers.message = cb;
  }
  onClose(): void {}
  onError(): void {}
  open(): void {
    this.handlers.open?.();
  }
  frame(m: object): void {
    this.handlers.message?.(JSON.stringify(m));
  }
}

const HOME = { lng: 112.981, lat: 28.199 };
const QUOTE: DeliveryQuote = {
  store: '001',
  storeName: '湘川小馆·五一广场店',
  storeAddress: '长沙市芙蓉区五一大道 1 号',
  distanceM: 900,
  kitchenMin: 12,
  rideMin: 8,
  etaMin: 20,
  feeFen: 300,
  minOrderFen: 2000,
  freeOverFen: 8800,
  of: 2,
};

function context(routes: Parameters<typeof fakeGateway>[0]): { ctx: AppContext; socket: FakeSocket } {
  const { transport } = fakeGateway(routes);
  const socket = new FakeSocket();
  const factory: SocketFactory = (url) => {
    socket.url = url;
    return socket;
  };
  const ctx = new AppContext({ env: { version: 'develop', apiBase: 'http://gw.test', paySimulator: true }, transport, socket: factory });
  ctx.api.token = 'ds_x';
  setContext(ctx);
  return { ctx, socket };
}

/** The index of a dish's ＋ (one SKU, no choices to make). */
const plusOf = (c: ReturnType<typeof render>, spu: string): number =>
  c.querySelectorAll('.plus').findIndex((el) => {
    const d = (el as any).dom as { dataset?: Record<string, string>; getAttribute(n: string): string | null };
    return d.dataset?.spu === spu || d.getAttribute('data-spu') === spu;
  });

const saveHome = (): string =>
  new AddressBook(wxStorage()).add({ contact: '王女士', phone: '13800138000', address: '黄兴中路 88 号', location: HOME }).id;

const menuRoutes = (quote: { status: number; data?: unknown }) => ({
  'POST /v1/diner/delivery/quote': quote,
  'GET /v1/stores/001/menu': { status: 200, data: MENU },
  'GET /v1/stores/001/stock': { status: 200, data: STOCK },
});

let asked: string[];
beforeEach(() => {
  asked = [];
  stubWx({
    requirePrivacyAuthorize: (o: { success(): void }) => {
      asked.push('privacy');
      o.success();
    },
    authorize: (o: { scope: string; fail(): void }) => {
      asked.push(o.scope);
      o.fail();
    },
    chooseLocation: () => asked.push('map'),
  });
});

describe('收货地址', () => {
  it('the diner refuses the location use: said in words, no map; a saved address can be removed', async () => {
    const c = render(loadDef('pages/address', addressPage));
    page(c).onLoad();
    await tap(c, '.consent .btn');
    expect(asked).toEqual(['privacy', 'scope.userLocation']);
    expect(text(c, '.error')).toEqual(['没有位置授权就无法选择收货地址，可在「设置」中重新开启']);
    expect(text(c, '.consent-title')).toEqual(['使用你的位置信息']);

    saveHome();
    await tap(c, '.cancel');
    expect(text(c, '.addr-who')).toEqual(['王女士 138****8000']);
    await tap(c, '.addr-remove');
    expect(text(c, '.addr')).toEqual([]);
    expect(text(c, '.state-text')).toEqual(['还没有收货地址，添加一个吧']);
  });
});

describe('the delivery menu', () => {
  it('without an address, and where no store delivers, says so', async () => {
    context(menuRoutes({ status: 409, data: { code: 'no_store_available', message: 'none' } }));
    const c = render(loadDef('pages/menu', menuPage));
    await page(c).onLoad({ mode: 'delivery' });
    expect(text(c, '.state-text')).toEqual(['请先选择收货地址']);
    await page(c).onLoad({ mode: 'delivery', address: saveHome() });
    expect(text(c, '.state-text')).toEqual(['这个地址附近暂时没有门店能送达']);
  });

  it('below the minimum the button says what is short and goes nowhere; 到店自取 has none', async () => {
    context(menuRoutes({ status: 200, data: QUOTE }));
    const c = render(loadDef('pages/menu', menuPage));
    await page(c).onLoad({ mode: 'delivery', address: saveHome() });
    expect(text(c, '.quote-line')).toEqual(['约 20 分钟送达配送费 ¥3.00起送 ¥20.00满 ¥88.00 免配送费']);
    await tap(c, '.plus', plusOf(c, 'suanmei-tang'));
    expect(text(c, '.go')).toEqual(['差 ¥12.00 起送']);
    const nav = stubWx();
    await tap(c, '.go');
    expect(nav.navigations).toEqual([]);
    await tap(c, '.channel', 1);
    expect(text(c, '.go')).toEqual(['去结算']);
    expect(text(c, '.quote-line .eta')).toEqual(['约 12 分钟可取']);
  });
});

describe('the delivery menu, live', () => {
  it("follows the quoted store's stock on a socket naming it: a dish sold out meanwhile is marked", async () => {
    const { socket } = context(menuRoutes({ status: 200, data: QUOTE }));
    const c = render(loadDef('pages/menu', menuPage));
    await page(c).onLoad({ mode: 'delivery', address: saveHome() });
    expect(socket.url).toBe('ws://gw.test/ws?store=001');
    socket.open();
    expect(socket.sent).toContainEqual({ type: 'subscribe', topic: 'menu' });
    expect(plusOf(c, 'suanmei-tang')).toBeGreaterThanOrEqual(0);
    const levels = { 'suanmei-tang': { level: 'ok', available: 3 } };
    socket.frame({ type: 'snapshot', topic: 'menu', seq: 1, versions: {}, data: { levels } });
    const out = { kind: 'stock', skuId: 'suanmei-tang', level: 'out', available: 0, v: 9, at: 1 };
    socket.frame({ type: 'delta', topic: 'menu', seq: 2, key: 'stock:suanmei-tang', v: 9, data: out });
    expect(plusOf(c, 'suanmei-tang')).toBe(-1);
    expect(text(c, '.sold-mark')).toContain('已售罄');
    page(c).onUnload();
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe', topic: 'menu' });
  });
});

describe('确认订单 (delivery)', () => {
  it('the store moved since the menu is said; a dish sold out meanwhile is said in words', async () => {
    const moved = { ...QUOTE, store: '012', storeName: '湘川小馆·南门口店' };
    let quotes = 0;
    context({
      ...menuRoutes({ status: 200, data: QUOTE }),
      'POST /v1/diner/delivery/quote': () => ({ status: 200, data: quotes++ === 0 ? QUOTE : moved }),
      'POST /v1/diner/orders': { status: 409, data: { code: 'sold_out', message: 'sold out' } },
    });
    const menu = render(loadDef('pages/menu', menuPage));
    await page(menu).onLoad({ mode: 'delivery', address: saveHome() });
    for (let n = 0; n < 3; n++) await tap(menu, '.plus', plusOf(menu, 'suanmei-tang'));
    const c = render(loadDef('pages/checkout', checkoutPage));
    await page(c).onLoad();
    expect(text(c, '.moved')).toEqual(['门店繁忙，已为你改由 湘川小馆·南门口店 制作']);
    expect(text(c, '.total-amount')).toEqual(['¥27.00']);
    await tap(c, '.pay');
    expect(text(c, '.error')).toEqual(['有菜品已售罄，请调整后再下单']);
    expect(text(c, '.pay')).toEqual(['重试']);
  });
});

describe('配送跟踪', () => {
  it("follows the order's push: the rider's steps, a stale one dropped, done at the door", async () => {
    const id = 'o_003_abcdefghijklmnopqrst';
    const order = { orderId: id, status: 'ready', channel: 'delivery' };
    const { socket } = context({
      [`GET /v1/diner/orders/${id}`]: { status: 200, data: order },
      [`GET /v1/diner/orders/${id}/delivery`]: { status: 404, data: { code: 'delivery_not_found', message: 'not yet' } },
    });
    const c = render(loadDef('pages/track', trackPage));
    await page(c).onLoad({ id });
    expect(text(c, '.headline')).toEqual(['商家正在备餐']);
    expect(socket.url).toBe('ws://gw.test/ws?store=003');
    socket.open();
    expect(socket.sent).toContainEqual({ type: 'subscribe', topic: `order:${id}` });
    socket.frame({ type: 'snapshot', topic: `order:${id}`, seq: 1, versions: {}, data: order });
    await flush();
    const rider = { name: '张师傅', phone: '13800000001' };
    /** The topic's delta `n` (after the snapshot's 1): the delivery's step `v`. */
    const step = (n: number, v: number, status: string, position: object | null) => ({
      type: 'delta',
      topic: `order:${id}`,
      seq: n,
      key: `courier:${id}`,
      v,
      data: { kind: 'courier', orderId: id, status, attempt: 1, rider, position, tipFen: 0, seq: v, events: [], at: 1 },
    });
    socket.frame(step(2, 2, 'accepted', { lng: 112.98, lat: 28.2 }));
    expect(text(c, '.headline')).toEqual(['骑手已接单，正赶往门店']);
    expect(text(c, '.rider-name')).toEqual(['骑手 张师傅']);
    socket.frame(step(3, 4, 'picked_up', { lng: 112.981, lat: 28.199 }));
    expect(text(c, '.headline')).toEqual(['骑手已取餐，正在配送']);
    socket.frame(step(4, 3, 'arrived', null));
    expect(text(c, '.headline')).toEqual(['骑手已取餐，正在配送']);
    socket.frame(step(5, 5, 'delivered', HOME));
    expect(text(c, '.headline')).toEqual(['已送达，祝你用餐愉快']);
    expect(socket.sent.at(-1)).toEqual({ type: 'unsubscribe', topic: `order:${id}` });
    page(c).onUnload();
  });
});
