/**
 * The diner's app service: what pages call. One per app (`getContext()`); tests
 * make their own with `createContext` against a real gateway.
 */
import { API_BASE_STORAGE_KEY, resolveEnv, type Env } from '../config/env';
import { Api, newIdempotencyKey, wxTransport, type Transport } from './api';
import { newLineId, picksOf, type Selection } from './cart';
import { ApiError } from './errors';
import { PushClient, pushUrl, wxSocketFactory, type SocketFactory } from './push';
import { Store, type Session } from './store';
import type { OrderDetail, OrderPush, PayChoice, RecoEventIn, RecoList, Spu, StockLevelPush, TableView } from './types';
import { storageGet, storageSet, wxLogin, wxRequestPayment } from './wxp';

const SESSION_KEY = 'lunchrush.session';

export interface ContextOptions {
  env: Env;
  transport?: Transport;
  socket?: SocketFactory;
  deviceId?: string;
}

export class AppContext {
  readonly api: Api;
  readonly store = new Store();
  private push: PushClient | null = null;
  private followers = new Map<string, number>();
  /** The Idempotency-Key of the order attempt in progress: a retry after a timeout reuses it. */
  private pendingOrderKey: string | null = null;
  /** The cart (its SKUs) the suggestions on hand are for, and the impressions already logged. */
  private cartRecoKey: string | null = null;
  private shown = new Set<string>();

  constructor(readonly opts: ContextOptions) {
    this.api = new Api({
      baseUrl: opts.env.apiBase,
      transport: opts.transport ?? wxTransport(),
      ...(opts.deviceId === undefined ? {} : { deviceId: opts.deviceId }),
      onToken: (token) => this.keepToken(token),
    });
    const saved = storageGet(SESSION_KEY);
    if (saved !== undefined) {
      try {
        const s = JSON.parse(saved) as Session;
        this.store.session = s;
        this.api.token = s.token;
      } catch {
        // a broken copy: scan again
      }
    }
  }

  get env(): Env {
    return this.opts.env;
  }

  /** Logs in (wx.login → code2session) and sits at the table of a scanned token. */
  async enterTable(tableToken: string, partySize = 1): Promise<Session> {
    const login = await this.api.login(await wxLogin());
    const r = await this.api.scan(tableToken, partySize);
    const s: Session = {
      token: r.sessionToken,
      dinerId: login.dinerId,
      storeId: r.store.storeId,
      storeName: r.store.name,
      tableId: r.table.tableId,
      tableLabel: r.table.label,
      tableToken,
    };
    this.closePush();
    storageSet(SESSION_KEY, JSON.stringify(s));
    this.store.setSession(s);
    this.store.setTable(r.table, true);
    return s;
  }

  /** A renewed session token: stored with the session, so the next launch sends it. */
  private keepToken(token: string): void {
    const s = this.store.session;
    if (s === null || s.token === token) return;
    const next = { ...s, token };
    storageSet(SESSION_KEY, JSON.stringify(next));
    this.store.session = next;
  }

  requireSession(): Session {
    const s = this.store.session;
    if (s === null) throw new ApiError('no_table', 'scan a table first', 0);
    return s;
  }

  async loadMenu(): Promise<void> {
    const s = this.requireSession();
    const [menu, stock, table] = await Promise.all([this.api.menu(s.storeId), this.api.stock(s.storeId), this.api.table()]);
    this.store.setMenu(menu);
    this.store.setStock(stock);
    this.store.setTable(table, true);
  }

  /**
   * 为你推荐 and the hot list, then what goes with the cart. Suggestions are an extra: a
   * failure leaves them out and never fails the page.
   */
  async loadRecommendations(): Promise<void> {
    this.requireSession();
    try {
      this.store.setReco('menu', await this.api.recommendations({ context: 'menu', cart: [], party: this.store.table?.partySize }));
    } catch {
      this.store.setReco('menu', null);
    }
    await this.refreshCartReco();
  }

  /** "Often ordered with" for the cart's SKUs, fetched again only when they change. */
  async refreshCartReco(): Promise<void> {
    const s = this.store.session;
    if (s === null) return;
    const cart = [...new Set((this.store.table?.cart ?? []).map((l) => l.skuId))].sort();
    const key = cart.join(',');
    if (key === this.cartRecoKey) return;
    this.cartRecoKey = key;
    if (cart.length === 0) {
      this.store.setReco('cart', null);
      return;
    }
    try {
      const r = await this.api.recommendations({ context: 'cart', cart, party: this.store.table?.partySize, limit: 4 });
      if (this.cartRecoKey === key) this.store.setReco('cart', r);
    } catch {
      if (this.cartRecoKey === key) this.store.setReco('cart', null);
    }
  }

  /** Logs suggestions shown (each once per list) or tapped; never in the diner's way. */
  logReco(type: RecoEventIn['type'], context: RecoList, skus: readonly string[], from = 0): void {
    const s = this.store.session;
    if (s === null) return;
    const events: RecoEventIn[] = [];
    skus.forEach((skuId, i) => {
      const seen = `${context}:${skuId}`;
      if (type === 'shown' && this.shown.has(seen)) return;
      if (type === 'shown') this.shown.add(seen);
      events.push({ type, skuId, context, position: from + i });
    });
    if (events.length > 0) this.api.recoEvents(s.storeId, events).catch(() => undefined);
  }

  private pushClient(): PushClient {
    if (this.push === null) {
      const s = this.requireSession();
      this.push = new PushClient({
        url: pushUrl(this.api.baseUrl),
        token: () => this.store.session?.token ?? s.token,
        socket: this.opts.socket ?? wxSocketFactory(),
        onState: (st) => this.store.setLive(st === 'live'),
      });
    }
    return this.push;
  }

  get pushStats(): PushClient['stats'] | null {
    return this.push?.stats ?? null;
  }

  /** Returns a function that stops following. Topics are shared between pages and counted. */
  private follow<S, D>(topic: string, snapshot: (d: S) => void, delta: (d: D) => void): () => void {
    const p = this.pushClient();
    const n = this.followers.get(topic) ?? 0;
    this.followers.set(topic, n + 1);
    if (n === 0) p.subscribe<S, D>(topic, { snapshot, delta });
    return () => {
      const left = (this.followers.get(topic) ?? 1) - 1;
      if (left > 0) this.followers.set(topic, left);
      else {
        this.followers.delete(topic);
        this.push?.unsubscribe(topic);
      }
    };
  }

  /** The shared cart and the menu's stock levels, live. */
  followTable(): () => void {
    const s = this.requireSession();
    const offTable = this.follow<TableView, TableView>(
      `table:${s.tableId}`,
      (t) => this.store.setTable(t, true),
      (t) => this.store.setTable(t),
    );
    const offMenu = this.follow<{ levels: Record<string, { level: 'ok' | 'low' | 'out'; available: number }> }, StockLevelPush>(
      'menu',
      (d) => this.store.setStock({ levels: d.levels }),
      (d) => this.store.applyStock(d),
    );
    return () => {
      offTable();
      offMenu();
    };
  }

  /** An order's status, live; every push is followed by a read of the detail (stations, refunds). */
  followOrder(orderId: string): () => void {
    return this.follow<OrderDetail, OrderPush>(
      `order:${orderId}`,
      (o) => this.store.setOrder(o),
      (p) => {
        this.store.applyOrderPush(p);
        this.api.order(orderId).then(
          (o) => {
            // A read that raced an even newer push must not take the status back.
            const cur = this.store.orders.get(orderId);
            // Its actions are the older status's: none until the newer push's own read answers.
            this.store.setOrder(cur !== undefined && cur.status !== o.status && cur.status === p.status && o.status !== p.status ? { ...o, status: p.status, dinerActions: [] } : o);
          },
          () => undefined,
        );
      },
    );
  }

  /** Forces fresh snapshots (the page came back to the front). */
  resyncAll(): void {
    for (const topic of this.followers.keys()) this.push?.resync(topic);
  }

  closePush(): void {
    this.push?.close();
    this.push = null;
    this.followers.clear();
    this.store.setLive(false);
  }

  async addToCart(spu: Spu, sel: Selection, note?: string): Promise<TableView> {
    const s = this.requireSession();
    const t = await this.api.addLine({
      lineId: newLineId(s.dinerId),
      skuId: sel.skuId,
      qty: sel.qty,
      options: picksOf(spu, sel),
      ...(note ? { note } : {}),
    });
    this.store.setTable(t);
    return t;
  }

  /**
   * The gateway changes a quantity with PATCH, which wx.request cannot send. Until it
   * takes PUT too, a new quantity is a new line (same SKU, options, note) followed by
   * the removal of the old one: adding first, so a failure between the two leaves one
   * line too many on screen rather than losing the diner's dish.
   */
  async setLineQty(lineId: string, qty: number): Promise<TableView> {
    if (qty <= 0) {
      const t = await this.api.removeLine(lineId);
      this.store.setTable(t);
      return t;
    }
    const s = this.requireSession();
    const line = this.store.table?.cart.find((l) => l.lineId === lineId);
    if (line === undefined) throw new ApiError('unknown_line', `no cart line ${lineId}`, 0);
    await this.api.addLine({
      lineId: newLineId(s.dinerId),
      skuId: line.skuId,
      qty,
      options: [...line.options],
      ...(line.note === null ? {} : { note: line.note }),
    });
    const t = await this.api.removeLine(lineId);
    this.store.setTable(t);
    return t;
  }

  /** Turns the table cart into an order. A retryable failure keeps the key, so trying again cannot place twice. */
  async placeOrder(pay?: PayChoice): Promise<OrderDetail> {
    this.pendingOrderKey ??= newIdempotencyKey();
    try {
      const o = await this.api.placeOrder(this.pendingOrderKey, pay);
      this.pendingOrderKey = null;
      this.store.setOrder(o);
      return o;
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable) this.pendingOrderKey = null;
      throw e;
    }
  }

  /**
   * Pays: the gateway's prepay parameters go to wx.requestPayment; a development build
   * pays through the gateway's simulator, which sends WeChat's signed callback.
   * Resolves when the diner has paid; the order turns `paid` on the push.
   */
  async pay(orderId: string): Promise<void> {
    const p = await this.api.prepay(orderId);
    if (this.env.paySimulator && p.simulator !== undefined) {
      const r = await this.api.simulatePay(p.simulator.payUrl, p.simulator.body);
      if (r.callbackStatus >= 300) throw new ApiError('payment_failed', `callback answered ${r.callbackStatus}`, 0);
      return;
    }
    await wxRequestPayment(p.requestPayment);
  }

  /** Tops the member card up: the prepay to wx.requestPayment (the simulator in a development build). */
  async topUp(amountFen: number): Promise<void> {
    const p = await this.api.topUp(amountFen, newIdempotencyKey());
    if (this.env.paySimulator && p.simulator !== undefined) {
      const r = await this.api.simulatePay(p.simulator.payUrl, p.simulator.body);
      if (r.callbackStatus >= 300) throw new ApiError('payment_failed', `callback answered ${r.callbackStatus}`, 0);
      return;
    }
    await wxRequestPayment(p.requestPayment);
  }

  async loadOrder(orderId: string): Promise<OrderDetail> {
    const o = await this.api.order(orderId);
    this.store.setOrder(o);
    return o;
  }

  async refreshAfter(orderId: string, action: Promise<unknown>): Promise<OrderDetail> {
    await action;
    return this.loadOrder(orderId);
  }
}

let current: AppContext | null = null;

export function getContext(): AppContext {
  current ??= new AppContext({ env: resolveEnv(undefined, storageGet(API_BASE_STORAGE_KEY)) });
  return current;
}

/** Tests and the developer settings swap the context. */
export function setContext(c: AppContext | null): void {
  current?.closePush();
  current = c;
}
