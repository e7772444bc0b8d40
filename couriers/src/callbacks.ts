/**
 * A platform's status callback, checked and told to the delivery: the sign over the raw body
 * (a forged one is refused), `push_time` within the tolerance (an old one replayed is refused),
 * the merchant's order number naming an order and attempt; then the delivery actor decides, and
 * refuses what would move the rider back (a replay inside the tolerance) or names an attempt it
 * gave up. Success only once the step is durable, so the platform pushes again after an outage.
 */
import { deliveryOf, parseShopOrderId, storeOfOrderId, type CommandSender, type DeliveryView } from '@lunchrush/actors';
import { CourierError, CourierErrorCode as C } from './errors.js';
import { courierStatusOf, SfCallbackSchema } from './sf-protocol.js';
import { sfVerify } from './sf-sign.js';

export interface CallbackOptions {
  readonly engine: CommandSender;
  readonly devId: string;
  readonly devKey: string;
  readonly signatureToleranceS: number;
}

export type CallbackOutcome =
  | { readonly applied: true; readonly delivery: DeliveryView }
  /** A status the delivery does not follow (a rider recall the platform handles itself). */
  | { readonly applied: false; readonly reason: string };

export class SfCallbacks {
  constructor(private readonly o: CallbackOptions) {}

  async handle(sign: string, rawBody: Buffer, now = Date.now()): Promise<CallbackOutcome> {
    const raw = rawBody.toString('utf8');
    if (!sfVerify(raw, sign, this.o.devId, this.o.devKey))
      throw new CourierError(C.InvalidSignature, 'the callback sign does not verify');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new CourierError(C.BadCallback, 'the callback body is not JSON');
    }
    const parsed = SfCallbackSchema.safeParse(json);
    if (!parsed.success)
      throw new CourierError(C.BadCallback, `not a status callback: ${parsed.error.issues[0]?.message ?? ''}`);
    const cb = parsed.data;
    const pushAt = cb.push_time * 1000;
    if (Math.abs(now - pushAt) > this.o.signatureToleranceS * 1000)
      throw new CourierError(
        C.StalePush,
        `push_time ${cb.push_time} is more than ${this.o.signatureToleranceS} s from now`,
      );
    const ref = parseShopOrderId(cb.shop_order_id);
    const store = ref === undefined ? undefined : storeOfOrderId(ref.orderId);
    if (ref === undefined || store === undefined)
      throw new CourierError(C.BadCallback, `shop_order_id ${cb.shop_order_id} is not one of ours`);
    const status = courierStatusOf(cb.order_status);
    if (status === undefined) return { applied: false, reason: `order_status ${cb.order_status} not followed` };
    const rider =
      cb.operator_name !== undefined && cb.operator_phone !== undefined
        ? { name: cb.operator_name, phone: cb.operator_phone }
        : undefined;
    const position =
      cb.rider_lng !== undefined && cb.rider_lat !== undefined && Number.isFinite(cb.rider_lng + cb.rider_lat)
        ? { lng: cb.rider_lng, lat: cb.rider_lat }
        : undefined;
    const delivery = await deliveryOf(this.o.engine, store, ref.orderId).send({
      type: 'courier',
      attempt: ref.attempt,
      status,
      pushAt,
      ...(rider === undefined ? {} : { rider }),
      ...(position === undefined ? {} : { position }),
      at: now,
    });
    return { applied: true, delivery };
  }
}
