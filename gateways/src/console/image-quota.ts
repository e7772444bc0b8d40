/**
 * How many dish photos each store keeps in Redis, and their bytes: a cap on both
 * (`GATEWAY_STORE_IMAGES_MAX`, `GATEWAY_STORE_IMAGES_MAX_BYTES`), so one store's uploads cannot
 * fill the Redis every gateway shares. A photo is named by its content, so two stores may hold
 * the same one: each store's hash lists the names it holds (name → bytes, and the sum beside it),
 * and a count of holders per name says when the bytes themselves may go. Each step is one Lua
 * script, so two uploads at once cannot both take the last place.
 *
 *   <prefix>:imgq:<store>        hash  name → bytes        (what the store holds)
 *   <prefix>:imgq:<store>:bytes  int   sum of the above
 *   <prefix>:img:holders         hash  name → stores holding it
 *   <prefix>:img:<name>          the WebP bytes (what GET /v1/images/{name} serves)
 *
 * Photos stored before the cap existed are in no store's hash: they count for nobody and stay.
 */
import type { Redis } from 'ioredis';

/** A store already holding the name stores it again (the bytes are the name) without counting it twice. */
const ADMIT = `
local size = tonumber(ARGV[2])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('SET', KEYS[4], ARGV[5])
  return {1, redis.call('HLEN', KEYS[1]), tonumber(redis.call('GET', KEYS[2]) or '0')}
end
local n = redis.call('HLEN', KEYS[1])
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
if n + 1 > tonumber(ARGV[3]) or total + size > tonumber(ARGV[4]) then return {0, n, total} end
redis.call('HSET', KEYS[1], ARGV[1], size)
redis.call('INCRBY', KEYS[2], size)
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('SET', KEYS[4], ARGV[5])
return {1, n + 1, total + size}
`;

/** Frees the store's place; the bytes go when no store holds the name any more. */
const RELEASE = `
local size = redis.call('HGET', KEYS[1], ARGV[1])
if not size then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DECRBY', KEYS[2], tonumber(size))
if redis.call('HINCRBY', KEYS[3], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('DEL', KEYS[4])
end
return 1
`;

type WithScripts = Redis & {
  lrImageAdmit(n: number, ...args: (string | number | Buffer)[]): Promise<[number, number, number]>;
  lrImageRelease(n: number, ...args: string[]): Promise<number>;
};

export interface StoreImageLimits {
  /** Photos a store may hold. */
  readonly max: number;
  /** Their bytes together (WebP, as stored). */
  readonly maxBytes: number;
}

/** What a store holds after an upload, or would have held past its cap (`ok: false`). */
export interface ImageAdmission {
  readonly ok: boolean;
  readonly count: number;
  readonly bytes: number;
}

const defined = new WeakSet<Redis>();

export class StoreImages {
  private readonly redis: WithScripts;

  /** Make it at start-up: ioredis breaks an auto-pipeline under way when a command is defined (ioredis#1931). */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    readonly limits: StoreImageLimits,
  ) {
    if (!defined.has(redis)) {
      redis.defineCommand('lrImageAdmit', { lua: ADMIT });
      redis.defineCommand('lrImageRelease', { lua: RELEASE });
      defined.add(redis);
    }
    this.redis = redis as WithScripts;
  }

  /** The key of a photo's bytes. */
  imageKey(name: string): string {
    return `${this.prefix}:img:${name}`;
  }

  private keys(store: string, name: string): string[] {
    const q = `${this.prefix}:imgq:${store}`;
    return [q, `${q}:bytes`, `${this.prefix}:img:holders`, this.imageKey(name)];
  }

  /** Stores `bytes` as `name` for `store` unless that would take the store past its cap. */
  async store(store: string, name: string, bytes: Buffer): Promise<ImageAdmission> {
    const { max, maxBytes } = this.limits;
    const [ok, count, total] = await this.redis.lrImageAdmit(
      4,
      ...this.keys(store, name),
      name,
      bytes.length,
      max,
      maxBytes,
      bytes,
    );
    return { ok: ok === 1, count, bytes: total };
  }

  /** Takes `name` off `store`'s photos; false when the store did not hold it. */
  async release(store: string, name: string): Promise<boolean> {
    return (await this.redis.lrImageRelease(4, ...this.keys(store, name), name)) === 1;
  }
}
