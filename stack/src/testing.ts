/**
 * A real stack in the test's own process, for tests that speak to a gateway (the gateway's,
 * the mini-program's): an engine with the restaurant actors on the shared nats-server (a fresh
 * namespace), one demo store loaded through the engine, and a gateway on a free port talking
 * to the shared Redis. Nothing is mocked; tests speak HTTP to the gateway with fetch (`call`),
 * as diners (`login`, `seatedDiner`) and staff (`staff`).
 *
 *   import { startStack, seatedDiner, call } from '@lunchrush/stack/testing';
 */
import { Engine, EngineClient, type EngineConfig } from '@lunchrush/engine';
import { outputStreams, restaurantActors, parseTableCode } from '@lunchrush/actors';
import type { DemoData } from '@lunchrush/actors/demo';
import {
  parseConfig,
  signStaffToken,
  signTableToken,
  signWebhook,
  startGateway,
  type Gateway,
  type GatewayConfig,
  type StaffRole,
} from '@lunchrush/gateways';
import { natsUrl, redisUrl, setup, testLogger, waitFor, type TestContext } from '@lunchrush/testkit';
import { seedDemo } from './demo.js';

export const PARTITIONS = 4;

export interface Stack {
  readonly t: TestContext;
  readonly engine: Engine;
  readonly client: EngineClient;
  readonly gw: Gateway;
  readonly cfg: GatewayConfig;
  readonly data: DemoData;
  readonly url: string;
  /** The gateway's env, to start more gateways (or child processes) on the same namespace. */
  readonly env: Record<string, string>;
  /** Stops the engine and starts a new one on the same namespace: it recovers every partition from NATS. */
  restartEngine(): Promise<void>;
  close(): Promise<void>;
}

/** Engine settings a test file may change (e.g. `dedupWindowPerActor: 0`: no command id remembered). */
export type EngineOverrides = Partial<Pick<EngineConfig, 'dedupWindowPerActor' | 'dedupMaxAgeMs'>>;

async function startEngine(t: TestContext, overrides: EngineOverrides = {}): Promise<Engine> {
  const engine = await Engine.start(restaurantActors, {
    env: {},
    config: {
      natsUrl: natsUrl(),
      namespace: t.ns,
      partitions: PARTITIONS,
      leaseTtlMs: 1500,
      checkpointIntervalMs: 200,
      ...overrides,
    },
    outputStreams,
    logger: testLogger('engine'),
  });
  await waitFor(() => engine.ownedPartitions().length === PARTITIONS, { what: 'every partition owned' });
  return engine;
}

/** A deployment's own secrets, none of them the public development values (a production-looking configuration). */
export const OWN_SECRETS = {
  GATEWAY_QR_KEYS: `q1:${Buffer.from('own-qr-key-of-this-deployment!!').toString('base64')}`,
  GATEWAY_STAFF_KEYS: `s1:${Buffer.from('own-staff-key-of-this-deployment').toString('base64')}`,
  GATEWAY_PII_KEYS: `p1:${Buffer.from('own-pii-key-32-bytes-long-000000').toString('base64')}`,
  GATEWAY_SHARE_KEYS: `h1:${Buffer.from('own-share-key-32-bytes-long-0000').toString('base64')}`,
  GATEWAY_POS_SECRET: 'own-pos-secret-0123456789',
  GATEWAY_DELIVERY_SECRET: 'own-delivery-secret-0123456789',
  GATEWAY_SESSION_KEYS: `d1:${Buffer.from('own-session-key-of-this-deployment').toString('base64')}`,
} as const;

export interface StackOptions {
  /** The gateway's engine client, made on the stack's connection (default: the gateway makes its own). */
  readonly engineClient?: (t: TestContext) => EngineClient;
}

export async function startStack(
  env: Record<string, string> = {},
  engineOverrides?: EngineOverrides,
  opts: StackOptions = {},
): Promise<Stack> {
  const t = await setup({ redis: true });
  let engine = await startEngine(t, engineOverrides);
  const client = new EngineClient(t.nc, { namespace: t.ns, partitions: PARTITIONS });
  const { data } = await seedDemo(client, { stores: 1 });
  const gwEnv: Record<string, string> = {
    GATEWAY_DEV_SECRETS: '1',
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    ENGINE_NAMESPACE: t.ns,
    ENGINE_PARTITIONS: String(PARTITIONS),
    NATS_URL: natsUrl(),
    REDIS_URL: redisUrl(),
    LOG_LEVEL: 'warn',
    ...env,
  };
  const cfg = parseConfig(gwEnv);
  const gw = await startGateway(cfg, {
    logger: testLogger('gateway'),
    ...(opts.engineClient === undefined ? {} : { engine: opts.engineClient(t) }),
  });
  return {
    t,
    get engine() {
      return engine;
    },
    client,
    gw,
    cfg,
    data,
    url: gw.url,
    env: gwEnv,
    async restartEngine() {
      await engine.stop();
      engine = await startEngine(t, engineOverrides);
    },
    async close() {
      await gw.close();
      await engine.stop();
      await t.cleanup();
    },
  };
}

/** What every route may answer instead: `{ code, message, details? }` (the gateway's `ErrorBody`). */
export interface ErrorAnswer {
  readonly code: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An answer read as `T` (pass the route's answer type; `ErrorAnswer` for a refusal); any answer may be an error. */
export interface Answer<T = unknown> {
  status: number;
  body: T & Partial<ErrorAnswer>;
  headers: Headers;
}

export async function call<T = unknown>(
  url: string,
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string | Buffer; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: r.status, body: parsed as T & Partial<ErrorAnswer>, headers: r.headers };
}

/** What login and scan answer that the helpers read. */
interface SessionAnswer {
  readonly sessionToken: string;
  readonly dinerId: string;
}

let codes = 0;
/** A logged-in diner (a fresh simulated WeChat user unless `name` repeats). */
export async function login(
  s: Stack,
  name = `diner${process.pid}x${++codes}`,
): Promise<{ token: string; dinerId: string }> {
  const r = await call<SessionAnswer>(s.url, 'POST', '/v1/diner/login', { body: { code: `${name}-${++codes}` } });
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { token: r.body.sessionToken, dinerId: r.body.dinerId };
}

export function tableToken(s: Stack, index = 0, store = '001'): { token: string; tableId: string } {
  const st = s.data.stores.find((x) => x.storeId === store)!;
  const t = st.tables[index]!;
  return { token: signTableToken(s.cfg.qrKeys, parseTableCode(t.tableId)), tableId: t.tableId };
}

/** A diner seated at table `index` of store 001, with the token the scan answered (it names the table). */
export async function seatedDiner(s: Stack, index = 0): Promise<{ token: string; dinerId: string; tableId: string }> {
  const d = await login(s);
  const t = tableToken(s, index);
  const r = await call<SessionAnswer>(s.url, 'POST', '/v1/diner/scan', {
    token: d.token,
    body: { tableToken: t.token, partySize: 2 },
  });
  if (r.status !== 200) throw new Error(`scan failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { token: r.body.sessionToken, dinerId: d.dinerId, tableId: t.tableId };
}

export function staff(s: Stack, role: StaffRole, store = '001'): string {
  return signStaffToken(s.cfg.staffKeys, { store, role, staffId: `t-${role}`, ttlS: 600 });
}

export function signed(
  secret: Buffer,
  body: unknown,
  tsS = Math.floor(Date.now() / 1000),
): { raw: string; headers: Record<string, string> } {
  const raw = JSON.stringify(body);
  return {
    raw,
    headers: {
      'content-type': 'application/json',
      'x-lunchrush-timestamp': String(tsS),
      'x-lunchrush-signature': signWebhook(secret, tsS, raw),
    },
  };
}

let keys = 0;
export const idemKey = (): string => `key-${process.pid}-${Date.now()}-${++keys}`;
