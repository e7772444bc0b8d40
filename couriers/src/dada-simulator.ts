/**
 * A local 达达: `addOrder`, `status/query`, `addTip` and `formalCancel` under `/api/order/`,
 * checking each request's signature as the platform does (the app key, then the sign over the
 * system parameters with the app secret), and riders who take an order and ride it to the door,
 * each step posted to the callback URL the order was created with, signed the 达达 way (no secret:
 * the merchant confirms a step with `status/query`, which answers where the rider is). Riders take
 * orders (`normal`) or never do (`none`), as set when an order is created. Orders live in memory.
 */
import type { GeoPoint } from '@lunchrush/actors';
import { DADA_NO_ORDER, DADA_SIGN_ERROR, DadaStatus, type DadaAddOrder } from './dada-protocol.js';
import { dadaCallbackSign, dadaVerify, type DadaSystemParams } from './dada-sign.js';
import { SimulatedPlatform } from './simulated-platform.js';

export interface DadaSimulatorOptions {
  readonly appKey: string;
  readonly appSecret: string;
  /** Time between a rider's steps. */
  readonly stepMs: number;
}

interface Order {
  readonly clientId: string;
  readonly originId: string;
  readonly callback: string;
  readonly from: GeoPoint;
  readonly to: GeoPoint;
  readonly riders: 'normal' | 'none';
  status: number;
  tipYuan: number;
  timer: NodeJS.Timeout | undefined;
  position: GeoPoint | undefined;
  pushed: Promise<void>;
}

const RIDER = { id: 7001, name: '王师傅', mobile: '13900000007' };
const ok = (result: unknown): object => ({ status: 'success', code: 0, msg: '成功', result });
const fail = (code: number, msg: string): object => ({ status: 'fail', code, msg });

export class DadaSimulator extends SimulatedPlatform<Order> {
  riders: 'normal' | 'none' = 'normal';
  readonly tips: { originId: string; tipYuan: number }[] = [];

  constructor(private readonly o: DadaSimulatorOptions) {
    super();
  }

  protected override respond(raw: string, url: string): object {
    let p: DadaSystemParams & { signature?: string };
    let body: Record<string, unknown>;
    try {
      p = JSON.parse(raw) as DadaSystemParams & { signature?: string };
      body = JSON.parse(p.body) as Record<string, unknown>;
    } catch {
      return fail(2001, '参数错误');
    }
    const system: DadaSystemParams = {
      app_key: p.app_key,
      timestamp: p.timestamp,
      format: p.format,
      v: p.v,
      source_id: p.source_id,
      body: p.body,
    };
    if (p.app_key !== this.o.appKey || !dadaVerify(system, p.signature ?? '', this.o.appSecret))
      return fail(DADA_SIGN_ERROR, '签名错误');
    return this.answer(url.replace('/api/order/', ''), body);
  }

  private answer(method: string, body: Record<string, unknown>): object {
    if (method === 'addOrder') return this.add(body as unknown as DadaAddOrder);
    const order = this.orders.get(String(body.order_id));
    if (order === undefined) return fail(DADA_NO_ORDER, '订单不存在');
    switch (method) {
      case 'status/query':
        return ok({
          orderId: order.originId,
          statusCode: order.status,
          statusMsg: String(order.status),
          ...(order.status === DadaStatus.Waiting
            ? {}
            : { transporterName: RIDER.name, transporterPhone: RIDER.mobile }),
          ...(order.position === undefined
            ? {}
            : { transporterLng: String(order.position.lng), transporterLat: String(order.position.lat) }),
          deliveryFee: 6,
          tips: order.tipYuan,
        });
      case 'addTip':
        if (order.status !== DadaStatus.Waiting) return fail(2076, '订单已被接单，不能加小费');
        order.tipYuan = Math.max(order.tipYuan, Number(body.tips));
        this.tips.push({ originId: order.originId, tipYuan: Number(body.tips) });
        return ok({});
      case 'formalCancel':
        clearTimeout(order.timer);
        order.status = DadaStatus.Cancelled;
        this.cancels.push(order.originId);
        return ok({ deduct_fee: 0 });
      default:
        return fail(2001, `未知接口 ${method}`);
    }
  }

  private add(c: DadaAddOrder): object {
    this.creates.push(c.origin_id);
    if (!this.orders.has(c.origin_id)) {
      const order: Order = {
        clientId: `DD${Date.now()}${++this.n}`,
        originId: c.origin_id,
        callback: c.callback,
        from: { lng: c.supplier_lng ?? c.receiver_lng, lat: c.supplier_lat ?? c.receiver_lat },
        to: { lng: c.receiver_lng, lat: c.receiver_lat },
        riders: this.riders,
        status: DadaStatus.Waiting,
        tipYuan: 0,
        timer: undefined,
        position: undefined,
        pushed: Promise.resolve(),
      };
      this.orders.set(order.originId, order);
      if (order.riders === 'normal') this.after(order, DadaStatus.Accepted);
    }
    return ok({ distance: 1200, fee: 6, deliverFee: 6 });
  }

  /** Accepted → at the shop → delivering → delivered, one step each `stepMs`. */
  private after(order: Order, next: number): void {
    if (this.closed || order.status === DadaStatus.Cancelled) return;
    order.timer = setTimeout(() => {
      order.status = next;
      order.position = next === DadaStatus.Delivered ? order.to : order.from;
      this.push(order);
      const then =
        next === DadaStatus.Accepted
          ? DadaStatus.AtShop
          : next === DadaStatus.AtShop
            ? DadaStatus.Delivering
            : next === DadaStatus.Delivering
              ? DadaStatus.Delivered
              : undefined;
      if (then !== undefined) this.after(order, then);
    }, this.o.stepMs);
  }

  private push(order: Order): void {
    const updateTime = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      client_id: order.clientId,
      order_id: order.originId,
      order_status: order.status,
      cancel_reason: '',
      cancel_from: 0,
      update_time: updateTime,
      signature: dadaCallbackSign(order.clientId, order.originId, updateTime),
      dm_id: RIDER.id,
      dm_name: RIDER.name,
      dm_mobile: RIDER.mobile,
    });
    order.pushed = order.pushed.then(() => this.post(order, body));
  }

  private async post(order: Order, body: string): Promise<void> {
    let answered = 0;
    try {
      const res = await fetch(order.callback, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      answered = res.status;
      await res.arrayBuffer();
    } catch {
      // not answered: 达达 would try again later; the simulator records it
    }
    this.sent.push({ shopOrderId: order.originId, body, sign: '', answered });
  }
}
