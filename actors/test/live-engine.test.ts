/**
 * The restaurant domain on the real engine: engine child processes (killed for
 * real) on a real nats-server, driven through EngineClient.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '@lunchrush/engine';
import { setup, spawnTs, waitFor, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import { saleActorId, type OrderSummary, type SaleResult, type StockResult } from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';

const P = 8;
const STORE = '001';
const SKU = 'huiguo-rou';
const UNITS = 50;

let t: TestContext;
let client: EngineClient;
const engines: ChildProcessHandle[] = [];

function startEngine(id: string): ChildProcessHandle {
  const e = spawnTs('engine/src/main.ts', {
    env: {
      ENGINE_ACTORS: '@lunchrush/actors',
      ENGINE_NAMESPACE: t.ns,
      ENGINE_PROCESS_ID: id,
      ENGINE_PARTITIONS: String(P),
      ENGINE_LEASE_TTL_MS: '1000',
      ENGINE_SNAPSHOT_EVERY_EVENTS: '20',
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  engines.push(e);
  return e;
}

async function seedStore(paymentTimeoutMs: number): Promise<void> {
  const data = generateDemoData({ stores: 1, paymentTimeoutMs });
  // In order, one after another: a store opens only once configured.
  for (const c of demoSetupCommands(data, Date.now())) {
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id, timeout: 30_000 });
  }
}

const stock = (): Promise<StockResult> =>
  client.send<StockResult>(STORE, 'stock', SKU, { type: 'get', at: Date.now() });

beforeAll(async () => {
  t = await setup();
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
});

afterAll(async () => {
  for (const e of engines) e.kill('SIGKILL');
  await Promise.all(engines.map((e) => e.exited));
  await t.cleanup();
});

type Outcome = 'sold' | 'sold_out';

/**
 * One buyer of one unit on one channel: the mini-program places and pays an
 * order, the POS sells, a delivery platform reserves then commits. Every step
 * has a stable command id, so retries across a crash never buy twice.
 */
async function buy(i: number): Promise<{ channel: string; ref: string; outcome: Outcome }> {
  const at = Date.now();
  const channel = ['miniprogram', 'pos', 'delivery'][i % 3]!;
  const ref = `b${i}`;
  try {
    if (channel === 'miniprogram') {
      const orderId = `o_${ref}`;
      const placed = await client.send<OrderSummary>(
        STORE,
        'order',
        orderId,
        { type: 'place', channel: 'takeaway', lines: [{ skuId: SKU, qty: 1 }], dinerId: `d${i}`, at },
        { id: `place:${orderId}` },
      );
      await client.send(
        STORE,
        'order',
        orderId,
        {
          type: 'confirmPayment',
          paymentId: `pay_${ref}`,
          amountFen: placed.totalFen,
          paidAt: Date.now(),
          at: Date.now(),
        },
        { id: `pay:${orderId}` },
      );
    } else if (channel === 'pos') {
      // As the gateway's POS route does: the sale's own actor sells and records it.
      await client.send(
        STORE,
        'sale',
        saleActorId('pos', ref),
        { type: 'sell', channel: 'pos', ref, lines: [{ skuId: SKU, qty: 1 }], at },
        { id: `pos:${ref}` },
      );
    } else {
      await client.send(
        STORE,
        'stock',
        SKU,
        { type: 'reserve', channel: 'delivery', ref, qty: 1, at },
        { id: `dr:${ref}` },
      );
      await client.send(
        STORE,
        'stock',
        SKU,
        { type: 'commit', channel: 'delivery', ref, at: Date.now() },
        { id: `dc:${ref}` },
      );
    }
    return { channel, ref, outcome: 'sold' };
  } catch (e) {
    if (e instanceof EngineError && e.reason === 'sold_out') return { channel, ref, outcome: 'sold_out' };
    throw e;
  }
}

describe('the restaurant on the live engine: concurrent buyers, and a SIGKILL', () => {
  it('200 concurrent buyers over three channels for 50 units: exactly 50 sold, every other attempt sold out', async () => {
    const e = startEngine('r1');
    await e.waitForLine(/ENGINE READY/);
    await seedStore(15 * 60_000);
    await client.send(
      STORE,
      'stock',
      SKU,
      { type: 'set', available: UNITS, reason: 'test', at: Date.now() },
      { id: 'set-50' },
    );

    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => buy(i)));
    expect(results.filter((r) => r.outcome === 'sold')).toHaveLength(UNITS);
    expect(results.filter((r) => r.outcome === 'sold_out')).toHaveLength(200 - UNITS);
    // Every channel got a share of a contended SKU, and the SKU agrees with the buyers.
    expect(new Set(results.filter((r) => r.outcome === 'sold').map((r) => r.channel)).size).toBeGreaterThan(1);
    expect(await stock()).toMatchObject({ available: 0, reserved: 0, sold: UNITS });
    e.kill('SIGTERM');
    await e.exited;
  });

  it('with the engine SIGKILLed half-way: still exactly 50 sold and no accepted purchase lost', async () => {
    const first = startEngine('r2');
    await first.waitForLine(/ENGINE READY/);
    await seedStore(15 * 60_000);
    await client.send(
      STORE,
      'stock',
      SKU,
      { type: 'set', available: UNITS, reason: 'test', at: Date.now() },
      { id: 'set-50-again' },
    );
    const before = await stock();
    expect(before.available).toBe(UNITS);

    const outcomes: { channel: string; ref: string; outcome: Outcome }[] = [];
    const all = Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        buy(1000 + i).then((r) => {
          outcomes.push(r);
          return r;
        }),
      ),
    );
    await waitFor(() => outcomes.filter((r) => r.outcome === 'sold').length >= UNITS / 2, { timeoutMs: 30_000 });
    first.kill('SIGKILL');
    await first.exited;
    const second = startEngine('r3');
    await second.waitForLine(/ENGINE READY/);
    const results = await all;

    const sold = results.filter((r) => r.outcome === 'sold');
    expect(sold).toHaveLength(UNITS);
    expect(results.filter((r) => r.outcome === 'sold_out')).toHaveLength(200 - UNITS);
    expect(await stock()).toMatchObject({ available: 0, reserved: 0, sold: before.sold + UNITS });
    // Every purchase that was acknowledged is still there after the crash.
    for (const r of sold.filter((x) => x.channel === 'miniprogram')) {
      const o = await client.send<OrderSummary>(STORE, 'order', `o_${r.ref}`, { type: 'get', at: Date.now() });
      expect(o.status).toBe('paid');
    }
    // Every POS sale is still recorded: a repeat under a new command id answers it as a duplicate.
    for (const r of sold.filter((x) => x.channel === 'pos')) {
      const again = await client.send<SaleResult>(STORE, 'sale', saleActorId('pos', r.ref), {
        type: 'sell',
        channel: 'pos',
        ref: r.ref,
        lines: [{ skuId: SKU, qty: 1 }],
        at: Date.now(),
      });
      expect([r.ref, again.duplicate]).toEqual([r.ref, true]);
    }
    expect(await stock()).toMatchObject({ available: 0, reserved: 0, sold: before.sold + UNITS });
    second.kill('SIGTERM');
    await second.exited;
  });
});

describe('the restaurant on the live engine: the payment timeout across a restart', () => {
  it('the payment timeout releases the stock after an engine restart inside the window', async () => {
    const e1 = startEngine('r4');
    await e1.waitForLine(/ENGINE READY/);
    await seedStore(15 * 60_000);
    // Shorten the window for this store (the timeout comes from the store's settings).
    await client.send(STORE, 'store', 'store', {
      type: 'configure',
      settings: { name: '测试店', paymentTimeoutMs: 3000 },
      at: Date.now(),
    });
    await client.send(STORE, 'stock', SKU, { type: 'restock', qty: 5, at: Date.now() }, { id: 'restock-5' });
    const before = await stock();
    const placed = await client.send<OrderSummary>(
      STORE,
      'order',
      'o_unpaid',
      { type: 'place', channel: 'takeaway', lines: [{ skuId: SKU, qty: 2 }], dinerId: 'late', at: Date.now() },
      { id: 'place:o_unpaid' },
    );
    expect(placed.status).toBe('pending_payment');
    expect((await stock()).reserved).toBe(before.reserved + 2);
    e1.kill('SIGKILL');
    await e1.exited;
    const e2 = startEngine('r5');
    await e2.waitForLine(/ENGINE READY/);
    const cancelled = await waitFor(
      async () => {
        const o = await client.send<OrderSummary>(STORE, 'order', 'o_unpaid', { type: 'get', at: Date.now() });
        return o.status === 'cancelled' ? o : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(cancelled.status).toBe('cancelled');
    expect(await stock()).toMatchObject({ available: before.available, reserved: before.reserved, sold: before.sold });
    e2.kill('SIGTERM');
    await e2.exited;
  });
});
