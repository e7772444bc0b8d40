/**
 * The platforms' errors: a code from one list, a message, and whether waiting helps. A push we
 * refuse is answered in the platform's own error shape (`PlatformApi.answerPush`); a call a
 * platform refuses comes back as a `PlatformError` the sync worker retries (`retryable`) or drops.
 */

export const PlatformErrorCode = {
  /** A push or call whose signature does not verify. */
  InvalidSignature: 'invalid_signature',
  /** Its signed timestamp is further than the tolerance from now. */
  StaleTimestamp: 'stale_timestamp',
  /** The same signed request was seen before: a replay. */
  Replayed: 'replayed',
  /** Not a push or call of the platform's shape. */
  BadRequest: 'bad_request',
  /** A platform store or SKU the mapping does not know. */
  UnknownStore: 'unknown_store',
  UnknownSku: 'unknown_sku',
  /** Not enough stock: the platform order is refused. */
  SoldOut: 'sold_out',
  /** A refund the refund rules refuse (after delivery), or an order that is not ours. */
  RefundRefused: 'refund_refused',
  UnknownOrder: 'unknown_order',
  /** The platform (or our engine) did not answer, answered 5xx, or asked us to slow down. */
  Unavailable: 'platform_unavailable',
  RateLimited: 'rate_limited',
  /** The platform refused a call for good. */
  Refused: 'platform_refused',
} as const;
export type PlatformErrorCode = (typeof PlatformErrorCode)[keyof typeof PlatformErrorCode];

const RETRYABLE: ReadonlySet<PlatformErrorCode> = new Set([
  PlatformErrorCode.Unavailable,
  PlatformErrorCode.RateLimited,
]);

export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  readonly code: PlatformErrorCode;
  readonly details: unknown;

  constructor(code: PlatformErrorCode, message: string, opts: { details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.details = opts.details;
  }

  /** An outage that passes with time, not a refusal. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}
