/**
 * NODE_ROLE: what one gateways/src/main.ts process is (node, gateway or engine), checked before
 * anything starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { names } from '@lunchrush/engine/names';
import { natsUrl, setup, spawnTs, waitFor, type TestContext } from '@lunchrush/testkit';
import { ConfigError } from '../src/config.js';
import { createEngine, parseRole } from '../src/node.js';

let t: TestContext;
beforeAll(async () => {
  t = await setup();
});
afterAll(() => t?.cleanup());

describe('NODE_ROLE', () => {
  it('is node unless set; anything but node, gateway or engine is refused, naming the variable', () => {
    expect(parseRole({})).toBe('node');
    expect(parseRole({ NODE_ROLE: '' })).toBe('node');
    for (const r of ['node', 'gateway', 'engine']) expect(parseRole({ NODE_ROLE: r })).toBe(r);
    expect(() => parseRole({ NODE_ROLE: 'gateways' })).toThrow(ConfigError);
    expect(() => parseRole({ NODE_ROLE: 'Node' })).toThrow(/NODE_ROLE must be one of node, gateway, engine/);
    // A node hosts the restaurant; a typo in the engine's variables is the gateway's configuration error too.
    expect(() => createEngine({ ENGINE_ACTORS: './elsewhere.js' }, { withGateway: true })).toThrow(/ENGINE_ACTORS/);
    expect(() => createEngine({ ENGINE_PARTITONS: '8' }, { withGateway: true })).toThrow(/ENGINE_PARTITONS/);
  });

  it('a process with a bad role exits 2 before starting anything', async () => {
    const child = spawnTs('gateways/src/main.ts', { env: { NODE_ROLE: 'both', GATEWAY_DEV_SECRETS: '1' } });
    expect((await child.exited).code).toBe(2);
    expect(child.lines.map((l) => l.text).join('\n')).toMatch(/configuration error: NODE_ROLE must be one of/);
  });

  it('NODE_ROLE=engine runs the engine alone: it owns the partitions and serves no HTTP', async () => {
    const child = spawnTs('gateways/src/main.ts', {
      env: {
        NODE_ROLE: 'engine',
        NATS_URL: natsUrl(),
        ENGINE_NAMESPACE: t.ns,
        ENGINE_PARTITIONS: '2',
        ENGINE_PROCESS_ID: 'engine-only',
        ENGINE_METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
    });
    try {
      await child.waitForLine(/ENGINE READY process=engine-only .*role=engine/, 60_000);
      const jsm = await jetstreamManager(t.nc);
      const bucket = names(t.ns).leases;
      await waitFor(
        async () => {
          const owners = await Promise.all(
            [0, 1].map((p) =>
              jsm.streams
                .getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.p.${p}` })
                .then((m) => (m === null || m.data.length === 0 ? undefined : m.json<{ owner: string }>().owner))
                .catch(() => undefined),
            ),
          );
          return owners.every((o) => o === 'engine-only');
        },
        { what: 'both partitions owned by the engine-only process', timeoutMs: 30_000 },
      );
      expect(child.lines.some((l) => l.text.includes('GATEWAY READY'))).toBe(false);
    } finally {
      await child.stop();
    }
  });
});
