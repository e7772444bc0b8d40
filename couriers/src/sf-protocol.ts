/**
 * The shapes of 顺丰同城's open platform (openic.sf-express.com, `/open/api/external/<method>`)
 * this integration uses: create an order, ask its status, cancel it, add a tip
 * (`addordergratuityfee`), and the status callbacks it pushes (`url_index` names which:
 * `rider_status`, `order_complete`, `sf_cancel`, `order_exception`). Amounts are in fen, times
 * in unix seconds, coordinates GCJ-02 (`lbs_type` 2, 高德).
 */
import { z } from 'zod';
import type { CourierStatus } from '@lunchrush/actors';

/** Every answer: `error_code` 0 is success; anything else carries `error_msg`. */
export interface SfAnswer<R> {
  readonly error_code: number;
  readonly error_msg: string;
  readonly result?: R;
}

/** Error codes the platform answers that trying again may cure (its own system errors, rate limits). */
export const SF_RETRYABLE_CODES: ReadonlySet<number> = new Set([1000, 1001, 2001]);
/** A sign that does not verify (what the simulator answers too). */
export const SF_SIGN_ERROR = 1003;
/** An order number the platform does not know. */
export const SF_NO_ORDER = 1021;

export interface SfPlace {
  readonly name: string;
  readonly phone: string;
  readonly address: string;
  readonly lng: number;
  readonly lat: number;
}

export interface SfCreateOrder {
  readonly dev_id: number | string;
  readonly shop_id: string;
  /** 1: `shop_id` is a shop registered with SF; 2: the merchant's own id, with `shop` given. */
  readonly shop_type: 1 | 2;
  readonly shop_order_id: string;
  readonly order_source: string;
  readonly lbs_type: 2;
  readonly pay_type: 1;
  readonly order_time: number;
  readonly is_appoint: 0;
  readonly is_insured: 0;
  readonly is_person_direct: 0;
  readonly gratuity_fee: number;
  readonly push_time: number;
  readonly version: 17;
  readonly shop: {
    readonly shop_name: string;
    readonly shop_phone: string;
    readonly shop_address: string;
    readonly shop_lng: string;
    readonly shop_lat: string;
  };
  readonly receive: {
    readonly user_name: string;
    readonly user_phone: string;
    readonly user_address: string;
    readonly user_lng: string;
    readonly user_lat: string;
  };
  readonly order_detail: {
    readonly total_price: number;
    readonly product_type: 1;
    readonly weight_gram: number;
    readonly product_num: number;
    readonly product_type_num: number;
    readonly product_detail: readonly { readonly product_name: string; readonly product_num: number }[];
  };
}

export interface SfCreated {
  readonly sf_order_id: string;
  readonly shop_order_id: string;
  /** What the platform charges for the ride, in fen. */
  readonly total_price: number;
  readonly delivery_distance_meter: number;
}

export interface SfOrderStatus {
  readonly sf_order_id: string;
  readonly shop_order_id: string;
  readonly order_status: number;
  readonly status_desc: string;
  readonly rider_name?: string;
  readonly rider_phone?: string;
  readonly rider_lng?: string;
  readonly rider_lat?: string;
}

/** `order_status` codes as the callbacks and the status query give them. */
export const SfStatus = {
  Created: 1,
  Cancelled: 2,
  RiderAccepted: 10,
  RiderAtShop: 12,
  Delivering: 15,
  Delivered: 17,
  Exception: 91,
} as const;

/** The rider step a status code is, or undefined for one the delivery does not follow. */
export function courierStatusOf(code: number): CourierStatus | undefined {
  switch (code) {
    case SfStatus.RiderAccepted:
      return 'accepted';
    case SfStatus.RiderAtShop:
      return 'arrived';
    case SfStatus.Delivering:
      return 'picked_up';
    case SfStatus.Delivered:
      return 'delivered';
    case SfStatus.Cancelled:
      return 'cancelled';
    case SfStatus.Exception:
      return 'exception';
    default:
      return undefined;
  }
}

const Coord = z.union([z.string(), z.number()]).transform((v) => Number(v));

/** A status callback's body, as the platform pushes it (unknown extra fields are the platform's, and kept out). */
export const SfCallbackSchema = z.object({
  sf_order_id: z.string().min(1).max(64),
  shop_order_id: z.string().min(1).max(80),
  url_index: z.enum(['rider_status', 'order_complete', 'sf_cancel', 'order_exception', 'rider_recall']),
  order_status: z.number().int(),
  status_desc: z.string().max(200).optional(),
  operator_name: z.string().max(40).optional(),
  operator_phone: z.string().max(20).optional(),
  rider_lng: Coord.optional(),
  rider_lat: Coord.optional(),
  ex_id: z.number().int().optional(),
  ex_content: z.string().max(200).optional(),
  push_time: z.number().int().min(0),
});
export type SfCallback = z.output<typeof SfCallbackSchema>;

/** What the platform wants back from a callback it should not push again. */
export const SF_CALLBACK_OK = { error_code: 0, error_msg: 'success' } as const;
