/**
 * The courier worker under a real SIGKILL (a child process, the engine in another, the 顺丰同城
 * simulator and a callback receiver in this one): the worker is killed right after the platform made
 * the order and before the delivery heard (the instruction not acked). The rider takes it and the
 * platform's callbacks reach the delivery meanwhile; a new worker is given the instruction again,
 * finds the platform's order by the merchant's number, and tells the delivery. The order is not
 * lost (it is delivered and served) and the platform was asked to create it once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import { EngineClient } from '@lunchrush/engine';
import { setup, spawnTs, waitFor, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import type { DeliveryView, OrderDetail } from '@lunchrush/actors';
import { wire } from '@lunchrush/actors/wire';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';
import { COURIER_CONSUMER, CourierError, SfCallbacks, SfCitySimulator } from '@lunchrush/couriers';

const P = 4;
const STORE = '001';
const SKU = 'yangzhou-chaofan';
const DEV = { devId: '1550000001', devKey: 'k-0123456789' };
const STAFF = { role: 'staff', id: 'cook' };
let t: TestContext;
let client: EngineClient;
let engine: ChildProcessHandle;
let sim: SfCitySimulator;
let receiver: Server;
const workers: ChildProcessHandle[] = [];

/** The merchant's callback URL: the signed push checked and told to the delivery, as the gateway's route does. */
async function listenForCallbacks(): Promise<string> {
  const callbacks = new SfCallbacks({ engine: client, ...DEV, signatureToleranceS: 60 });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sign = new URL(req.url ?? '/', 'http://x').searchParams.get('sign') ?? '';
      callbacks.handle(sign, Buffer.concat(chunks)).then(
        () => res.writeHead(200).end('{"error_code":0,"error_msg":"success"}'),
        (e: unknown) => res.writeHead(e instanceof CourierError ? 409 : 500).end(),
      );
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`;
}

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
  for (const c of demoSetupCommands(generateDemoData({ stores: 1 }), Date.now()))
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id, timeout: 30_000 });
  await client.send(STORE, 'stock', SKU, { type: 'set', available: 20, at: Date.now() });
  const callbackUrl = await listenForCallbacks();
  sim = new SfCitySimulator({ ...DEV, callbackUrl: () => callbackUrl, stepMs: 100 });
  // The worker's durable consumer, made before it (the worker keeps one it finds): a short ack wait,
  // so the instruction the killed worker held comes back within the test.
  const jsm = await jetstreamManager(t.nc);
  const stream = wire(t.ns).courierStream;
  await waitFor(
    () =>
      jsm.streams.info(stream).then(
        () => true,
        () => false,
      ),
    { what: 'the courier stream' },
  );
  await jsm.consumers.add(stream, {
    durable_name: COURIER_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 1_000_000_000,
    max_deliver: -1,
  });
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  engine?.kill('SIGKILL');
  await Promise.all([...workers.map((w) => w.exited), engine?.exited]);
  await sim?.close();
  receiver?.close();
  await t?.cleanup();
});

function startWorker(apiBase: string, killAfter?: 'create'): ChildProcessHandle {
  const w = spawnTs('couriers/test/fixtures/worker-child.ts', {
    env: {
      ENGINE_NAMESPACE: t.ns,
      ENGINE_PARTITIONS: String(P),
      SF_API_BASE: apiBase,
      SF_DEV_ID: DEV.devId,
      SF_DEV_KEY: DEV.devKey,
      ...(killAfter === undefined ? {} : { WORKER_KILL_AFTER: killAfter }),
    },
  });
  workers.push(w);
  return w;
}

/** A delivery order paid, accepted and cooked: its delivery asks the platform for a rider. */
async function readyOrder(orderId: string): Promise<void> {
  const at = Date.now();
  const delivery = { address: 'sealed', contact: '王*', phone: '13800138000' };
  const placed = await client.send<OrderDetail>(STORE, 'order', orderId, {
    type: 'place',
    channel: 'delivery',
    lines: [{ skuId: SKU, qty: 1 }],
    dinerId: 'd-crash',
    delivery,
    at,
  });
  const paid = { type: 'confirmPayment', paymentId: `wx-${orderId}`, amountFen: placed.totalFen, paidAt: at, at };
  await client.send(STORE, 'order', orderId, paid);
  await client.send(STORE, 'order', orderId, { type: 'accept', by: STAFF, at: Date.now() });
  const accepted = await client.send<OrderDetail>(STORE, 'order', orderId, { type: 'get' });
  for (const st of accepted.stations)
    await client.send(STORE, 'order', orderId, { type: 'finishStation', station: st.station, at: Date.now() });
}

const deliveryView = (orderId: string): Promise<DeliveryView> =>
  client.send<DeliveryView>(STORE, 'delivery', orderId, { type: 'get' });

describe('the courier worker killed between the platform and the delivery (SIGKILL)', () => {
  it('the next worker finds the platform order: created once, dispatched once, delivered, served', async () => {
    const apiBase = await sim.listen(0);
    const orderId = `o_${STORE}_crash${Date.now().toString(36)}`;
    const shop = `${orderId}-a1`;
    await readyOrder(orderId);
    expect(await deliveryView(orderId)).toMatchObject({ status: 'dispatching', attempt: 1 });

    const first = startWorker(apiBase, 'create');
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(first.lines.map((l) => l.text)).toContain('killing create');
    expect(sim.creates).toEqual([shop]);
    // The platform's rider takes it and says so before any worker told the delivery of the order.
    const early = await waitFor(
      async () => {
        const v = await deliveryView(orderId);
        return v.status !== 'dispatching' ? v : undefined;
      },
      { what: "the rider's callbacks reach the delivery" },
    );
    expect(early.platformOrderId).toBeNull();

    const second = startWorker(apiBase);
    const v = await waitFor(
      async () => {
        const d = await deliveryView(orderId);
        return d.status === 'delivered' && d.platformOrderId !== null ? d : undefined;
      },
      { what: 'delivered, the platform order known', timeoutMs: 20_000 },
    );
    expect(v).toMatchObject({ attempt: 1, platform: 'sf', abandoned: [] });
    expect(sim.creates).toEqual([shop]);
    expect(second.lines.map((l) => l.text)).toContain(`find ${shop} found`);
    expect(second.lines.map((l) => l.text)).not.toContain(`create ${shop}`);
    expect(sim.cancels).toEqual([]);
    const order = await client.send<OrderDetail>(STORE, 'order', orderId, { type: 'get' });
    expect(order.status).toBe('served');
  }, 60_000);
});
