import { describe, expect, it } from 'vitest';
import { randomText } from '../src/random.js';

describe('randomText (pooled CSPRNG bytes for nonces, ids and tokens)', () => {
  it('gives the bytes asked for in the encoding asked for', () => {
    expect(randomText(16, 'hex')).toMatch(/^[0-9a-f]{32}$/);
    expect(randomText(24, 'base64url')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomText(5000, 'hex')).toMatch(/^[0-9a-f]{10000}$/);
  });

  it('never hands the same bytes out twice, across many refills of its pool', () => {
    const seen = new Set<string>();
    // 20,000 × 16 bytes is 320 KB: the 4 KB pool is refilled ~80 times, at odd offsets too.
    for (let i = 0; i < 20_000; i++) seen.add(randomText(i % 7 === 0 ? 15 : 16, 'hex'));
    expect(seen.size).toBe(20_000);
  });
});
