/**
 * The printer daemon's single error registry. Printer faults are retryable (the
 * ticket is held and tried again); configuration and protocol misuse are not.
 */
export const ErrorCode = {
  /** An environment variable or a store's printer configuration is invalid. Terminal. */
  InvalidConfig: 'invalid_config',
  /** A staff request (reprint, status) is malformed. Terminal. */
  InvalidRequest: 'invalid_request',
  /** No such ticket in the job records. Terminal. */
  UnknownTicket: 'unknown_ticket',
  /** No such store or printer in the configuration. Terminal. */
  UnknownPrinter: 'unknown_printer',
  /** TCP connection refused, reset or closed. Retryable. */
  PrinterUnreachable: 'printer_unreachable',
  /** The printer did not answer a status query in time. Retryable. */
  PrinterTimeout: 'printer_timeout',
  /** The printer reports offline, cover open, paper out or a cutter error. Retryable. */
  PrinterNotReady: 'printer_not_ready',
  /** Another daemon claimed the ticket first (compare-and-set lost). Terminal for this attempt. */
  Claimed: 'claimed',
  /** The daemon is stopping. Retryable. */
  ShuttingDown: 'shutting_down',
} as const;

export type PrinterErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const RETRYABLE: ReadonlySet<string> = new Set<string>([
  ErrorCode.PrinterUnreachable,
  ErrorCode.PrinterTimeout,
  ErrorCode.PrinterNotReady,
  ErrorCode.ShuttingDown,
]);

export class PrinterDaemonError extends Error {
  override readonly name = 'PrinterDaemonError';
  readonly code: PrinterErrorCode;
  readonly retryable: boolean;

  constructor(code: PrinterErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }
}

export class ConfigError extends PrinterDaemonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.InvalidConfig, message, options);
  }
}

/**
 * Normalises anything thrown into an Error (at boundaries: sockets, NATS callbacks): the engine's,
 * the one definition (`@lunchrush/engine/errors`).
 */
export { ensureError } from '@lunchrush/engine/errors';
