/**
 * One TCP connection to one ESC/POS printer (port 9100), kept open between
 * tickets. Answers are matched by their bit pattern: `DLE EOT` answers have bit 4
 * set, the in-order `GS r 1` answer has it clear, so a status poll can run while
 * a ticket is still being processed.
 */
import net from 'node:net';
import {
  CLEAR_BUFFERS,
  FULL_STATUS_QUERY,
  PROCESSED_MARKER,
  isProcessedMarkerByte,
  isRealtimeStatusByte,
  parseStatus,
  type PrinterStatus,
} from './escpos.js';
import { ErrorCode, PrinterDaemonError, ensureError } from './errors.js';

export interface ConnectionOptions {
  readonly connectTimeoutMs: number;
  readonly statusTimeoutMs: number;
}

interface Waiter {
  resolve(b: number): void;
  reject(e: Error): void;
}

/** Thrown when a status says the printer cannot print; carries the status. */
export class PrinterNotReadyError extends PrinterDaemonError {
  constructor(readonly status: PrinterStatus) {
    super(ErrorCode.PrinterNotReady, `printer not ready: ${status.flags.join(', ')}`);
  }
}

export class PrinterConnection {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private statusWaiters: Waiter[] = [];
  private markerWaiters: Waiter[] = [];
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly opts: ConnectionOptions,
  ) {}

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Real-time status (`DLE EOT 1..4`). Throws PrinterUnreachable / PrinterTimeout. */
  async status(): Promise<PrinterStatus> {
    const s = await this.ensure();
    const answers = [0, 1, 2, 3].map(() => this.expect(this.statusWaiters));
    s.write(FULL_STATUS_QUERY);
    const bytes = await this.withTimeout(Promise.all(answers), this.opts.statusTimeoutMs, 'status');
    return parseStatus(bytes);
  }

  /** Writes bytes; resolves once handed to the kernel. */
  async send(bytes: Uint8Array): Promise<void> {
    const s = await this.ensure();
    await new Promise<void>((resolve, reject) => {
      s.write(bytes, (err) => (err ? reject(unreachable(this, err)) : resolve()));
    });
  }

  /**
   * Waits until the printer has processed everything sent so far (its answer to
   * `GS r 1`), polling the real-time status every `pollMs`: a printer that stops
   * (paper out, cover open) throws PrinterNotReadyError at once instead of timing out.
   */
  async waitProcessed(timeoutMs: number, pollMs: number): Promise<void> {
    const s = await this.ensure();
    const marker = this.expect(this.markerWaiters);
    s.write(PROCESSED_MARKER);
    let done = false;
    const poll = async (): Promise<void> => {
      while (!done) {
        await new Promise((r) => setTimeout(r, pollMs));
        if (done) return;
        const st = await this.status();
        if (!st.ready) throw new PrinterNotReadyError(st);
      }
    };
    try {
      await this.withTimeout(Promise.race([marker, poll()]), timeoutMs, 'ticket processing');
    } finally {
      done = true;
    }
  }

  /** Asks the printer to drop whatever it still holds (best effort): a held ticket must not print after we gave up on it. */
  async clearBuffers(): Promise<void> {
    if (this.socket === undefined) return;
    await new Promise<void>((resolve) => this.socket?.write(CLEAR_BUFFERS, () => resolve()) ?? resolve());
  }

  /** Drops the connection (the next call reconnects). */
  reset(reason = 'reset'): void {
    const s = this.socket;
    this.socket = undefined;
    this.failAll(new PrinterDaemonError(ErrorCode.PrinterUnreachable, `${this.host}:${this.port} ${reason}`));
    s?.destroy();
  }

  close(): void {
    this.closed = true;
    this.reset('closed');
  }

  private expect(queue: Waiter[]): Promise<number> {
    return new Promise<number>((resolve, reject) => queue.push({ resolve, reject }));
  }

  private async withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Late answers would be matched to the wrong question: start over on a new connection.
        this.reset(`no answer to ${what} within ${ms} ms`);
        reject(
          new PrinterDaemonError(
            ErrorCode.PrinterTimeout,
            `${this.host}:${this.port}: no answer to ${what} within ${ms} ms`,
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ensure(): Promise<net.Socket> {
    if (this.closed) return Promise.reject(new PrinterDaemonError(ErrorCode.ShuttingDown, 'connection closed'));
    if (this.socket !== undefined) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection({ host: this.host, port: this.port });
      s.setNoDelay(true);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new PrinterDaemonError(ErrorCode.PrinterUnreachable, `${this.host}:${this.port}: connect timeout`));
      }, this.opts.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.setKeepAlive(true, 5_000);
        this.socket = s;
        resolve(s);
      });
      s.on('data', (chunk: Buffer) => this.onData(chunk));
      s.on('error', (err) => {
        clearTimeout(timer);
        if (this.socket === s) this.reset(err.message);
        reject(unreachable(this, err));
      });
      s.on('close', () => {
        clearTimeout(timer);
        if (this.socket === s) this.reset('connection closed by printer');
        reject(new PrinterDaemonError(ErrorCode.PrinterUnreachable, `${this.host}:${this.port}: closed`));
      });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private onData(chunk: Buffer): void {
    for (const b of chunk) {
      if (isRealtimeStatusByte(b)) this.statusWaiters.shift()?.resolve(b);
      else if (isProcessedMarkerByte(b)) this.markerWaiters.shift()?.resolve(b);
      // anything else (automatic status back, noise) is ignored
    }
  }

  private failAll(e: Error): void {
    const waiters = [...this.statusWaiters, ...this.markerWaiters];
    this.statusWaiters = [];
    this.markerWaiters = [];
    for (const w of waiters) w.reject(e);
  }
}

function unreachable(c: PrinterConnection, err: unknown): PrinterDaemonError {
  return new PrinterDaemonError(ErrorCode.PrinterUnreachable, `${c.host}:${c.port}: ${ensureError(err).message}`, {
    cause: err,
  });
}
