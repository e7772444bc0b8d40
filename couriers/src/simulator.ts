/**
 * A local 顺丰同城: the four API methods the worker calls, checking their signatures as the
 * platform does, and riders who move over time, each step pushed to the merchant's callback URL
 * signed with the same developer key. What riders do is set per order when it is created
 * (`riders`): take it and ride (`normal`), never take it (`none`), take it only once a tip is
 * added (`after_tip`), or take it and never come (`no_show`).
 *
 * It keeps its orders in memory: it is the platform, one process (in development the gateway
 * starts it beside itself; the bench can run it alone with `simulator-main.ts`).
 */
import type { Logger } from 'pino';
import type { GeoPoint } from '@lunchrush/actors';
import {
  SF_CALLBACK_OK,
  SF_NO_ORDER,
  SF_SIGN_ERROR,
  SfStatus,
  type SfCallback,
  type SfCreateOrder,
} from './sf-protocol.js';
import { sfSign, sfVerify } from './sf-sign.js';
import { SimulatedPlatform, type SentCallback } from './simulated-platform.js';

export type RiderBehaviour = 'normal' | 'none' | 'after_tip' | 'no_show';

export interface SimulatorOptions {
  readonly devId: string;
  readonly devKey: string;
  /** Where status callbacks go (the gateway's `/v1/couriers/sf/callback`). */
  readonly callbackUrl: () => string;
  /** Time between a rider's steps. */
  readonly stepMs: number;
  /** Positions pushed on the way from the store to the door. */
  readonly legs?: number;
  readonly log?: Logger;
}

interface SimOrder {
  readonly sfOrderId: string;
  readonly shopOrderId: string;
  readonly from: GeoPoint;
  readonly to: GeoPoint;
  readonly behaviour: RiderBehaviour;
  status: number;
  tipFen: number;
  timer: NodeJS.Timeout | undefined;
  rider: { name: string; phone: string } | undefined;
  position: GeoPoint | undefined;
  /** Its callbacks, one after another (the platform pushes an order's steps in order). */
  pushed: Promise<void>;
}

const RIDERS = [
  { name: '张师傅', phone: '13800000001' },
  { name: '李师傅', phone: '13800000002' },
];
const seconds = (ms: number): number => Math.floor(ms / 1000);

export class SfCitySimulator extends SimulatedPlatform<SimOrder> {
  /** What riders do for orders created from now on. */
  riders: RiderBehaviour = 'normal';
  readonly tips: { shopOrderId: string; tipFen: number }[] = [];

  constructor(private readonly o: SimulatorOptions) {
    super();
  }

  /** Sends a callback body again exactly as it went (a replay), or with a forged sign; answers the HTTP status. */
  async resend(c: SentCallback, tamper?: 'signature'): Promise<number> {
    const sign = tamper === 'signature' ? sfSign(c.body, this.o.devId, 'not-the-key') : c.sign;
    return (await this.post(c.shopOrderId, c.body, sign)).answered;
  }

  protected override respond(raw: string, path: string): object {
    const url = new URL(path, 'http://sim');
    const method = url.pathname.replace('/open/api/external/', '');
    if (!sfVerify(raw, url.searchParams.get('sign') ?? '', this.o.devId, this.o.devKey))
      return { error_code: SF_SIGN_ERROR, error_msg: '签名错误' };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return { error_code: 1004, error_msg: '参数错误' };
    }
    return this.answer(method, body);
  }

  private answer(method: string, body: Record<string, unknown>): object {
    if (method === 'createorder') return this.create(body as unknown as SfCreateOrder);
    const order = this.orders.get(String(body.order_id));
    if (order === undefined) return { error_code: SF_NO_ORDER, error_msg: '订单不存在' };
    const result = { sf_order_id: order.sfOrderId, shop_order_id: order.shopOrderId };
    switch (method) {
      case 'getorderstatus':
        return {
          error_code: 0,
          error_msg: 'success',
          result: { ...result, order_status: order.status, total_price: 600 },
        };
      case 'addordergratuityfee':
        if (order.status !== SfStatus.Created) return { error_code: 1016, error_msg: '订单已被接单' };
        order.tipFen = Number(body.gratuity_fee);
        this.tips.push({ shopOrderId: order.shopOrderId, tipFen: order.tipFen });
        if (order.behaviour === 'after_tip') this.after(order, () => this.accept(order));
        return { error_code: 0, error_msg: 'success', result };
      case 'cancelorder':
        clearTimeout(order.timer);
        order.status = SfStatus.Cancelled;
        this.cancels.push(order.shopOrderId);
        return { error_code: 0, error_msg: 'success', result };
      default:
        return { error_code: 1004, error_msg: `未知接口 ${method}` };
    }
  }

  private create(c: SfCreateOrder): object {
    this.creates.push(c.shop_order_id);
    const known = this.orders.get(c.shop_order_id);
    const price = { total_price: 600, delivery_distance_meter: 0 };
    if (known !== undefined)
      return {
        error_code: 0,
        error_msg: 'success',
        result: { sf_order_id: known.sfOrderId, shop_order_id: c.shop_order_id, ...price },
      };
    const order: SimOrder = {
      sfOrderId: `SF${Date.now()}${++this.n}`,
      shopOrderId: c.shop_order_id,
      from: { lng: Number(c.shop.shop_lng), lat: Number(c.shop.shop_lat) },
      to: { lng: Number(c.receive.user_lng), lat: Number(c.receive.user_lat) },
      behaviour: this.riders,
      status: SfStatus.Created,
      tipFen: 0,
      timer: undefined,
      rider: undefined,
      position: undefined,
      pushed: Promise.resolve(),
    };
    this.orders.set(order.shopOrderId, order);
    if (order.behaviour === 'normal' || order.behaviour === 'no_show') this.after(order, () => this.accept(order));
    return {
      error_code: 0,
      error_msg: 'success',
      result: { sf_order_id: order.sfOrderId, shop_order_id: order.shopOrderId, ...price },
    };
  }

  private after(order: SimOrder, step: () => void): void {
    clearTimeout(order.timer);
    if (this.closed || order.status === SfStatus.Cancelled) return;
    order.timer = setTimeout(step, this.o.stepMs);
  }

  private accept(order: SimOrder): void {
    order.rider = RIDERS[this.n % RIDERS.length]!;
    order.position = { lng: order.from.lng + 0.004, lat: order.from.lat + 0.003 };
    this.push(order, SfStatus.RiderAccepted, 'rider_status');
    if (order.behaviour !== 'no_show') this.after(order, () => this.arrive(order));
  }

  private arrive(order: SimOrder): void {
    order.position = order.from;
    this.push(order, SfStatus.RiderAtShop, 'rider_status');
    this.after(order, () => this.ride(order, 0));
  }

  /** Picked up at leg 0, then `legs` positions on the straight line to the door, then delivered. */
  private ride(order: SimOrder, leg: number): void {
    const legs = this.o.legs ?? 3;
    if (leg > legs) {
      order.position = order.to;
      this.push(order, SfStatus.Delivered, 'order_complete');
      return;
    }
    const f = leg / (legs + 1);
    order.position = {
      lng: order.from.lng + (order.to.lng - order.from.lng) * f,
      lat: order.from.lat + (order.to.lat - order.from.lat) * f,
    };
    this.push(order, SfStatus.Delivering, 'rider_status');
    this.after(order, () => this.ride(order, leg + 1));
  }

  private push(order: SimOrder, status: number, urlIndex: SfCallback['url_index']): void {
    order.status = status;
    const body: SfCallback = {
      sf_order_id: order.sfOrderId,
      shop_order_id: order.shopOrderId,
      url_index: urlIndex,
      order_status: status,
      ...(order.rider === undefined ? {} : { operator_name: order.rider.name, operator_phone: order.rider.phone }),
      ...(order.position === undefined ? {} : { rider_lng: order.position.lng, rider_lat: order.position.lat }),
      push_time: seconds(Date.now()),
    };
    const raw = JSON.stringify(body);
    const sign = sfSign(raw, this.o.devId, this.o.devKey);
    order.pushed = order.pushed.then(() => this.deliver(order.shopOrderId, raw, sign));
  }

  /** Posts a callback until the merchant answers success (the platform retries), a few times at most. */
  private async deliver(shopOrderId: string, raw: string, sign: string): Promise<void> {
    for (let i = 0; i < 5 && !this.closed; i++) {
      const c = await this.post(shopOrderId, raw, sign);
      this.sent.push(c);
      if (c.answered > 0 && c.answered < 500) return;
      await new Promise((r) => setTimeout(r, this.o.stepMs));
    }
  }

  private async post(shopOrderId: string, raw: string, sign: string): Promise<SentCallback> {
    let answered = 0;
    try {
      const res = await fetch(`${this.o.callbackUrl()}?sign=${encodeURIComponent(sign)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: raw,
      });
      answered = res.status;
      await res.arrayBuffer();
    } catch (e) {
      this.o.log?.warn({ shopOrderId, err: String(e) }, 'courier simulator: callback not answered');
    }
    return { shopOrderId, body: raw, sign, answered };
  }
}

export { SF_CALLBACK_OK };
