/**
 * A delivery order from the phone on a real stack (NATS, Redis, engine, gateway with the WeChat Pay
 * and 顺丰同城 simulators; routing among four demo stores): the diner agrees to the location use,
 * picks the address on the map and saves it in the address book, is told which store will deliver
 * and how long it takes, places the order (routed by the gateway), pays through the simulator; the
 * store cooks it; the courier simulator's rider takes it; the tracking page follows it to the door.
 */
import './dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { seedDemo } from '@lunchrush/stack';
import { call, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import { AddressBook, locationConsent, pickLocation, wxStorage } from '../src/lib/address-book';
import { newIdempotencyKey } from '../src/lib/api';
import { AppContext, setContext } from '../src/lib/app-context';
import { trackPage } from '../src/pages/track/page';
import { loadDef, page, render, snapshot, stubWx, text } from './harness';

const HOME = { lng: 112.981, lat: 28.199 };
const SKU = 'yangzhou-chaofan';
let s: Stack;
let codes = 0;

/** wx.request bound to the real gateway; the location APIs answer as a diner who agrees and picks HOME. */
function bindWx(): { asked: string[] } {
  const asked: string[] = [];
  stubWx({
    login: (o: { success: (r: { code: string }) => void }) => o.success({ code: `mpdel${process.pid}-${++codes}` }),
    request: (o: any) => {
      fetch(o.url, { method: o.method, headers: o.header, ...(o.method === 'GET' ? {} : { body: o.data }) })
        .then(async (r) => {
          const body = await r.text();
          o.success({ statusCode: r.status, data: body === '' ? '' : JSON.parse(body), header: {} });
        })
        .catch((e: Error) => o.fail({ errMsg: `request:fail ${e.message}` }));
      return {};
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
  return { asked };
}

beforeAll(async () => {
  s = await startStack({ GATEWAY_ROUTING_STORES: '001,002,003,004', COURIER_SIMULATOR_STEP_MS: '20' });
  await seedDemo(s.client, { stores: 4 });
  for (const store of ['001', '002', '003', '004'])
    await s.client.send(store, 'stock', SKU, { type: 'set', available: 20, at: Date.now() });
}, 60_000);
afterAll(async () => {
  setContext(null);
  await s?.close();
});

describe('a delivery order from the phone', () => {
  it('address (consent, map) → quote → routed order → pay → cooked → rider → tracked to the door', async () => {
    const { asked } = bindWx();
    const ctx = new AppContext({ env: { version: 'develop', apiBase: s.url, paySimulator: true } });
    setContext(ctx);

    const book = new AddressBook(wxStorage());
    expect(await locationConsent()).toBe(true);
    expect(asked).toEqual(['privacy', 'scope.userLocation']);
    const picked = (await pickLocation())!;
    const home = book.add({ contact: '王女士', phone: '13800138000', ...picked });
    expect(book.list()).toEqual([home]);
    expect(() => book.add({ contact: '', phone: '123', ...picked })).toThrow('请填写联系人');

    await ctx.api.login(`mpdel${process.pid}-${++codes}`);
    const lines = [{ skuId: SKU, qty: 2 }];
    const quote = await ctx.api.deliveryQuote(home.location, lines);
    expect(quote).toMatchObject({ store: '003' });
    const order = await ctx.api.placeDelivery(newIdempotencyKey(), lines, home);
    expect(order.orderId).toMatch(/^o_003_/);
    await ctx.pay(order.orderId);

    const track = render(loadDef('pages/track', trackPage));
    await page(track).onLoad({ id: order.orderId });
    await waitFor(() => text(track, '.headline')[0] === '商家正在备餐', { what: 'the page shows the kitchen' });

    // The store accepts and cooks it (its staff, over HTTP): ready, so a rider is called.
    const token = staff(s, 'manager', '003');
    const base = `/v1/staff/stores/003/orders/${order.orderId}`;
    expect((await call(s.url, 'POST', `${base}/accept`, { token })).status).toBe(200);
    const detail = await ctx.api.order(order.orderId);
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
});
