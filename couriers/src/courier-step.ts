/**
 * What both platforms' status callbacks come to once their own checks pass: the push's time within
 * the tolerance (an old push replayed is refused), the merchant's order number naming one of our
 * orders and its attempt, and the step told to the delivery actor, which decides (and refuses what
 * would move the rider back, or names an attempt it gave up).
 */
import {
  deliveryOf,
  parseShopOrderId,
  storeOfOrderId,
  type CommandSender,
  type CourierStatus,
  type DeliveryView,
} from '@lunchrush/actors';
import { CourierError, CourierErrorCode as C } from './errors.js';

/** A callback checked (and, for 达达, confirmed): what the delivery is told. */
export interface CourierStep {
  readonly store: string;
  readonly orderId: string;
  readonly attempt: number;
  readonly status: CourierStatus;
  readonly pushAt: number;
  readonly rider?: { readonly name: string; readonly phone: string } | undefined;
  readonly position?: { readonly lng: number; readonly lat: number } | undefined;
}

export type CallbackOutcome =
  | { readonly applied: true; readonly delivery: DeliveryView }
  /** A status the delivery does not follow (a rider recall the platform handles itself). */
  | { readonly applied: false; readonly reason: string };

/**
 * The order a push is about and when it was pushed, or a `CourierError` (stale, not ours). The
 * platform's field names (`push_time`/`update_time`, `shop_order_id`/`order_id`) are for the message.
 */
export function pushedOrder(
  push: {
    readonly time: readonly [field: string, seconds: number];
    readonly order: readonly [field: string, shopOrderId: string];
  },
  toleranceS: number,
  now: number,
): { store: string; orderId: string; attempt: number; pushAt: number } {
  const [timeField, seconds] = push.time;
  const [orderField, shopOrderId] = push.order;
  const pushAt = seconds * 1000;
  if (Math.abs(now - pushAt) > toleranceS * 1000)
    throw new CourierError(C.StalePush, `${timeField} ${seconds} is more than ${toleranceS} s from now`);
  const ref = parseShopOrderId(shopOrderId);
  const store = ref === undefined ? undefined : storeOfOrderId(ref.orderId);
  if (ref === undefined || store === undefined)
    throw new CourierError(C.BadCallback, `${orderField} ${shopOrderId} is not one of ours`);
  return { store, orderId: ref.orderId, attempt: ref.attempt, pushAt };
}

/** Tells the delivery the step; applied once it is durable (so the platform pushes again after an outage). */
export async function applyStep(engine: CommandSender, s: CourierStep, now: number): Promise<CallbackOutcome> {
  const delivery = await deliveryOf(engine, s.store, s.orderId).send({
    type: 'courier',
    attempt: s.attempt,
    status: s.status,
    pushAt: s.pushAt,
    ...(s.rider === undefined ? {} : { rider: s.rider }),
    ...(s.position === undefined ? {} : { position: s.position }),
    at: now,
  });
  return { applied: true, delivery };
}
