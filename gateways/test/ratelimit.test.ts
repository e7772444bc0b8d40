import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type TestContext } from '@lunchrush/testkit';
import { RateLimiter, type RateDimension } from '../src/ratelimit.js';
import { IdempotencyStore } from '../src/idempotency.js';

let t: TestContext;
beforeAll(async () => {
  t = await setup({ redis: true });
});
afterAll(() => t?.cleanup());

describe('the session script with an Idempotency-Key claim', () => {
  it('takes the key when admitted, reports what holds it otherwise, and never without a session or past a limit', async () => {
    const redis = t.redis!;
    const rate = new RateLimiter(redis, `${t.ns}:gw`, 60_000);
    const idem = new IdempotencyStore(redis, `${t.ns}:gw`, 100, 30);
    const session = `${t.ns}:gw:sess:abc`;
    await redis.set(session, JSON.stringify({ dinerId: 'd_1' }), 'EX', 100);
    const dims: RateDimension[] = [{ name: 'ip', id: '127.0.0.1', limit: 3 }];
    const now = 1_000_000 * 60_000 + 5;

    const first = await rate.checkWithSession(session, 100, dims, idem.claimRequest('d_1', 'key-0001', 'h1'), now);
    expect(first.decision).toEqual({ ok: true });
    expect(first.claim).toEqual({ taken: true });
    expect(idem.outcome(first.claim!, 'h1')).toEqual({ kind: 'new' });
    expect(await redis.ttl(`${t.ns}:gw:idem:d_1:key-0001`)).toBeGreaterThan(0);

    const again = await rate.checkWithSession(session, 100, dims, idem.claimRequest('d_1', 'key-0001', 'h1'), now);
    expect(again.claim).toMatchObject({ taken: false });
    expect(idem.outcome(again.claim!, 'h1')).toEqual({ kind: 'in_progress' });
    expect(idem.outcome(again.claim!, 'h2')).toEqual({ kind: 'reused' });

    // No session: 401 territory, nothing counted and nothing claimed.
    const none = await rate.checkWithSession(`${session}x`, 100, dims, idem.claimRequest('d_1', 'key-0002', 'h'), now);
    expect(none).toEqual({ session: null, decision: { ok: true } });
    expect(await redis.exists(`${t.ns}:gw:idem:d_1:key-0002`)).toBe(0);

    // The third request fills the limit of 3; the fourth is refused and claims nothing.
    await rate.checkWithSession(session, 100, dims, undefined, now);
    const limited = await rate.checkWithSession(session, 100, dims, idem.claimRequest('d_1', 'key-0003', 'h'), now);
    expect(limited.decision).toMatchObject({ ok: false, dimension: 'ip' });
    expect(limited.claim).toBeUndefined();
    expect(await redis.exists(`${t.ns}:gw:idem:d_1:key-0003`)).toBe(0);
  });
});
