/**
 * Sliding-window rate limits in Redis, per IP, device and diner session, checked
 * in one script call. Each dimension keeps a counter per fixed window; the
 * sliding estimate is `previous × (share of the previous window still in view) +
 * current`, which is what Cloudflare and most gateways use: two integers per key
 * instead of a log of timestamps, and never more than one window's limit let
 * through in any window-long span (to the estimate's accuracy).
 */
import type { Redis } from 'ioredis';

// KEYS: per dimension i, KEYS[2i-1] = current window, KEYS[2i] = previous window.
// ARGV: window ms, ms into the current window, then one limit per dimension.
// Returns 0 when admitted (and counts it in every dimension), else the 1-based dimension refused.
const SCRIPT = `
local win = tonumber(ARGV[1])
local into = tonumber(ARGV[2])
local n = #KEYS / 2
for i = 1, n do
  local cur = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if prev * (win - into) / win + cur + 1 > tonumber(ARGV[2 + i]) then return i end
end
for i = 1, n do
  redis.call('INCR', KEYS[2 * i - 1])
  redis.call('PEXPIRE', KEYS[2 * i - 1], win * 2)
end
return 0
`;

// The same, after the diner session: KEYS[1] is the session (GETEX, sliding expiry), then the rate
// keys; ARGV: the session's lifetime in seconds, window ms, ms into the window, the number of
// dimensions n, one limit per dimension. Returns {-1} for no session (nothing counted), else
// {decision, session JSON}: one round trip for both. With an idempotency claim (KEYS[2n + 2], ARGV
// after the limits: lock seconds and the pending entry) an admitted request also takes the key
// (SET NX) in the same call: {0, raw, 1} when taken, {0, raw, 0, the entry there} when not.
const SESSION_SCRIPT = `
local raw = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])
if not raw then return {-1} end
local win = tonumber(ARGV[2])
local into = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
for i = 1, n do
  local cur = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[2 * i + 1]) or '0')
  if prev * (win - into) / win + cur + 1 > tonumber(ARGV[4 + i]) then return {i, raw} end
end
for i = 1, n do
  redis.call('INCR', KEYS[2 * i])
  redis.call('PEXPIRE', KEYS[2 * i], win * 2)
end
local claim = KEYS[2 * n + 2]
if not claim then return {0, raw} end
if redis.call('SET', claim, ARGV[6 + n], 'NX', 'EX', ARGV[5 + n]) then return {0, raw, 1} end
return {0, raw, 0, redis.call('GET', claim)}
`;

/** An Idempotency-Key to take in the same script call as the session and the limits. */
export interface ClaimRequest {
  readonly key: string;
  readonly lockS: number;
  /** The entry stored while the first request runs. */
  readonly pending: string;
}

/** What became of a `ClaimRequest`: taken, or the entry found under the key (null: expired meanwhile). */
export type ClaimAnswer = { readonly taken: true } | { readonly taken: false; readonly entry: string | null };

export interface RateDimension {
  readonly name: 'ip' | 'device' | 'session';
  readonly id: string;
  readonly limit: number;
}

export type RateDecision = { ok: true } | { ok: false; dimension: RateDimension['name']; retryAfterS: number };

type WithScript = Redis & {
  lrRateLimit(numKeys: number, ...args: (string | number)[]): Promise<number>;
  lrSessionRateLimit(numKeys: number, ...args: (string | number)[]): Promise<[number, string?, number?, string?]>;
};

export class RateLimiter {
  private readonly redis: WithScript;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {
    redis.defineCommand('lrRateLimit', { lua: SCRIPT });
    redis.defineCommand('lrSessionRateLimit', { lua: SESSION_SCRIPT });
    this.redis = redis as WithScript;
  }

  private keysOf(dims: readonly RateDimension[], w: number): string[] {
    const keys: string[] = [];
    for (const d of dims)
      keys.push(`${this.prefix}:rl:${d.name}:${d.id}:${w}`, `${this.prefix}:rl:${d.name}:${d.id}:${w - 1}`);
    return keys;
  }

  private decision(dims: readonly RateDimension[], r: number, into: number): RateDecision {
    if (r === 0) return { ok: true };
    const dim = dims[r - 1]!;
    return { ok: false, dimension: dim.name, retryAfterS: Math.max(1, Math.ceil((this.windowMs - into) / 1000)) };
  }

  /**
   * Reads a diner session (renewing its lifetime) and, when it exists, checks and counts
   * `dims` in the same script call. `session` is the raw stored JSON, or null when there is
   * no such session (then nothing is counted).
   */
  async checkWithSession(
    sessionKey: string,
    sessionTtlS: number,
    dims: readonly RateDimension[],
    claim?: ClaimRequest,
    nowMs = Date.now(),
  ): Promise<{ session: string | null; decision: RateDecision; claim?: ClaimAnswer }> {
    const w = Math.floor(nowMs / this.windowMs);
    const into = nowMs - w * this.windowMs;
    const keys = this.keysOf(dims, w);
    const args: (string | number)[] = [sessionTtlS, this.windowMs, into, dims.length, ...dims.map((d) => d.limit)];
    if (claim !== undefined) {
      keys.push(claim.key);
      args.push(claim.lockS, claim.pending);
    }
    const [r, raw, taken, entry] = await this.redis.lrSessionRateLimit(keys.length + 1, sessionKey, ...keys, ...args);
    if (r < 0 || raw === undefined) return { session: null, decision: { ok: true } };
    const decision = this.decision(dims, r, into);
    if (taken === undefined) return { session: raw, decision };
    return { session: raw, decision, claim: taken === 1 ? { taken: true } : { taken: false, entry: entry ?? null } };
  }

  async check(dims: readonly RateDimension[], nowMs = Date.now()): Promise<RateDecision> {
    if (dims.length === 0) return { ok: true };
    const w = Math.floor(nowMs / this.windowMs);
    const into = nowMs - w * this.windowMs;
    const keys = this.keysOf(dims, w);
    const r = await this.redis.lrRateLimit(keys.length, ...keys, this.windowMs, into, ...dims.map((d) => d.limit));
    return this.decision(dims, r, into);
  }
}
