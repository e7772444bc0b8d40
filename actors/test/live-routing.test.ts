/**
 * Routing under a real SIGKILL: a child process routes a delivery order over the real engine and
 * is killed mid-routing (after a store's attempt is recorded, or after the store reserved but
 * before the router heard); the repeat of the request finishes it at the same store. The order is
 * not lost and no second store reserves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '@lunchrush/engine';
import { setup, spawnTs, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import {
  placeRouted,
  readCandidates,
  routingIdFor,
  routingRef,
  type RoutingView,
  type StockResult,
} from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';
import { SKU, STORES, routedPlacement } from './fixtures/route-request.js';

const P = 4;
let t: TestContext;
let client: EngineClient;
let engine: ChildProcessHandle;

beforeAll(async () => {
  t = await setup();
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
  engine = spawnTs('engine/src/main.ts', {
    env: {
      ENGINE_ACTORS: '@lunchrush/actors',
      ENGINE_NAMESPACE: t.ns,
      ENGINE_PROCESS_ID: 'e1',
      ENGINE_PARTITIONS: String(P),
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  const data = generateDemoData({ stores: STORES.length });
  for (const c of demoSetupCommands(data, Date.now()))
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id, timeout: 30_000 });
  for (const store of STORES)
    await client.send(store, 'stock', SKU, { type: 'set', available: 20, at: Date.now() }, { id: `stock-${store}` });
}, 120_000);

afterAll(async () => {
  engine?.kill('SIGKILL');
  await engine?.exited;
  await t?.cleanup();
});

const reserved = async (store: string): Promise<number> =>
  (await client.send<StockResult>(store, 'stock', SKU, { type: 'get' })).reserved;

describe('routing killed mid-way (SIGKILL)', () => {
  for (const step of ['attempt', 'place'] as const) {
    it(`after the ${step}: the repeat places at the same store, and no other store reserves`, async () => {
      const key = `live-${step}-${t.ns}`;
      const before = await Promise.all(STORES.map(reserved));
      const child = spawnTs('actors/test/fixtures/route-child.ts', {
        env: { ENGINE_NAMESPACE: t.ns, ENGINE_PARTITIONS: String(P), ROUTE_KEY: key, ROUTE_KILL_AFTER: step },
      });
      const exit = await child.exited;
      expect(exit.signal).toBe('SIGKILL');
      expect(child.lines.map((l) => l.text)).toContain(`killing ${step}`);

      const left = await client.send<RoutingView>(
        routingRef(routingIdFor('d-live', key)).store,
        'routing',
        routingIdFor('d-live', key),
        { type: 'get' },
      );
      expect(left.open).toMatchObject({ store: '003', outcome: 'open' });

      const p = routedPlacement(key, Date.now());
      const { order, routing } = await placeRouted(client, {
        ...p,
        candidates: () => readCandidates(client, p.stores, p.request, p.at),
      });
      expect(order.orderId).toMatch(/^o_003_/);
      expect(routing.attempts).toEqual([{ store: '003', orderId: order.orderId, outcome: 'placed' }]);
      const after = await Promise.all(STORES.map(reserved));
      expect(after.map((n, i) => n - before[i]!)).toEqual([0, 0, 2, 0]);
    }, 60_000);
  }
});
