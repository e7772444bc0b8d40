/** 我的订单: the diner's recent orders, newest first. */
import { getContext } from '../../lib/app-context';
import { wordsFor } from '../../lib/errors';
import { definePage, type TapEvent } from '../../lib/page';
import { orderView } from '../../lib/view';

interface Data {
  state: 'loading' | 'ready' | 'error' | 'login';
  error: string;
  orders: Record<string, unknown>[];
}

export const ordersPage = definePage<Data, {
  onShow(): Promise<void>;
  load(): Promise<void>;
  open(e: TapEvent<{ id: string }>): void;
  scan(): void;
}>({
  data: { state: 'loading', error: '', orders: [] },
  methods: {
    async onShow() {
      await this.load();
    },
    async load() {
      const ctx = getContext();
      if (ctx.api.token === null) {
        this.setData({ state: 'login' });
        return;
      }
      this.setData({ state: 'loading' });
      try {
        const orders = await ctx.api.orders();
        for (const o of orders) ctx.store.setOrder(o);
        this.setData({ state: 'ready', orders: orders.map(orderView) });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    open(e) {
      const id = e.currentTarget.dataset.id;
      // A delivery or pickup order is followed on its tracking page (to the door, or to 请到店取餐).
      const channel = getContext().store.orders.get(id)?.channel;
      const page = channel === 'delivery' || channel === 'takeaway' ? 'track' : 'order';
      void wx.navigateTo({ url: `/pages/${page}/index?id=${id}` });
    },
    scan() {
      void wx.reLaunch({ url: '/pages/scan/index' });
    },
  },
});
