import { ensureError } from '@lunchrush/engine';
import type { Logger } from 'pino';

/** How long a worker waits before opening its consumer again. */
const REOPEN_AFTER_MS = 1_000;

/**
 * Runs a stream worker's consume loop for as long as it is not stopping: the engine creates the
 * stream, so it may not be there yet, and a consumer that fails (deleted, NATS gone for long) or
 * ends is opened again a second later. Shared by the refund worker, the member forwarder and the campaign worker.
 */
export function keepConsuming(o: {
  /** What the log calls the worker ("refund worker"). */
  what: string;
  run: () => Promise<void>;
  stopping: () => boolean;
  log: Logger;
}): Promise<void> {
  return (async () => {
    while (!o.stopping()) {
      try {
        await o.run();
        if (!o.stopping()) o.log.warn(`${o.what}: its consumer ended; opening it again`);
      } catch (e) {
        if (o.stopping()) break;
        o.log.error({ err: ensureError(e).message }, `${o.what} failed; opening its consumer again`);
      }
      if (!o.stopping()) await new Promise((r) => setTimeout(r, REOPEN_AFTER_MS));
    }
  })();
}
