import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type TestContext } from '@lunchrush/testkit';
import { RedisWrites } from '../src/redis-writes.js';

let t: TestContext;
beforeAll(async () => {
  t = await setup({ redis: true });
});
afterAll(() => t?.cleanup());

describe('RedisWrites: several writes in one script call', () => {
  it('sets with a lifetime, pushes keeping the newest, adds to a sorted set, in order', async () => {
    const redis = t.redis!;
    const p = `${t.ns}:w`;
    await redis.rpush(`${p}:list`, 'old1', 'old2');
    await new RedisWrites(redis).run([
      { set: `${p}:a`, value: '{"x":1}', ttlS: 100 },
      { lpush: `${p}:list`, value: 'new', keep: 2 },
      { zadd: `${p}:z`, score: 42, member: 'm' },
      { set: `${p}:a`, value: 'second', ttlS: 50 },
    ]);
    expect(await redis.get(`${p}:a`)).toBe('second');
    const ttl = await redis.ttl(`${p}:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(50);
    expect(await redis.lrange(`${p}:list`, 0, -1)).toEqual(['new', 'old1']);
    expect(await redis.zscore(`${p}:z`, 'm')).toBe('42');
  });
});
