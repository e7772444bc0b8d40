import { Redis, type RedisOptions } from 'ioredis';
import { redisUrl } from './env.js';

const SCAN_COUNT = 1_000;

/** A connected ioredis client for REDIS_URL; options override. */
export async function connectRedis(options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 3, ...options });
  await redis.connect();
  return redis;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Deletes every key starting with `prefix` (SCAN + UNLINK); returns how many were deleted. */
export async function cleanupRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix.length === 0) throw new Error('cleanupRedisPrefix: refusing an empty prefix');
  // SCAN does not apply the client's keyPrefix but UNLINK does: match with it, delete without it.
  const keyPrefix = redis.options.keyPrefix ?? '';
  const pattern = `${escapeGlob(keyPrefix + prefix)}*`;
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys.map((k) => k.slice(keyPrefix.length)));
  } while (cursor !== '0');
  return deleted;
}
