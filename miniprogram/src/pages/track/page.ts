/**
 * 配送跟踪: a delivery order from the kitchen to the door, live. The page reads the order and its
 * rider once, then follows the order's push topic on a socket of its own (`lib/delivery.ts`: the
 * diner is not seated, the socket names the order's store and the gateway lets the diner who
 * placed it follow it): a kitchen step reads the order again, a rider's step (status, name,
 * position, tip) is shown as it comes, and the rider is on WeChat's `map`. It stops following
 * once delivered.
 */
import { getContext } from '../../lib/app-context';
import { deliveryOf, type CourierPush } from '../../lib/delivery';
import type { DeliveryView } from '../../lib/delivery-types';
import { ApiError, wordsFor } from '../../lib/errors';
import { definePage } from '../../lib/page';
import { trackView } from '../../lib/track-view';
import type { OrderDetail } from '../../lib/types';

/** What the page holds and does not render. */
interface Held {
  order?: OrderDetail;
  delivery?: DeliveryView | null;
  off?: (() => void) | undefined;
  stopped?: boolean;
}

interface Data {
  state: 'loading' | 'ready' | 'error';
  error: string;
  orderId: string;
  view: Record<string, unknown>;
}

/** A rider's step from the push onto the delivery held (a step older than the one held is dropped). */
function applyCourier(d: DeliveryView | null | undefined, p: CourierPush): DeliveryView | null {
  if (d != null && p.seq <= d.version) return d;
  return {
    orderId: p.orderId,
    status: p.status,
    attempt: p.attempt,
    tipFen: p.tipFen,
    rider: p.rider,
    position: p.position,
    staffReason: d?.staffReason ?? null,
    version: p.seq,
    updatedAt: Date.now(),
  };
}

export const trackPage = definePage<
  Data,
  {
    onLoad(q: { id?: string }): Promise<void>;
    onUnload(): void;
    refresh(): Promise<void>;
    readDelivery(): Promise<void>;
    render(): void;
    call(): void;
  },
  Held
>({
  data: { state: 'loading', error: '', orderId: '', view: {} },
  methods: {
    async onLoad(q) {
      this.setData({ orderId: q.id ?? '' });
      await this.refresh();
      if (this.stopped === true || this.order === undefined || (this.data.view as { done?: boolean }).done === true) return;
      const ctx = getContext();
      const orderId = this.data.orderId;
      this.off = deliveryOf(ctx).followOrder(orderId, {
        order: (o) => {
          this.order = o;
          ctx.store.setOrder(o);
          // A (re)subscription starts from the order: the rider's steps missed meanwhile are read.
          this.readDelivery().then(
            () => this.render(),
            (e: unknown) => this.setData({ error: wordsFor(e) }),
          );
        },
        courier: (p) => {
          this.delivery = applyCourier(this.delivery, p);
          this.render();
        },
        step: () => void this.refresh(),
      });
    },
    onUnload() {
      this.stopped = true;
      this.off?.();
      this.off = undefined;
    },
    async refresh() {
      try {
        this.order = await getContext().loadOrder(this.data.orderId);
        await this.readDelivery();
        this.render();
      } catch (e) {
        this.setData({ state: this.data.state === 'ready' ? 'ready' : 'error', error: wordsFor(e) });
      }
    },
    async readDelivery() {
      try {
        const d = await getContext().api.delivery(this.data.orderId);
        if (this.delivery == null || d.version >= this.delivery.version) this.delivery = d;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 'delivery_not_found')) throw e;
        this.delivery ??= null;
      }
    },
    render() {
      if (this.stopped === true || this.order === undefined) return;
      const view = trackView(this.order, this.delivery ?? null);
      this.setData({ state: 'ready', error: '', view: view as unknown as Record<string, unknown> });
      if (view.done) {
        this.off?.();
        this.off = undefined;
      }
    },
    call() {
      const phone = (this.data.view as { riderPhone?: string }).riderPhone;
      if (phone !== undefined && phone !== '') void wx.makePhoneCall({ phoneNumber: phone });
    },
  },
});
