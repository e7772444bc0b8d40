/** What the menu's delivery mode and the delivery checkout show of the quote, in Chinese. */
import type { Address, DeliveryQuote } from './delivery-types';
import { price } from './money';

/** 外卖配送 (a rider brings it) or 到店自取 (the diner picks it up at the store the quote names). */
export type DeliveryChannel = 'delivery' | 'takeaway';

export interface DeliveryHead {
  readonly channel: DeliveryChannel;
  readonly storeName: string;
  readonly storeAddress: string;
  readonly address: string;
  readonly etaText: string;
  readonly feeText: string;
  readonly minText: string;
  readonly freeText: string;
}

const minutes = (m: number): number => Math.max(1, Math.round(m));

export function deliveryHead(q: DeliveryQuote, a: Address, channel: DeliveryChannel): DeliveryHead {
  const delivery = channel === 'delivery';
  return {
    channel,
    storeName: q.storeName,
    storeAddress: q.storeAddress,
    address: a.address,
    etaText: delivery ? `约 ${minutes(q.etaMin)} 分钟送达` : `约 ${minutes(q.kitchenMin)} 分钟可取`,
    feeText: !delivery ? '到店自取，免配送费' : q.feeFen === 0 ? '免配送费' : `配送费 ${price(q.feeFen)}`,
    minText: delivery && q.minOrderFen > 0 ? `起送 ${price(q.minOrderFen)}` : '',
    freeText: delivery && q.freeOverFen !== null ? `满 ${price(q.freeOverFen)} 免配送费` : '',
  };
}

/** The cart's button: what is still short of the store's minimum for delivery, else 去结算. */
export function goText(q: DeliveryQuote | null, itemsFen: number, channel: DeliveryChannel): { text: string; ok: boolean } {
  if (itemsFen === 0) return { text: '去结算', ok: false };
  const min = channel === 'delivery' ? (q?.minOrderFen ?? 0) : 0;
  if (itemsFen < min) return { text: `差 ${price(min - itemsFen)} 起送`, ok: false };
  return { text: '去结算', ok: true };
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** 送达时间 at checkout: as soon as possible, with the clock time the quote gives. */
export function arrivalText(q: DeliveryQuote, channel: DeliveryChannel, now = Date.now()): string {
  const at = new Date(now + minutes(channel === 'delivery' ? q.etaMin : q.kitchenMin) * 60_000);
  const clock = `${two(at.getHours())}:${two(at.getMinutes())}`;
  return channel === 'delivery' ? `尽快送达 · 预计 ${clock} 送达` : `尽快出餐 · 预计 ${clock} 可取`;
}
