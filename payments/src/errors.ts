/**
 * The payments' errors: a code (the gateway's error table maps each to an HTTP status; the
 * `payment_*` ones are described here, in `PAYMENT_ERRORS`, and the gateway lists them whole),
 * a message, details. A provider's outage is retryable; a refusal (a bad signature, a stale
 * timestamp, a wrong amount, a refund WeChat refuses for good) is not.
 */

export const PaymentErrorCode = {
  /** A callback or answer whose WeChat Pay signature does not verify (the gateway's webhooks share the code). */
  InvalidSignature: 'invalid_signature',
  StaleTimestamp: 'stale_timestamp',
  /** Not a WeChat Pay notification, or one that does not decrypt to a transaction. */
  BadRequest: 'bad_request',
  /** The simulator has no such prepay or order. */
  NotFound: 'not_found',
  AmountMismatch: 'payment_amount_mismatch',
  UnknownOrder: 'payment_unknown_order',
  ProviderError: 'payment_provider_error',
  Refused: 'payment_refused',
} as const;
export type PaymentErrorCode = (typeof PaymentErrorCode)[keyof typeof PaymentErrorCode];

/** How the codes only payments produce answer over HTTP (the same shape as the gateway's table). */
export interface PaymentErrorSpec {
  readonly status: number;
  readonly retryable?: boolean;
  readonly description: string;
}

const P = PaymentErrorCode;

export const PAYMENT_ERRORS: Readonly<Record<string, PaymentErrorSpec>> = {
  [P.AmountMismatch]: { status: 400, description: 'the paid amount or currency differs from the prepay' },
  [P.UnknownOrder]: {
    status: 400,
    description: 'the callback names an order or merchant this gateway does not know',
  },
  [P.ProviderError]: {
    status: 502,
    retryable: true,
    description: 'the payment provider refused or did not answer',
  },
  [P.Refused]: {
    status: 409,
    description:
      'the payment provider refused a refund for good (more than is left to refund, an account it cannot pay)',
  },
};

/**
 * The statuses of the gateway's own codes payments answer with too (the gateway's table describes
 * them; gateways/test/errors.test.ts holds the two equal).
 */
const SHARED_STATUS: Readonly<Record<string, number>> = {
  [P.InvalidSignature]: 401,
  [P.StaleTimestamp]: 400,
  [P.BadRequest]: 400,
  [P.NotFound]: 404,
};

export class PaymentError extends Error {
  override readonly name = 'PaymentError';
  readonly code: PaymentErrorCode;
  /** The HTTP status the gateway answers it with. */
  readonly status: number;
  readonly details: unknown;
  readonly retryAfterS: number | undefined;

  constructor(
    code: PaymentErrorCode,
    message: string,
    opts: { details?: unknown; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.status = PAYMENT_ERRORS[code]?.status ?? SHARED_STATUS[code] ?? 500;
    this.details = opts.details;
    this.retryAfterS = opts.retryAfterS;
  }

  /** An outage that passes with time (asked again later: a 5xx or 429), not a refusal. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}
