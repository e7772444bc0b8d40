/**
 * One gateway process, as composition: its connections (NATS, Redis), the services
 * routes are handed (`GatewayDeps`), the route table on a uWS app with the request
 * pipeline (`pipeline.ts`), the WebSocket push and the staff screens beside it, and
 * what runs in the background (menu watch, payment lookups, the refund worker, the
 * order-list projection). `close()` undoes it in order.
 *
 * Nothing on the order path waits for Redis: diner sessions are signed tokens checked
 * in the pipeline (with a revocation list pushed to every process), rate limits are per
 * process, idempotency is the actors' and a diner's order list is a projection of the
 * event log. What must be shared (menu copies, payments, login limits, the lists) is in
 * Redis, so any number of these serve the same stores (see main.ts for N on one port).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EngineClient, type LocalEngine } from '@lunchrush/engine';
import { CampaignWorker, MemberForwarder, RedisWrites, RefundWorker, openPayments } from '@lunchrush/payments';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { staffActorId } from '@lunchrush/actors';
import { Auth, bearer } from './auth.js';
import { ensureError } from './errors.js';
import type { GatewayConfig } from './config.js';
import type { GatewayDeps } from './deps.js';
import { EngineGate } from './engine-gate.js';
import type { Route } from './http.js';
import { MenuCache } from './menu.js';
import { ActiveRequests, mountNotFound, mountRoutes } from './pipeline.js';
import { GlobalRateLimiter, TokenBuckets } from './ratelimit.js';
import { OrderLists } from './order-list.js';
import { Revocations } from './revocations.js';
import { channelRoutes } from './routes/channels.js';
import { dinerRoutes } from './routes/diner.js';
import { paymentRoutes } from './routes/payments.js';
import { staffRoutes } from './routes/staff.js';
import { RealWeChatLogin, SessionTokens, SimulatedWeChatLogin } from './sessions.js';
import { systemRoutes } from './system-routes.js';
import { uws, uwsBuild } from './uws.js';
import { mountPush, type PushAuthRequest, type PushHub, type PushPrincipal } from './push/index.js';
import { closeQrPool } from './qr/index.js';
import { mountScreens } from './screens/index.js';
import { audited, closeImagePool, consoleRoutes, mountConsole } from './console/index.js';
import { StoreTables } from './store-tables.js';
import { Recommendations } from './recommendations.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { openCouriers, type Couriers } from './couriers.js';
import { courierRoutes } from './routes/couriers.js';
import { deliveryRoutes } from './routes/deliveries.js';

export interface Gateway {
  readonly port: number;
  readonly url: string;
  readonly deps: GatewayDeps;
  readonly app: TemplatedApp;
  readonly routes: readonly Route[];
  /** The courier platform's worker, callbacks and (in development) simulator; undefined with `COURIER_MODE=off`. */
  readonly couriers: Couriers | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Use these connections (not closed by `close()`); otherwise the gateway opens its own. */
  nc?: NatsConnection;
  redis?: Redis;
  /**
   * Send engine commands through this client instead of one made on `nc` (closed by `close()`):
   * the bench's `--design null` hands in one that answers from memory (bench/reference/null-engine.ts).
   */
  engine?: EngineClient;
  /**
   * Partitions of this process, reached without NATS by the client the gateway makes on `nc`: a
   * node's engine (node.ts) or, on a gateway thread, the engine of the main thread (`LinkedEngine`).
   */
  local?: LocalEngine;
  /** Served on `/metrics` after the gateway's own: a gateway thread's node adds its engine's (thread-metrics.ts). */
  moreMetrics?: () => Promise<string>;
}

interface Connections {
  readonly nc: NatsConnection;
  readonly redis: Redis;
  /** Close them on `close()`: opened here rather than handed in. */
  readonly ownNats: boolean;
  readonly ownRedis: boolean;
}

/** How long `close()` waits for one part of the gateway to stop. */
const STOP_PART_MS = 10_000;

/** Runs `stop` and waits for it at most `ms`; one that runs out is logged by name, not awaited further. */
async function stopWithin(
  log: Logger,
  what: string,
  ms: number,
  stop: () => Promise<unknown> | undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    const stopped = Promise.resolve(stop()).then(
      () => 'stopped' as const,
      (e: unknown) => {
        log.warn({ err: ensureError(e).message }, `gateway close: ${what} failed to stop`);
        return 'stopped' as const;
      },
    );
    if ((await Promise.race([stopped, late])) === 'late') {
      log.error({ waitedMs: ms }, `gateway close: ${what} did not stop in time; closing without it`);
    }
  } finally {
    clearTimeout(timer);
  }
}

async function openConnections(cfg: GatewayConfig, opts: StartOptions): Promise<Connections> {
  const nc =
    opts.nc ??
    (await connect({
      servers: cfg.natsUrl.split(','),
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      // A frozen or cut-off cluster member is noticed within ~6 s, as the engine's connection does.
      pingInterval: 2_000,
      maxPingOut: 2,
      name: `gateway-${process.pid}`,
    }));
  const redis = opts.redis ?? new Redis(cfg.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 2 });
  new RedisWrites(redis); // defines its script before any traffic (see payments/src/redis-writes.ts)
  return { nc, redis, ownNats: opts.nc === undefined, ownRedis: opts.redis === undefined };
}

/**
 * Everything routes are handed. `listenPort()` is the port once the app listens (the public
 * URL of a gateway on port 0 is known only then).
 */
async function buildDeps(
  cfg: GatewayConfig,
  c: Connections,
  log: Logger,
  registry: Registry,
  engineClient: EngineClient | undefined,
  local: LocalEngine | undefined,
  listenPort: () => number,
): Promise<GatewayDeps> {
  const { nc, redis } = c;
  const prefix = `${cfg.namespace}:gw`;
  const engine = new EngineGate(
    engineClient ??
      new EngineClient(nc, {
        namespace: cfg.namespace,
        partitions: cfg.partitions,
        ...(local === undefined ? {} : { local }),
      }),
    cfg.maxInflight,
    cfg.engineTimeoutMs,
    cfg.retryAfterS,
    registry,
  );
  const sessions = new SessionTokens(cfg.sessionKeys, cfg.sessionTtlS);
  const revocations = new Revocations(redis, nc, {
    prefix,
    namespace: cfg.namespace,
    sessionTtlS: cfg.sessionTtlS,
    staffTtlS: cfg.staffTokenTtlS,
    log,
  });
  // Before any request: a process that starts never admits a session revoked before it started.
  await revocations.start();
  const publicUrl = (): string =>
    cfg.port === 0 && cfg.publicUrl === 'http://127.0.0.1:0' ? `http://127.0.0.1:${listenPort()}` : cfg.publicUrl;
  const notifyUrl = (): string =>
    cfg.wechatPay.notifyUrl.startsWith('http://127.0.0.1:0/')
      ? `${publicUrl()}/v1/payments/wechatpay/notify`
      : cfg.wechatPay.notifyUrl;
  const menu = new MenuCache(engine, redis, prefix, cfg.menuTtlS, cfg.stockCacheMs, log, registry);
  const { payments, simulator } = await openPayments({ cfg, engine, redis, prefix, notifyUrl, log, registry });
  return {
    cfg,
    log,
    registry,
    redis,
    nc,
    engine,
    auth: new Auth(cfg.qrKeys, cfg.staffKeys, sessions, revocations),
    sessions,
    revocations,
    login:
      cfg.wechat.mode === 'real'
        ? new RealWeChatLogin(cfg.wechat)
        : new SimulatedWeChatLogin(redis, prefix, cfg.wechat.appId),
    rate: new TokenBuckets(cfg.rate.windowMs),
    globalRate: new GlobalRateLimiter(redis, prefix, cfg.rate.windowMs),
    orderLists: new OrderLists({ nc, redis, namespace: cfg.namespace, prefix, log, registry }),
    storeTables: new StoreTables(engine, redis, prefix),
    menu,
    payments,
    simulator,
    prefix,
    publicUrl,
  };
}

/**
 * A staff token, or a diner session seated at a table; `?token=` (browsers cannot set headers on
 * a WebSocket). Both are checked in process (signatures, the revocation list): no I/O.
 */
function pushPrincipal(deps: GatewayDeps, r: PushAuthRequest): PushPrincipal | null {
  let token: string;
  try {
    token = bearer(r.headers, r.params);
  } catch {
    return null;
  }
  try {
    if (token.startsWith('s1.')) {
      const c = deps.auth.verifyStaffToken(token);
      return {
        kind: 'staff',
        store: c.store,
        role: c.role,
        id: staffActorId(c.role, c.staffId),
        staffToken: { staffId: c.staffId, issuedAt: c.issuedAt },
      };
    }
    const s = deps.auth.verifyDinerSession(token);
    if (s.store !== undefined && s.tableId !== undefined)
      return { kind: 'diner', store: s.store, tableId: s.tableId, id: s.dinerId };
    // Not seated (a group-buy page, a delivery's tracking): the store the page names (`?store=`). Such a
    // diner follows no table, and only the orders they placed themselves (the order's snapshot says whose).
    const store = r.params.get('store');
    return store !== null && /^\d{3}$/.test(store) ? { kind: 'diner', store, id: s.dinerId } : null;
  } catch {
    return null;
  }
}

/** The WebSocket push (gateways/src/push, `/ws`) and the staff screens (`/screens`), beside the API. */
function mountBeside(app: TemplatedApp, deps: GatewayDeps): PushHub {
  const { cfg } = deps;
  mountScreens(app, { apiBase: '/v1/staff', ...(cfg.dashboardUrl === null ? {} : { dashboardUrl: cfg.dashboardUrl }) });
  mountConsole(app);
  const hub = mountPush(app, {
    nc: deps.nc,
    namespace: cfg.namespace,
    // Snapshot reads and staff actions under the same in-flight limit as the HTTP routes.
    engine: deps.engine,
    log: deps.log,
    readStore: (store, at) => deps.storeTables.view(store, at),
    authenticate: (r) => Promise.resolve(pushPrincipal(deps, r)),
  });
  // A revoked account's open sockets close too (its token is refused at the next upgrade).
  deps.revocations.onStaffRevoked((staffId, before) =>
    hub.closeWhere(
      (p) => p.staffToken !== undefined && p.staffToken.staffId === staffId && p.staffToken.issuedAt < before,
      'staff token revoked',
    ),
  );
  return hub;
}

function listen(app: TemplatedApp, cfg: GatewayConfig): Promise<us_listen_socket> {
  return new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(cfg.host, cfg.port, (s) =>
      s === false ? reject(new Error(`cannot listen on ${cfg.host}:${cfg.port}`)) : resolve(s),
    );
  });
}

/**
 * What runs beside the requests: the menu watch, payment lookups, the refund worker, the member
 * forwarder (orders' steps to members' cards), the campaign worker (group-buy and bargain refunds and orders,
 * lottery coupons), the order
 * lists. Answers what stops the three workers.
 */
function startBackground(deps: GatewayDeps): { stop(): Promise<void> } {
  const { cfg } = deps;
  deps.menu.watch(deps.nc, cfg.namespace, cfg.catalogWatch === 'events');
  deps.payments.start();
  // The refund and campaign workers: one provider and connection, a consumer each.
  const workers = {
    nc: deps.nc,
    namespace: cfg.namespace,
    engine: deps.engine,
    provider: deps.payments.provider,
    queryMs: cfg.wechatPay.refundQueryMs,
    log: deps.log,
    registry: deps.registry,
  };
  const refunds = new RefundWorker(workers);
  refunds.start();
  const members = new MemberForwarder({ nc: deps.nc, namespace: cfg.namespace, engine: deps.engine, log: deps.log });
  members.start();
  // Group-buy and bargain refunds and orders, lottery coupons (groupbuy.<store>): the same provider, a consumer of its own.
  const campaigns = new CampaignWorker(workers);
  campaigns.start();
  deps.orderLists.start();
  return {
    stop: () => Promise.all([refunds.stop(), members.stop(), campaigns.stop()]).then(() => undefined),
  };
}

export async function startGateway(cfg: GatewayConfig, opts: StartOptions = {}): Promise<Gateway> {
  const log = opts.logger ?? pino({ level: cfg.logLevel, base: { svc: 'gateway', pid: process.pid } });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const conn = await openConnections(cfg, opts);
  let listenPort = cfg.port;
  const deps = await buildDeps(cfg, conn, log, registry, opts.engine, opts.local, () => listenPort);

  const reco = new Recommendations({
    nc: deps.nc,
    namespace: cfg.namespace,
    menu: deps.menu,
    sharePercent: cfg.recoSharePercent,
    stockCacheMs: cfg.stockCacheMs,
    log,
  });
  await reco.start();
  const couriers = await openCouriers(deps);
  const deliveries = deliveryRoutes(deps);

  const app = uws.App();
  const apiRoutes = [
    ...dinerRoutes(deps),
    ...deliveries.diner,
    ...recommendationRoutes(deps, reco),
    // Staff actions that change something leave an audit entry (gateways/src/console/audit.ts).
    ...audited(deps, [...staffRoutes(deps), ...deliveries.staff, ...consoleRoutes(deps)]),
    ...channelRoutes(deps),
    ...paymentRoutes(deps),
    ...courierRoutes(deps, couriers),
  ];
  let ready = true;
  const routes = [
    ...apiRoutes,
    ...systemRoutes(deps, {
      ready: () => ready,
      apiRoutes,
      ...(opts.moreMetrics === undefined ? {} : { moreMetrics: opts.moreMetrics }),
    }),
  ];
  const active = new ActiveRequests();
  mountRoutes(app, routes, deps, active);
  const push = mountBeside(app, deps);
  mountNotFound(app, cfg.trustProxy);

  const socket = await listen(app, cfg);
  listenPort = uws.us_socket_local_port(socket);
  const refunds = startBackground(deps);
  couriers?.worker.start();
  log.info(
    { port: listenPort, uws: uwsBuild.build, namespace: cfg.namespace, payments: deps.payments.provider.name },
    'gateway listening',
  );
  if (!uwsBuild.native) log.warn(uwsBuild.build);

  let closed = false;
  return {
    port: listenPort,
    url: `http://127.0.0.1:${listenPort}`,
    deps,
    app,
    routes,
    couriers,
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      uws.us_listen_socket_close(socket);
      // No new connections; let the requests under way answer (bounded by the engine deadline).
      await active.drained(cfg.engineTimeoutMs + 1_000);
      deps.payments.stop();
      // Each part is bounded: one that hangs is named in the log and left behind, not the close.
      const part = (what: string, stop: () => Promise<unknown> | undefined) =>
        stopWithin(log, what, STOP_PART_MS, stop);
      await part('background workers', () => refunds.stop());
      await part('courier worker', () => couriers?.stop());
      await part('order lists', () => deps.orderLists.stop());
      deps.revocations.stop();
      deps.menu.stop();
      reco.stop();
      await part('push', () => push.stop());
      await part('QR pool', () => closeQrPool());
      await part('image pool', () => closeImagePool());
      await part('engine client', () => deps.engine.client.close());
      if (conn.ownNats) await part('NATS drain', () => conn.nc.drain());
      if (conn.ownRedis) conn.redis.disconnect();
    },
  };
}
