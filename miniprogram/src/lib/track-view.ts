/** What the tracking page shows of a delivery order and its rider, in Chinese. */
import type { DeliveryView } from './delivery-types';
import type { OrderDetail } from './types';

const STEP_TEXT: Record<string, string> = {
  dispatching: '正在呼叫骑手',
  accepted: '骑手已接单，正赶往门店',
  arrived: '骑手已到店，等待取餐',
  picked_up: '骑手已取餐，正在配送',
  delivered: '已送达，祝你用餐愉快',
  staff: '门店正在安排店员配送',
  staff_delivered: '店员已送达，祝你用餐愉快',
};

export interface TrackView {
  readonly headline: string;
  readonly detail: string;
  readonly riderName: string;
  readonly riderPhone: string;
  readonly hasRider: boolean;
  readonly latitude: number;
  readonly longitude: number;
  readonly markers: { id: number; latitude: number; longitude: number; title: string; width: number; height: number }[];
  /** Delivered (or the order ended): nothing more to follow. */
  readonly done: boolean;
}

/** A pickup (到店自取) has no rider: the kitchen's steps, then the diner's own. */
function pickupHeadline(order: OrderDetail): { headline: string; done: boolean } {
  if (order.status === 'ready') return { headline: '餐已备好，请到店取餐', done: false };
  if (order.status === 'served' || order.status === 'completed') return { headline: '已取餐，祝你用餐愉快', done: true };
  return { headline: order.status === 'pending_payment' ? '等待支付' : '商家正在备餐', done: false };
}

export function trackView(order: OrderDetail, d: DeliveryView | null): TrackView {
  const ended = order.status === 'cancelled' || order.status === 'refunded';
  const pickup = order.channel === 'takeaway' && !ended ? pickupHeadline(order) : null;
  const headline = ended
    ? '订单已取消'
    : pickup !== null
      ? pickup.headline
      : d === null
      ? order.status === 'pending_payment'
        ? '等待支付'
        : '商家正在备餐'
      : (STEP_TEXT[d.status] ?? d.status);
  const tip = d !== null && d.tipFen > 0 ? `（已加小费 ¥${(d.tipFen / 100).toFixed(0)}）` : '';
  const p = d?.position ?? null;
  return {
    headline,
    detail: d === null ? `订单 ${order.orderId.slice(-4)}` : `订单 ${order.orderId.slice(-4)}${tip}`,
    riderName: d?.rider?.name ?? '',
    riderPhone: d?.rider?.phone ?? '',
    hasRider: d?.rider != null,
    latitude: p?.lat ?? 0,
    longitude: p?.lng ?? 0,
    markers: p === null ? [] : [{ id: 1, latitude: p.lat, longitude: p.lng, title: '骑手', width: 32, height: 32 }],
    done: ended || pickup?.done === true || d?.status === 'delivered' || d?.status === 'staff_delivered',
  };
}
