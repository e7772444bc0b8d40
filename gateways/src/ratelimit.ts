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

// The same, after the diner session: KEYS[1] is the session (GETEX, sliding expiry), ARGV[1] its
// lifetime in seconds, then the rate keys and arguments as above. Returns {-1} for no session
// (nothing counted), else {decision, session JSON}: one round trip for both.
const SESSION_SCRIPT = `
local raw = redis.call('GETEX', KEYS[1], 'EX', ARGV[1])
if not raw then return {-1} end
local win = tonumber(ARGV[2])
local into = tonumber(ARGV[3])
local n = (#KEYS - 1) / 2
for i = 1, n do
  local cur = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[2 * i + 1]) or '0')
  if prev * (win - into) / win + cur + 1 > tonumber(ARGV[3 + i]) then return {i, raw} end
end
for i = 1, n do
  redis.call('INCR', KEYS[2 * i])
  redis.call('PEXPIRE', KEYS[2 * i], win * 2)
end
return {0, raw}
`;

export interface RateDimension {
  readonly name: 'ip' | 'device' | 'session';
  readonly id: string;
  readonly limit: number;
}

export type RateDecision = { ok: true } | { ok: false; dimension: RateDimension['name']; retryAfterS: number };

type WithScript = Redis & {
  lrRateLimit(numKeys: number, ...args: (string | number)[]): Promise<number>;
  lrSessionRateLimit(numKeys: number, ...args: (string | number)[]): Promise<[number, string?]>;
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
    nowMs = Date.now(),
  ): Promise<{ session: string | null; decision: RateDecision }> {
    const w = Math.floor(nowMs / this.windowMs);
    const into = nowMs - w * this.windowMs;
    const keys = this.keysOf(dims, w);
    const [r, raw] = await this.redis.lrSessionRateLimit(
      keys.length + 1,
      sessionKey,
      ...keys,
      sessionTtlS,
      this.windowMs,
      into,
      ...dims.map((d) => d.limit),
    );
    if (r < 0 || raw === undefined) return { session: null, decision: { ok: true } };
    return { session: raw, decision: this.decision(dims, r, into) };
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
