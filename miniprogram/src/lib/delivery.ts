/**
 * Delivery (外卖) without a table: the address the diner chose, the store the gateway would
 * route it to (its quoted wait and fee), the menu of that store, a cart on the phone (nothing is
 * shared: no table), the routed order placed and paid, and the order followed live on a push
 * socket of its own (`?store=` names the order's store: the diner is not seated, and follows
 * only orders they placed). One per app (`deliveryOf(ctx)`), like the campaigns.
 */
import { newIdempotencyKey } from './api';
import type { AppContext } from './app-context';
import { newLineId, picksOf, unitFen, type Selection } from './cart';
import type { Address, DeliveryQuote, DeliveryView } from './delivery-types';
import type { DeliveryChannel } from './delivery-view';
import { ApiError } from './errors';
import { PushClient, pushUrl, wxSocketFactory, type SocketFactory } from './push';
import type { CartLine, OrderDetail, OrderPush, SkuStock, Spu, StockLevelPush } from './types';
import { wxLogin } from './wxp';

/** What the order topic's deltas are for a delivery: the order's steps, and the rider's. */
export type CourierPush = Pick<DeliveryView, 'orderId' | 'status' | 'attempt' | 'tipFen' | 'rider' | 'position'> & {
  readonly kind: 'courier';
  readonly seq: number;
};
type OrderTopicDelta = CourierPush | OrderPush;

export type DeliveryChange = 'quote' | 'cart';

export class Delivery {
  address: Address | null = null;
  /** 外卖配送, or 到店自取 at the store the quote names. */
  channel: DeliveryChannel = 'delivery';
  quote: DeliveryQuote | null = null;
  cart: CartLine[] = [];
  private dinerId = 'me';
  private pendingKey: string | null = null;
  private push: PushClient | null = null;
  private pushStore = '';
  private readonly listeners = new Set<(what: DeliveryChange) => void>();

  constructor(
    private readonly ctx: AppContext,
    private readonly socket?: SocketFactory,
  ) {}

  private get api() {
    return this.ctx.api;
  }

  on(fn: (what: DeliveryChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(what: DeliveryChange): void {
    for (const fn of [...this.listeners]) fn(what);
  }

  /** A diner who came for delivery has no session yet: log in (wx.login → code2session), no table. */
  async ensureLogin(): Promise<void> {
    if (this.api.token !== null) {
      this.dinerId = this.ctx.store.session?.dinerId ?? this.dinerId;
      return;
    }
    const r = await this.api.login(await wxLogin());
    this.dinerId = r.dinerId;
  }

  /**
   * Delivery to this address: which store would bring it and how long and how much (asked with the
   * cart's lines once there are some), then that store's menu and stock into the app's store.
   */
  async start(address: Address): Promise<DeliveryQuote> {
    await this.ensureLogin();
    if (this.address?.id !== address.id) this.cart = [];
    this.address = address;
    const q = await this.requote();
    const [menu, stock] = await Promise.all([this.api.menu(q.store), this.api.stock(q.store)]);
    this.ctx.store.setMenu(menu);
    this.ctx.store.setStock(stock);
    return q;
  }

  /** The quote again, for the cart as it is (the store may change, or none may serve it now). */
  async requote(): Promise<DeliveryQuote> {
    const a = this.address;
    if (a === null) throw new ApiError('no_address', 'choose an address first', 0);
    this.quote = await this.api.deliveryQuote(a.location, this.lines());
    this.emit('quote');
    return this.quote;
  }

  lines(): { skuId: string; qty: number; options: CartLine['options'] }[] {
    return this.cart.map((l) => ({ skuId: l.skuId, qty: l.qty, options: l.options }));
  }

  add(spu: Spu, sel: Selection): void {
    const sku = spu.skus.find((k) => k.skuId === sel.skuId);
    const options = picksOf(spu, sel);
    const key = JSON.stringify(options);
    const same = this.cart.find((l) => l.skuId === sel.skuId && JSON.stringify(l.options) === key);
    if (same !== undefined) same.qty += sel.qty;
    else
      this.cart.push({
        lineId: newLineId(this.dinerId),
        dinerId: this.dinerId,
        skuId: sel.skuId,
        qty: sel.qty,
        options,
        note: null,
        name: spu.name,
        spec: sku !== undefined && spu.skus.length > 1 ? sku.spec : '',
        unitPriceFen: unitFen(spu, sel.skuId, options),
        addedAt: Date.now(),
      });
    this.cart = [...this.cart];
    this.emit('cart');
  }

  setQty(lineId: string, qty: number): void {
    this.cart = qty <= 0 ? this.cart.filter((l) => l.lineId !== lineId) : this.cart.map((l) => (l.lineId === lineId ? { ...l, qty } : l));
    this.emit('cart');
  }

  get me(): string {
    return this.dinerId;
  }

  setChannel(c: DeliveryChannel): void {
    this.channel = c;
    this.emit('quote');
  }

  /** The routed order to the chosen address (or a pickup at the quoted store). A retryable failure keeps the key: trying again cannot place twice. */
  async place(): Promise<OrderDetail> {
    const a = this.address;
    if (a === null) throw new ApiError('no_address', 'choose an address first', 0);
    this.pendingKey ??= newIdempotencyKey();
    try {
      const store = this.quote?.store;
      const o =
        this.channel === 'takeaway' && store !== undefined
          ? await this.api.placeTakeaway(this.pendingKey, store, this.lines())
          : await this.api.placeDelivery(this.pendingKey, this.lines(), a);
      this.pendingKey = null;
      this.cart = [];
      this.ctx.store.setOrder(o);
      this.emit('cart');
      return o;
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable) this.pendingKey = null;
      throw e;
    }
  }

  /** The quoted store's stock levels, live (the `menu` topic any diner of the store may follow). Returns what stops following. */
  followMenu(): () => void {
    const store = this.quote?.store;
    if (store === undefined) return () => undefined;
    const push = this.pushFor(store);
    push.subscribe<{ levels: Record<string, SkuStock> }, StockLevelPush>('menu', {
      snapshot: (d) => this.ctx.store.setStock({ levels: d.levels }),
      delta: (d) => this.ctx.store.applyStock(d),
    });
    return () => this.push?.unsubscribe('menu');
  }

  /** The push socket for a store (`?store=`: the diner is not seated); one store at a time. */
  private pushFor(store: string): PushClient {
    if (this.push !== null && this.pushStore !== store) this.close();
    this.pushStore = store;
    this.push ??= new PushClient({
      url: `${pushUrl(this.api.baseUrl)}?store=${store}`,
      token: () => this.api.token ?? '',
      socket: this.socket ?? wxSocketFactory(),
    });
    return this.push;
  }

  /**
   * The order and its rider, live: the order topic's snapshot, then each of its deltas (a kitchen
   * step or a rider's). Returns what stops following.
   */
  followOrder(orderId: string, on: { order(o: OrderDetail): void; courier(p: CourierPush): void; step(p: OrderPush): void }): () => void {
    const push = this.pushFor(/^o_(\d{3})_/.exec(orderId)?.[1] ?? '');
    const topic = `order:${orderId}`;
    push.subscribe<OrderDetail, OrderTopicDelta>(topic, {
      snapshot: (o) => on.order(o),
      delta: (d) => (d.kind === 'courier' ? on.courier(d) : on.step(d)),
    });
    return () => this.push?.unsubscribe(topic);
  }

  close(): void {
    this.push?.close();
    this.push = null;
  }
}

const byContext = new WeakMap<AppContext, Delivery>();
/** The app's one `Delivery` (its cart and its push socket shared by the delivery pages). */
export function deliveryOf(ctx: AppContext): Delivery {
  let d = byContext.get(ctx);
  if (d === undefined) byContext.set(ctx, (d = new Delivery(ctx, ctx.opts.socket)));
  return d;
}
