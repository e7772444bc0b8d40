/** 确认下单: the server's quote of the table cart, place (Idempotency-Key), pay. */
import { getContext } from '../../lib/app-context';
import { ApiError, soldOutLines, wordsFor } from '../../lib/errors';
import { price } from '../../lib/money';
import { definePage } from '../../lib/page';

interface LineView {
  lineNo: number;
  name: string;
  spec: string;
  optionsText: string;
  qty: number;
  unitText: string;
  amountText: string;
}

interface Data {
  state: 'loading' | 'ready' | 'placing' | 'paying' | 'error' | 'sold_out' | 'empty';
  error: string;
  tableLabel: string;
  lines: LineView[];
  itemsText: string;
  packagingText: string;
  discountText: string;
  totalText: string;
  soldOut: { name: string; text: string }[];
  orderId: string;
}

export const confirmPage = definePage<Data, {
  onLoad(): Promise<void>;
  loadQuote(): Promise<void>;
  submit(): Promise<void>;
  back(): void;
}>({
  data: {
    state: 'loading',
    error: '',
    tableLabel: '',
    lines: [],
    itemsText: '',
    packagingText: '',
    discountText: '',
    totalText: '',
    soldOut: [],
    orderId: '',
  },
  methods: {
    async onLoad() {
      await this.loadQuote();
    },
    async loadQuote() {
      const ctx = getContext();
      this.setData({ state: 'loading', error: '', tableLabel: ctx.store.session?.tableLabel ?? '' });
      try {
        const q = await ctx.api.quote();
        this.setData({
          state: 'ready',
          lines: q.lines.map((l) => ({
            lineNo: l.lineNo,
            name: l.name,
            spec: l.spec,
            optionsText: l.options.map((o) => o.name ?? o.choice).join(' / '),
            qty: l.qty,
            unitText: price(l.unitPriceFen),
            amountText: price(l.amountFen),
          })),
          itemsText: price(q.itemsFen),
          packagingText: q.packagingFeeFen > 0 ? price(q.packagingFeeFen) : '',
          discountText: q.discountFen > 0 ? `-${price(q.discountFen)}` : '',
          totalText: price(q.totalFen),
        });
      } catch (e) {
        if (e instanceof ApiError && e.code === 'empty_cart') this.setData({ state: 'empty' });
        else this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    async submit() {
      if (this.data.state !== 'ready' && this.data.state !== 'error') return;
      const ctx = getContext();
      let orderId = this.data.orderId;
      try {
        if (orderId === '') {
          this.setData({ state: 'placing', error: '' });
          orderId = (await ctx.placeOrder()).orderId;
          this.setData({ orderId });
        }
        this.setData({ state: 'paying' });
        await ctx.pay(orderId);
        void wx.redirectTo({ url: `/pages/order/index?id=${orderId}` });
      } catch (e) {
        const short = soldOutLines(e);
        if (short.length > 0) {
          const cart = ctx.store.table?.cart ?? [];
          this.setData({
            state: 'sold_out',
            soldOut: short.map((s) => ({
              name: cart.find((l) => l.skuId === s.skuId)?.name ?? s.skuId,
              text: s.available === 0 ? '已售罄' : `仅剩 ${s.available} 份，点了 ${s.qty} 份`,
            })),
          });
        } else if (orderId !== '' && e instanceof ApiError && e.code === 'payment_cancelled') {
          // Placed but not paid: the order page offers 去支付 until the payment window closes.
          void wx.redirectTo({ url: `/pages/order/index?id=${orderId}` });
        } else this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    back() {
      void wx.navigateBack({ delta: 1 });
    },
  },
});
