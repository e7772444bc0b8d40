/**
 * What a delivery tells the world. Instructions for the courier worker go on
 * `couriers.<store>` (JetStream, de-duplicated by id: the worker creates, tips
 * or cancels each once on the platform); the diner's tracking page hears the
 * rider on the order's own push subject, and the staff board on the store's
 * (core NATS: a page that misses one reads the delivery again).
 */
import type { OutputStream } from '@lunchrush/engine';
import type { GeoPoint } from '../geo/site.js';

/** The stream of courier instructions (`couriers.>`), relative to the engine namespace. */
export const COURIER_OUTPUT: OutputStream = { name: 'COURIERS', subjects: ['couriers.>'] };

export const courierSubject = (store: string): string => `couriers.${store}`;

/**
 * The merchant's order number of one dispatch attempt, which the platform echoes in every
 * callback (`shop_order_id`): the order id and the attempt, so a callback finds its delivery
 * and a late one from an abandoned attempt is told apart.
 */
export const shopOrderId = (orderId: string, attempt: number): string => `${orderId}-a${attempt}`;
const SHOP_ORDER_RE = /^(o_[A-Za-z0-9_-]{1,62})-a([1-9]\d{0,2})$/;
export function parseShopOrderId(s: string): { orderId: string; attempt: number } | undefined {
  const m = SHOP_ORDER_RE.exec(s);
  return m === null ? undefined : { orderId: m[1]!, attempt: Number(m[2]) };
}

export const courierInstructionId = (orderId: string, attempt: number, what: string): string =>
  `courier:${orderId}:${attempt}:${what}`;

export interface CourierItem {
  readonly name: string;
  readonly qty: number;
}

/** Ask the platform for a rider (`courier:<orderId>:<attempt>:create`). */
export interface CourierCreate {
  readonly kind: 'create';
  readonly store: string;
  readonly orderId: string;
  readonly attempt: number;
  readonly shopOrderId: string;
  readonly totalFen: number;
  readonly items: readonly CourierItem[];
  readonly at: number;
}

/** Raise the tip on an order no rider took (`…:tip:<n>`): `tipFen` is the new total tip. */
export interface CourierTip {
  readonly kind: 'tip';
  readonly store: string;
  readonly orderId: string;
  readonly attempt: number;
  readonly shopOrderId: string;
  readonly tipFen: number;
  readonly n: number;
  readonly at: number;
}

/** Call the attempt off on the platform (`…:cancel`): no rider, a rider who never came. */
export interface CourierCancel {
  readonly kind: 'cancel';
  readonly store: string;
  readonly orderId: string;
  readonly attempt: number;
  readonly shopOrderId: string;
  readonly reason: string;
  readonly at: number;
}

export type CourierInstruction = CourierCreate | CourierTip | CourierCancel;

export interface RiderInfo {
  readonly name: string;
  readonly phone: string;
}

/**
 * `push.<store>.order.<orderId>` (id `courier:<orderId>:<seq>`): the rider as the diner's
 * tracking page shows it. `events` is empty: nothing here is a kitchen step.
 */
export interface CourierPush {
  readonly kind: 'courier';
  readonly orderId: string;
  readonly status: string;
  readonly attempt: number;
  readonly rider: RiderInfo | null;
  readonly position: GeoPoint | null;
  readonly tipFen: number;
  readonly seq: number;
  readonly events: readonly string[];
  readonly at: number;
}

/** `push.<store>.board` (id `courier-board:<orderId>:<seq>`): what the staff board shows of a delivery. */
export interface CourierBoardPush {
  readonly kind: 'courier';
  readonly orderId: string;
  readonly status: string;
  readonly attempt: number;
  readonly rider: RiderInfo | null;
  /** Why staff deliver it themselves, when they do. */
  readonly staffReason: string | null;
  readonly at: number;
}
