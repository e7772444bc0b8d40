import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupRedisPrefix, connectRedis, uniqueNamespace } from '@lunchrush/testkit';

describe('connectRedis and cleanupRedisPrefix (shared Redis)', () => {
  let redis: Redis;
  const ns = uniqueNamespace();

  beforeAll(async () => {
    redis = await connectRedis();
  });

  afterAll(async () => {
    await cleanupRedisPrefix(redis, ns);
    redis.disconnect();
  });

  it('answers PING', async () => {
    expect(await redis.ping()).toBe('PONG');
  });

  it('deletes every key with the prefix, over several SCAN pages, and no other', async () => {
    const mine = Array.from({ length: 2_500 }, (_, i) => `${ns}:k:${i}`);
    await redis.mset(...mine.flatMap((k) => [k, 'v']));
    await redis.set(`x${ns}:not-a-prefix-match`, 'v');

    expect(await cleanupRedisPrefix(redis, `${ns}:`)).toBe(2_500);
    expect(await redis.exists(...mine.slice(0, 10))).toBe(0);
    expect(await redis.get(`x${ns}:not-a-prefix-match`)).toBe('v');
    await redis.del(`x${ns}:not-a-prefix-match`);
  });

  it('takes glob characters in the prefix literally', async () => {
    await redis.set(`${ns}:a*[b]:1`, 'v');
    await redis.set(`${ns}:aXb:1`, 'v');

    expect(await cleanupRedisPrefix(redis, `${ns}:a*[b]`)).toBe(1);
    expect(await redis.get(`${ns}:aXb:1`)).toBe('v');
  });

  it('honours a client keyPrefix', async () => {
    const prefixed = await connectRedis({ keyPrefix: `${ns}:app:` });
    try {
      await prefixed.set('sess:1', '1');
      await prefixed.set('sess:2', '2');
      await prefixed.set('cart:1', '3');

      await expect(cleanupRedisPrefix(prefixed, '')).rejects.toThrow(/empty prefix/);
      expect(await cleanupRedisPrefix(prefixed, 'sess:')).toBe(2);
      expect(await redis.exists(`${ns}:app:sess:1`, `${ns}:app:sess:2`)).toBe(0);
      expect(await redis.get(`${ns}:app:cart:1`)).toBe('3');
    } finally {
      prefixed.disconnect();
    }
  });
});
