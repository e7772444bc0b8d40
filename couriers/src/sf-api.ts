/**
 * 顺丰同城's open API as a `CourierPlatform`: signed JSON POSTs to
 * `<apiBase>/open/api/external/<method>?sign=…` (`sf-sign.ts`), each body carrying `dev_id` and
 * `push_time`. Orders are named by the merchant's number (`order_type` 2), so tips and cancels
 * need nothing the create answered.
 */
import { CourierError, CourierErrorCode as C } from './errors.js';
import type { CourierPlatform, PlatformOrder, Shipment } from './platform.js';
import {
  SF_NO_ORDER,
  SF_RETRYABLE_CODES,
  type SfAnswer,
  type SfCreateOrder,
  type SfCreated,
  type SfOrderStatus,
} from './sf-protocol.js';
import { sfSign } from './sf-sign.js';

export interface SfCityOptions {
  readonly apiBase: string;
  readonly devId: string;
  readonly devKey: string;
  /** The merchant's shop id at SF (`shop_type` 2: the store's own id and address are sent with each order). */
  readonly shopId: string;
  readonly timeoutMs: number;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);
const GRAMS_PER_ITEM = 400;

export class SfCityPlatform implements CourierPlatform {
  readonly name = 'sf';

  constructor(private readonly o: SfCityOptions) {}

  async create(s: Shipment): Promise<PlatformOrder> {
    const now = Date.now();
    const qty = s.items.reduce((a, i) => a + i.qty, 0);
    const body: SfCreateOrder = {
      dev_id: this.o.devId,
      shop_id: this.o.shopId,
      shop_type: 2,
      shop_order_id: s.shopOrderId,
      order_source: 'lunchrush',
      lbs_type: 2,
      pay_type: 1,
      order_time: seconds(now),
      is_appoint: 0,
      is_insured: 0,
      is_person_direct: 0,
      gratuity_fee: 0,
      push_time: seconds(now),
      version: 17,
      shop: {
        shop_name: s.from.name,
        shop_phone: s.from.phone,
        shop_address: s.from.address,
        shop_lng: String(s.from.location.lng),
        shop_lat: String(s.from.location.lat),
      },
      receive: {
        user_name: s.to.name,
        user_phone: s.to.phone,
        user_address: s.to.address,
        user_lng: String(s.to.location.lng),
        user_lat: String(s.to.location.lat),
      },
      order_detail: {
        total_price: s.totalFen,
        product_type: 1,
        weight_gram: Math.max(1, qty) * GRAMS_PER_ITEM,
        product_num: qty,
        product_type_num: s.items.length,
        product_detail: s.items.map((i) => ({ product_name: i.name, product_num: i.qty })),
      },
    };
    const r = await this.call<SfCreated>('createorder', body);
    return { platformOrderId: r.sf_order_id, feeFen: r.total_price };
  }

  async find(shopOrderId: string): Promise<PlatformOrder | undefined> {
    try {
      const r = await this.call<SfOrderStatus & { total_price?: number }>(
        'getorderstatus',
        this.byShopOrder(shopOrderId),
      );
      return { platformOrderId: r.sf_order_id, feeFen: r.total_price ?? 0 };
    } catch (e) {
      if (e instanceof CourierError && (e.details as { errorCode?: number } | undefined)?.errorCode === SF_NO_ORDER)
        return undefined;
      throw e;
    }
  }

  async addTip(shopOrderId: string, tipFen: number): Promise<void> {
    await this.call('addordergratuityfee', { ...this.byShopOrder(shopOrderId), gratuity_fee: tipFen });
  }

  async cancel(shopOrderId: string, reason: string): Promise<void> {
    await this.call('cancelorder', { ...this.byShopOrder(shopOrderId), cancel_code: 313, cancel_reason: reason });
  }

  private byShopOrder(shopOrderId: string): Record<string, unknown> {
    return {
      dev_id: this.o.devId,
      order_id: shopOrderId,
      order_type: 2,
      shop_id: this.o.shopId,
      shop_type: 2,
      push_time: seconds(Date.now()),
    };
  }

  private async call<R>(method: string, body: object): Promise<R> {
    const raw = JSON.stringify(body);
    const sign = sfSign(raw, this.o.devId, this.o.devKey);
    const url = `${this.o.apiBase}/open/api/external/${method}?sign=${encodeURIComponent(sign)}`;
    let answer: SfAnswer<R>;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
      answer = (await res.json()) as SfAnswer<R>;
    } catch (e) {
      throw new CourierError(C.PlatformError, `SF ${method} did not answer: ${String(e)}`, undefined, { cause: e });
    }
    if (answer.error_code === 0 && answer.result !== undefined) return answer.result;
    if (answer.error_code === 0) return {} as R;
    const details = { errorCode: answer.error_code, method };
    const code = SF_RETRYABLE_CODES.has(answer.error_code) ? C.PlatformError : C.Refused;
    throw new CourierError(code, `SF ${method}: ${answer.error_code} ${answer.error_msg}`, details);
  }
}
