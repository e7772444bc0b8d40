import { inspect } from 'node:util';

export interface WaitForOptions {
  /** Give up after this long. Default 10 s. */
  readonly timeoutMs?: number;
  /** Pause between attempts. Default 25 ms. */
  readonly intervalMs?: number;
  /** Named in the timeout error: "timed out after 10000 ms waiting for <what>". */
  readonly what?: string;
}

/**
 * Polls `fn` until it returns a truthy value and resolves to that value. A throw counts
 * as "not yet"; the last one is quoted when the wait times out. For waiting on an
 * observable effect, never as a sleep.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 25, what = 'condition' } = options;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const cause =
        lastError instanceof Error
          ? `: ${lastError.message}`
          : lastError !== undefined
            ? `: ${inspect(lastError)}`
            : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
