/**
 * The gateway's delivery answers as the phone reads them (a mirror of `/openapi.json`: the app
 * imports nothing of the workspace at run time). A delivery's statuses are the closed list
 * actors/ owns, imported as a type (erased from the compiled app), as `types.ts` does an order's.
 */
import type { DeliveryStatus } from '@lunchrush/actors';

export type { DeliveryStatus };

/** GCJ-02, as wx.chooseLocation and wx.getLocation({type: 'gcj02'}) give it. */
export interface GeoPoint {
  readonly lng: number;
  readonly lat: number;
}

/** `POST /v1/diner/delivery/quote`: the store a delivery there would go to now. */
export interface DeliveryQuote {
  readonly store: string;
  readonly storeName: string;
  readonly storeAddress: string;
  readonly distanceM: number;
  readonly kitchenMin: number;
  readonly rideMin: number;
  readonly etaMin: number;
  readonly feeFen: number;
  /** 起送价, and from what value of items delivery is free (null: never). */
  readonly minOrderFen: number;
  readonly freeOverFen: number | null;
  readonly of: number;
}

/** `GET /v1/diner/orders/{orderId}/delivery`. */
export interface DeliveryView {
  readonly orderId: string;
  readonly status: DeliveryStatus;
  readonly attempt: number;
  readonly tipFen: number;
  readonly rider: { readonly name: string; readonly phone: string } | null;
  readonly position: GeoPoint | null;
  readonly staffReason: string | null;
  readonly version: number;
  readonly updatedAt: number;
}

/** One address of the diner's address book. */
export interface Address {
  readonly id: string;
  readonly contact: string;
  readonly phone: string;
  readonly address: string;
  readonly location: GeoPoint;
}
