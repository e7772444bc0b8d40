/**
 * 点餐: the menu by category, the dish sheet, and the table's shared cart, all
 * live: other diners' additions and stock levels arrive on the push.
 */
import { getContext } from '../../lib/app-context';
import { wordsFor, type ApiError } from '../../lib/errors';
import { definePage, type TapEvent } from '../../lib/page';
import type { Selection } from '../../lib/cart';
import { price } from '../../lib/money';
import type { RecoItem, RecoList, SkuStock, Spu } from '../../lib/types';
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

interface Data {
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
  onLoad(): Promise<void>;
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
    async onLoad() {
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
      if (this.data.state === 'ready') getContext().resyncAll();
    },
    onUnload() {
      this.off?.();
      this.off = undefined;
    },
    async retry() {
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
      const { store } = getContext();
      if (store.menu === null || store.session === null) return;
      const cart = store.table?.cart ?? [];
      const c = cartView(store.menu, cart, store.session.dinerId, store.stock);
      const sections = menuSections(store.menu, store.stock, cart);
      const recoItems = cards(store.reco?.items, store.stock);
      const hotItems = cards(store.reco?.hot, store.stock).slice(0, 5);
      const pairItems = cards(store.cartReco?.items, store.stock);
      const ctx = getContext();
      ctx.logReco('shown', 'menu', recoItems.map((r) => r.skuId));
      ctx.logReco('shown', 'hot', hotItems.map((r) => r.skuId));
      if (this.data.cartOpen || c.count > 0) ctx.logReco('shown', 'cart', pairItems.map((r) => r.skuId));
      this.setData({
        recoItems,
        hotItems,
        pairItems,
        storeName: store.session.storeName,
        tableLabel: store.table?.label ?? store.session.tableLabel,
        live: store.live,
        sections,
        active: this.data.active || (sections[0]?.anchor ?? ''),
        stock: store.stock,
        cartLines: c.lines,
        cartCount: c.count,
        cartTotal: c.totalText,
        others: c.others,
        ...(c.count === 0 ? { cartOpen: false } : {}),
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
      const line = getContext().store.table?.cart.find((l) => l.lineId === lineId);
      if (line === undefined) return;
      try {
        await getContext().setLineQty(lineId, line.qty + by);
      } catch (e) {
        this.showError(e);
      }
    },
    checkout() {
      if (this.data.cartCount === 0) return;
      void wx.navigateTo({ url: '/pages/confirm/index' });
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
