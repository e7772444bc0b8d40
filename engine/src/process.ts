/**
 * How a process of the stack stops: once, on the first SIGINT or SIGTERM (a second signal while it
 * stops does nothing), then exits: 0 when its stop resolved, 1 with the error on stderr when it
 * threw. Every entry point's one way to stop (`@lunchrush/engine/process`).
 */
import { ensureError } from './errors.js';

export interface SignalStop {
  /** True once the stop has begun, by a signal or by `claim()`. */
  readonly stopping: boolean;
  /** Begins a stop of the caller's own (a signal after it does nothing): false when one had begun. */
  claim(): boolean;
}

export function stopOnSignals(stop: (signal: NodeJS.Signals) => void | Promise<void>): SignalStop {
  let stopping = false;
  const claim = (): boolean => {
    if (stopping) return false;
    stopping = true;
    return true;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!claim()) return;
    void (async () => stop(signal))().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(ensureError(e));
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get stopping() {
      return stopping;
    },
    claim,
  };
}
