/**
 * The shapes of 达达's open platform this integration uses: `addOrder`, `status/query`,
 * `addTip`, `formalCancel` under `/api/order/`, and the status callbacks it pushes to the URL an
 * order was created with. Amounts are in yuan (two decimals), coordinates GCJ-02, the merchant's
 * order number is `origin_id` (and `order_id` in every later call and callback).
 */
import { z } from 'zod';
import type { CourierStatus } from '@lunchrush/actors';

/** Every answer: `status` `success` and `code` 0, else `fail` with the code and `msg`. */
export interface DadaAnswer<R> {
  readonly status: 'success' | 'fail';
  readonly code: number;
  readonly msg: string;
  readonly result?: R;
}

/** A signature that does not verify (what the simulator answers). */
export const DADA_SIGN_ERROR = 2003;
/** An order number the platform does not know (as the simulator answers it: check against 达达's code list). */
export const DADA_NO_ORDER = 2005;
/** Codes that trying again may cure (the platform's own errors, too many calls). */
export const DADA_RETRYABLE_CODES: ReadonlySet<number> = new Set([-1, 1000, 2086]);

export interface DadaAddOrder {
  readonly shop_no: string;
  readonly origin_id: string;
  readonly city_code: string;
  readonly cargo_price: number;
  readonly is_prepay: 0;
  readonly receiver_name: string;
  readonly receiver_address: string;
  readonly receiver_lat: number;
  readonly receiver_lng: number;
  readonly receiver_phone: string;
  readonly callback: string;
  readonly cargo_weight: number;
  readonly cargo_num: number;
  readonly origin_mark: string;
  readonly product_list: readonly {
    readonly sku_name: string;
    readonly src_product_no: string;
    readonly count: number;
  }[];
  /** Where the shop is (the merchant's shop of `shop_no` at 达达; sent so a simulator knows the route). */
  readonly supplier_lat?: number;
  readonly supplier_lng?: number;
}

export interface DadaAdded {
  readonly distance: number;
  /** What the ride costs, in yuan. */
  readonly fee: number;
  readonly deliverFee: number;
}

export interface DadaOrderStatus {
  readonly orderId: string;
  readonly statusCode: number;
  readonly statusMsg: string;
  readonly transporterName?: string;
  readonly transporterPhone?: string;
  readonly transporterLng?: string;
  readonly transporterLat?: string;
  /** In yuan. */
  readonly deliveryFee?: number;
  readonly tips?: number;
}

/** `order_status` / `statusCode` as 达达 gives them. */
export const DadaStatus = {
  Waiting: 1,
  Accepted: 2,
  Delivering: 3,
  Delivered: 4,
  Cancelled: 5,
  Expired: 7,
  Returning: 9,
  Returned: 10,
  AtShop: 100,
  CreateFailed: 1000,
} as const;

/** The rider step a status code is, or undefined for one the delivery does not follow (waiting). */
export function dadaCourierStatus(code: number): CourierStatus | undefined {
  switch (code) {
    case DadaStatus.Accepted:
      return 'accepted';
    case DadaStatus.AtShop:
      return 'arrived';
    case DadaStatus.Delivering:
      return 'picked_up';
    case DadaStatus.Delivered:
      return 'delivered';
    case DadaStatus.Cancelled:
    case DadaStatus.Expired:
      return 'cancelled';
    case DadaStatus.Returning:
    case DadaStatus.Returned:
    case DadaStatus.CreateFailed:
      return 'exception';
    default:
      return undefined;
  }
}

/** A status callback's body as 达达 posts it (fields it may add are left out). */
export const DadaCallbackSchema = z.object({
  client_id: z.string().min(1).max(64),
  order_id: z.string().min(1).max(80),
  order_status: z.number().int(),
  cancel_reason: z.string().max(200).optional(),
  cancel_from: z.number().int().optional(),
  update_time: z.number().int().min(0),
  signature: z.string().min(1).max(64),
  dm_id: z.number().int().optional(),
  dm_name: z.string().max(40).optional(),
  dm_mobile: z.string().max(20).optional(),
});
export type DadaCallback = z.output<typeof DadaCallbackSchema>;

/** Yuan with two decimals, as 达达 takes amounts. */
export const yuan = (fen: number): number => Math.round(fen) / 100;
export const fen = (yuanAmount: number): number => Math.round(yuanAmount * 100);
