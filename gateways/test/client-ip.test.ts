/**
 * Whose address the per-IP limit counts: the socket's peer, or, behind a proxy the gateway is told
 * to trust (GATEWAY_TRUST_PROXY=1), the first X-Forwarded-For address. Untrusted, the header is
 * the client's word and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startStack, type Stack } from '@lunchrush/stack/testing';

const LIMIT = 3;

/** Statuses of `n` stock reads sent with these headers. */
async function statuses(s: Stack, n: number, headers: Record<string, string>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call(s.url, 'GET', '/v1/stores/001/stock', { headers })).status);
  return out;
}

const limited = [...Array<number>(LIMIT).fill(200), 429];

describe('the client address the per-IP limit counts', () => {
  let trusted: Stack;
  let direct: Stack;
  beforeAll(async () => {
    [trusted, direct] = await Promise.all([
      startStack({ GATEWAY_TRUST_PROXY: '1', GATEWAY_RATE_IP: String(LIMIT) }),
      startStack({ GATEWAY_RATE_IP: String(LIMIT) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([trusted?.close(), direct?.close()]);
  });

  it('behind a trusted proxy: each forwarded client has its own count, and a request without the header counts as the proxy', async () => {
    expect(await statuses(trusted, LIMIT + 1, { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' })).toEqual(limited);
    // Another client behind the same proxy is not affected, nor is the proxy's own address.
    expect(await statuses(trusted, 1, { 'x-forwarded-for': '203.0.113.8' })).toEqual([200]);
    expect(await statuses(trusted, LIMIT + 1, {})).toEqual(limited);
    expect(await statuses(trusted, 1, { 'x-forwarded-for': '203.0.113.9' })).toEqual([200]);
  });

  it('without the setting a forged X-Forwarded-For changes nothing: every request counts as the socket’s peer', async () => {
    const forged = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];
    const out: number[] = [];
    for (const ip of forged) out.push(...(await statuses(direct, 1, { 'x-forwarded-for': ip })));
    expect(out).toEqual(limited);
  });
});
