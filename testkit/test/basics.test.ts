import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_NATS_URL,
  DEFAULT_REDIS_URL,
  freePort,
  natsUrl,
  redisUrl,
  uniqueNamespace,
  waitFor,
} from '@lunchrush/testkit';

describe('env', () => {
  const saved = { NATS_URL: process.env.NATS_URL, REDIS_URL: process.env.REDIS_URL };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('falls back to the defaults', () => {
    delete process.env.NATS_URL;
    delete process.env.REDIS_URL;
    expect(natsUrl()).toBe(DEFAULT_NATS_URL);
    expect(redisUrl()).toBe(DEFAULT_REDIS_URL);
  });

  it('reads NATS_URL and REDIS_URL', () => {
    process.env.NATS_URL = 'nats://127.0.0.1:14222';
    process.env.REDIS_URL = 'redis://127.0.0.1:16379';
    expect(natsUrl()).toBe('nats://127.0.0.1:14222');
    expect(redisUrl()).toBe('redis://127.0.0.1:16379');
  });
});

describe('uniqueNamespace', () => {
  it('is lowercase alphanumeric with the prefix', () => {
    expect(uniqueNamespace()).toMatch(/^t[0-9a-f]{10}$/);
    expect(uniqueNamespace('eng')).toMatch(/^eng[0-9a-f]{10}$/);
  });

  it('is fresh on every call', () => {
    const names = new Set(Array.from({ length: 1_000 }, () => uniqueNamespace()));
    expect(names.size).toBe(1_000);
  });

  it('refuses prefixes that would make invalid stream names', () => {
    expect(() => uniqueNamespace('Bad')).toThrow(/lowercase/);
    expect(() => uniqueNamespace('a.b')).toThrow(/lowercase/);
    expect(() => uniqueNamespace('1a')).toThrow(/lowercase/);
  });
});

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throw as not yet and accepts async functions', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        await Promise.resolve();
        if (++calls < 3) throw new Error('not yet');
        return 'done';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('done');
  });

  it('times out naming what it waited for and the last error', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('still broken');
        },
        { timeoutMs: 50, intervalMs: 5, what: 'the thing' },
      ),
    ).rejects.toThrow(/timed out after 50 ms waiting for the thing: still broken/);
  });
});

describe('freePort', () => {
  it('returns a loopback port a server can bind, below the range outgoing connections draw from, never twice', async () => {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralLow!);
    }
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
