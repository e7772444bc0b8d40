import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@lunchrush/stack/testing';
import { startRole, type RoleProcess } from '@lunchrush/stack';
import { PARTITIONS } from '@lunchrush/stack/testing';
import { natsUrl, redisUrl, waitFor } from '@lunchrush/testkit';
import { DEV_CREDENTIALS, parsePlatformsConfig } from '../src/config.js';

let s: Stack;
let proc: RoleProcess;
beforeAll(async () => {
  s = await startStack();
  proc = await startRole('platforms', {
    env: {
      NATS_URL: natsUrl(),
      REDIS_URL: redisUrl(),
      ENGINE_NAMESPACE: s.t.ns,
      ENGINE_PARTITIONS: String(PARTITIONS),
      PLATFORMS_PORT: '0',
      PLATFORMS_DEMO_STORES: '1',
      PLATFORMS_RECONCILE_AT: 'off',
      LOG_LEVEL: 'warn',
    },
  });
});
afterAll(async () => {
  await proc?.handle.stop();
  await s?.close();
});

describe('the platforms process (the stack role)', () => {
  it('serves its health with both simulators synced from the sync stream', async () => {
    const url = `http://127.0.0.1:${proc.ready[1]!}`;
    const health = async () => {
      const r = await fetch(`${url}/v1/platforms/health`, {
        headers: { authorization: `Bearer ${DEV_CREDENTIALS.opsToken}` },
      });
      return (await r.json()) as { platforms: { platform: string; lastSyncAt: number | null; pending: number }[] };
    };
    await s.client.send('001', 'stock', 'wanglaoji', { type: 'set', available: 0, at: Date.now() });
    await waitFor(async () => (await health()).platforms.every((p) => p.lastSyncAt !== null && p.pending === 0), {
      what: 'both platforms synced',
    });
    expect((await health()).platforms.map((p) => p.platform)).toEqual(['meituan', 'eleme']);
  });
});

describe('its configuration', () => {
  it('refuses an unknown PLATFORMS_ variable and real mode without credentials, naming them', () => {
    expect(() => parsePlatformsConfig({ PLATFORMS_PROT: '1' })).toThrow(/PLATFORMS_PROT/);
    expect(() => parsePlatformsConfig({ PLATFORMS_MODE: 'real' })).toThrow(/PLATFORMS_MAPPING_FILE/);
    expect(() => parsePlatformsConfig({ PLATFORMS_MODE: 'real', PLATFORMS_MAPPING_FILE: 'm.json' })).toThrow(
      /PLATFORMS_MEITUAN_APP_ID/,
    );
    expect(() => parsePlatformsConfig({ PLATFORMS_RECONCILE_AT: '25:00' })).toThrow(/PLATFORMS_RECONCILE_AT/);
    expect(parsePlatformsConfig({ PLATFORMS_RECONCILE_AT: '03:30' }).reconcileAtMin).toBe(210);
  });
});
