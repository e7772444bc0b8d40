/**
 * A delivery's events and state: one per order (actor `delivery`, id = the order id, in the
 * store's partition), from the kitchen's `Ready` to the door.
 */
import type { Actor } from '../domain.js';
import type { GeoPoint } from '../geo/site.js';
import type { CourierStatus, DispatchPolicy } from './commands.js';
import type { CourierItem, RiderInfo } from './outputs.js';

export type DeliveryStatus =
  | 'none'
  /** Asked the platform for a rider; nobody took it yet. */
  | 'dispatching'
  | 'accepted'
  | 'arrived'
  | 'picked_up'
  | 'delivered'
  /** No rider (or none who came): the store's own staff take it. */
  | 'staff'
  | 'staff_delivered';

export type DeliveryEvent =
  | { type: 'DeliveryOpened'; totalFen: number; items: readonly CourierItem[]; at: number }
  | { type: 'DispatchRequested'; attempt: number; at: number }
  | {
      type: 'Dispatched';
      attempt: number;
      platform: string;
      platformOrderId: string;
      feeFen: number;
      policy: DispatchPolicy;
      at: number;
    }
  | { type: 'TipAdded'; attempt: number; tipFen: number; n: number; at: number }
  | {
      type: 'CourierReported';
      attempt: number;
      status: Exclude<CourierStatus, 'cancelled' | 'exception'>;
      pushAt: number;
      rider: RiderInfo | null;
      position: GeoPoint | null;
      at: number;
    }
  | { type: 'AttemptAbandoned'; attempt: number; reason: string; at: number }
  | { type: 'StaffTookOver'; reason: string; at: number }
  | { type: 'DeliveredByStaff'; by: Actor; at: number };

export interface DeliveryState {
  readonly store: string;
  readonly orderId: string;
  readonly status: DeliveryStatus;
  readonly seq: number;
  readonly totalFen: number;
  readonly items: readonly CourierItem[];
  readonly attempt: number;
  readonly platform: string | null;
  readonly platformOrderId: string | null;
  readonly feeFen: number;
  readonly policy: DispatchPolicy | null;
  readonly tips: number;
  readonly tipFen: number;
  readonly rider: RiderInfo | null;
  readonly position: GeoPoint | null;
  /** The platform time of the last step applied (0: none in this attempt). */
  readonly lastPushAt: number;
  readonly staffReason: string | null;
  readonly abandoned: readonly { readonly attempt: number; readonly reason: string; readonly at: number }[];
  readonly openedAt: number;
  readonly updatedAt: number;
}

export function initialDelivery(store: string, orderId: string): DeliveryState {
  return {
    store,
    orderId,
    status: 'none',
    seq: 0,
    totalFen: 0,
    items: [],
    attempt: 0,
    platform: null,
    platformOrderId: null,
    feeFen: 0,
    policy: null,
    tips: 0,
    tipFen: 0,
    rider: null,
    position: null,
    lastPushAt: 0,
    staffReason: null,
    abandoned: [],
    openedAt: 0,
    updatedAt: 0,
  };
}

function fresh(s: DeliveryState, attempt: number, at: number): DeliveryState {
  return {
    ...s,
    status: 'dispatching',
    attempt,
    platform: null,
    platformOrderId: null,
    feeFen: 0,
    tips: 0,
    tipFen: 0,
    rider: null,
    position: null,
    lastPushAt: 0,
    updatedAt: at,
  };
}

function apply(s: DeliveryState, e: DeliveryEvent): DeliveryState {
  switch (e.type) {
    case 'DeliveryOpened':
      return { ...s, totalFen: e.totalFen, items: e.items, openedAt: e.at, updatedAt: e.at };
    case 'DispatchRequested':
      return fresh(s, e.attempt, e.at);
    case 'Dispatched':
      return {
        ...s,
        platform: e.platform,
        platformOrderId: e.platformOrderId,
        feeFen: e.feeFen,
        policy: e.policy,
        updatedAt: e.at,
      };
    case 'TipAdded':
      return { ...s, tips: e.n, tipFen: e.tipFen, updatedAt: e.at };
    case 'CourierReported':
      return {
        ...s,
        status: e.status,
        rider: e.rider ?? s.rider,
        position: e.position ?? s.position,
        lastPushAt: e.pushAt,
        updatedAt: e.at,
      };
    case 'AttemptAbandoned':
      return { ...s, abandoned: [...s.abandoned, { attempt: e.attempt, reason: e.reason, at: e.at }], updatedAt: e.at };
    case 'StaffTookOver':
      return { ...s, status: 'staff', staffReason: e.reason, rider: null, position: null, updatedAt: e.at };
    case 'DeliveredByStaff':
      return { ...s, status: 'staff_delivered', updatedAt: e.at };
  }
}

export function evolveDelivery(s: DeliveryState, e: DeliveryEvent): DeliveryState {
  return { ...apply(s, e), seq: s.seq + 1 };
}

/** What staff and the diner read of a delivery (`get`, and every command's answer). */
export interface DeliveryView {
  readonly orderId: string;
  readonly status: DeliveryStatus;
  readonly attempt: number;
  readonly platform: string | null;
  readonly platformOrderId: string | null;
  readonly feeFen: number;
  readonly tipFen: number;
  readonly rider: RiderInfo | null;
  readonly position: GeoPoint | null;
  readonly staffReason: string | null;
  readonly abandoned: DeliveryState['abandoned'];
  readonly version: number;
  readonly updatedAt: number;
}

export function deliveryView(s: DeliveryState): DeliveryView {
  return {
    orderId: s.orderId,
    status: s.status,
    attempt: s.attempt,
    platform: s.platform,
    platformOrderId: s.platformOrderId,
    feeFen: s.feeFen,
    tipFen: s.tipFen,
    rider: s.rider,
    position: s.position,
    staffReason: s.staffReason,
    abandoned: s.abandoned,
    version: s.seq,
    updatedAt: s.updatedAt,
  };
}
