import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type TestContext } from '@lunchrush/testkit';
import { GlobalRateLimiter, TokenBuckets, type RateDimension } from '../src/ratelimit.js';

const WINDOW = 60_000;
const T = 1_000_000 * WINDOW;

describe('TokenBuckets: the limits of one gateway process', () => {
  it('a window’s limit at once, then one more per window/limit; every dimension must admit, and pays', () => {
    const b = new TokenBuckets(WINDOW, T);
    const dims: RateDimension[] = [
      { name: 'ip', id: '10.0.0.1', limit: 10 },
      { name: 'device', id: 'device-1', limit: 3 },
    ];
    expect([1, 2, 3].map(() => b.take(dims, T).ok)).toEqual([true, true, true]);
    // The device is empty; its refusal takes nothing from the IP.
    expect(b.take(dims, T)).toEqual({ ok: false, dimension: 'device', retryAfterS: 20 });
    expect(b.take(dims, T)).toMatchObject({ ok: false, dimension: 'device' });
    const ipOnly: RateDimension[] = [{ name: 'ip', id: '10.0.0.1', limit: 10 }];
    expect(Array.from({ length: 8 }, () => b.take(ipOnly, T).ok)).toEqual([...Array<boolean>(7).fill(true), false]);
    // A third of the window later the device has one more (3 per window).
    expect(b.take(dims, T + WINDOW / 3 - 1).ok).toBe(false);
    expect(b.take([{ name: 'device', id: 'device-1', limit: 3 }], T + WINDOW / 3)).toEqual({ ok: true });
    // Others are their own.
    expect(b.take([{ name: 'device', id: 'device-2', limit: 3 }], T).ok).toBe(true);
    expect(b.take([{ name: 'session', id: 'device-1', limit: 3 }], T).ok).toBe(true);
  });

  it('a bucket idle for a window is full again, also once its generation is dropped', () => {
    const b = new TokenBuckets(WINDOW, T);
    const dims: RateDimension[] = [{ name: 'session', id: 's1', limit: 2 }];
    expect([b.take(dims, T).ok, b.take(dims, T).ok, b.take(dims, T).ok]).toEqual([true, true, false]);
    // Two swaps later the bucket is gone from both generations: a new one starts full, as the old one would be.
    b.take([{ name: 'ip', id: 'x', limit: 1 }], T + WINDOW);
    b.take([{ name: 'ip', id: 'x', limit: 1 }], T + 2 * WINDOW);
    expect([b.take(dims, T + 2 * WINDOW).ok, b.take(dims, T + 2 * WINDOW).ok]).toEqual([true, true]);
    expect(b.take(dims, T + 2 * WINDOW)).toMatchObject({ ok: false, retryAfterS: 30 });
  });
});

describe('GlobalRateLimiter: counted in Redis, shared by every gateway', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await setup({ redis: true });
  });
  afterAll(() => t?.cleanup());

  it('two limiters on one Redis share the count', async () => {
    const a = new GlobalRateLimiter(t.redis!, `${t.ns}:gw`, WINDOW);
    const other = t.redis!.duplicate();
    const b = new GlobalRateLimiter(other, `${t.ns}:gw`, WINDOW);
    const dims: RateDimension[] = [{ name: 'ip', id: '10.0.0.2', limit: 3 }];
    const now = T + 5;
    expect((await a.check(dims, now)).ok).toBe(true);
    expect((await b.check(dims, now)).ok).toBe(true);
    expect((await a.check(dims, now)).ok).toBe(true);
    expect(await b.check(dims, now)).toMatchObject({ ok: false, dimension: 'ip', retryAfterS: 60 });
    other.disconnect();
  });
});
