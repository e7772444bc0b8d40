/**
 * What the courier worker asks of a courier platform, whichever it is (顺丰同城 here; 达达's
 * open API has the same four calls: addOrder, status/query, formalCancel, addTip). The merchant's
 * order number (`shopOrderId`) names an order in every call, so a retry after a crash finds the
 * order it made.
 */
import type { GeoPoint } from '@lunchrush/actors';

export interface Place {
  readonly name: string;
  readonly phone: string;
  readonly address: string;
  readonly location: GeoPoint;
}

export interface Shipment {
  readonly shopOrderId: string;
  readonly from: Place;
  readonly to: Place;
  readonly totalFen: number;
  readonly items: readonly { readonly name: string; readonly qty: number }[];
}

export interface PlatformOrder {
  /** The platform's own id of the order. */
  readonly platformOrderId: string;
  /** What the ride costs, in fen. */
  readonly feeFen: number;
}

export interface CourierPlatform {
  /** `sf` (顺丰同城), … : recorded on the delivery. */
  readonly name: string;
  create(s: Shipment): Promise<PlatformOrder>;
  /** The order the platform holds under this number, or undefined when it has none. */
  find(shopOrderId: string): Promise<PlatformOrder | undefined>;
  /** Raises the order's tip to `tipFen` in all. */
  addTip(shopOrderId: string, tipFen: number): Promise<void>;
  cancel(shopOrderId: string, reason: string): Promise<void>;
}
