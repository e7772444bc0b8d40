/**
 * What the push and screens tests share: a real engine (in this process, on
 * real NATS) serving the restaurant actors with one demo store, an
 * EngineClient, token authentication, and helpers to drive a table through an
 * order.
 */
import WebSocket from 'ws';
import { Engine, EngineClient } from '@lunchrush/engine';
import { outputStreams, restaurantActors, type OrderSummary, type TableResult } from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData, type DemoStore } from '@lunchrush/actors/demo';
import { setup, waitFor, type TestContext } from '@lunchrush/testkit';
import type { PushAuthRequest, PushPrincipal } from '../src/push/index.js';
import { PushClient, type PushClientOptions } from '../src/push/client.js';

export const PARTITIONS = 4;
export const STORE = '001';
/** A dish of the `wok` station with one required option group. */
export const SKU = 'mapo-doufu';
export const SPICE = [{ group: 'spice', choice: 'mild' }];

export interface World {
  readonly t: TestContext;
  readonly engine: Engine;
  readonly client: EngineClient;
  readonly store: DemoStore;
  /** token → principal */
  readonly tokens: Map<string, PushPrincipal>;
  readonly authenticate: (req: PushAuthRequest) => Promise<PushPrincipal | null>;
  close(): Promise<void>;
}

export async function startWorld(prefix: string): Promise<World> {
  const t = await setup({ prefix });
  const engine = await Engine.start(restaurantActors, {
    outputStreams,
    env: {},
    config: {
      natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      namespace: t.ns,
      partitions: PARTITIONS,
      leaseTtlMs: 2_000,
      logLevel: 'warn',
    },
  });
  const client = new EngineClient(t.nc, { namespace: t.ns, partitions: PARTITIONS, defaultTimeoutMs: 30_000 });
  const data = generateDemoData({ stores: 1 });
  // In order: a store opens only once configured.
  for (const c of demoSetupCommands(data, Date.now())) {
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id, timeout: 30_000 });
  }
  const store = data.stores[0]!;
  const tokens = new Map<string, PushPrincipal>();
  tokens.set('staff-token', { kind: 'staff', store: STORE, role: 'manager', id: 'chef1' });
  store.tables.forEach((tb, i) => tokens.set(`diner-${i}`, { kind: 'diner', store: STORE, tableId: tb.tableId }));
  return {
    t,
    engine,
    client,
    store,
    tokens,
    authenticate: (req) => {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      return Promise.resolve(tokens.get(req.params.get('token') ?? bearer ?? '') ?? null);
    },
    close: async () => {
      await client.close();
      await engine.stop();
      await t.cleanup();
    },
  };
}

export const tableOf = (w: World, i: number): string => w.store.tables[i]!.tableId;

/** Seats a party at table i, orders one dish, pays: the order is paid, waiting for staff to accept. */
export async function placePaidOrder(w: World, i: number, orderId: string): Promise<OrderSummary> {
  const tableId = tableOf(w, i);
  const at = Date.now();
  const send = <R>(type: string, id: string, cmd: object, cid: string): Promise<R> =>
    w.client.send<R>(STORE, type, id, { ...cmd, at: Date.now() }, { id: cid });
  await send(
    'table',
    tableId,
    { type: 'open', sessionId: `s-${orderId}`, partySize: 2, dinerId: 'd1' },
    `open-${orderId}`,
  );
  await send(
    'table',
    tableId,
    { type: 'addLine', lineId: `l-${orderId}`, dinerId: 'd1', skuId: SKU, qty: 1, options: SPICE },
    `add-${orderId}`,
  );
  const submitted = await send<TableResult>(
    'table',
    tableId,
    { type: 'submit', orderId, dinerId: 'd1' },
    `submit-${orderId}`,
  );
  const total = 'order' in submitted ? submitted.order.totalFen : 0;
  return send<OrderSummary>(
    'order',
    orderId,
    { type: 'confirmPayment', paymentId: `pay-${orderId}`, amountFen: total, paidAt: at },
    `pay-${orderId}`,
  );
}

/** A PushClient over the `ws` package, waiting until it is connected. */
export async function connectClient(url: string, opts: PushClientOptions = {}): Promise<PushClient> {
  const c = new PushClient(url, {
    WebSocket: WebSocket as unknown as PushClientOptions['WebSocket'],
    reconnect: false,
    ...opts,
  });
  await waitFor(() => c.welcome !== null, { what: `welcome from ${url}` });
  return c;
}
