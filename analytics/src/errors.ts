/**
 * The analytics error registry: every error this package throws carries one of
 * these codes and whether retrying can help. HTTP status codes are mapped once,
 * in `server.ts`.
 */
export const ErrorCode = {
  /** A configuration variable is missing, malformed or unknown. Terminal. */
  Config: 'config',
  /** A query parameter (store, date, limit…) is malformed. Terminal. */
  BadRequest: 'bad_request',
  /** Raw SQL tried to write, or is not one read statement. Terminal. */
  ReadOnly: 'read_only',
  /** ClickHouse refused a query (syntax, unknown column…). Terminal. */
  Query: 'query',
  /** The insert into ClickHouse failed; the batch is not acked and comes back. Retryable. */
  Insert: 'insert',
  /** NATS or JetStream is unreachable or answered with an error. Retryable. */
  Nats: 'nats',
  /** A JetStream message is not an engine record. Terminal for that message (it is skipped and counted). */
  Undecodable: 'undecodable',
} as const;

export type AnalyticsErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRYABLE: ReadonlySet<string> = new Set<string>([ErrorCode.Insert, ErrorCode.Nats]);

export class AnalyticsError extends Error {
  override readonly name = 'AnalyticsError';
  readonly code: AnalyticsErrorCode;
  readonly retryable: boolean;

  constructor(code: AnalyticsErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}

/** Normalises anything thrown into an Error: the engine's, the one definition (`@lunchrush/engine/errors`). */
export { ensureError } from '@lunchrush/engine/errors';
