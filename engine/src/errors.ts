/**
 * The engine's single error registry. Every error that crosses the wire carries
 * one of these codes and whether a retry can help. Domain rejections keep their
 * own codes (e.g. `sold_out`) and travel as terminal `rejected`/`invalid` errors.
 */
export const ErrorCode = {
  /** The decider refused the command (business rule). Terminal. */
  Rejected: 'rejected',
  /** The command is malformed or addresses nothing. Terminal. */
  Invalid: 'invalid',
  /** Unknown actor type. Terminal. */
  UnknownActorType: 'unknown_actor_type',
  /** The decider threw: a bug in the domain code; nothing was applied. Terminal. */
  DeciderFailed: 'decider_failed',
  /** Mailbox or append pipeline full. Retryable. */
  Overloaded: 'overloaded',
  /** The partition has no owner right now, or its owner is handing it over. Retryable. */
  PartitionMoving: 'partition_moving',
  /** No answer within the deadline; the command may or may not have been applied. Retryable with the same id. */
  Timeout: 'timeout',
  /** The engine is shutting down. Retryable. */
  ShuttingDown: 'shutting_down',
  /** An unexpected fault inside the engine. Retryable (the command was not acknowledged). */
  Internal: 'internal',
} as const;

export type EngineErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRYABLE: ReadonlySet<string> = new Set<string>([
  ErrorCode.Overloaded,
  ErrorCode.PartitionMoving,
  ErrorCode.Timeout,
  ErrorCode.ShuttingDown,
  ErrorCode.Internal,
]);

export function isRetryableCode(code: string): boolean {
  return RETRYABLE.has(code);
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: string;
  readonly retryable: boolean;
  readonly details: unknown;
  /** For domain rejections: the domain's own code (`sold_out`); `code` is then `rejected` or `invalid`. */
  readonly reason: string | undefined;

  constructor(
    code: string,
    message: string,
    opts: { retryable?: boolean; details?: unknown; reason?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable ?? isRetryableCode(code);
    this.details = opts.details;
    this.reason = opts.reason;
  }

  /**
   * An answer the engine sent (a refusal, a rejection): built without capturing a stack, which would
   * only show the client's reply handling and cost more than the rest of the answer (5% of a
   * gateway's CPU in a flash sale, where three attempts in four are refused).
   */
  static answered(
    code: string,
    message: string,
    opts: { retryable?: boolean; details?: unknown; reason?: string } = {},
  ): EngineError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new EngineError(code, message, opts);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export function ensureError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
