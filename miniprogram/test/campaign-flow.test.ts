/**
 * Group-buy, bargain and lottery pages on a real stack (NATS, Redis, engine with the restaurant
 * actors, gateway with the WeChat Pay simulator; wx.request bound to fetch, wx.connectSocket to
 * `ws`), rendered by miniprogram-simulate: a diner opens a group from the campaign page and pays,
 * two friends open the page the share sheet names and join by its code and pay, and the leader's
 * page follows the count live to 拼团成功, and all three orders reach the kitchen; a friend helps a bargain
 * from its share; a draw.
 */
import './dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@lunchrush/testkit';
import { call, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import { AppContext, setContext } from '../src/lib/app-context';
import { bargainPage } from '../src/pages/bargain/page';
import { groupPage } from '../src/pages/group/page';
import { lotteryPage } from '../src/pages/lottery/page';
import { loadDef, page, render, snapshot, stubWx, tap, text, type Rendered } from './harness';

let s: Stack;
const sockets: WebSocket[] = [];
let codes = 0;

function bindWx(): void {
  stubWx({
    login: (o: { success: (r: { code: string }) => void }) => o.success({ code: `mpgroup${process.pid}x${++codes}-1` }),
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

/** A diner of their own (a fresh wx.login, their own phone), made the app's context. */
function diner(n: number): AppContext {
  const ctx = new AppContext({
    env: { version: 'develop', apiBase: s.url, paySimulator: true },
    deviceId: `phone-${process.pid}-${n}`,
  });
  setContext(ctx);
  return ctx;
}

/** The query of a share path (`/pages/group/index?store=…&campaign=…&code=…`), as WeChat hands it to onLoad. */
function queryOf(path: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(path.slice(path.indexOf('?') + 1)));
}

beforeAll(async () => {
  s = await startStack();
  bindWx();
});
afterAll(async () => {
  setContext(null);
  for (const ws of sockets) ws.terminate();
  await s?.close();
});

async function defineGroupBuy(id: string): Promise<void> {
  const now = Date.now();
  const terms = {
    name: '回锅肉三人团',
    skuId: 'huiguo-rou',
    qty: 1,
    groupPriceFen: 2_500,
    size: 3,
    timeLimitMs: 30 * 60_000,
    openFrom: now - 60_000,
    openTo: now + 3_600_000,
  };
  const r = await call(s.url, 'PUT', `/v1/staff/stores/001/group-buys/${id}`, { token: staff(s, 'manager'), body: terms });
  expect(r.status).toBe(200);
}

describe('group-buy pages on the real gateway', () => {
  it('open and pay → two friends join by the shared page and pay → 拼团成功 live → three orders to the kitchen', async () => {
    await defineGroupBuy('mpgroup');
    const contexts = [diner(1)];
    const leader = render(loadDef('pages/group', groupPage));
    await page(leader).onLoad({ store: '001', campaign: 'mpgroup' });
    expect(text(leader, '.title')).toEqual(['回锅肉三人团']);
    expect(text(leader, '.amount')).toEqual(['¥25.00']);
    await tap(leader, '.open-btn');
    await waitFor(
      () => text(leader, '.status')[0] === '拼团中，还差 2 人' && text(leader, '.notice')[0] === '支付成功，快邀请好友参团吧',
      { what: 'the leader paid' },
    );
    const share = page(leader).onShareAppMessage() as { title: string; path: string };
    expect(share.path).toMatch(/^\/pages\/group\/index\?store=001&campaign=mpgroup&code=s1\./);
    snapshot('group-leader', leader, 'pages/group', [[/s1\.[A-Za-z0-9_.-]+/g, 's1.…']]);

    const friends: Rendered[] = [];
    const qrUrl = (page(leader).data as { shareUrl: string }).shareUrl;
    expect(qrUrl).toMatch(/\/share\?c=s1\./);
    // The group's QR opened as a bargain (a mis-routed scan) is refused in words.
    const wrong = render(loadDef('pages/bargain', bargainPage));
    await page(wrong).onLoad({ q: encodeURIComponent(qrUrl) });
    expect(text(wrong, '.error-text')).toEqual(['分享链接不属于这个活动']);
    // One friend opens the page the share sheet names, the other scans the printed share QR.
    for (const n of [2, 3]) {
      contexts.push(diner(n));
      const f = render(loadDef('pages/group', groupPage));
      await page(f).onLoad(n === 2 ? queryOf(share.path) : { q: encodeURIComponent(qrUrl) });
      expect(text(f, '.join-btn')).toEqual(['立即参团']);
      await page(f).join();
      friends.push(f);
    }
    await waitFor(() => text(leader, '.members')[0] === '3' && text(leader, '.status')[0] === '拼团成功', {
      what: 'the leader’s page to follow the group to completion',
    });
    expect(text(friends[1]!, '.status')).toEqual(['拼团成功']);
    snapshot('group-completed', leader, 'pages/group', [[/s1\.[A-Za-z0-9_.-]+/g, 's1.…']]);
    // Each member's purchase is a paid order in their 我的订单; the store accepts it and it goes to the kitchen.
    for (const ctx of contexts) {
      const orders = await waitFor(async () => {
        const list = await ctx.api.orders();
        return list.length === 1 ? list : null;
      }, { what: 'the member’s order' });
      expect(orders[0]).toMatchObject({ status: 'paid', totalFen: 2_500, channel: 'takeaway' });
      const r = await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orders[0]!.orderId}/accept`, { token: staff(s, 'manager') });
      expect(r.status).toBe(200);
      const order = await ctx.api.order(orders[0]!.orderId);
      expect(order.stations.map((x) => [x.station, x.state])).toEqual([['wok', 'queued']]);
    }
  });
});

describe('bargain and lottery pages on the real gateway', () => {
  it('start a bargain → a friend helps from the share → buy at the price reached; a draw', async () => {
    const now = Date.now();
    await call(s.url, 'PUT', '/v1/staff/stores/001/bargain-campaigns/mpbargain', {
      token: staff(s, 'manager'),
      body: {
        name: '砍价回锅肉',
        skuId: 'huiguo-rou',
        qty: 1,
        startPriceFen: 3_600,
        floorPriceFen: 1_000,
        helpersToFloor: 1,
        timeLimitMs: 600_000,
        openFrom: now - 1_000,
        openTo: now + 600_000,
      },
    });
    const initiator = diner(4);
    const mine = render(loadDef('pages/bargain', bargainPage));
    await page(mine).onLoad({ store: '001', campaign: 'mpbargain' });
    await tap(mine, '.start-btn');
    await waitFor(() => text(mine, '.share-btn').length === 1, { what: 'the bargain started' });
    expect(text(mine, '.amount')).toEqual(['¥36.00']);
    const share = page(mine).onShareAppMessage() as { path: string };
    expect(share.path).toMatch(/^\/pages\/bargain\/index\?store=001&campaign=mpbargain&code=s1\./);
    diner(5);
    const friend = render(loadDef('pages/bargain', bargainPage));
    await page(friend).onLoad(queryOf(share.path));
    await tap(friend, '.help-btn');
    await waitFor(() => text(friend, '.notice')[0] === '你帮好友砍掉了 ¥26.00', { what: 'the help' });
    setContext(initiator);
    await tap(mine, '.buy-btn');
    await waitFor(() => text(mine, '.status')[0] === '购买成功', { what: 'the bargain bought' });
    expect(text(mine, '.amount')).toEqual(['¥10.00']);
    await call(s.url, 'PUT', '/v1/staff/stores/001/lotteries/mplottery', {
      token: staff(s, 'manager'),
      body: {
        name: '午市抽奖',
        prizes: [{ prizeId: 'cola', name: '可口可乐', kind: 'item', quantity: 1, oddsBp: 10_000 }],
        entry: 'free',
        dailyLimit: 3,
        openFrom: now - 1_000,
        openTo: now + 600_000,
      },
    });
    const lottery = render(loadDef('pages/lottery', lotteryPage));
    await page(lottery).onLoad({ store: '001', lottery: 'mplottery' });
    expect(text(lottery, '.prize')).toEqual(['可口可乐 · 剩余 1 份']);
    await tap(lottery, '.draw-btn');
    await waitFor(() => text(lottery, '.result')[0] === '恭喜抽中 可口可乐！', { what: 'the draw' });
    expect(text(lottery, '.prize')).toEqual(['可口可乐 · 已抽完']);
  });
});

describe('a points lottery page on the real gateway', () => {
  it('shows the cost, asks a diner without a card to join, and draws for the points of one who has', async () => {
    const now = Date.now();
    await call(s.url, 'PUT', '/v1/staff/stores/001/lotteries/mppoints', {
      token: staff(s, 'manager'),
      body: {
        name: '积分抽奖',
        prizes: [{ prizeId: 'cola', name: '可口可乐', kind: 'item', quantity: 5, oddsBp: 10_000 }],
        entry: 'points',
        pointsCost: 30,
        dailyLimit: 3,
        openFrom: now - 1_000,
        openTo: now + 600_000,
      },
    });
    const ctx = diner(7);
    const lottery = render(loadDef('pages/lottery', lotteryPage));
    await page(lottery).onLoad({ store: '001', lottery: 'mppoints' });
    expect(text(lottery, '.cost')).toEqual(['每次消耗 30 积分']);
    await tap(lottery, '.draw-btn');
    await waitFor(() => text(lottery, '.result')[0] === '请先加入会员', { what: 'the refusal in words' });
    const before = (await ctx.api.enroll()).points;
    await tap(lottery, '.draw-btn');
    await waitFor(() => text(lottery, '.result')[0] === '恭喜抽中 可口可乐！', { what: 'the draw' });
    await waitFor(async () => (await ctx.api.member()).points === before - 30, { what: 'the points spent' });
  });
});

