/**
 * A node with its gateway on worker threads (GATEWAY_THREADS) and its engine on the main thread,
 * as a process of its own: it serves diners on one port from every thread, hands each command for
 * its own partitions to the engine across the thread link (none over NATS), and stops cleanly on
 * SIGTERM (threads first, then the engine hands its partitions over).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTableCode } from '@lunchrush/actors';
import type { DemoData } from '@lunchrush/actors/demo';
import { EngineClient } from '@lunchrush/engine';
import { seedDemo } from '@lunchrush/stack';
import { call } from '@lunchrush/stack/testing';
import {
  getOnNewConnection,
  natsUrl,
  redisUrl,
  setup,
  spawnTs,
  type ChildProcessHandle,
  type TestContext,
} from '@lunchrush/testkit';
import { parseConfig, type GatewayConfig } from '../src/config.js';
import { signTableToken } from '../src/tokens.js';
import type { Login, Placed, Scan } from './answers.js';

const P = 2;

let t: TestContext;
let node: ChildProcessHandle;
let url: string;
let cfg: GatewayConfig;
let client: EngineClient;
let data: DemoData;

const env: () => Record<string, string> = () => ({
  NODE_ROLE: 'node',
  NATS_URL: natsUrl(),
  REDIS_URL: redisUrl(),
  ENGINE_NAMESPACE: t.ns,
  ENGINE_PARTITIONS: String(P),
  ENGINE_PROCESS_ID: 'threaded',
  ENGINE_METRICS_PORT: '0',
  GATEWAY_THREADS: '2',
  GATEWAY_DEV_SECRETS: '1',
  GATEWAY_HOST: '127.0.0.1',
  GATEWAY_PORT: '0',
  GATEWAY_CATALOG_WATCH: 'off',
  LOG_LEVEL: 'warn',
});

const routed = (metrics: string, route: 'local' | 'remote'): number =>
  Number(new RegExp(`lunchrush_gateway_engine_commands_total\\{route="${route}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);

beforeAll(async () => {
  t = await setup({ redis: true });
  cfg = parseConfig(env());
  node = spawnTs('gateways/src/main.ts', { env: env() });
  url = `http://127.0.0.1:${(await node.waitForLine(/GATEWAY READY port=(\d+).* role=node/, 60_000))[1]!}`;
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
  ({ data } = await seedDemo(client, { stores: 1 }));
}, 120_000);

afterAll(async () => {
  if (node?.running) node.kill('SIGKILL');
  await client?.close();
  await t?.cleanup();
});

describe('GATEWAY_THREADS', () => {
  it('diners order through the gateway threads, and every command reaches the engine across the thread link', async () => {
    const store = data.stores[0]!;
    for (const [i, { tableId }] of store.tables.slice(0, 4).entries()) {
      const login = await call<Login>(url, 'POST', '/v1/diner/login', { body: { code: `threads-${i}-1` } });
      expect(login.status).toBe(200);
      const scan = await call<Partial<Scan>>(url, 'POST', '/v1/diner/scan', {
        token: login.body.sessionToken,
        body: { tableToken: signTableToken(cfg.qrKeys, parseTableCode(tableId)), partySize: 2 },
      });
      expect(scan.status).toBe(200);
      const placed = await call<Placed>(url, 'POST', '/v1/diner/orders', {
        token: scan.body.sessionToken ?? login.body.sessionToken,
        body: { lines: [{ skuId: 'huiguo-rou', qty: 1, options: [] }] },
        headers: { 'idempotency-key': `threads-order-${i}` },
      });
      expect(placed.status).toBe(201);
      expect(placed.body.order.totalFen).toBeGreaterThan(0);
    }
    // Each thread counts its own commands (its /metrics); a new connection lands on either thread.
    // Whichever it is, none went over NATS, and the one that served these diners sent them locally.
    let local = 0;
    for (let i = 0; i < 20; i++) {
      const m = await getOnNewConnection(url, '/metrics');
      expect(routed(m, 'remote')).toBe(0);
      local = Math.max(local, routed(m, 'local'));
    }
    expect(local).toBeGreaterThanOrEqual(4);
  });

  it("serves the engine's metrics on every thread's /metrics: one scrape per process", async () => {
    // The engine on the main thread counted the diners' commands (login, scan, orders); each thread's
    // scrape carries that count after its own gateway metrics, in one valid exposition.
    for (let i = 0; i < 6; i++) {
      const m = await getOnNewConnection(url, '/metrics');
      expect(m).toMatch(/^lunchrush_gateway_engine_commands_total\{route="local"\} \d+$/m);
      const handled = [...m.matchAll(/^lunchrush_engine_commands_total\{[^}]*\} (\d+)$/gm)].map((x) => Number(x[1]));
      expect(handled.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
      // The engine's thread reports its own event loop, apart from the gateway thread's.
      expect(m).toMatch(/^lunchrush_engine_nodejs_eventloop_lag_p99_seconds \S+$/m);
      expect(m).toMatch(/^nodejs_eventloop_lag_p99_seconds \S+$/m);
      const families = [...m.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]);
      expect(new Set(families).size).toBe(families.length);
    }
  });

  it('stops on SIGTERM: the threads close, the engine hands its partitions over, exit 0', async () => {
    const exit = await node.stop();
    expect(exit.code).toBe(0);
  });
});
