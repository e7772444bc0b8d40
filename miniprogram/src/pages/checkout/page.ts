/**
 * 确认订单 (delivery or pickup, no table): the address and contact, 送达时间 (as soon as
 * possible, with the clock time the fresh quote gives), the store that will cook it (quoted again
 * for the cart as it is: it may be another store now), the lines, items, delivery fee and total;
 * then the routed order is placed (Idempotency-Key kept across a retryable failure), paid, and
 * the tracking page takes over.
 */
import { getContext } from '../../lib/app-context';
import { cartTotals } from '../../lib/cart';
import { deliveryOf } from '../../lib/delivery';
import { arrivalText, deliveryHead } from '../../lib/delivery-view';
import { wordsFor } from '../../lib/errors';
import { price } from '../../lib/money';
import { definePage } from '../../lib/page';
import { lineView, type LineView } from '../../lib/view';

interface Data {
  state: 'loading' | 'ready' | 'placing' | 'paying' | 'error' | 'unavailable' | 'empty';
  error: string;
  head: Record<string, unknown>;
  contactText: string;
  timeText: string;
  moved: string;
  lines: LineView[];
  itemsText: string;
  feeText: string;
  totalText: string;
  orderId: string;
}

export const checkoutPage = definePage<
  Data,
  {
    onLoad(): Promise<void>;
    submit(): Promise<void>;
    back(): void;
  }
>({
  data: {
    state: 'loading',
    error: '',
    head: {},
    contactText: '',
    timeText: '',
    moved: '',
    lines: [],
    itemsText: '',
    feeText: '',
    totalText: '',
    orderId: '',
  },
  methods: {
    async onLoad() {
      const ctx = getContext();
      const d = deliveryOf(ctx);
      const a = d.address;
      if (d.cart.length === 0 || a === null) {
        this.setData({ state: 'empty' });
        return;
      }
      const before = d.quote?.store;
      try {
        const q = await d.requote();
        const delivery = d.channel === 'delivery';
        const itemsFen = cartTotals(d.cart).totalFen;
        const feeFen = delivery ? q.feeFen : 0;
        this.setData({
          state: 'ready',
          head: deliveryHead(q, a, d.channel) as unknown as Record<string, unknown>,
          contactText: `${a.contact} ${a.phone.replace(/^(\d{3})\d{4}(\d{4})$/, '$1****$2')}`,
          timeText: arrivalText(q, d.channel),
          moved: before !== undefined && before !== q.store ? `门店繁忙，已为你改由 ${q.storeName} 制作` : '',
          lines: d.cart.map((l) => lineView(ctx.store.menu, l)),
          itemsText: price(itemsFen),
          feeText: feeFen === 0 ? '免配送费' : price(feeFen),
          totalText: price(itemsFen + feeFen),
        });
      } catch (e) {
        this.setData({ state: 'unavailable', error: wordsFor(e) });
      }
    },
    async submit() {
      const st = this.data.state;
      if (st !== 'ready' && st !== 'error') return;
      const ctx = getContext();
      try {
        let orderId = this.data.orderId;
        if (orderId === '') {
          this.setData({ state: 'placing', error: '' });
          const o = await deliveryOf(ctx).place();
          orderId = o.orderId;
          this.setData({ orderId, totalText: price(o.totalFen) });
        }
        this.setData({ state: 'paying' });
        await ctx.pay(orderId);
        void wx.redirectTo({ url: `/pages/track/index?id=${orderId}` });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    back() {
      void wx.navigateBack();
    },
  },
});
