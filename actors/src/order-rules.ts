/**
 * Rules about orders that readers outside the order actor need: the order-id
 * format (which store an order lives in), which statuses mean what to the staff
 * board and the kitchen, and which order events touch the kitchen. The gateway's
 * routes, payments and push hub read them from here instead of keeping copies.
 */
import { createHash } from 'node:crypto';
import { ORDER_ID_RE, STORE_ID_RE } from './domain.js';
import type { OrderEvent } from './order/events.js';
import type { OrderStatus } from './refund.js';

export const ORDER_ID_PREFIX = 'o_';
/** Characters of the digest that ends an order id `orderIdFor` makes. */
export const ORDER_ID_DIGEST_CHARS = 20;

/**
 * `o_<store>_<20 chars>` from the diner and their request's idempotency key: every attempt
 * of one request is the same order, and the id names the store it lives in.
 */
export function orderIdFor(store: string, dinerId: string, key: string): string {
  const digest = createHash('sha256').update(`${dinerId}\0${key}`).digest('base64url');
  return `${ORDER_ID_PREFIX}${store}_${digest.slice(0, ORDER_ID_DIGEST_CHARS)}`;
}

/**
 * The store of an order id made by `orderIdFor` (`o_<store>_<rest>`), so a payment callback or a
 * refund knows where the order lives; undefined for any other id. The store is whatever
 * `STORE_ID_RE` accepts, and the whole id must be one `OrderIdSchema` accepts.
 */
export function storeOfOrderId(orderId: string): string | undefined {
  if (!ORDER_ID_RE.test(orderId)) return undefined;
  const end = orderId.indexOf('_', ORDER_ID_PREFIX.length);
  if (end < 0 || end === orderId.length - 1) return undefined;
  const store = orderId.slice(ORDER_ID_PREFIX.length, end);
  return STORE_ID_RE.test(store) ? store : undefined;
}

/** Every order status, in the order of an order's life (refunds last). */
export const ORDER_STATUSES = [
  'created',
  'pending_payment',
  'paid',
  'accepted',
  'sent_to_kitchen',
  'cooking',
  'ready',
  'served',
  'completed',
  'reviewed',
  'cancelled',
  'refund_requested',
  'refunded',
] as const satisfies readonly OrderStatus[];
type Unlisted<T extends never> = T;
/** Fails to compile when a status of `OrderStatus` is missing from `ORDER_STATUSES`. */
export type EveryOrderStatusListed = Unlisted<Exclude<OrderStatus, (typeof ORDER_STATUSES)[number]>>;

/** Order statuses the staff board lists as needing someone: to accept, to serve, a refund to decide. */
export const BOARD_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'paid',
  'ready',
  'refund_requested',
]);

/** Order statuses after which no kitchen station has work left. */
export const KITCHEN_CLOSED_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'served',
  'completed',
  'reviewed',
  'cancelled',
  'refunded',
]);

/** True when the staff board lists an order of this status as waiting for staff. */
export const needsStaff = (status: string): boolean => BOARD_ORDER_STATUSES.has(status as OrderStatus);

/** True when no kitchen station has work left on an order of this status. */
export const isKitchenClosed = (status: string): boolean => KITCHEN_CLOSED_STATUSES.has(status as OrderStatus);

/**
 * Order events that change what a kitchen station shows of the order: its progress
 * at a station, or the order leaving the kitchen (served, cancelled, refunded, completed).
 */
export const KITCHEN_ORDER_EVENTS: ReadonlySet<OrderEvent['type']> = new Set<OrderEvent['type']>([
  'StationStarted',
  'StationDone',
  'Ready',
  'Served',
  'StationsVoided',
  'Cancelled',
  'RefundApproved',
  'Completed',
]);

/** True when one of these order events (by type, as an order push lists them) concerns the kitchen. */
export const touchesKitchen = (events: readonly string[]): boolean =>
  events.some((e) => KITCHEN_ORDER_EVENTS.has(e as OrderEvent['type']));
