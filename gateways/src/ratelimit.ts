/**
 * Rate limits, per IP, device and diner session.
 *
 * - `TokenBuckets`: in this process, no I/O (every route but login). One bucket per key holds
 *   up to `limit` requests and refills at `limit` per window, so a client may burst a window's
 *   limit and then goes at `limit` per window. Limits are per gateway process (per node): a
 *   balancer that keeps a client on one node (by store, or by address) makes them the client's.
 *   Buckets live in two generations swapped every window; a bucket left alone for a whole window
 *   is full again, so dropping the older generation forgets nothing that matters.
 * - `GlobalRateLimiter`: a sliding-window counter in Redis shared by every gateway, for the limit
 *   that must hold across nodes (login: each attempt costs a `code2session` call). Each dimension
 *   keeps a counter per fixed window; the estimate is `previous × (share of the previous window
 *   still in view) + current`, as Cloudflare's: never more than one window's limit let through
 *   in any window-long span (to the estimate's accuracy).
 */
import type { Redis } from 'ioredis';

export interface RateDimension {
  readonly name: 'ip' | 'device' | 'session';
  readonly id: string;
  readonly limit: number;
}

export type RateDecision = { ok: true } | { ok: false; dimension: RateDimension['name']; retryAfterS: number };

const OK: RateDecision = { ok: true };

interface Bucket {
  tokens: number;
  at: number;
}

class Generations {
  cur = new Map<string, Bucket>();
  old = new Map<string, Bucket>();
}

export class TokenBuckets {
  private readonly by = { ip: new Generations(), device: new Generations(), session: new Generations() };
  private swappedAt: number;

  constructor(
    private readonly windowMs: number,
    nowMs = Date.now(),
  ) {
    this.swappedAt = nowMs;
  }

  private bucket(d: RateDimension, nowMs: number): Bucket {
    const g = this.by[d.name];
    let b = g.cur.get(d.id);
    if (b === undefined) {
      b = g.old.get(d.id) ?? { tokens: d.limit, at: nowMs };
      g.cur.set(d.id, b);
    }
    // Refill for the time since it was last seen, up to the limit.
    b.tokens = Math.min(d.limit, b.tokens + ((nowMs - b.at) * d.limit) / this.windowMs);
    b.at = nowMs;
    return b;
  }

  /** Admits the request in every dimension (and takes a token from each), or names the first that refuses. */
  take(dims: readonly RateDimension[], nowMs = Date.now()): RateDecision {
    if (nowMs - this.swappedAt >= this.windowMs) {
      for (const g of Object.values(this.by)) {
        g.old = g.cur;
        g.cur = new Map();
      }
      this.swappedAt = nowMs;
    }
    for (const d of dims) {
      const b = this.bucket(d, nowMs);
      if (b.tokens < 1) {
        const waitMs = ((1 - b.tokens) * this.windowMs) / d.limit;
        return { ok: false, dimension: d.name, retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) };
      }
    }
    for (const d of dims) this.by[d.name].cur.get(d.id)!.tokens -= 1;
    return OK;
  }
}

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

type WithScript = Redis & { lrRateLimit(numKeys: number, ...args: (string | number)[]): Promise<number> };

export class GlobalRateLimiter {
  private readonly redis: WithScript;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
  ) {
    // Defined before any traffic: ioredis breaks an auto-pipeline under way when a command is defined.
    redis.defineCommand('lrRateLimit', { lua: SCRIPT });
    this.redis = redis as WithScript;
  }

  async check(dims: readonly RateDimension[], nowMs = Date.now()): Promise<RateDecision> {
    if (dims.length === 0) return OK;
    const w = Math.floor(nowMs / this.windowMs);
    const into = nowMs - w * this.windowMs;
    const keys: string[] = [];
    for (const d of dims)
      keys.push(`${this.prefix}:rl:${d.name}:${d.id}:${w}`, `${this.prefix}:rl:${d.name}:${d.id}:${w - 1}`);
    const r = await this.redis.lrRateLimit(keys.length, ...keys, this.windowMs, into, ...dims.map((d) => d.limit));
    if (r === 0) return OK;
    return {
      ok: false,
      dimension: dims[r - 1]!.name,
      retryAfterS: Math.max(1, Math.ceil((this.windowMs - into) / 1000)),
    };
  }
}
