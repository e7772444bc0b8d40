/**
 * 达达's open API as a `CourierPlatform`: signed JSON POSTs to `<apiBase>/api/order/<method>`
 * (`dada-sign.ts`), the business parameters as one JSON string in `body`. Orders are named by the
 * merchant's number (`origin_id`, then `order_id`), so tips and cancels need nothing the create
 * answered. Beside the four calls the worker makes, `status` is what the callbacks confirm a
 * pushed step with (达达's callbacks carry no secret).
 */
import { CourierError, CourierErrorCode as C } from './errors.js';
import type { CourierPlatform, PlatformOrder, Shipment } from './platform.js';
import {
  DADA_NO_ORDER,
  DADA_RETRYABLE_CODES,
  fen,
  yuan,
  type DadaAddOrder,
  type DadaAdded,
  type DadaAnswer,
  type DadaOrderStatus,
} from './dada-protocol.js';
import { dadaSign, type DadaSystemParams } from './dada-sign.js';

export interface DadaOptions {
  readonly apiBase: string;
  readonly appKey: string;
  readonly appSecret: string;
  /** The merchant at 达达 (`source_id`) and its shop (`shop_no`). */
  readonly sourceId: string;
  readonly shopNo: string;
  /** 达达's city code of the stores (长沙 0731). */
  readonly cityCode: string;
  /** Where 达达 posts status callbacks (the gateway's `/v1/couriers/dada/callback`). */
  readonly callbackUrl: string;
  readonly timeoutMs: number;
}

/** 达达's reason 36 is 其他 (the reason text goes with it). */
const CANCEL_OTHER = 36;
const KG_PER_ITEM = 0.4;

export class DadaPlatform implements CourierPlatform {
  readonly name = 'dada';

  constructor(private readonly o: DadaOptions) {}

  async create(s: Shipment): Promise<PlatformOrder> {
    const qty = s.items.reduce((a, i) => a + i.qty, 0);
    const order: DadaAddOrder = {
      shop_no: this.o.shopNo,
      origin_id: s.shopOrderId,
      city_code: this.o.cityCode,
      cargo_price: yuan(s.totalFen),
      is_prepay: 0,
      receiver_name: s.to.name,
      receiver_address: s.to.address,
      receiver_lat: s.to.location.lat,
      receiver_lng: s.to.location.lng,
      receiver_phone: s.to.phone,
      callback: this.o.callbackUrl,
      cargo_weight: Math.max(1, qty) * KG_PER_ITEM,
      cargo_num: qty,
      origin_mark: 'lunchrush',
      product_list: s.items.map((i, n) => ({ sku_name: i.name, src_product_no: String(n + 1), count: i.qty })),
      supplier_lat: s.from.location.lat,
      supplier_lng: s.from.location.lng,
    };
    const r = await this.call<DadaAdded>('addOrder', order);
    return { platformOrderId: s.shopOrderId, feeFen: fen(r.fee) };
  }

  async find(shopOrderId: string): Promise<PlatformOrder | undefined> {
    const st = await this.status(shopOrderId);
    return st === undefined ? undefined : { platformOrderId: st.orderId, feeFen: fen(st.deliveryFee ?? 0) };
  }

  /** The order as 达达 holds it now; undefined when it has none under that number. */
  async status(shopOrderId: string): Promise<DadaOrderStatus | undefined> {
    try {
      return await this.call<DadaOrderStatus>('status/query', { order_id: shopOrderId });
    } catch (e) {
      if (e instanceof CourierError && (e.details as { code?: number } | undefined)?.code === DADA_NO_ORDER)
        return undefined;
      throw e;
    }
  }

  /** 达达 takes the tip in yuan; `tipFen` is the order's tip in all (the simulator keeps the highest sent). */
  async addTip(shopOrderId: string, tipFen: number): Promise<void> {
    await this.call('addTip', { order_id: shopOrderId, tips: yuan(tipFen), city_code: this.o.cityCode, info: '' });
  }

  async cancel(shopOrderId: string, reason: string): Promise<void> {
    await this.call('formalCancel', { order_id: shopOrderId, cancel_reason_id: CANCEL_OTHER, cancel_reason: reason });
  }

  private async call<R>(method: string, business: object): Promise<R> {
    const params: DadaSystemParams = {
      app_key: this.o.appKey,
      timestamp: String(Math.floor(Date.now() / 1000)),
      format: 'json',
      v: '1.0',
      source_id: this.o.sourceId,
      body: JSON.stringify(business),
    };
    const payload = JSON.stringify({ ...params, signature: dadaSign(params, this.o.appSecret) });
    let answer: DadaAnswer<R>;
    try {
      const res = await fetch(`${this.o.apiBase}/api/order/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
      answer = (await res.json()) as DadaAnswer<R>;
    } catch (e) {
      throw new CourierError(C.PlatformError, `达达 ${method} did not answer: ${String(e)}`, undefined, { cause: e });
    }
    if (answer.status === 'success' && answer.code === 0) return (answer.result ?? {}) as R;
    const details = { code: answer.code, method };
    const code = DADA_RETRYABLE_CODES.has(answer.code) ? C.PlatformError : C.Refused;
    throw new CourierError(code, `达达 ${method}: ${answer.code} ${answer.msg}`, details);
  }
}
