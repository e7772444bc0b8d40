/**
 * Replay protection: a signed request is taken once. Both platforms sign a timestamp but no
 * nonce, so the signature itself is remembered for twice the timestamp tolerance (past that the
 * timestamp refuses it); a platform that retries signs again with a new timestamp. Redis keeps
 * them for our side (every process of a deployment sees the same); the simulators keep theirs in
 * memory.
 */
import type { Redis } from 'ioredis';

export interface SeenSignatures {
  /** True the first time; false for a signature seen within `ttlMs`. */
  firstTime(key: string, ttlMs: number): Promise<boolean>;
  /** The request was not done (an outage): the same signed request may come again. */
  forget(key: string): Promise<void>;
}

export class RedisSeenSignatures implements SeenSignatures {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async firstTime(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:platforms:seen:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }

  async forget(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}:platforms:seen:${key}`);
  }
}

export class MemorySeenSignatures implements SeenSignatures {
  private readonly until = new Map<string, number>();

  firstTime(key: string, ttlMs: number, nowMs = Date.now()): Promise<boolean> {
    if (this.until.size > 10_000) for (const [k, t] of this.until) if (t < nowMs) this.until.delete(k);
    const t = this.until.get(key);
    if (t !== undefined && t >= nowMs) return Promise.resolve(false);
    this.until.set(key, nowMs + ttlMs);
    return Promise.resolve(true);
  }

  forget(key: string): Promise<void> {
    this.until.delete(key);
    return Promise.resolve();
  }
}
