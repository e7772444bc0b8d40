/**
 * A delivery order from the phone's pages on a real stack (NATS, Redis, engine, gateway with the
 * WeChat Pay and 顺丰同城 simulators; routing among four demo stores), `wx.request` bound to fetch and
 * `wx.connectSocket` to ws: on 收货地址 the diner agrees to the location use, picks the place on the
 * map and names the contact; the menu opens in delivery mode with the store the gateway would route
 * it to, its quoted wait and fee (and 到店自取 beside it); a dish into the phone's cart; 确认订单 with
 * the delivery time; placed (routed by the gateway) and paid through the simulator; the store cooks
 * it (staff over HTTP); the courier simulator's rider takes it; the tracking page follows it live on
 * the push socket (`?store=`, the diner has no table) to 已送达.
 */
import './dom';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { seedDemo } from '@lunchrush/stack';
import { call, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import { AddressBook, wxStorage } from '../src/lib/address-book';
import { AppContext, setContext } from '../src/lib/app-context';
import { addressPage } from '../src/pages/address/page';
import { checkoutPage } from '../src/pages/checkout/page';
import { menuPage } from '../src/pages/menu/page';
import { trackPage } from '../src/pages/track/page';
import { loadDef, page, render, snapshot, stubWx, tap, text, type Rendered } from './harness';

const HOME = { lng: 112.981, lat: 28.199 };
const PLACE = '长沙市芙蓉区黄兴中路 88 号 黄兴广场';
const SKU = 'yangzhou-chaofan';
let s: Stack;
const sockets: WebSocket[] = [];
let codes = 0;

/** wx.request and wx.connectSocket bound to the real gateway; the location APIs answer as a diner who agrees and picks HOME. */
function bindWx(): { asked: string[]; navigations: string[] } {
  const asked: string[] = [];
  const { navigations } = stubWx({
    login: (o: { success: (r: { code: string }) => void }) => o.success({ code: `mpdel${process.pid}-${++codes}` }),
    request: (o: any) => {
      fetch(o.url, { method: o.method, headers: o.header, ...(o.method === 'GET' || o.data === '' ? {} : { body: o.data }) })
        .then(async (r) => {
          const body = await r.text();
          o.success({ statusCode: r.status, data: body === '' ? '' : JSON.parse(body), header: {} });
        })
        .catch((e: Error) => o.fail({ errMsg: `request:fail ${e.message}` }));
      return {};
    },
    connectSocket: (o: { url: string; header: Record<string, string> }) => {
      const ws = new WebSocket(o.url, { headers: o.header });
      sockets.push(ws);
      return {
        send: (m: { data: string }) => ws.send(m.data),
        close: (m: { code: number; reason: string }) => ws.close(m.code, m.reason),
        onOpen: (cb: () => void) => ws.on('open', () => cb()),
        onMessage: (cb: (m: { data: string }) => void) => ws.on('message', (d: Buffer) => cb({ data: d.toString('utf8') })),
        onClose: (cb: (r: { code: number }) => void) => ws.on('close', (code) => cb({ code })),
        onError: (cb: (e: { errMsg: string }) => void) => ws.on('error', (e) => cb({ errMsg: e.message })),
      };
    },
    requirePrivacyAuthorize: (o: { success(): void }) => {
      asked.push('privacy');
      o.success();
    },
    authorize: (o: { scope: string; success(): void }) => {
      asked.push(o.scope);
      o.success();
    },
    chooseLocation: (o: { success(r: object): void }) =>
      o.success({ name: '黄兴广场', address: '长沙市芙蓉区黄兴中路 88 号', longitude: HOME.lng, latitude: HOME.lat }),
  });
  return { asked, navigations };
}

const query = (url: string): Record<string, string> => Object.fromEntries(new URL(url, 'http://x').searchParams);

beforeAll(async () => {
  s = await startStack({ GATEWAY_ROUTING_STORES: '001,002,003,004', COURIER_SIMULATOR_STEP_MS: '20' });
  await seedDemo(s.client, { stores: 4 });
  for (const store of ['001', '002', '003', '004'])
    await s.client.send(store, 'stock', SKU, { type: 'set', available: 20, at: Date.now() });
}, 60_000);
afterAll(async () => {
  setContext(null);
  for (const ws of sockets) ws.terminate();
  await s?.close();
});

/** 收货地址: consent, the map, the contact; saving opens the delivery menu for it. */
async function addAddress(wxs: { asked: string[]; navigations: string[] }): Promise<string> {
  const addr = render(loadDef('pages/address', addressPage));
  page(addr).onLoad();
  expect(text(addr, '.consent-title')).toEqual(['使用你的位置信息']);
  snapshot('address-consent', addr, 'pages/address');
  await tap(addr, '.consent .btn');
  await waitFor(() => text(addr, '.value')[0] === PLACE, { what: 'the place picked on the map' });
  expect(wxs.asked).toEqual(['privacy', 'scope.userLocation']);
  await tap(addr, '.save');
  expect(text(addr, '.error')).toEqual(['请填写联系人']);
  page(addr).inputContact({ detail: { value: '王女士' } });
  page(addr).inputPhone({ detail: { value: '13800138000' } });
  await tap(addr, '.save');
  expect(text(addr, '.addr-text')).toEqual([PLACE]);
  expect(text(addr, '.addr-who')).toEqual(['王女士 138****8000']);
  snapshot('address', addr, 'pages/address', [[/data-id="a\w+"/g, 'data-id="a····"']]);
  const url = wxs.navigations.at(-1)!;
  expect(url).toMatch(/^\/pages\/menu\/index\?mode=delivery&address=a\w+$/);
  return url;
}

/** The menu in delivery mode: the routed store, its wait and fee, 到店自取, a dish into the cart. */
async function chooseDishes(menuUrl: string, navigations: string[]): Promise<Rendered> {
  const menu = render(loadDef('pages/menu', menuPage));
  await page(menu).onLoad(query(menuUrl));
  await waitFor(() => text(menu, '.quote-line .eta')[0]?.startsWith('约 '), { what: 'the delivery menu with its quote' });
  expect(text(menu, '.deliver-to')[0]).toBe(`送至 ${PLACE}更换 ›`);
  expect(text(menu, '.quote-line .eta')[0]).toMatch(/^约 \d+ 分钟送达$/);
  expect(text(menu, '.quote-line .fee')[0]).toMatch(/^配送费 ¥\d+\.\d\d$/);
  expect(text(menu, '.quote-line .min')).toEqual(['起送 ¥20.00']);
  expect(text(menu, '.go')).toEqual(['去结算']);
  await tap(menu, '.channel', 1);
  expect(text(menu, '.quote-line .eta')[0]).toMatch(/^约 \d+ 分钟可取$/);
  expect(text(menu, '.store-address')[0]).not.toBe('');
  await tap(menu, '.channel', 0);
  const plus = menu.querySelectorAll('.plus').findIndex((el) => (el as any).dom.getAttribute('data-spu') === SKU);
  expect(plus).toBeGreaterThanOrEqual(0);
  await tap(menu, '.plus', plus);
  await tap(menu, '.bag');
  await tap(menu, '.inc');
  expect(text(menu, '.cart-head')).toEqual(['购物车']);
  expect(text(menu, '.qty')).toEqual(['2']);
  expect(text(menu, '.sum')).toEqual(['¥44.00']);
  snapshot('menu-delivery', menu, 'pages/menu', [
    [/约 \d+ 分钟送达/g, '约 ·· 分钟送达'],
    [/data-line="[^"]+"/g, 'data-line="····"'],
  ]);
  await tap(menu, '.go');
  expect(navigations.at(-1)).toBe('/pages/checkout/index');
  return menu;
}

describe('a delivery order from the phone', () => {
  it('address (consent, map) → delivery menu (store, wait, fee) → checkout with the time → routed, paid → cooked → rider → tracked live to the door', async () => {
    const wxs = bindWx();
    const ctx = new AppContext({ env: { version: 'develop', apiBase: s.url, paySimulator: true } });
    setContext(ctx);
    const menuUrl = await addAddress(wxs);
    const menu = await chooseDishes(menuUrl, wxs.navigations);
    const storeName = (page(menu).data as { head: { storeName: string } }).head.storeName;
    expect(storeName).not.toBe('');

    const co = render(loadDef('pages/checkout', checkoutPage));
    await page(co).onLoad();
    expect(text(co, '.to-address')).toEqual([PLACE]);
    expect(text(co, '.to-who')).toEqual(['王女士 138****8000']);
    expect(text(co, '.time-label')).toEqual(['送达时间']);
    expect(text(co, '.time-value')[0]).toMatch(/^尽快送达 · 预计 \d\d:\d\d 送达$/);
    expect(text(co, '.store-row')).toEqual([`${storeName}为你配送`]);
    expect(text(co, '.amount')).toEqual(['¥44.00']);
    snapshot('checkout-delivery', co, 'pages/checkout', [[/\d\d:\d\d/g, '12:30']]);
    await tap(co, '.pay');
    await waitFor(() => wxs.navigations.at(-1)?.startsWith('/pages/track/index?id='), { what: 'placed and paid' });
    const orderId = query(wxs.navigations.at(-1)!).id!;
    expect(orderId).toMatch(/^o_003_/);

    const track = render(loadDef('pages/track', trackPage));
    await page(track).onLoad({ id: orderId });
    await waitFor(() => text(track, '.headline')[0] === '商家正在备餐', { what: 'the page shows the kitchen' });
    await waitFor(() => sockets.some((w) => w.url.endsWith('/ws?store=003') && w.readyState === WebSocket.OPEN), {
      what: "the tracking page's socket, naming the order's store",
    });

    // The store accepts and cooks it (its staff, over HTTP): ready, so a rider is called.
    const token = staff(s, 'manager', '003');
    const base = `/v1/staff/stores/003/orders/${orderId}`;
    expect((await call(s.url, 'POST', `${base}/accept`, { token })).status).toBe(200);
    const detail = await ctx.api.order(orderId);
    for (const st of detail.stations)
      expect((await call(s.url, 'POST', `${base}/stations/${st.station}/bump`, { token })).status).toBe(200);

    await waitFor(() => text(track, '.headline')[0] === '已送达，祝你用餐愉快', {
      what: 'the tracking page at the door',
      timeoutMs: 30_000,
    });
    expect(text(track, '.rider-name')[0]).toMatch(/^骑手 .+师傅$/);
    snapshot('track', track, 'pages/track', [
      [/订单 \S{4}/g, '订单 ····'],
      [/骑手 \S+师傅/g, '骑手 ·师傅'],
    ]);
    page(track).onUnload();
  });

  it('到店自取: the same menu and checkout place a pickup at the quoted store, paid', async () => {
    const wxs = bindWx();
    const ctx = new AppContext({ env: { version: 'develop', apiBase: s.url, paySimulator: true } });
    setContext(ctx);
    // A fresh phone (wx storage is the test's): the address saved as the address page saves it.
    const id = new AddressBook(wxStorage()).add({ contact: '王女士', phone: '13800138000', address: PLACE, location: HOME }).id;
    const menu = render(loadDef('pages/menu', menuPage));
    await page(menu).onLoad({ mode: 'delivery', address: id });
    await waitFor(() => text(menu, '.quote-line .eta')[0]?.startsWith('约 '), { what: 'the delivery menu' });
    await tap(menu, '.channel', 1);
    const plus = menu.querySelectorAll('.plus').findIndex((el) => (el as any).dom.getAttribute('data-spu') === SKU);
    await tap(menu, '.plus', plus);
    await tap(menu, '.go');
    const co = render(loadDef('pages/checkout', checkoutPage));
    await page(co).onLoad();
    expect(text(co, '.to-label')).toEqual(['到店自取']);
    expect(text(co, '.time-label')).toEqual(['取餐时间']);
    expect(text(co, '.time-value')[0]).toMatch(/^尽快出餐 · 预计 \d\d:\d\d 可取$/);
    await tap(co, '.pay');
    await waitFor(() => wxs.navigations.at(-1)?.startsWith('/pages/track/index?id='), { what: 'placed and paid' });
    const orderId = query(wxs.navigations.at(-1)!).id!;
    const order = await ctx.api.order(orderId);
    expect(order).toMatchObject({ channel: 'takeaway', status: 'paid' });
    expect(orderId).toMatch(/^o_003_/);
    // The store cooks it; the page says when to come.
    const track = render(loadDef('pages/track', trackPage));
    await page(track).onLoad({ id: orderId });
    const token = staff(s, 'manager', '003');
    const base = `/v1/staff/stores/003/orders/${orderId}`;
    expect((await call(s.url, 'POST', `${base}/accept`, { token })).status).toBe(200);
    for (const st of (await ctx.api.order(orderId)).stations)
      expect((await call(s.url, 'POST', `${base}/stations/${st.station}/bump`, { token })).status).toBe(200);
    await waitFor(() => text(track, '.headline')[0] === '餐已备好，请到店取餐', { what: 'the pickup ready, live' });
    page(track).onUnload();
  });
});
