/**
 * A platform's status callback, checked and told to the delivery: the sign over the raw body
 * (a forged one is refused), `push_time` within the tolerance (an old one replayed is refused),
 * the merchant's order number naming an order and attempt; then the delivery actor decides, and
 * refuses what would move the rider back (a replay inside the tolerance) or names an attempt it
 * gave up. Success only once the step is durable, so the platform pushes again after an outage.
 */
import type { CommandSender } from '@lunchrush/actors';
import { applyStep, pushedOrder, type CallbackOutcome } from './courier-step.js';
import { CourierError, CourierErrorCode as C } from './errors.js';
import { courierStatusOf, SfCallbackSchema } from './sf-protocol.js';
import { sfVerify } from './sf-sign.js';

export interface CallbackOptions {
  readonly engine: CommandSender;
  readonly devId: string;
  readonly devKey: string;
  readonly signatureToleranceS: number;
}

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
    const order = pushedOrder(
      { time: ['push_time', cb.push_time], order: ['shop_order_id', cb.shop_order_id] },
      this.o.signatureToleranceS,
      now,
    );
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
    return applyStep(this.o.engine, { ...order, status, rider, position }, now);
  }
}
