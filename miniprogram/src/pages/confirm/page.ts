/**
 * 确认下单: the server's price of the table cart, place (Idempotency-Key), pay. A member sees the
 * card's checkout instead of the plain quote: every discount with its reason (promotions, the best
 * coupon, points), switches for points and stored value, and WeChat Pay only for the rest.
 */
import { getContext } from '../../lib/app-context';
import { ApiError, soldOutLines, wordsFor } from '../../lib/errors';
import { price } from '../../lib/money';
import { definePage } from '../../lib/page';
import type { CheckoutPlan, PayChoice, PricedLine } from '../../lib/types';
import { pricedLineView, type PricedLineView } from '../../lib/view';

interface DiscountView {
  id: string;
  label: string;
  reason: string;
  amountText: string;
}

interface QuoteLineView extends PricedLineView {
  unitText: string;
}

interface Data {
  state: 'loading' | 'ready' | 'placing' | 'paying' | 'error' | 'sold_out' | 'empty';
  error: string;
  tableLabel: string;
  lines: QuoteLineView[];
  itemsText: string;
  packagingText: string;
  discountText: string;
  totalText: string;
  soldOut: { name: string; text: string }[];
  orderId: string;
  /** The diner has a member card: the checkout's discounts and the card's switches show. */
  member: boolean;
  discounts: DiscountView[];
  usePoints: boolean;
  useBalance: boolean;
  pointsText: string;
  balanceText: string;
  wechatText: string;
}

export const confirmPage = definePage<Data, {
  onLoad(): Promise<void>;
  loadQuote(): Promise<void>;
  loadCheckout(): Promise<boolean>;
  togglePoints(): Promise<void>;
  toggleBalance(): Promise<void>;
  openMember(): void;
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
    member: false,
    discounts: [],
    usePoints: false,
    useBalance: false,
    pointsText: '',
    balanceText: '',
    wechatText: '',
  },
  methods: {
    async onLoad() {
      await this.loadQuote();
    },
    async loadQuote() {
      const ctx = getContext();
      this.setData({ state: 'loading', error: '', tableLabel: ctx.store.session?.tableLabel ?? '' });
      try {
        if (await this.loadCheckout()) return;
        const q = await ctx.api.quote();
        this.setData({
          state: 'ready',
          lines: q.lines.map(quoteLine),
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
    /** A member's price of the cart; false for a diner without a card (the plain quote then). */
    async loadCheckout() {
      const ctx = getContext();
      const card = await ctx.api.member().catch(() => null);
      if (card === null || !card.enrolled) return false;
      const plan: CheckoutPlan = await ctx.api.checkout(payChoice(this.data.usePoints, this.data.useBalance));
      const [q, lines] = [plan, (await ctx.api.quote()).lines];
      this.setData({
        state: 'ready',
        member: true,
        lines: lines.map(quoteLine),
        itemsText: price(q.itemsFen),
        packagingText: q.packagingFeeFen > 0 ? price(q.packagingFeeFen) : '',
        discounts: q.discounts.map((d) => ({ id: d.id, label: d.label, reason: d.reason, amountText: `-${price(d.amountFen)}` })),
        discountText: q.discountFen > 0 ? `-${price(q.discountFen)}` : '',
        pointsText: card.points > 0 ? `${card.points} 积分可用` : '暂无积分',
        balanceText: `余额 ${price(card.balanceFen)}`,
        wechatText: price(q.wechatFen),
        totalText: price(q.payableFen),
      });
      return true;
    },
    async togglePoints() {
      this.setData({ usePoints: !this.data.usePoints });
      await this.loadQuote();
    },
    async toggleBalance() {
      this.setData({ useBalance: !this.data.useBalance });
      await this.loadQuote();
    },
    async submit() {
      if (this.data.state !== 'ready' && this.data.state !== 'error') return;
      const ctx = getContext();
      let orderId = this.data.orderId;
      try {
        if (orderId === '') {
          this.setData({ state: 'placing', error: '' });
          const pay = this.data.member ? payChoice(this.data.usePoints, this.data.useBalance) : undefined;
          const placed = await ctx.placeOrder(pay);
          orderId = placed.orderId;
          this.setData({ orderId });
          // The card paid it all: nothing for WeChat Pay.
          if (placed.status !== 'pending_payment') {
            void wx.redirectTo({ url: `/pages/order/index?id=${orderId}` });
            return;
          }
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
    openMember() {
      void wx.navigateTo({ url: '/pages/member/index' });
    },
  },
});

/** A priced line with its unit price too. */
function quoteLine(l: PricedLine): QuoteLineView {
  return { ...pricedLineView(l), unitText: price(l.unitPriceFen) };
}

/** The best coupon always; points and stored value as the switches say. */
function payChoice(usePoints: boolean, useBalance: boolean): PayChoice {
  return { couponIds: 'best', points: usePoints ? 'max' : 0, balanceFen: useBalance ? 'max' : 0 };
}
