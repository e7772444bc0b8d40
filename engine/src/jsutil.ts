import { JetStreamApiError } from '@nats-io/jetstream';
import { JetStreamApiErrorLite, NoResponders, RequestTimeout } from './request-window.js';

/** The stream's expected-last-sequence check failed: someone else appended (we are fenced), or a CAS lost. */
export function isWrongLastSequence(err: unknown): boolean {
  return (
    (err instanceof JetStreamApiError || err instanceof JetStreamApiErrorLite) &&
    (err.code === 10071 || err.code === 10164)
  );
}

/**
 * JetStream's "temporarily unavailable" (10008): the stream's group has no leader yet, e.g. for a
 * few seconds after the member that led it died. Asked again shortly, the new leader answers.
 */
export function isLeaderless(err: unknown): boolean {
  return (err instanceof JetStreamApiError || err instanceof JetStreamApiErrorLite) && err.code === 10008;
}

/** Errors after which the same publish (same message id) may simply be tried again. */
export function isTransient(err: unknown): boolean {
  if (err instanceof RequestTimeout || err instanceof NoResponders) return true;
  if (err instanceof JetStreamApiError || err instanceof JetStreamApiErrorLite) return false;
  const name = (err as { name?: string } | null)?.name ?? '';
  const msg = (err as { message?: string } | null)?.message ?? '';
  return /timeout|no ?responders|disconnect|closed|connection|503/i.test(`${name} ${msg}`);
}
