/**
 * `Idempotency-Key` for order placement, kept by the actors, not by a store of answers:
 *
 * - the order id is derived from the diner and the key (`orderIdFor`), so every attempt with
 *   one key names one order actor;
 * - the order records the digest of the request that placed it (`bodyHash`); a repeat with the
 *   same digest is answered that order (`duplicate`, sent as `Idempotent-Replayed: true`), a
 *   repeat with another is refused (422 `idempotency_key_reused`), for as long as the order
 *   exists, not only while the engine remembers command ids;
 * - a refused placement (sold out, store closed) leaves no order, so a retry runs again;
 * - a repeat that arrives at this process while the first is still running is told to retry
 *   (409 + Retry-After, `InFlight`); at another process it waits its turn at the actor and is
 *   answered the order.
 */
import { hash } from 'node:crypto';
import { ErrorCode, HttpError } from './errors.js';
import type { RequestInfo } from './http.js';

export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * The `Idempotency-Key` of a request that makes something new (an order, a top-up, a group, a
 * bargain, a draw), or 400 `missing_idempotency_key`.
 */
export function idempotencyKey(req: RequestInfo): string {
  const key = req.headers['idempotency-key'];
  if (key === undefined || !IDEMPOTENCY_KEY_RE.test(key))
    throw new HttpError(
      ErrorCode.MissingIdempotencyKey,
      'an Idempotency-Key header (8–64 of A–Z a–z 0–9 _ -) is required',
    );
  return key;
}

/** The header as the OpenAPI document names it, on every route that takes one. */
export const IDEMPOTENCY_HEADER = [
  {
    name: 'Idempotency-Key',
    required: true,
    description: '8–64 of A–Z a–z 0–9 _ -; a retry with it names the same one',
  },
];

/** The digest of a validated request body: 128 bits of SHA-256, base64url (it goes into the order's event). */
export function bodyHash(body: unknown): string {
  return hash('sha256', JSON.stringify(body), 'base64url').slice(0, 22);
}

/** Attempts under way in this process, by diner and key. */
export class InFlight {
  private readonly keys = new Set<string>();

  /** False when the same diner's attempt with this key is already running here. */
  enter(scope: string, key: string): boolean {
    const k = `${scope}\0${key}`;
    if (this.keys.has(k)) return false;
    this.keys.add(k);
    return true;
  }

  leave(scope: string, key: string): void {
    this.keys.delete(`${scope}\0${key}`);
  }
}
