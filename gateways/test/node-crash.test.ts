/**
 * Co-located nodes (gateway + the partitions they own, one process) under SIGKILL. Node A is a
 * child process; node B runs in this process. Each owns one of the two partitions, so each has
 * one store's actors in process and reaches the other's over NATS. Diners and a POS buy one SKU
 * of both stores through both nodes; A is killed with SIGKILL mid-load; every buyer retries its
 * own attempt (same Idempotency-Key, same sale id) on whichever node answers, as real clients do,
 * until it has an answer. B takes A's partition over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTableCode } from '@lunchrush/actors';
import type { DemoData } from '@lunchrush/actors/demo';
import { EngineClient, partitionOf } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  natsUrl,
  redisUrl,
  setup,
  spawnTs,
  testLogger,
  waitFor,
  type ChildProcessHandle,
  type TestContext,
} from '@lunchrush/testkit';
import { parseConfig, type GatewayConfig } from '../src/config.js';
import { seedDemo } from '@lunchrush/stack';
import { createEngine, startNode, type RunningNode } from '../src/node.js';
import { signStaffToken, signTableToken } from '../src/tokens.js';
import { call, signed, type Answer } from '@lunchrush/stack/testing';
import type { Login, OrderDetail, Placed, PosSale, Scan, StockView } from './answers.js';

/** Two partitions: stores 001 and 002 hash to different ones, and two nodes own one each. */
const P = 2;
const STORES = ['001', '002'] as const;
const SKU = 'huiguo-rou';
const UNITS = 30;
/** Buyers per store, one unit each: three for every unit, so each store sells out. */
const BUYERS = 3 * UNITS;
const DINERS_PER_STORE = 6;

let t: TestContext;
let cfg: GatewayConfig;
let nodeA: ChildProcessHandle;
let nodeB: RunningNode;
let urlA: string;
let urlB: string;
let client: EngineClient;
let data: DemoData;

function env(processId: string): Record<string, string> {
  return {
    NODE_ROLE: 'node',
    NATS_URL: natsUrl(),
    REDIS_URL: redisUrl(),
    ENGINE_NAMESPACE: t.ns,
    ENGINE_PARTITIONS: String(P),
    ENGINE_PROCESS_ID: processId,
    ENGINE_LEASE_TTL_MS: '1500',
    ENGINE_METRICS_PORT: '0',
    // Node B lives in the test's process: leave its V8 flags alone.
    ENGINE_V8_PRETENURING: 'true',
    GATEWAY_DEV_SECRETS: '1',
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    GATEWAY_CATALOG_WATCH: 'off',
    // Every request comes from 127.0.0.1; retries after the kill must not be rate limited.
    GATEWAY_RATE_IP: '100000000',
    GATEWAY_RATE_DEVICE: '100000000',
    GATEWAY_RATE_SESSION: '100000000',
    LOG_LEVEL: 'warn',
  };
}

beforeAll(async () => {
  expect(new Set(STORES.map((s) => partitionOf(s, P))).size).toBe(P);
  t = await setup({ redis: true });
  nodeA = spawnTs('gateways/src/main.ts', { env: env('node-a') });
  urlA = `http://127.0.0.1:${(await nodeA.waitForLine(/GATEWAY READY port=(\d+).* role=node/, 60_000))[1]!}`;
  const envB = env('node-b');
  cfg = parseConfig(envB);
  nodeB = await startNode('node', {
    cfg,
    engine: createEngine(envB, { withGateway: true, logger: testLogger('node-b-engine') }),
    logger: testLogger('node-b'),
  });
  urlB = nodeB.gateway!.url;
  // One get per lease key: testkit's leaseOwners lists keys with a consumer, and a listing of a
  // bucket renewed every 500 ms was seen to hang for good on a busy machine.
  const jsm = await jetstreamManager(t.nc);
  const ownerOf = async (p: number): Promise<string | undefined> => {
    const bucket = names(t.ns).leases;
    const m = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.p.${p}` }).catch(() => null);
    return m === null || m.data.length === 0 ? undefined : m.json<{ owner: string }>().owner;
  };
  await waitFor(
    async () => {
      const owners = [await ownerOf(0), await ownerOf(1)];
      return !owners.includes(undefined) && new Set(owners).size === 2;
    },
    { what: 'one partition owned by each node', timeoutMs: 30_000 },
  );
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
  ({ data } = await seedDemo(client, { stores: STORES.length }));
  for (const store of STORES)
    await client.send(store, 'stock', SKU, { type: 'set', available: UNITS, reason: 'test', at: Date.now() });
}, 120_000);

afterAll(async () => {
  if (nodeA?.running) nodeA.kill('SIGKILL');
  await nodeB?.stop();
  await client?.close();
  await t?.cleanup();
});

type Outcome = 'sold' | 'sold_out';
interface Buyer {
  readonly store: string;
  readonly kind: 'diner' | 'pos';
  /** The order id (diner) or sale id (POS) once sold. */
  ref?: string;
  outcome?: Outcome;
  /** Node that gave the answer. */
  via?: string;
}

/**
 * One attempt, repeated until it has an answer: the first try goes to `first`, retries alternate
 * (a dead node refuses the connection; a live one may say 503 while partitions move, or that the
 * first request with this Idempotency-Key is still running).
 */
async function untilAnswered(
  first: string,
  attempt: (url: string) => Promise<Answer<Placed | PosSale>>,
): Promise<Answer<Placed | PosSale> & { via: string }> {
  const urls = first === urlA ? [urlA, urlB] : [urlB, urlA];
  for (let i = 0; ; i++) {
    const url = urls[i % 2]!;
    const r = await attempt(url).catch(() => undefined);
    if (r !== undefined && (r.status < 300 || r.body?.code === 'sold_out')) return { ...r, via: url };
    if (r !== undefined && r.status < 500 && r.status !== 409 && r.status !== 429)
      throw new Error(`unexpected answer ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * 2 ** i)));
  }
}

/** Diners log in and sit at tables of both stores (through B, which stays up): their sessions by store. */
async function seatDiners(): Promise<Map<string, { token: string }[]>> {
  const diners = new Map<string, { token: string }[]>();
  for (const store of STORES) {
    const tables = data.stores.find((x) => x.storeId === store)!.tables.slice(0, DINERS_PER_STORE);
    const seated: { token: string }[] = [];
    for (const [i, { tableId }] of tables.entries()) {
      const login = await call<Login>(urlB, 'POST', '/v1/diner/login', { body: { code: `crash-${store}-${i}-1` } });
      expect(login.status).toBe(200);
      const token = login.body.sessionToken;
      const scan = await call<Partial<Scan>>(urlB, 'POST', '/v1/diner/scan', {
        token,
        body: { tableToken: signTableToken(cfg.qrKeys, parseTableCode(tableId)), partySize: 2 },
      });
      expect(scan.status).toBe(200);
      // A session that names its table, when the gateway hands one out; else the same session.
      seated.push({ token: scan.body.sessionToken ?? token });
    }
    diners.set(store, seated);
  }
  return diners;
}

/** One buyer's purchase: a diner's order or a POS sale, retried until answered, starting at A or B. */
async function buy(b: Buyer, i: number, diners: Map<string, { token: string }[]>): Promise<void> {
  // Buyer n of each store (at i = 2n, 2n + 1) is a diner when n is even; n = 0, 1 go to A first, 2, 3 to B.
  const first = (i >> 2) % 2 === 0 ? urlA : urlB;
  if (b.kind === 'diner') {
    const d = diners.get(b.store)![i % DINERS_PER_STORE]!;
    const key = `crash-order-${i}`;
    const r = await untilAnswered(first, (url) =>
      call<Placed>(url, 'POST', '/v1/diner/orders', {
        token: d.token,
        body: { lines: [{ skuId: SKU, qty: 1, options: [] }] },
        headers: { 'idempotency-key': key },
      }),
    );
    b.outcome = r.status < 300 ? 'sold' : 'sold_out';
    b.ref = (r.body as Partial<Placed> | undefined)?.order?.orderId;
    b.via = r.via;
    (b as { token?: string }).token = d.token;
  } else {
    const saleId = `crash-sale-${i}`;
    const body = { saleId, lines: [{ skuId: SKU, qty: 1 }] };
    const r = await untilAnswered(first, (url) => {
      const s = signed(cfg.posSecret, body);
      return call<PosSale>(url, 'POST', `/v1/channels/pos/${b.store}/sales`, { raw: s.raw, headers: s.headers });
    });
    b.outcome = r.status < 300 ? 'sold' : 'sold_out';
    b.ref = saleId;
    b.via = r.via;
  }
}

/**
 * Every buyer of each store has one answer, exactly the units there were were sold, and every
 * acknowledged purchase is still there (read through B).
 */
async function expectNothingLost(buyers: readonly Buyer[]): Promise<void> {
  const staffToken = (store: string): string =>
    signStaffToken(cfg.staffKeys, { store, role: 'manager', staffId: 'crash-test', ttlS: 600 });
  for (const store of STORES) {
    const mine = buyers.filter((b) => b.store === store);
    // Every buyer has one answer; exactly the units there were were sold, each to one buyer.
    expect(mine.filter((b) => b.outcome === 'sold')).toHaveLength(UNITS);
    expect(mine.filter((b) => b.outcome === 'sold_out')).toHaveLength(BUYERS - UNITS);
    const stock = await call<StockView>(urlB, 'GET', `/v1/staff/stores/${store}/stock/${SKU}`, {
      token: staffToken(store),
    });
    expect(stock.status).toBe(200);
    expect(stock.body.available).toBe(0);
    expect(stock.body.reserved + stock.body.sold).toBe(UNITS);
    // Every acknowledged purchase is still there after the crash.
    for (const b of mine.filter((x) => x.outcome === 'sold')) {
      if (b.kind === 'diner') {
        const o = await call<OrderDetail>(urlB, 'GET', `/v1/diner/orders/${b.ref!}`, {
          token: (b as { token?: string }).token!,
        });
        expect(o.status, `order ${b.ref!}`).toBe(200);
        expect(o.body.lines.map((l: { skuId: string; qty: number }) => [l.skuId, l.qty])).toEqual([[SKU, 1]]);
      } else {
        const body = { saleId: b.ref!, lines: [{ skuId: SKU, qty: 1 }] };
        const s = signed(cfg.posSecret, body);
        const again = await call<PosSale>(urlB, 'POST', `/v1/channels/pos/${store}/sales`, {
          raw: s.raw,
          headers: s.headers,
        });
        expect(again.status, `sale ${b.ref!}`).toBe(200);
        expect(again.body.duplicate).toBe(true);
      }
    }
  }
}

describe('a co-located node killed with SIGKILL under load', () => {
  it('loses no acknowledged order and sells no unit twice', async () => {
    const diners = await seatDiners();

    const buyers: Buyer[] = [];
    for (let i = 0; i < BUYERS; i++)
      for (const store of STORES) buyers.push({ store, kind: i % 2 === 0 ? 'diner' : 'pos' });
    // 16 buyers at a time; A is killed once a third of the units are sold.
    let next = 0;
    const running = Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < buyers.length; i = next++) await buy(buyers[i]!, i, diners);
      }),
    );
    const sold = (): number => buyers.filter((b) => b.outcome === 'sold').length;
    await waitFor(() => sold() >= (2 * UNITS) / 3, { what: 'a third of the units sold', timeoutMs: 60_000 });
    const soldThroughA = buyers.filter((b) => b.outcome === 'sold' && b.via === urlA).length;
    // Each node so far handed its own store's commands to its partition and sent the other's over NATS.
    const metricsA = (await call(urlA, 'GET', '/metrics')).body as string;
    for (const route of ['local', 'remote'])
      expect(
        Number(new RegExp(`engine_commands_total\\{route="${route}"\\} (\\d+)`).exec(metricsA)?.[1]),
      ).toBeGreaterThan(0);
    const routedB = { ...nodeB.gateway!.deps.engine.client.routed };
    expect(routedB.local).toBeGreaterThan(0);
    expect(routedB.remote).toBeGreaterThan(0);
    nodeA.kill('SIGKILL');
    await nodeA.exited;
    await running;

    // Both nodes answered purchases before the kill, and B took A's partition over.
    expect(soldThroughA).toBeGreaterThan(0);
    expect(nodeB.engine!.ownedPartitions()).toEqual([0, 1]);
    await expectNothingLost(buyers);
  }, 180_000);
});
