/**
 * The restaurant domain's single error registry. Deciders refuse commands with
 * `refuse(code, …)`; the engine carries the code to the caller as the reason of
 * a terminal `rejected` (business "no") or `invalid` (malformed command) error.
 * Gateways map codes to HTTP statuses once, from `errorKind`.
 */
import { reject, type Rejection } from '@lunchrush/engine';

export const ErrorCode = {
  // malformed input (kind "invalid")
  InvalidCommand: 'invalid_command',
  InvalidTableCode: 'invalid_table_code',
  CatalogInvalid: 'catalog_invalid',

  // stock
  SoldOut: 'sold_out',
  UnknownReservation: 'unknown_reservation',
  ReservationReleased: 'reservation_released',
  AlreadyCommitted: 'already_committed',
  InsufficientStock: 'insufficient_stock',
  InvalidQuantity: 'invalid_quantity',
  IdempotencyConflict: 'idempotency_conflict',

  // catalog and pricing
  UnknownSku: 'unknown_sku',
  UnknownSpu: 'unknown_spu',
  ItemUnavailable: 'item_unavailable',
  ChannelNotAllowed: 'channel_not_allowed',
  OutsideAvailabilityWindow: 'outside_availability_window',
  InvalidOption: 'invalid_option',
  CatalogConflict: 'catalog_conflict',
  LinesRejected: 'lines_rejected',

  // store
  StoreClosed: 'store_closed',
  StoreNotConfigured: 'store_not_configured',
  /** The kitchen is backed up (or staff said so): the store takes no delivery orders now. */
  ChannelPaused: 'channel_paused',
  /** A line's station is backed up (or paused by staff): its dishes are not taken now. */
  StationPaused: 'station_paused',

  // routing
  /** The routing of this request is trying a store, is placed or found none: resolve that first. */
  RoutingInProgress: 'routing_in_progress',
  /** No store holding the address in its zone can serve the order now (stock, kitchen, hours). */
  NoStoreAvailable: 'no_store_available',

  // order
  InvalidTransition: 'invalid_transition',
  OrderNotFound: 'order_not_found',
  AmountMismatch: 'amount_mismatch',
  AlreadyPaid: 'already_paid',
  RefundNotAllowed: 'refund_not_allowed',
  RefundInProgress: 'refund_in_progress',
  UnknownRefund: 'unknown_refund',
  NothingToRefund: 'nothing_to_refund',
  UrgeTooSoon: 'urge_too_soon',
  UnknownStation: 'unknown_station',
  Forbidden: 'forbidden',

  // table
  TableNotConfigured: 'table_not_configured',
  TableOccupied: 'table_occupied',
  TableNotReady: 'table_not_ready',
  TableMerged: 'table_merged',
  NoSession: 'no_session',
  EmptyCart: 'empty_cart',
  UnknownLine: 'unknown_line',
  UnpaidOrders: 'unpaid_orders',
  /** A dine-in order names a table of another store than the order's. */
  TableNotInStore: 'table_not_in_store',

  // members and stored value
  NotEnrolled: 'not_enrolled',
  AlreadyEnrolled: 'already_enrolled',
  InsufficientPoints: 'insufficient_points',
  InsufficientBalance: 'insufficient_balance',
  AlreadyCheckedIn: 'already_checked_in',
  GiftNotDue: 'gift_not_due',
  HoldSettled: 'hold_settled',
  RefundExceedsPaid: 'refund_exceeds_paid',

  // coupons and campaigns
  CouponUnavailable: 'coupon_unavailable',
  CouponExpired: 'coupon_expired',
  CouponNotApplicable: 'coupon_not_applicable',
  CouponStacking: 'coupon_stacking',
  CampaignNotDefined: 'campaign_not_defined',
  CampaignExists: 'campaign_exists',
  CampaignNotOpen: 'campaign_not_open',
  CampaignExhausted: 'campaign_exhausted',
  ClaimLimitReached: 'claim_limit_reached',
} as const;

export type DomainErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const INVALID: ReadonlySet<string> = new Set<string>([
  ErrorCode.InvalidCommand,
  ErrorCode.InvalidTableCode,
  ErrorCode.CatalogInvalid,
]);

/** `invalid` for malformed commands (HTTP 400), `rejected` for business refusals (HTTP 409/422). */
export function errorKind(code: string): 'invalid' | 'rejected' {
  return INVALID.has(code) ? 'invalid' : 'rejected';
}

/** A decider's refusal with a registered code; the kind follows from the code. */
export function refuse(code: DomainErrorCode, message: string, details?: unknown): Rejection {
  return reject(code, message, details, errorKind(code));
}

/** Base of the domain's thrown errors (import/export, table codes): a code and the `cause`. */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
  }
}

/** One problem in an imported catalog: where (CSV row or JSON path) and which field. */
export interface FormatIssue {
  /** 1-based line of the CSV file (the header is line 1); absent for JSON. */
  readonly row?: number;
  /** CSV column name, or the JSON path (`spus[2].skus[0].priceFen`). */
  readonly field: string;
  readonly message: string;
}

export function formatIssue(i: FormatIssue): string {
  return i.row === undefined ? `${i.field}: ${i.message}` : `row ${i.row}, field ${i.field}: ${i.message}`;
}

/** A catalog file that does not parse or validate; `issues` names every bad row and field. */
export class CatalogFormatError extends DomainError {
  override readonly name = 'CatalogFormatError';
  readonly issues: readonly FormatIssue[];

  constructor(issues: readonly FormatIssue[], opts: { cause?: unknown } = {}) {
    const head = issues.slice(0, 5).map(formatIssue).join('; ');
    const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
    super(ErrorCode.CatalogInvalid, `invalid catalog: ${head}${more}`, opts);
    this.issues = issues;
  }
}

export class TableCodeError extends DomainError {
  override readonly name = 'TableCodeError';
  constructor(message: string) {
    super(ErrorCode.InvalidTableCode, message);
  }
}
