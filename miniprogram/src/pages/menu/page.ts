/**
 * 点餐: the menu by category, the dish sheet, and the table's shared cart, all
 * live: other diners' additions and stock levels arrive on the push. Opened with
 * `?mode=delivery&address=<id>` (from 收货地址) it is the delivery menu instead: no table, the
 * store the gateway would route the address to with its quoted wait and fee, 外卖配送 or
 * 到店自取, and a cart on the phone (`lib/delivery.ts`).
 */
import { AddressBook, wxStorage } from '../../lib/address-book';
import { getContext } from '../../lib/app-context';
import { cartTotals } from '../../lib/cart';
import { deliveryOf } from '../../lib/delivery';
import { deliveryHead, goText, type DeliveryChannel } from '../../lib/delivery-view';
import { wordsFor, type ApiError } from '../../lib/errors';
import { definePage, type TapEvent } from '../../lib/page';
import type { Selection } from '../../lib/cart';
import { price } from '../../lib/money';
import type { CartLine, Menu, RecoItem, RecoList, SkuStock, Spu } from '../../lib/types';
import { cartView, menuSections, type CartLineView, type SectionView } from '../../lib/view';

/** A suggestion as the page shows it. */
interface RecoCard {
  skuId: string;
  name: string;
  priceText: string;
  why: string;
}

const WHY: Record<RecoItem['reason'], string> = { with_cart: '常一起点', for_you: '你常点', hot: '热销', similar: '相似新品' };

/** Suggestions still on sale now (the stock push may have sold one out since they came). */
function cards(items: readonly RecoItem[] | undefined, stock: Record<string, SkuStock>): RecoCard[] {
  return (items ?? [])
    .filter((i) => stock[i.skuId]?.level !== 'out')
    .map((i) => ({ skuId: i.skuId, name: i.spec ? `${i.name}（${i.spec}）` : i.name, priceText: price(i.priceFen), why: WHY[i.reason] }));
}

/**
 * The sections and the cart bar, the same at a table and for delivery: a dish sold out goes last,
 * the first category is active until the diner picks one, and an emptied cart closes.
 */
function shelf(active: string, menu: Menu, cart: readonly CartLine[], me: string | undefined, stock: Record<string, SkuStock>) {
  const c = cartView(menu, cart, me, stock);
  const sections = menuSections(menu, stock, cart);
  return {
    sections,
    active: active || (sections[0]?.anchor ?? ''),
    stock,
    cartLines: c.lines,
    cartCount: c.count,
    cartTotal: c.totalText,
    others: c.others,
    ...(c.count === 0 ? { cartOpen: false } : {}),
  };
}

interface Data {
  /** At a table, or ordering for delivery / pickup without one. */
  mode: 'table' | 'delivery';
  /** Delivery mode: the store, the address, the quoted wait and fee (`deliveryHead`). */
  head: Record<string, unknown>;
  addressId: string;
  goText: string;
  goOk: boolean;
  state: 'loading' | 'ready' | 'error';
  error: string;
  storeName: string;
  tableLabel: string;
  live: boolean;
  sections: SectionView[];
  active: string;
  sheetSpu: Spu | null;
  sheetShow: boolean;
  stock: Record<string, SkuStock>;
  cartOpen: boolean;
  cartLines: CartLineView[];
  cartCount: number;
  cartTotal: string;
  others: number;
  toast: string;
  recoItems: RecoCard[];
  hotItems: RecoCard[];
  pairItems: RecoCard[];
}

interface Fields {
  off?: (() => void) | undefined;
}

export const menuPage = definePage<Data, {
  onLoad(q?: { mode?: string; address?: string }): Promise<void>;
  startDelivery(addressId: string | undefined): Promise<void>;
  refreshDelivery(): void;
  switchChannel(e: TapEvent<{ channel: DeliveryChannel }>): void;
  changeAddress(): void;
  onShow(): void;
  onUnload(): void;
  refresh(): void;
  retry(): Promise<void>;
  pickCategory(e: TapEvent<{ anchor: string }>): void;
  tapReco(e: TapEvent<{ sku: string; list: RecoList; pos: string }>): Promise<void>;
  openDish(e: TapEvent<{ spu: string }>): void;
  quickAdd(e: TapEvent<{ spu: string }>): Promise<void>;
  closeSheet(): void;
  onSheetAdd(e: { detail: { spuId: string; sel: Selection } }): Promise<void>;
  add(spu: Spu, sel: Selection): Promise<void>;
  toggleCart(): void;
  incLine(e: TapEvent<{ line: string }>): Promise<void>;
  decLine(e: TapEvent<{ line: string }>): Promise<void>;
  changeLine(lineId: string, by: number): Promise<void>;
  checkout(): void;
  showError(e: unknown): void;
  flash(words: string): void;
}, Fields>({
  data: {
    mode: 'table',
    head: {},
    addressId: '',
    goText: '去下单',
    goOk: false,
    state: 'loading',
    error: '',
    storeName: '',
    tableLabel: '',
    live: false,
    sections: [],
    active: '',
    sheetSpu: null,
    sheetShow: false,
    stock: {},
    cartOpen: false,
    cartLines: [],
    cartCount: 0,
    cartTotal: '¥0.00',
    others: 0,
    toast: '',
    recoItems: [],
    hotItems: [],
    pairItems: [],
  },
  methods: {
    async onLoad(q) {
      if (q?.mode === 'delivery') {
        await this.startDelivery(q.address);
        return;
      }
      const ctx = getContext();
      if (ctx.store.session === null) {
        this.setData({ state: 'error', error: '请先扫描桌上的二维码' });
        return;
      }
      this.off?.();
      const offStore = ctx.store.on((what) => {
        if (what === 'table') void ctx.refreshCartReco();
        this.refresh();
      });
      const offPush = ctx.followTable();
      this.off = () => {
        offStore();
        offPush();
      };
      await this.retry();
    },
    onShow() {
      if (this.data.state === 'ready' && this.data.mode === 'table') getContext().resyncAll();
    },
    async startDelivery(addressId) {
      const list = new AddressBook(wxStorage()).list();
      const a = list.find((x) => x.id === addressId) ?? list[0];
      this.setData({ mode: 'delivery', state: 'loading', error: '', addressId: a?.id ?? '' });
      if (a === undefined) {
        this.setData({ state: 'error', error: '请先选择收货地址' });
        return;
      }
      const ctx = getContext();
      const d = deliveryOf(ctx);
      this.off?.();
      const offStore = ctx.store.on(() => this.refresh());
      const offDelivery = d.on(() => this.refresh());
      this.off = () => {
        offStore();
        offDelivery();
      };
      try {
        await d.start(a);
        // Stock levels live, as at a table: the quoted store's menu topic.
        const offMenu = d.followMenu();
        const offRest = this.off;
        this.off = () => {
          offMenu();
          offRest?.();
        };
        this.setData({ state: 'ready' });
        this.refresh();
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    refreshDelivery() {
      const { store } = getContext();
      const d = deliveryOf(getContext());
      if (store.menu === null || d.quote === null || d.address === null) return;
      const go = goText(d.quote, cartTotals(d.cart).totalFen, d.channel);
      this.setData({
        head: deliveryHead(d.quote, d.address, d.channel) as unknown as Record<string, unknown>,
        storeName: d.quote.storeName,
        ...shelf(this.data.active, store.menu, d.cart, d.me, store.stock),
        others: 0,
        goText: go.text,
        goOk: go.ok,
      });
    },
    switchChannel(e) {
      deliveryOf(getContext()).setChannel(e.currentTarget.dataset.channel);
    },
    changeAddress() {
      void wx.navigateTo({ url: '/pages/address/index' });
    },
    onUnload() {
      this.off?.();
      this.off = undefined;
    },
    async retry() {
      if (this.data.mode === 'delivery') {
        await this.startDelivery(this.data.addressId);
        return;
      }
      this.setData({ state: 'loading', error: '' });
      try {
        await getContext().loadMenu();
        this.setData({ state: 'ready' });
        this.refresh();
        await getContext().loadRecommendations();
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    refresh() {
      if (this.data.mode === 'delivery') {
        this.refreshDelivery();
        return;
      }
      const { store } = getContext();
      if (store.menu === null || store.session === null) return;
      const cart = store.table?.cart ?? [];
      const shown = shelf(this.data.active, store.menu, cart, store.session.dinerId, store.stock);
      const recoItems = cards(store.reco?.items, store.stock);
      const hotItems = cards(store.reco?.hot, store.stock).slice(0, 5);
      const pairItems = cards(store.cartReco?.items, store.stock);
      const ctx = getContext();
      ctx.logReco('shown', 'menu', recoItems.map((r) => r.skuId));
      ctx.logReco('shown', 'hot', hotItems.map((r) => r.skuId));
      if (this.data.cartOpen || shown.cartCount > 0) ctx.logReco('shown', 'cart', pairItems.map((r) => r.skuId));
      this.setData({
        recoItems,
        hotItems,
        pairItems,
        storeName: store.session.storeName,
        tableLabel: store.table?.label ?? store.session.tableLabel,
        live: store.live,
        ...shown,
        goText: '去下单',
        goOk: shown.cartCount > 0,
      });
    },
    pickCategory(e) {
      this.setData({ active: e.currentTarget.dataset.anchor });
    },
    async tapReco(e) {
      const { sku, list, pos } = e.currentTarget.dataset;
      const ctx = getContext();
      ctx.logReco('clicked', list, [sku], Number(pos));
      const spu = ctx.store.menu?.spus.find((x) => x.skus.some((k) => k.skuId === sku));
      if (spu === undefined) return;
      // A dish with choices to make opens its sheet; any other goes straight into the cart.
      if (spu.optionGroups.some((g) => g.min > 0)) this.setData({ sheetSpu: spu, sheetShow: true });
      else await this.add(spu, { skuId: sku, picks: {}, qty: 1 });
    },
    openDish(e) {
      const spu = getContext().store.menu?.spus.find((s) => s.spuId === e.currentTarget.dataset.spu);
      if (spu === undefined) return;
      this.setData({ sheetSpu: spu, sheetShow: true });
    },
    async quickAdd(e) {
      const { store } = getContext();
      const spu = store.menu?.spus.find((s) => s.spuId === e.currentTarget.dataset.spu);
      const sku = spu?.skus[0];
      if (spu === undefined || sku === undefined) return;
      await this.add(spu, { skuId: sku.skuId, picks: {}, qty: 1 });
    },
    closeSheet() {
      this.setData({ sheetShow: false });
    },
    async onSheetAdd(e) {
      const spu = getContext().store.menu?.spus.find((s) => s.spuId === e.detail.spuId);
      if (spu === undefined) return;
      this.setData({ sheetShow: false });
      await this.add(spu, e.detail.sel);
    },
    async add(spu, sel) {
      if (this.data.mode === 'delivery') {
        deliveryOf(getContext()).add(spu, sel);
        this.flash(`已加入 ${spu.name}`);
        return;
      }
      try {
        await getContext().addToCart(spu, sel);
        this.flash(`已加入 ${spu.name}`);
      } catch (e) {
        this.showError(e);
      }
    },
    toggleCart() {
      if (this.data.cartCount > 0 || this.data.cartOpen) this.setData({ cartOpen: !this.data.cartOpen });
    },
    async incLine(e) {
      await this.changeLine(e.currentTarget.dataset.line, 1);
    },
    async decLine(e) {
      await this.changeLine(e.currentTarget.dataset.line, -1);
    },
    async changeLine(lineId, by) {
      if (this.data.mode === 'delivery') {
        const d = deliveryOf(getContext());
        const mine = d.cart.find((l) => l.lineId === lineId);
        if (mine !== undefined) d.setQty(lineId, mine.qty + by);
        return;
      }
      const line = getContext().store.table?.cart.find((l) => l.lineId === lineId);
      if (line === undefined) return;
      try {
        await getContext().setLineQty(lineId, line.qty + by);
      } catch (e) {
        this.showError(e);
      }
    },
    checkout() {
      if (!this.data.goOk) return;
      void wx.navigateTo({ url: this.data.mode === 'delivery' ? '/pages/checkout/index' : '/pages/confirm/index' });
    },
    flash(words) {
      this.setData({ toast: words });
      setTimeout(() => {
        if (this.data.toast === words) this.setData({ toast: '' });
      }, 1800);
    },
    showError(e) {
      this.flash(wordsFor(e));
      if ((e as ApiError | undefined)?.code === 'sold_out') this.refresh();
    },
  },
});
