/**
 * Recommendations in the menu page against the real stack: a model published to the KV
 * bucket (the test stands in for analytics' training job) is served by the gateway; the page
 * shows 为你推荐 and 热销榜, the cart's 常一起点 follow what the table adds, a tap puts the dish
 * in the shared cart, and what was shown and tapped is stored for analytics.
 */
import './dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { waitFor } from '@lunchrush/testkit';
import { LogReader, decodeRecord } from '@lunchrush/engine/log';
import { names } from '@lunchrush/engine/names';
import { RECO_EVENTS_STREAM, type RecoEvent, type RecoModel } from '@lunchrush/actors';
import { recoBucket, recoModelKey } from '@lunchrush/actors/wire';
import { call, startStack, tableToken, type Stack } from '@lunchrush/stack/testing';
import { AppContext, setContext } from '../src/lib/app-context';
import { menuPage } from '../src/pages/menu/page';
import { scanPage } from '../src/pages/scan/page';
import { loadDef, page, render, stubWx, tap, text } from './harness';

let s: Stack;
let codes = 0;

const HOT: [string, number][] = [
  ['mapo-doufu', 40],
  ['mifan-l', 30],
  ['yuxiang-rousi', 20],
];
const MODEL: RecoModel = {
  v: 1,
  scope: '001',
  builtAt: 7,
  trainedFrom: '2026-09-01',
  trainedTo: '2026-11-30',
  orders: 1000,
  cf: { all: { 'kele-jichi': [['kekou-kele', 0.6], ['fanqie-chaodan', 0.3]] } },
  slope: {},
  hot: Object.fromEntries(Array.from({ length: 24 }, (_, h) => [String(h), HOT])),
  content: {},
};

/** wx.request bound to fetch, wx.login to a fresh code; no push socket needed here. */
function bindWx(): { navigations: string[] } {
  return stubWx({
    login: (o: { success: (r: { code: string }) => void }) => o.success({ code: `mpreco${process.pid}-${++codes}` }),
    request: (o: any) => {
      fetch(o.url, { method: o.method, headers: o.header, ...(o.data === '' || o.method === 'GET' ? {} : { body: o.data }) })
        .then(async (r) => {
          const body = await r.text();
          o.success({ statusCode: r.status, data: body === '' ? '' : JSON.parse(body), header: Object.fromEntries([...(r.headers as any)]) });
        })
        .catch((e: Error) => o.fail({ errMsg: `request:fail ${e.message}` }));
      return {};
    },
    connectSocket: () => ({ send() {}, close() {}, onOpen() {}, onMessage() {}, onClose() {}, onError() {} }),
  });
}

async function storedEvents(): Promise<RecoEvent[]> {
  const reader = new LogReader(s.t.nc, names(s.t.ns).outputStream(RECO_EVENTS_STREAM));
  const b = await reader.bounds();
  const out: RecoEvent[] = [];
  if (b === null || b.last < b.first) return out;
  for await (const m of reader.read({ from: b.first, to: b.last })) {
    const r = decodeRecord(m.data);
    if (r.k === 'b') for (const e of r.x) out.push(...((e.ev ?? []) as RecoEvent[]));
  }
  return out;
}

beforeAll(async () => {
  s = await startStack();
  const kv = await new Kvm(s.t.nc).create(recoBucket(s.t.ns), { history: 1 });
  await kv.put(recoModelKey('001'), JSON.stringify(MODEL));
  await waitFor(
    async () => (await call<{ model: { builtAt: number } | null }>(s.url, 'GET', '/v1/stores/001/recommendations')).body.model?.builtAt === 7,
    { what: 'the gateway to serve the model' },
  );
});
afterAll(async () => {
  setContext(null);
  await s?.close();
});

describe('为你推荐 on the real gateway', () => {
  it('the menu shows suggestions and the hot list; the cart gets 常一起点; a tap adds the dish; events are stored', async () => {
    bindWx();
    const ctx = new AppContext({ env: { version: 'develop', apiBase: s.url, paySimulator: true } });
    setContext(ctx);
    const table = tableToken(s, 6);
    const scan = render(loadDef('pages/scan', scanPage));
    await page(scan).onLoad({ q: encodeURIComponent(`${s.url}/qr?t=${table.token}`) });

    const menu = render(loadDef('pages/menu', menuPage));
    await page(menu).onLoad();
    expect(text(menu, '.section-title').slice(0, 2)).toEqual(['为你推荐', '热销榜']);
    expect(text(menu, '.reco-name')).toEqual(['麻婆豆腐', '米饭（大碗）', '鱼香肉丝']);
    expect(text(menu, '.reco-why')).toEqual(['热销', '热销', '热销']);
    expect(text(menu, '.hot-name')).toEqual(['麻婆豆腐', '米饭（大碗）', '鱼香肉丝']);
    expect(text(menu, '.pair')).toEqual([]);

    // The table adds 可乐鸡翅: the cart's suggestions follow.
    const wings = ctx.store.menu!.spus.find((x) => x.spuId === 'kele-jichi')!;
    await ctx.addToCart(wings, { skuId: 'kele-jichi', picks: {}, qty: 1 });
    await waitFor(() => ctx.store.cartReco?.items[0]?.skuId === 'kekou-kele', { what: 'suggestions for the cart' });
    await tap(menu, '.bag');
    await waitFor(() => text(menu, '.pair').length > 0, { what: '常一起点 in the open cart' });
    expect(text(menu, '.pairs-title')).toEqual(['常一起点']);
    expect(text(menu, '.pair')[0]).toContain('可口可乐（330ml）');

    // A tap on the suggestion puts it in the shared cart.
    await tap(menu, '.pair', 0);
    await waitFor(() => ctx.store.table?.cart.some((l) => l.skuId === 'kekou-kele') === true, { what: 'the cola in the cart' });

    // What was shown and tapped is on the stream analytics loads, with the table from the session.
    await waitFor(async () => (await storedEvents()).some((e) => e.type === 'RecoClicked'), { what: 'the click stored' });
    const events = await storedEvents();
    expect(events.filter((e) => e.type === 'RecoShown' && e.context === 'menu').map((e) => e.skuId)).toEqual(['mapo-doufu', 'mifan-l', 'yuxiang-rousi']);
    expect(events.find((e) => e.type === 'RecoClicked')).toMatchObject({ skuId: 'kekou-kele', context: 'cart', position: 0, tableId: table.tableId, variant: 'reco' });
  });
});
