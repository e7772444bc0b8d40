/**
 * `Idempotency-Key` for order placement, kept in Redis: the first request takes
 * the key (SET NX with a short lock), runs, and stores its response for a day;
 * a repeat with the same body gets that response again (`Idempotent-Replayed:
 * true`), a repeat with another body is refused (422), and a repeat while the
 * first still runs is told to retry (409 + Retry-After). Retryable failures
 * (503) are not kept: the key is released so a retry can run.
 *
 * Below this, the order id is derived from the key, so even a lost Redis entry
 * cannot place the order twice: the engine answers the repeat from its own
 * command-id memory.
 */
import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ClaimAnswer, ClaimRequest } from './ratelimit.js';
import type { WriteOp } from './redis-writes.js';

export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_-]{8,64}$/;

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

export type Claim =
  { kind: 'new' } | { kind: 'replay'; response: StoredResponse } | { kind: 'reused' } | { kind: 'in_progress' };

interface Entry {
  h: string;
  p?: 1;
  s?: number;
  b?: unknown;
}

export function bodyHash(body: unknown): string {
  return hash('sha256', JSON.stringify(body), 'base64url');
}

export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlS: number,
    private readonly lockS: number,
  ) {}

  private key(scope: string, key: string): string {
    return `${this.prefix}:idem:${scope}:${key}`;
  }

  async claim(scope: string, key: string, hash: string): Promise<Claim> {
    const k = this.key(scope, key);
    const ok = await this.redis.set(k, this.pendingEntry(hash), 'EX', this.lockS, 'NX');
    if (ok === 'OK') return { kind: 'new' };
    const raw = await this.redis.get(k);
    if (raw === null) return this.claim(scope, key, hash); // expired in between: try again
    return this.judge(raw, hash);
  }

  /**
   * The same claim, to be taken by another script call (the diner route's session and rate-limit
   * script, so an order costs one Redis round trip less): where, for how long, and what to store.
   */
  claimRequest(scope: string, key: string, hash: string): ClaimRequest {
    return { key: this.key(scope, key), lockS: this.lockS, pending: this.pendingEntry(hash) };
  }

  /** What a claim taken by `claimRequest` means; undefined when the entry expired meanwhile (claim again). */
  outcome(answer: ClaimAnswer, hash: string): Claim | undefined {
    if (answer.taken) return { kind: 'new' };
    return answer.entry === null ? undefined : this.judge(answer.entry, hash);
  }

  private pendingEntry(hash: string): string {
    const pending: Entry = { h: hash, p: 1 };
    return JSON.stringify(pending);
  }

  private judge(raw: string, hash: string): Claim {
    const e = JSON.parse(raw) as Entry;
    if (e.h !== hash) return { kind: 'reused' };
    if (e.p === 1) return { kind: 'in_progress' };
    return { kind: 'replay', response: { status: e.s ?? 200, body: e.b } };
  }

  async complete(scope: string, key: string, hash: string, response: StoredResponse): Promise<void> {
    const e: Entry = { h: hash, s: response.status, b: response.body };
    await this.redis.set(this.key(scope, key), JSON.stringify(e), 'EX', this.ttlS);
  }

  /**
   * `complete` as one write of the caller's batch (`writeAll`), with the answer's body already
   * serialised: the same JSON text is the HTTP reply, so the order is stringified once.
   */
  completeOp(scope: string, key: string, hash: string, status: number, bodyJson: string): WriteOp {
    // `hash` is base64url and `bodyJson` is JSON: the entry is `{h, s, b}` as `complete` writes it.
    return { set: this.key(scope, key), value: `{"h":"${hash}","s":${status},"b":${bodyJson}}`, ttlS: this.ttlS };
  }

  async release(scope: string, key: string): Promise<void> {
    await this.redis.del(this.key(scope, key));
  }
}
