/**
 * What the diner's phone knows: session, table, menu, stock, orders. Pages read
 * it and listen; the push and the API write it. Plain TS, no wx.
 */
import type { Menu, OrderDetail, OrderPush, RecoAnswer, SkuStock, StockAnswer, StockLevelPush, TableView } from './types';

export interface Session {
  token: string;
  dinerId: string;
  storeId: string;
  storeName: string;
  tableId: string;
  tableLabel: string;
  tableToken: string;
}

export type Change = 'session' | 'menu' | 'stock' | 'table' | 'order' | 'live' | 'reco';

export class Store {
  session: Session | null = null;
  menu: Menu | null = null;
  stock: Record<string, SkuStock> = {};
  table: TableView | null = null;
  orders = new Map<string, OrderDetail>();
  live = false;
  /** 为你推荐 with the hot list, and the suggestions for the cart as it is (null: none). */
  reco: RecoAnswer | null = null;
  cartReco: RecoAnswer | null = null;
  private readonly listeners = new Set<(what: Change, key?: string) => void>();

  on(fn: (what: Change, key?: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(what: Change, key?: string): void {
    for (const fn of [...this.listeners]) fn(what, key);
  }

  setSession(s: Session | null): void {
    this.session = s;
    this.emit('session');
  }

  setMenu(m: Menu): void {
    this.menu = m;
    this.emit('menu');
  }

  setStock(a: StockAnswer | { levels: Record<string, SkuStock> }): void {
    this.stock = 'skus' in a ? Object.fromEntries(a.skus.map((s) => [s.skuId, { level: s.level, available: s.available }])) : { ...a.levels };
    this.emit('stock');
  }

  applyStock(p: StockLevelPush): void {
    this.stock = { ...this.stock, [p.skuId]: { level: p.level, available: p.available } };
    this.emit('stock', p.skuId);
  }

  /** A table view from an answer or the push; an older version than the one held is ignored. */
  setTable(t: TableView, force = false): void {
    if (!force && this.table !== null && this.table.tableId === t.tableId && t.version < this.table.version) return;
    this.table = t;
    this.emit('table');
  }

  setOrder(o: OrderDetail): void {
    this.orders.set(o.orderId, o);
    this.emit('order', o.orderId);
  }

  /**
   * An order push carries the status only; the detail follows from a read. Until then the order
   * offers no action: those it held were for the status before.
   */
  applyOrderPush(p: OrderPush): void {
    const o = this.orders.get(p.orderId);
    if (o !== undefined && o.status !== p.status) this.orders.set(p.orderId, { ...o, status: p.status, dinerActions: [] });
    this.emit('order', p.orderId);
  }

  setReco(kind: 'menu' | 'cart', a: RecoAnswer | null): void {
    if (kind === 'menu') this.reco = a;
    else this.cartReco = a;
    this.emit('reco');
  }

  setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    this.emit('live');
  }
}
