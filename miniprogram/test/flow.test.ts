/**
 * The pages against a real stack on loopback (NATS, Redis, engine with the
 * restaurant actors, gateway with the WeChat Pay simulator; nothing mocked):
 * wx.request is bound to fetch and wx.connectSocket to a `ws` WebSocket. A diner
 * launches from a table QR, sees the menu, a friend's addition and a stock change
 * arrive live, adds a dish with options, confirms with server totals, pays through
 * the simulator, and watches staff accept and serve over the push, across a cut
 * connection; then reviews.
 */
import './dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@lunchrush/testkit';
import { call, login, staff, startStack, tableToken, type Stack } from '@lunchrush/stack/testing';
import { AppContext, setContext } from '../src/lib/app-context';
import { confirmPage } from '../src/pages/confirm/page';
import { menuPage } from '../src/pages/menu/page';
import { orderPage } from '../src/pages/order/page';
import { ordersPage } from '../src/pages/orders/page';
import { scanPage } from '../src/pages/scan/page';
import { loadDef, page, render, snapshot, stubWx, tap, text } from './harness';

let s: Stack;
const sockets: WebSocket[] = [];
let codes = 0;

/** wx.request / wx.connectSocket / wx.login bound to the real gateway. */
function bindWx(): { navigations: string[] } {
  return stubWx({
    login: (o: { success: (r: { code: string }) => void }) => o.success({ code: `mpflow${process.pid}-${++codes}` }),
    request: (o: any) => {
      fetch(o.url, { method: o.method, headers: o.header, ...(o.data === '' || o.method === 'GET' ? {} : { body: o.data }) })
        .then(async (r) => {
          const textBody = await r.text();
          let data: unknown = textBody;
          try {
            data = textBody === '' ? '' : JSON.parse(textBody);
          } catch {
            // not JSON
          }
          o.success({ statusCode: r.status, data, header: Object.fromEntries([...(r.headers as any)]) });
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
  });
}

beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  setContext(null);
  for (const ws of sockets) ws.terminate();
  await s?.close();
});

describe('a diner on the real gateway', () => {
  it('scan → menu (live cart and stock) → options → confirm → pay (simulator) → accepted and served live → review', async () => {
    const nav = bindWx();
    const ctx = new AppContext({ env: { version: 'develop', apiBase: s.url, paySimulator: true } });
    setContext(ctx);
    const table = tableToken(s, 4);

    // Launched from the printed code: WeChat hands the URL over as query.q.
    const scan = render(loadDef('pages/scan', scanPage));
    await page(scan).onLoad({ q: encodeURIComponent(`${s.url}/qr?t=${table.token}`) });
    expect(text(scan, '.error-text')).toEqual([]);
    expect(nav.navigations.at(-1)).toBe('/pages/menu/index');
    expect(ctx.store.session).toMatchObject({ storeId: '001', tableId: table.tableId });

    const menu = render(loadDef('pages/menu', menuPage));
    await page(menu).onLoad();
    expect(text(menu, '.cat').length).toBeGreaterThan(3);
    expect(text(menu, '.dish-name').some((n) => n.startsWith('麻婆豆腐'))).toBe(true);
    await waitFor(() => ctx.store.live && text(menu, '.live.on').length === 1, { what: 'the push to be live' });

    // A friend at the same table adds a dish through the API: it appears on this phone.
    const friend = await login(s);
    const friendScan = await call<{ sessionToken: string }>(s.url, 'POST', '/v1/diner/scan', { token: friend.token, body: { tableToken: table.token, partySize: 2 } });
    expect(friendScan.status).toBe(200);
    const friendToken = friendScan.body.sessionToken; // the scan's token names the table
    expect((await call(s.url, 'POST', '/v1/diner/table/cart', { token: friendToken, body: { lineId: 'friend-1', skuId: 'yuxiang-rousi', qty: 1 } })).status).toBe(201);
    await waitFor(() => text(menu, '.sum')[0] === '¥29.00', { what: "the friend's line on the menu page" });
    expect(text(menu, '.others')).toEqual([]); // the panel is closed; the bar shows the count
    expect(text(menu, '.count')).toEqual(['1']);

    // Stock changes on the engine arrive as sold-out / remaining marks.
    await s.client.send('001', 'stock', 'pai-huanggua', { type: 'set', available: 3, at: Date.now() });
    await waitFor(() => ctx.store.stock['pai-huanggua']?.available === 3, { what: 'the low level pushed' });
    await s.client.send('001', 'stock', 'pai-huanggua', { type: 'set', available: 0, at: Date.now() });
    await waitFor(() => text(menu, '.sold-out .dish-name').some((n) => n.startsWith('拍黄瓜')), { what: '拍黄瓜 marked sold out' });

    // 麻婆豆腐 with 特辣 through the dish sheet.
    const mapo = ctx.store.menu!.spus.find((x) => x.spuId === 'mapo-doufu')!;
    const pickIndex = menu.querySelectorAll('.pick').findIndex((el) => (el as any).dom.dataset?.spu === 'mapo-doufu' || (el as any).dom.getAttribute('data-spu') === 'mapo-doufu');
    expect(pickIndex).toBeGreaterThanOrEqual(0);
    await tap(menu, '.pick', pickIndex);
    const hot = mapo.optionGroups[0]!.choices.findIndex((c) => c.id === 'hot');
    await tap(menu, '.choice', hot);
    expect(text(menu, '.choice.active')[0]).toContain(mapo.optionGroups[0]!.choices[hot]!.name);
    await tap(menu, '.sheet .add');
    await waitFor(() => ctx.store.table?.cart.length === 2, { what: 'my line in the shared cart' });
    expect(text(menu, '.sum')).toEqual(['¥51.00']);
    await tap(menu, '.bag');
    expect(text(menu, '.cart-line .who')).toEqual(['同桌1', '我']);
    snapshot('flow-menu', menu, 'pages/menu', [[/data-line="[^"]*"/g, 'data-line="(cart line id)"']]);

    // Confirm: the server's quote, then place and pay through the simulator.
    const confirm = render(loadDef('pages/confirm', confirmPage));
    await page(confirm).onLoad();
    expect(text(confirm, '.total-amount')).toEqual(['¥51.00']);
    await page(confirm).submit();
    const orderUrl = nav.navigations.at(-1)!;
    expect(orderUrl).toMatch(/^\/pages\/order\/index\?id=o_001_/);
    const orderId = orderUrl.split('=')[1]!;

    const order = render(loadDef('pages/order', orderPage));
    await page(order).onLoad({ id: orderId });
    await waitFor(() => text(order, '.status')[0] === '已支付，等待接单', { what: 'paid on the order page' });

    // Staff accept: the diner sees it on the push.
    const waiter = staff(s, 'waiter');
    expect((await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/accept`, { token: waiter })).status).toBe(200);
    await waitFor(() => text(order, '.status')[0] === '后厨已接单', { what: 'accepted pushed to the diner' });
    // The push names the status; the buttons come with the read it sets off.
    await waitFor(() => text(order, '.act').includes('催单'), { what: 'urge offered once accepted' });

    // The connection drops: the client reconnects, subscribes again and starts from a snapshot.
    const snapshotsBefore = ctx.pushStats!.snapshots;
    sockets.at(-1)!.terminate();
    await waitFor(() => ctx.pushStats!.reconnects >= 1 && ctx.store.live && ctx.pushStats!.snapshots >= snapshotsBefore + 3, { what: 'reconnected with fresh snapshots' });
    expect((await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/serve`, { token: waiter })).status).toBe(200);
    await waitFor(() => text(order, '.status')[0] === '已上桌', { what: 'served pushed after the reconnect' });
    snapshot('flow-order', order, 'pages/order', [[/订单 [^ <]+ ·/g, '订单 (order no.) ·']]);

    // Completion is the order's own 30-minute timer; sent here as that timer would send it.
    await s.client.send('001', 'order', orderId, { type: 'complete', at: Date.now() });
    await waitFor(() => text(order, '.status')[0] === '已完成', { what: 'completed pushed' });
    await waitFor(() => text(order, '.act').includes('评价'), { what: 'review offered once completed' });
    // Review, then history.
    await page(order).openReview();
    await tap(order, '.star', 3);
    await page(order).review();
    expect(text(order, '.status')).toEqual(['已评价']);
    const history = render(loadDef('pages/orders', ordersPage));
    await page(history).onShow();
    expect(text(history, '.order .status')[0]).toBe('已评价');
    expect(text(history, '.order .total')[0]).toBe('¥51.00');
  });
});
