/** 订单详情: live status over the push; pay, cancel, urge, refund request, review. */
import { getContext } from '../../lib/app-context';
import { wordsFor } from '../../lib/errors';
import { definePage, type TapEvent } from '../../lib/page';
import { STEPS, orderView } from '../../lib/view';

interface Data {
  state: 'loading' | 'ready' | 'error';
  error: string;
  orderId: string;
  order: Record<string, any> | null;
  steps: readonly string[];
  live: boolean;
  notice: string;
  refundOpen: boolean;
  refundReason: string;
  reasons: string[];
  reviewOpen: boolean;
  rating: number;
  stars: number[];
  comment: string;
  busy: boolean;
}

interface Fields {
  off?: (() => void) | undefined;
}

export const orderPage = definePage<Data, {
  onLoad(query: { id?: string }): Promise<void>;
  onShow(): void;
  onUnload(): void;
  render(): void;
  run(action: () => Promise<unknown>, done: string): Promise<void>;
  pay(): Promise<void>;
  cancel(): Promise<void>;
  urge(): Promise<void>;
  openRefund(): void;
  pickReason(e: TapEvent<{ reason: string }>): void;
  refund(): Promise<void>;
  openReview(): void;
  rate(e: TapEvent<{ n: string }>): void;
  onComment(e: { detail: { value: string } }): void;
  review(): Promise<void>;
  closeDialogs(): void;
  noop(): void;
  retry(): Promise<void>;
}, Fields>({
  data: {
    state: 'loading',
    error: '',
    orderId: '',
    order: null,
    steps: STEPS,
    live: false,
    notice: '',
    refundOpen: false,
    refundReason: '',
    reasons: ['上菜太慢', '点错了', '菜品有问题', '不想要了'],
    reviewOpen: false,
    rating: 5,
    stars: [1, 2, 3, 4, 5],
    comment: '',
    busy: false,
  },
  methods: {
    async onLoad(query) {
      const orderId = query.id ?? '';
      this.setData({ orderId });
      const ctx = getContext();
      this.off?.();
      const offStore = ctx.store.on((what, key) => {
        if ((what === 'order' && key === orderId) || what === 'live') this.render();
      });
      const offPush = ctx.followOrder(orderId);
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
      try {
        await getContext().loadOrder(this.data.orderId);
        this.setData({ state: 'ready', error: '' });
        this.render();
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    render() {
      const ctx = getContext();
      const o = ctx.store.orders.get(this.data.orderId);
      this.setData({ live: ctx.store.live, ...(o === undefined ? {} : { order: orderView(o) }) });
    },
    async run(action, done) {
      if (this.data.busy) return;
      this.setData({ busy: true, notice: '' });
      try {
        await getContext().refreshAfter(this.data.orderId, action());
        this.setData({ notice: done });
      } catch (e) {
        this.setData({ notice: wordsFor(e) });
      } finally {
        this.setData({ busy: false });
      }
    },
    async pay() {
      await this.run(() => getContext().pay(this.data.orderId), '支付成功，等待商家接单');
    },
    async cancel() {
      await this.run(() => getContext().api.cancel(this.data.orderId, '顾客取消'), '订单已取消');
    },
    async urge() {
      await this.run(() => getContext().api.urge(this.data.orderId), '已催单，后厨会尽快出餐');
    },
    openRefund() {
      this.setData({ refundOpen: true, refundReason: '' });
    },
    pickReason(e) {
      this.setData({ refundReason: e.currentTarget.dataset.reason });
    },
    async refund() {
      if (this.data.refundReason === '') {
        this.setData({ notice: '请选择退款原因' });
        return;
      }
      this.setData({ refundOpen: false });
      await this.run(() => getContext().api.requestRefund(this.data.orderId, this.data.refundReason), '退款申请已提交');
    },
    openReview() {
      this.setData({ reviewOpen: true });
    },
    rate(e) {
      this.setData({ rating: Number(e.currentTarget.dataset.n) });
    },
    onComment(e) {
      this.setData({ comment: e.detail.value });
    },
    async review() {
      this.setData({ reviewOpen: false });
      await this.run(() => getContext().api.review(this.data.orderId, this.data.rating, this.data.comment), '感谢你的评价');
    },
    closeDialogs() {
      this.setData({ refundOpen: false, reviewOpen: false });
    },
    noop() {},
  },
});
