/**
 * The one table from error codes — the gateway's own, the domain's (`sold_out`) and
 * the engine's (`overloaded`) — to HTTP statuses. Every error answer is
 * `{ code, message, details? }`; the OpenAPI document lists this table whole.
 */
import { EngineError, ErrorCode as EngineCode, ensureError } from '@lunchrush/engine';
import { DomainError, ErrorCode as DomainCode, CatalogFormatError } from '@lunchrush/actors';
import { StaffErrorCode } from '@lunchrush/actors/staff';
import { PAYMENT_ERRORS, PaymentError, PaymentErrorCode } from '@lunchrush/payments';
import { COURIER_ERRORS } from '@lunchrush/couriers';
import { DELIVERY_ERRORS } from '@lunchrush/actors';
import { CAMPAIGN_ERRORS } from './campaign-errors.js';

/** Codes only the gateway produces. */
export const ErrorCode = {
  BadRequest: 'bad_request',
  ValidationFailed: 'validation_failed',
  UnsupportedMediaType: 'unsupported_media_type',
  PayloadTooLarge: 'payload_too_large',
  NotFound: 'not_found',
  Unauthorized: 'unauthorized',
  TokenExpired: 'token_expired',
  InvalidQrToken: 'invalid_qr_token',
  QrKeyRetired: 'qr_key_retired',
  InvalidSignature: 'invalid_signature',
  StaleTimestamp: 'stale_timestamp',
  RoleForbidden: 'role_forbidden',
  StoreForbidden: 'store_forbidden',
  NotYourOrder: 'not_your_order',
  NoTable: 'no_table',
  RateLimited: 'rate_limited',
  MissingIdempotencyKey: 'missing_idempotency_key',
  IdempotencyKeyReused: 'idempotency_key_reused',
  IdempotencyInProgress: 'idempotency_in_progress',
  LoginFailed: 'login_failed',
  PaymentNotStarted: 'payment_not_started',
  BadCredentials: 'bad_credentials',
  TotpRequired: 'totp_required',
  ImageInvalid: 'image_invalid',
  ImageLimitReached: 'image_limit_reached',
  PrinterTestRefused: 'printer_test_refused',
  // The payments' own codes, described in their table (@lunchrush/payments, PAYMENT_ERRORS).
  PaymentAmountMismatch: PaymentErrorCode.AmountMismatch,
  PaymentUnknownOrder: PaymentErrorCode.UnknownOrder,
  PaymentProviderError: PaymentErrorCode.ProviderError,
  PaymentRefused: PaymentErrorCode.Refused,
  GatewayOverloaded: 'gateway_overloaded',
  Unavailable: 'unavailable',
  InternalError: 'internal_error',
} as const;

/** What any route that talks to the engine may answer besides its own codes (for the API docs). */
export const ENGINE_ERRORS = [
  'overloaded',
  'partition_moving',
  'timeout',
  'shutting_down',
  'internal',
  ErrorCode.GatewayOverloaded,
] as const;

export interface ErrorSpec {
  readonly status: number;
  readonly retryable?: boolean;
  readonly description: string;
}

const G = ErrorCode;
const D = DomainCode;
const E = EngineCode;

/**
 * Every code an answer may carry. Domain refusals that are well-formed but
 * impossible now are 409; well-formed requests naming things that cannot be
 * ordered or done this way are 422; retryable engine states are 503 + Retry-After.
 */
export const ERROR_TABLE: Readonly<Record<string, ErrorSpec>> = {
  // gateway: input
  [G.BadRequest]: { status: 400, description: 'the body is not valid JSON, or a header or parameter is malformed' },
  [G.ValidationFailed]: {
    status: 400,
    description: 'the body, query or path does not match the schema; details.issues names each field',
  },
  [G.UnsupportedMediaType]: { status: 415, description: 'the Content-Type is not one this endpoint reads' },
  [G.PayloadTooLarge]: { status: 413, description: 'the body is larger than this endpoint accepts' },
  [G.NotFound]: { status: 404, description: 'no such route' },
  [G.MissingIdempotencyKey]: {
    status: 400,
    description: 'this endpoint needs an Idempotency-Key header (8–64 of A–Z a–z 0–9 _ -)',
  },
  [G.IdempotencyKeyReused]: { status: 422, description: 'the Idempotency-Key was used before with a different body' },
  [G.IdempotencyInProgress]: {
    status: 409,
    retryable: true,
    description: 'the first request with this Idempotency-Key is still running; retry after Retry-After',
  },
  // gateway: auth
  [G.Unauthorized]: { status: 401, description: 'no credentials, or credentials that do not verify' },
  [G.TokenExpired]: { status: 401, description: 'the session or staff token has expired' },
  [G.InvalidQrToken]: { status: 401, description: 'the table QR token is malformed or its signature does not verify' },
  [G.QrKeyRetired]: {
    status: 401,
    description: 'the table QR token was signed with a key that has been rotated out: reprint the code',
  },
  [G.InvalidSignature]: { status: 401, description: 'the webhook or payment callback signature does not verify' },
  [G.StaleTimestamp]: {
    status: 400,
    description: 'the signed timestamp is outside the allowed window (5 minutes by default)',
  },
  [G.RoleForbidden]: { status: 403, description: "the staff token's role may not do this" },
  [G.StoreForbidden]: { status: 403, description: 'the staff token belongs to another store' },
  [G.NotYourOrder]: { status: 403, description: "the order is neither the diner's nor their table's" },
  [G.NoTable]: { status: 409, description: 'the diner session is not seated at a table: scan a table QR code first' },
  [G.LoginFailed]: { status: 401, description: 'WeChat code2session refused the login code' },
  [G.RateLimited]: {
    status: 429,
    retryable: true,
    description: 'too many requests from this IP, device or session; retry after Retry-After',
  },
  // gateway: staff login and the console
  [G.BadCredentials]: { status: 401, description: 'unknown login name, or a wrong password or TOTP code' },
  [G.TotpRequired]: { status: 401, description: 'this account needs a TOTP code (totp) to log in' },
  [G.PrinterTestRefused]: {
    status: 422,
    description: 'the printer daemon refused the test page (no such station in its configuration)',
  },
  [G.ImageInvalid]: { status: 422, description: 'the upload is not a PNG, JPEG or WebP image this gateway can read' },
  [G.ImageLimitReached]: {
    status: 409,
    description: "the store's photos are at their cap (GATEWAY_STORE_IMAGES_MAX, _MAX_BYTES): remove some first",
  },
  [StaffErrorCode.AccountExists]: { status: 409, description: 'an account with this login name exists' },
  [StaffErrorCode.UnknownAccount]: { status: 404, description: 'no such staff account' },
  [StaffErrorCode.AccountLocked]: {
    status: 423,
    description: 'too many failed logins: the account is locked until details.until (ms since the epoch)',
  },
  [StaffErrorCode.AccountDisabled]: { status: 403, description: 'the staff account is disabled' },
  [StaffErrorCode.AccountForbidden]: {
    status: 403,
    description: 'this staff member may not manage that account (role or store), or may not work in that store',
  },
  // gateway: payments
  [G.PaymentNotStarted]: { status: 409, description: 'no prepay was made for this order through this gateway' },
  ...PAYMENT_ERRORS,
  // couriers: the platform's callbacks and calls (@lunchrush/couriers), a delivery's refusals (@lunchrush/actors)
  ...COURIER_ERRORS,
  ...DELIVERY_ERRORS,
  // gateway: availability
  [G.GatewayOverloaded]: {
    status: 503,
    retryable: true,
    description: 'this gateway process has too many engine commands in flight',
  },
  [G.Unavailable]: { status: 503, retryable: true, description: 'a dependency (Redis) is not reachable' },
  [G.InternalError]: { status: 500, description: 'a bug: logged with the request id' },

  // domain: malformed (kind invalid)
  [D.InvalidCommand]: { status: 400, description: 'the command is malformed; the message names the field' },
  [D.InvalidTableCode]: { status: 400, description: 'not a valid table code of this store' },
  [D.CatalogInvalid]: {
    status: 400,
    description: 'the catalog file does not parse; details.issues names row and field',
  },
  // domain: stock
  [D.SoldOut]: { status: 409, description: 'not enough stock; details name each short line and what remains' },
  [D.UnknownReservation]: { status: 409, description: 'no reservation under this reference' },
  [D.ReservationReleased]: { status: 409, description: 'the reservation was released (timeout or cancel)' },
  [D.AlreadyCommitted]: { status: 409, description: 'the reservation was already committed' },
  [D.InsufficientStock]: { status: 409, description: 'an adjustment would take stock below zero' },
  [D.InvalidQuantity]: { status: 422, description: 'more units than were sold under this reference' },
  [D.IdempotencyConflict]: { status: 422, description: 'the same business id was used before with other contents' },
  // domain: catalog and pricing
  [D.UnknownSku]: { status: 422, description: 'no such SKU on this menu' },
  [D.UnknownSpu]: { status: 404, description: 'no such dish on this menu' },
  [D.ItemUnavailable]: { status: 409, description: 'the dish or an option is switched off' },
  [D.ChannelNotAllowed]: { status: 422, description: 'the dish is not sold on this channel' },
  [D.OutsideAvailabilityWindow]: { status: 409, description: 'the dish is not served at this time of day' },
  [D.InvalidOption]: { status: 422, description: 'an option group or choice is unknown, or too few/many picks' },
  [D.CatalogConflict]: { status: 422, description: 'a SKU id appears in two dishes' },
  [D.LinesRejected]: { status: 422, description: 'some lines cannot be priced; details list each' },
  // domain: store
  [D.StoreClosed]: { status: 409, description: 'the store is closed or outside its opening hours' },
  [D.StoreNotConfigured]: { status: 404, description: 'no such store' },
  [D.ChannelPaused]: {
    status: 409,
    description: 'the kitchen is backed up (or staff paused it): no delivery orders now; details.quotedWaitMin',
  },
  [D.StationPaused]: {
    status: 409,
    description: "a line's kitchen station is backed up (or paused by staff); details.lines names those lines",
  },
  // domain: routing
  [D.RoutingInProgress]: {
    status: 409,
    description: 'this request is still being routed to a store: repeat it with the same Idempotency-Key',
  },
  [D.NoStoreAvailable]: {
    status: 409,
    description: 'no store that delivers to the address can serve the order now; details name each store and why',
  },
  // domain: order
  [D.InvalidTransition]: { status: 409, description: 'the order or table is not in a state that allows this' },
  [D.OrderNotFound]: { status: 404, description: 'no such order' },
  [D.AmountMismatch]: { status: 422, description: "the payment's amount differs from the order total" },
  [D.AlreadyPaid]: { status: 409, description: 'the order is already paid by another transaction' },
  [D.RefundNotAllowed]: { status: 409, description: 'the refund rules refuse this at this stage' },
  [D.RefundInProgress]: { status: 409, description: 'a full refund is already under way' },
  [D.UnknownRefund]: { status: 404, description: 'no such refund on this order' },
  [D.NothingToRefund]: { status: 409, description: 'nothing (more) to refund' },
  [D.UrgeTooSoon]: { status: 409, description: 'urged recently; details.retryAt says when again' },
  [D.UnknownStation]: { status: 422, description: 'the order has nothing for this station' },
  [D.Forbidden]: { status: 403, description: 'the domain refuses this actor (e.g. a diner accepting an order)' },
  // domain: table
  [D.TableNotConfigured]: { status: 404, description: 'no such table in this store' },
  [D.TableOccupied]: { status: 409, description: 'the target table is occupied' },
  [D.TableNotReady]: { status: 409, description: 'the table is being cleaned' },
  [D.TableMerged]: { status: 409, description: 'the table is merged into another' },
  [D.NoSession]: { status: 409, description: 'nobody is seated at the table' },
  [D.EmptyCart]: { status: 422, description: 'the table cart is empty' },
  [D.UnknownLine]: { status: 404, description: 'no such cart or order line' },
  [D.UnpaidOrders]: { status: 409, description: 'the table has unpaid orders (staff may force)' },
  [D.TableNotInStore]: { status: 422, description: "a dine-in order or quote names another store than the table's" },
  // domain: members and stored value
  [D.NotEnrolled]: { status: 409, description: 'the diner is not a member yet: enrol first' },
  [D.AlreadyEnrolled]: { status: 409, description: 'the diner is a member already' },
  [D.InsufficientPoints]: { status: 409, description: 'fewer points than asked for (or more than an order may take)' },
  [D.InsufficientBalance]: {
    status: 409,
    description: 'the stored value does not cover this (or the order needs less)',
  },
  [D.AlreadyCheckedIn]: { status: 409, description: 'checked in today already' },
  [D.GiftNotDue]: { status: 409, description: 'the gift is not due (not the birthday, or given this year)' },
  [D.HoldSettled]: { status: 409, description: 'the order is paid: its points and stored value are spent' },
  [D.RefundExceedsPaid]: { status: 422, description: 'more than the order paid with this instrument' },
  // domain: coupons and campaigns
  [D.CouponUnavailable]: { status: 409, description: 'no such coupon on the card, or it is held or used' },
  [D.CouponExpired]: { status: 409, description: 'the coupon is not valid now' },
  [D.CouponNotApplicable]: {
    status: 422,
    description: "the coupon's threshold, scope, store, channel or new-customer rule does not fit this order",
  },
  [D.CouponStacking]: { status: 422, description: 'at most one discount coupon and one free-delivery coupon an order' },
  [D.CampaignNotDefined]: { status: 404, description: 'no such campaign' },
  [D.CampaignExists]: { status: 409, description: 'a campaign with this id is defined with other terms' },
  [D.CampaignNotOpen]: { status: 409, description: 'the campaign is paused, or outside its claim window' },
  [D.CampaignExhausted]: { status: 409, description: 'every coupon of the campaign is taken' },
  [D.ClaimLimitReached]: { status: 409, description: 'the member holds as many of these coupons as one may' },
  // domain: group-buy, bargains, lotteries and share codes (campaign-errors.ts)
  ...CAMPAIGN_ERRORS,

  // engine
  [E.Rejected]: { status: 409, description: 'the engine refused the command for a business reason' },
  [E.Invalid]: { status: 400, description: 'the engine refused a malformed command' },
  [E.UnknownActorType]: { status: 500, description: 'a bug: no such actor type' },
  [E.DeciderFailed]: { status: 500, description: 'a bug in a decider; nothing was applied' },
  [E.Overloaded]: {
    status: 503,
    retryable: true,
    description: 'the engine is at its mailbox bound; retry after Retry-After',
  },
  [E.PartitionMoving]: {
    status: 503,
    retryable: true,
    description: 'the store is moving between engine processes; retry after Retry-After',
  },
  [E.Timeout]: {
    status: 503,
    retryable: true,
    description: 'the engine did not answer in time; retrying with the same key is safe',
  },
  [E.ShuttingDown]: {
    status: 503,
    retryable: true,
    description: 'the engine is shutting down; retry after Retry-After',
  },
  [E.Internal]: { status: 503, retryable: true, description: 'an engine fault; nothing was acknowledged; retry' },
};

/** The stack-trace limit in force before the last `quietFor` (restored right after `super`). */
let savedStackTraceLimit = Error.stackTraceLimit;

/**
 * A 4xx is an answer (sold out, bad input), not a fault: no stack trace to capture. In a flash
 * sale most answers are `sold_out`, and capturing a stack for each was ~2% of the gateway's CPU.
 * Called inside `super(...)`'s arguments, since `super` must be a root-level statement.
 */
function quietFor(status: number, cause: unknown): ErrorOptions | undefined {
  savedStackTraceLimit = Error.stackTraceLimit;
  if (status < 500) Error.stackTraceLimit = 0;
  return cause === undefined ? undefined : { cause };
}

/** An error the gateway answers with: the code's status, `{ code, message, details }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  readonly retryAfterS: number | undefined;

  constructor(code: string, message: string, opts: { details?: unknown; retryAfterS?: number; cause?: unknown } = {}) {
    super(message, quietFor(statusOf(code), opts.cause));
    Error.stackTraceLimit = savedStackTraceLimit;
    this.code = code;
    this.status = statusOf(code);
    this.details = opts.details;
    this.retryAfterS = opts.retryAfterS;
  }
}

export function statusOf(code: string): number {
  return ERROR_TABLE[code]?.status ?? 500;
}

/** Normalises anything thrown into an Error: the engine's, the one definition. */
export { ensureError };

/**
 * Normalises anything thrown into an HttpError: engine errors by their domain
 * reason when there is one (a `rejected` with reason `sold_out` answers as
 * `sold_out`), domain and payment throws by their code, the rest as `internal_error`.
 */
export function toHttpError(e: unknown, retryAfterS: number): HttpError {
  if (e instanceof HttpError) return e;
  if (e instanceof EngineError) {
    const code = e.reason !== undefined && ERROR_TABLE[e.reason] !== undefined ? e.reason : e.code;
    return new HttpError(ERROR_TABLE[code] === undefined ? e.code : code, e.message, {
      details: e.details,
      ...(e.retryable ? { retryAfterS } : {}),
      cause: e,
    });
  }
  if (e instanceof PaymentError)
    return new HttpError(e.code, e.message, {
      details: e.details,
      ...(e.retryAfterS === undefined ? {} : { retryAfterS: e.retryAfterS }),
      cause: e,
    });
  if (e instanceof CatalogFormatError) return new HttpError(e.code, e.message, { details: { issues: e.issues } });
  if (e instanceof DomainError) return new HttpError(e.code, e.message, { cause: e });
  return new HttpError(ErrorCode.InternalError, 'internal error', { cause: ensureError(e) });
}
