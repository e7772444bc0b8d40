/** A platform's sync health for staff: last sync, lag, errors, backlog. */

const WINDOW = 2_048;

export interface PlatformHealth {
  readonly platform: string;
  /** When the platform last acknowledged a call (ms since the epoch), null before the first. */
  readonly lastSyncAt: number | null;
  /** From a stock or catalog change (stored) to the platform's acknowledgement, over the last changes. */
  readonly lagMs: {
    readonly last: number | null;
    readonly p50: number | null;
    readonly p99: number | null;
    readonly count: number;
  };
  readonly sentCalls: number;
  readonly errors: number;
  readonly consecutiveFailures: number;
  readonly lastError: { readonly at: number; readonly message: string } | null;
  /** Changes waiting in the outbox, and refused for good (for a person). */
  readonly pending: number;
  readonly dead: number;
  /** `ok`, or `lagging` (failing now, or a backlog), or `down` (failing for over a minute, `downAfterMs`). */
  readonly status: 'ok' | 'lagging' | 'down';
}

export class HealthTracker {
  private lags: number[] = [];
  private next = 0;
  private count = 0;
  private lastSyncAt: number | null = null;
  private lastLag: number | null = null;
  private sent = 0;
  private errors = 0;
  private failing = 0;
  private failingSince: number | null = null;
  private lastError: { at: number; message: string } | null = null;

  /**
   * Every lag as it is recorded (the bench's histograms): from the change stored, and from its
   * command's time (which adds the engine's queueing before the change was made).
   */
  onLags: ((lags: readonly number[], fromCommand: readonly number[]) => void) | undefined;

  constructor(
    readonly platform: string,
    /** Failing this long makes the platform `down` (and raises the staff alarm). */
    private readonly downAfterMs = 60_000,
  ) {}

  synced(now: number, lags: readonly number[], fromCommand: readonly number[] = lags): void {
    this.lastSyncAt = now;
    this.sent++;
    this.failing = 0;
    this.failingSince = null;
    this.onLags?.(lags, fromCommand);
    for (const l of lags) {
      this.lastLag = l;
      if (this.lags.length < WINDOW) this.lags.push(l);
      else this.lags[this.next] = l;
      this.next = (this.next + 1) % WINDOW;
      this.count++;
    }
  }

  failed(now: number, message: string): void {
    this.errors++;
    this.failing++;
    this.failingSince ??= now;
    this.lastError = { at: now, message };
  }

  /** Lags recorded so far, for the bench (all of the window). */
  recentLags(): number[] {
    return [...this.lags];
  }

  view(now: number, pending: number, dead: number): PlatformHealth {
    const sorted = [...this.lags].sort((a, b) => a - b);
    const q = (p: number): number | null =>
      sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
    const down = this.failingSince !== null && now - this.failingSince > this.downAfterMs;
    return {
      platform: this.platform,
      lastSyncAt: this.lastSyncAt,
      lagMs: { last: this.lastLag, p50: q(0.5), p99: q(0.99), count: this.count },
      sentCalls: this.sent,
      errors: this.errors,
      consecutiveFailures: this.failing,
      lastError: this.lastError,
      pending,
      dead,
      status: down ? 'down' : this.failing > 0 || pending > 100 ? 'lagging' : 'ok',
    };
  }
}
