/**
 * 配送跟踪: a delivery order from the kitchen to the door. The diner has no table, so no push
 * topic: the page reads the order and its rider every `TRACK_POLL_MS` while it is shown (and
 * stops once delivered), and shows the rider on WeChat's map.
 */
import { getContext } from '../../lib/app-context';
import type { DeliveryView } from '../../lib/delivery-types';
import { ApiError, wordsFor } from '../../lib/errors';
import { definePage } from '../../lib/page';
import { trackView } from '../../lib/track-view';

export const TRACK_POLL_MS = 3_000;

/** The page's own poll state (not rendered). */
interface Poll {
  timer?: ReturnType<typeof setTimeout>;
  stopped?: boolean;
}

interface Data {
  state: 'loading' | 'ready' | 'error';
  error: string;
  orderId: string;
  view: Record<string, unknown>;
}

export const trackPage = definePage<
  Data,
  {
    onLoad(q: { id?: string }): Promise<void>;
    onUnload(): void;
    refresh(): Promise<void>;
    call(): void;
  }
>({
  data: { state: 'loading', error: '', orderId: '', view: {} },
  methods: {
    async onLoad(q) {
      this.setData({ orderId: q.id ?? '' });
      await this.refresh();
    },
    onUnload() {
      const poll = this as unknown as Poll;
      poll.stopped = true;
      if (poll.timer !== undefined) clearTimeout(poll.timer);
    },
    async refresh() {
      const poll = this as unknown as Poll;
      // Read afresh after each await: the page may have been closed meanwhile.
      const stopped = (): boolean => poll.stopped === true;
      if (stopped()) return;
      const ctx = getContext();
      const orderId = this.data.orderId;
      try {
        const order = await ctx.loadOrder(orderId);
        let delivery: DeliveryView | null = null;
        try {
          delivery = await ctx.api.delivery(orderId);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 'delivery_not_found')) throw e;
        }
        const view = trackView(order, delivery);
        this.setData({ state: 'ready', error: '', view: view as unknown as Record<string, unknown> });
        if (view.done) return;
      } catch (e) {
        this.setData({ state: this.data.state === 'ready' ? 'ready' : 'error', error: wordsFor(e) });
      }
      if (!stopped()) poll.timer = setTimeout(() => void this.refresh(), TRACK_POLL_MS);
    },
    call() {
      const phone = (this.data.view as { riderPhone?: string }).riderPhone;
      if (phone !== undefined && phone !== '') void wx.makePhoneCall({ phoneNumber: phone });
    },
  },
});
