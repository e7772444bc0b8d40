/** The plain modules pages call: money, cart math, QR parsing, the push protocol, env. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ORDER_STATUSES, type OrderDetail as ActorsOrderDetail, type OrderStatus as ActorsOrderStatus } from '@lunchrush/actors';
import { resolveEnv } from '../src/config/env';
import { cartTotals, defaultSelection, selectionFen, selectionProblems, toggleChoice } from '../src/lib/cart';
import { delta, price, yuan } from '../src/lib/money';
import { PushClient, pushUrl, type SocketLike } from '../src/lib/push';
import { tokenFromLaunch, tokenFromText } from '../src/lib/qr';
import { Store } from '../src/lib/store';
import type { DinerAction, OrderDetail, OrderStatus } from '../src/lib/types';
import { ORDER_STATUS, actionsOf } from '../src/lib/view';
import { MENU, TABLE } from './fixtures';

describe('money', () => {
  it.each([
    [0, '0.00'],
    [5, '0.05'],
    [1234, '12.34'],
    [-50, '-0.50'],
    [100000, '1000.00'],
  ])('%i fen is %s yuan', (fen, y) => expect(yuan(fen)).toBe(y));
  it('refuses fractions of a fen; formats prices and deltas', () => {
    expect(() => yuan(1.5)).toThrow(RangeError);
    expect(price(2200)).toBe('¥22.00');
    expect([delta(200), delta(250), delta(-100), delta(0)]).toEqual(['+¥2', '+¥2.50', '-¥1', '']);
  });
});

describe('cart math', () => {
  const mapo = MENU.spus[0]!;
  it('selection: required single group preselected, max respected, switched-off choices ignored, price with deltas', () => {
    let sel = defaultSelection(mapo);
    expect(sel.picks).toEqual({ spice: ['mild'], extra: [] });
    sel = toggleChoice(mapo, sel, 'spice', 'mild'); // a required single pick cannot be emptied
    expect(sel.picks.spice).toEqual(['mild']);
    sel = toggleChoice(mapo, toggleChoice(mapo, sel, 'extra', 'egg'), 'extra', 'beef');
    expect(toggleChoice(mapo, sel, 'extra', 'tofu')).toBe(sel);
    expect(selectionProblems(mapo, sel)).toEqual([]);
    expect(selectionFen(mapo, { ...sel, qty: 3 })).toBe((2200 + 200 + 800) * 3);
    expect(selectionProblems(mapo, { ...sel, picks: { extra: [] } })).toEqual([{ groupId: 'spice', message: '请选择辣度' }]);
  });
  it('cart totals: count, fen, and the diner’s own units', () => {
    expect(cartTotals(TABLE.cart, 'd_me')).toEqual({ count: 3, totalFen: 5600, mine: 2 });
  });
});

describe('table QR', () => {
  const token = 't1.k1.0010001000016.AbCdEfGhIjKlMnOpQrStUv';
  it('reads the token from a scanned URL, a launch query (q, t) and refuses other codes', () => {
    expect(tokenFromText(`https://gw.example/qr?t=${token}`)).toBe(token);
    expect(tokenFromText(token)).toBe(token);
    expect(tokenFromLaunch({ q: encodeURIComponent(`http://127.0.0.1:8080/qr?t=${token}`) })).toBe(token);
    expect(tokenFromLaunch({ t: token })).toBe(token);
    expect(tokenFromText('https://example.com/?t=hello')).toBeNull();
    expect(tokenFromLaunch({})).toBeNull();
  });
});

describe("an order's buttons are the actions the gateway names", () => {
  it.each([
    [['pay', 'cancel'], { pay: true, cancel: true, urge: false, refund: false, review: false }],
    [['urge', 'refund'], { pay: false, cancel: false, urge: true, refund: true, review: false }],
    [[], { pay: false, cancel: false, urge: false, refund: false, review: false }],
    [['review'], { pay: false, cancel: false, urge: false, refund: false, review: true }],
  ] as const)('%j', (dinerActions, a) => expect(actionsOf({ dinerActions: [...dinerActions] })).toEqual(a));

  it("declares the API's order statuses and diner actions as actors/ owns them, a word for each status", () => {
    // The app takes the order statuses from actors/ as a type and declares the diner's actions (its
    // README says why): tsc fails on an action added on one side only, and a status without a word fails here.
    expectTypeOf<OrderStatus>().toEqualTypeOf<ActorsOrderStatus>();
    expectTypeOf<DinerAction>().toEqualTypeOf<ActorsOrderDetail['dinerActions'][number]>();
    expect(Object.keys(ORDER_STATUS).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it('a pushed status offers no action until the read that follows it', () => {
    const store = new Store();
    const order = { orderId: 'o_001_x', status: 'paid', dinerActions: ['cancel', 'urge', 'refund'] } as OrderDetail;
    store.setOrder(order);
    store.applyOrderPush({ kind: 'order', orderId: order.orderId, status: 'paid', seq: 4, events: ['Urged'], at: 1 });
    expect(store.orders.get(order.orderId)!.dinerActions).toEqual(['cancel', 'urge', 'refund']);
    store.applyOrderPush({ kind: 'order', orderId: order.orderId, status: 'sent_to_kitchen', seq: 5, events: ['Accepted'], at: 2 });
    expect(store.orders.get(order.orderId)).toMatchObject({ status: 'sent_to_kitchen', dinerActions: [] });
  });
});

class Sock implements SocketLike {
  sent: any[] = [];
  h: Record<string, (x?: any) => void> = {};
  send(t: string): void {
    this.sent.push(JSON.parse(t));
  }
  close(): void {}
  onOpen(cb: () => void): void {
    this.h.open = cb;
  }
  onMessage(cb: (t: string) => void): void {
    this.h.message = cb;
  }
  onClose(cb: (c: number) => void): void {
    this.h.close = cb;
  }
  onError(): void {}
  frame(m: object): void {
    this.h.message!(JSON.stringify(m));
  }
}

describe('push client', () => {
  function client(): { p: PushClient; socks: Sock[]; timers: (() => void)[]; got: string[] } {
    const socks: Sock[] = [];
    const timers: (() => void)[] = [];
    const p = new PushClient({
      url: 'ws://gw/ws',
      token: 'ds_x',
      socket: (_url, headers) => {
        expect(headers.authorization).toBe('Bearer ds_x');
        const s = new Sock();
        socks.push(s);
        return s;
      },
      schedule: (fn) => timers.push(fn),
      random: () => 0.5,
    });
    const got: string[] = [];
    p.subscribe<string, string>('order:o1', { snapshot: (d) => got.push(`S:${d}`), delta: (d) => got.push(`D:${d}`) });
    socks[0]!.h.open!();
    return { p, socks, timers, got };
  }

  it('snapshot then consecutive deltas; repeats and stale versions skipped; a gap or heads ahead asks for resync', () => {
    const { p, socks, got } = client();
    const s = socks[0]!;
    expect(s.sent).toEqual([{ type: 'subscribe', topic: 'order:o1' }]);
    s.frame({ type: 'delta', topic: 'order:o1', seq: 1, key: 'order:o1', v: 1, data: 'early' }); // before the snapshot: ignored
    s.frame({ type: 'snapshot', topic: 'order:o1', seq: 5, versions: { 'order:o1': 3 }, data: 'paid' });
    s.frame({ type: 'delta', topic: 'order:o1', seq: 6, key: 'order:o1', v: 3, data: 'stale' });
    s.frame({ type: 'delta', topic: 'order:o1', seq: 7, key: 'order:o1', v: 4, data: 'accepted' });
    s.frame({ type: 'delta', topic: 'order:o1', seq: 7, key: 'order:o1', v: 4, data: 'repeat' });
    expect(got).toEqual(['S:paid', 'D:accepted']);
    expect(p.stats).toMatchObject({ snapshots: 1, deltas: 1, stale: 1 });
    s.frame({ type: 'delta', topic: 'order:o1', seq: 9, key: 'order:o1', v: 6, data: 'after a gap' });
    expect(s.sent.at(-1)).toEqual({ type: 'resync', topic: 'order:o1' });
    s.frame({ type: 'snapshot', topic: 'order:o1', seq: 9, versions: { 'order:o1': 6 }, data: 'cooking' });
    s.frame({ type: 'heads', seqs: { 'order:o1': 12 } });
    expect(s.sent.filter((m) => m.type === 'resync')).toHaveLength(2);
    s.frame({ type: 'resync', topic: 'order:o1', reason: 'backpressure' });
    expect(p.stats).toMatchObject({ gaps: 2, resyncs: 3, serverResyncs: 1, heads: 1 });
    expect(got).toEqual(['S:paid', 'D:accepted', 'S:cooking']);
  });

  it('a lost connection reconnects with backoff, subscribes again and starts from a snapshot; close() stays closed', () => {
    const { p, socks, timers, got } = client();
    socks[0]!.frame({ type: 'snapshot', topic: 'order:o1', seq: 5, versions: {}, data: 'paid' });
    socks[0]!.h.close!(1006);
    expect(p.state).toBe('reconnecting');
    expect(timers).toHaveLength(1);
    timers[0]!();
    socks[1]!.h.open!();
    expect(socks[1]!.sent).toEqual([{ type: 'subscribe', topic: 'order:o1' }]);
    // Seqs belong to one gateway process: the new one starts at 1.
    socks[1]!.frame({ type: 'snapshot', topic: 'order:o1', seq: 1, versions: {}, data: 'ready' });
    socks[1]!.frame({ type: 'delta', topic: 'order:o1', seq: 2, key: 'order:o1', v: 9, data: 'served' });
    expect(got).toEqual(['S:paid', 'S:ready', 'D:served']);
    expect(p.stats.reconnects).toBe(1);
    p.close();
    expect(p.state).toBe('closed');
    expect(timers).toHaveLength(1);
  });

  it('the WebSocket URL follows the API base', () => {
    expect(pushUrl('https://api.example.cn')).toBe('wss://api.example.cn/ws');
    expect(pushUrl('http://127.0.0.1:8080')).toBe('ws://127.0.0.1:8080/ws');
  });
});

describe('environment', () => {
  it('develop may be pointed at another gateway; trial and release may not', () => {
    expect(resolveEnv('develop').apiBase).toBe('http://127.0.0.1:8080');
    expect(resolveEnv('develop', 'http://192.168.1.5:8080/').apiBase).toBe('http://192.168.1.5:8080');
    expect(resolveEnv('release', 'http://evil').apiBase).toBe('https://api.lunchrush.example.cn');
    expect(resolveEnv('trial').paySimulator).toBe(false);
  });
});
