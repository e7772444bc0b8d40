/**
 * The courier integration's errors: a code (the gateway's error table maps each to an HTTP
 * status, `COURIER_ERRORS` describes the `courier_*` ones), a message, and whether trying again
 * later may work. A platform outage is retryable; a refusal (a bad signature, a stale push, a
 * platform that says no for good) is not.
 */
export const CourierErrorCode = {
  /** A callback whose signature does not verify with this merchant's developer key. */
  InvalidSignature: 'courier_invalid_signature',
  /** A callback pushed further from now than the tolerance (a replay of an old one). */
  StalePush: 'courier_stale_push',
  /** Not a callback of this platform's shape, or one naming an order this merchant never sent. */
  BadCallback: 'courier_bad_callback',
  /** The platform did not answer, or answered with a system error. */
  PlatformError: 'courier_platform_error',
  /** The platform refused for good (an address it does not serve, an order it no longer has). */
  Refused: 'courier_refused',
} as const;
export type CourierErrorCode = (typeof CourierErrorCode)[keyof typeof CourierErrorCode];

export interface CourierErrorSpec {
  readonly status: number;
  readonly retryable?: boolean;
  readonly description: string;
}

export const COURIER_ERRORS: Readonly<Record<CourierErrorCode, CourierErrorSpec>> = {
  courier_invalid_signature: { status: 401, description: "the courier callback's sign does not verify" },
  courier_stale_push: { status: 400, description: "the courier callback's push_time is outside the tolerance" },
  courier_bad_callback: { status: 400, description: 'not a courier callback, or one naming an unknown order' },
  courier_platform_error: {
    status: 502,
    retryable: true,
    description: 'the courier platform did not answer or failed',
  },
  courier_refused: { status: 409, description: 'the courier platform refused for good' },
};

export class CourierError extends Error {
  override readonly name = 'CourierError';
  constructor(
    readonly code: CourierErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return COURIER_ERRORS[this.code].retryable === true;
  }

  get status(): number {
    return COURIER_ERRORS[this.code].status;
  }
}
