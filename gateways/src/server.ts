/**
 * One gateway process: connections (NATS, Redis), services, the route table on a
 * uWS app, and the request pipeline every route goes through:
 *
 *   capture request (sync) → start reading the body (sync: onData, bounded)
 *   → route.verify on raw bytes (signatures) → auth (diner session / staff token,
 *   role and store) → rate limit (IP, device, session: token buckets in this process;
 *   login's in Redis, across gateways)
 *   → parse and validate params, query, body with the route's zod schemas
 *   → handler → one corked reply; any throw → the error table → `{code, message}`.
 *
 * Nothing on the order path waits for Redis: diner sessions are signed tokens checked
 * here (with a revocation list pushed to every process), rate limits are per process,
 * idempotency is the actors' and a diner's order list is a projection of the event log.
 * What must be shared (menu copies, payments, login limits, the lists) is in Redis, so any
 * number of these serve the same stores (see main.ts for N on one port).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { EngineClient } from '@lunchrush/engine';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { z } from 'zod';
import { staffActorId } from '@lunchrush/actors';
import { HealthAnswer, MetricsAnswer, OpenApiAnswer, ReadyAnswer } from './answers.js';
import { Auth, bearer } from './auth.js';
import type { GatewayConfig } from './config.js';
import type { GatewayDeps } from './deps.js';
import { EngineGate } from './engine-gate.js';
import { ErrorCode, HttpError, ensureError, toHttpError } from './errors.js';
import {
  captureRequest,
  errorReply,
  readBody,
  route,
  send,
  uwsPattern,
  type Reply,
  type RequestInfo,
  type Route,
} from './http.js';
import { parseJsonBody } from './json-body.js';
import { MenuCache } from './menu.js';
import { openApiDocument } from './openapi.js';
import { RefundWorker } from './payments/refunds.js';
import { Payments } from './payments/service.js';
import { WeChatPaySimulator } from './payments/simulator.js';
import { WeChatPayV3 } from './payments/wechatpay.js';
import { RedisWrites } from './redis-writes.js';
import { GlobalRateLimiter, TokenBuckets, type RateDimension } from './ratelimit.js';
import { OrderLists } from './order-list.js';
import { Revocations } from './revocations.js';
import { channelRoutes } from './routes/channels.js';
import { dinerRoutes } from './routes/diner.js';
import { paymentRoutes } from './routes/payments.js';
import { staffRoutes } from './routes/staff.js';
import { RealWeChatLogin, SessionTokens, SimulatedWeChatLogin } from './sessions.js';
import { uws, uwsBuild } from './uws.js';
import { mountPush, type PushHub, type PushPrincipal } from './push/index.js';
import { closeQrPool } from './qr/index.js';
import { mountScreens } from './screens/index.js';
import { tablesKey } from './routes/staff.js';

export interface Gateway {
  readonly port: number;
  readonly url: string;
  readonly deps: GatewayDeps;
  readonly app: TemplatedApp;
  readonly routes: readonly Route[];
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
}

const DEVICE_RE = /^[A-Za-z0-9_.:-]{6,64}$/;

export async function startGateway(cfg: GatewayConfig, opts: StartOptions = {}): Promise<Gateway> {
  const log = opts.logger ?? pino({ level: cfg.logLevel, base: { svc: 'gateway', pid: process.pid } });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ownNats = opts.nc === undefined;
  const ownRedis = opts.redis === undefined;
  const nc =
    opts.nc ??
    (await connect({
      servers: cfg.natsUrl.split(','),
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      name: `gateway-${process.pid}`,
    }));
  const redis = opts.redis ?? new Redis(cfg.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 2 });
  new RedisWrites(redis); // defines its script before any traffic (see redis-writes.ts)
  const prefix = `${cfg.namespace}:gw`;
  const engine = new EngineGate(
    opts.engine ?? new EngineClient(nc, { namespace: cfg.namespace, partitions: cfg.partitions }),
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
    log,
  });
  // Before any request: a process that starts never admits a session revoked before it started.
  await revocations.start();
  let listenPort = cfg.port;
  const publicUrl = (): string =>
    cfg.port === 0 && cfg.publicUrl === 'http://127.0.0.1:0' ? `http://127.0.0.1:${listenPort}` : cfg.publicUrl;
  const notifyUrl = (): string =>
    cfg.wechatPay.notifyUrl.startsWith('http://127.0.0.1:0/')
      ? `${publicUrl()}/v1/payments/wechatpay/notify`
      : cfg.wechatPay.notifyUrl;

  let simulator: WeChatPaySimulator | undefined;
  let payments: Payments;
  const menu = new MenuCache(engine, redis, prefix, cfg.menuTtlS, cfg.stockCacheMs, log, registry);
  if (cfg.wechatPay.mode === 'simulator') {
    simulator = await WeChatPaySimulator.open(redis, `${cfg.namespace}:gw`, {
      mchId: cfg.wechatPay.mchId,
      appId: cfg.wechatPay.appId,
      notifyUrl,
      apiV3Key: cfg.wechatPay.apiV3Key,
    });
    payments = new Payments(engine, redis, prefix, simulator, simulator.keys, simulator.apiV3Key, cfg, log, registry);
  } else {
    const real = new WeChatPayV3(cfg.wechatPay, cfg.signatureToleranceS);
    payments = new Payments(engine, redis, prefix, real, real.keys, real.apiV3Key, cfg, log, registry);
  }
  const deps: GatewayDeps = {
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
    menu,
    payments,
    simulator,
    prefix,
    publicUrl,
  };

  const requests = new Counter({
    name: 'lunchrush_gateway_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'lunchrush_gateway_http_request_seconds',
    help: 'Time from request to reply, by route',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const limited = new Counter({
    name: 'lunchrush_gateway_rate_limited_total',
    help: 'Requests refused by a rate limit, by dimension',
    labelNames: ['dimension'],
    registers: [registry],
  });

  const app = uws.App();
  const apiRoutes: Route[] = [
    ...dinerRoutes(deps),
    ...staffRoutes(deps),
    ...channelRoutes(deps),
    ...paymentRoutes(deps),
  ];
  let ready = true;
  let openapi: string | undefined;
  const systemRoutes: Route[] = [
    route({
      method: 'get',
      path: '/healthz',
      response: HealthAnswer,
      tag: 'system',
      summary: 'Liveness: the process serves HTTP (and which uWS build it runs)',
      auth: 'none',
      rateLimited: false,
      errors: [],
      handle: () => Promise.resolve({ body: { ok: true, pid: process.pid, uws: uwsBuild.build } }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      response: ReadyAnswer,
      tag: 'system',
      summary: 'Readiness: Redis and NATS answer and the process is not shutting down',
      auth: 'none',
      rateLimited: false,
      errors: [ErrorCode.Unavailable],
      async handle() {
        if (!ready) throw new HttpError(ErrorCode.Unavailable, 'shutting down', { retryAfterS: cfg.retryAfterS });
        try {
          await redis.ping();
          await nc.flush();
        } catch (e) {
          throw new HttpError(ErrorCode.Unavailable, ensureError(e).message, { retryAfterS: cfg.retryAfterS });
        }
        return { body: { ok: true } };
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      response: MetricsAnswer,
      tag: 'system',
      summary: 'Prometheus metrics of this gateway process',
      auth: 'none',
      rateLimited: false,
      errors: [],
      handle: async () => ({ body: await registry.metrics(), contentType: registry.contentType }),
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      response: OpenApiAnswer,
      tag: 'system',
      summary: 'This document',
      auth: 'none',
      rateLimited: false,
      errors: [],
      handle: () => {
        openapi ??= JSON.stringify(openApiDocument(apiRoutes, systemRoutes, publicUrl()));
        return Promise.resolve({ body: openapi, contentType: 'application/json; charset=utf-8' });
      },
    }),
  ];
  const routes = [...apiRoutes, ...systemRoutes];

  const parse = <T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T => {
    if (schema === undefined) return undefined as T;
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    // An unknown key is named in the path (`body.lins: unknown key`), one issue per key, so
    // a client sees which of its keys was refused rather than a bare "unrecognized".
    const issues = r.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ path: [where, ...i.path.map(String), k].join('.'), message: 'unknown key' }))
        : [{ path: [where, ...i.path.map(String)].join('.'), message: i.message }],
    );
    throw new HttpError(ErrorCode.ValidationFailed, `invalid ${issues[0]!.path}: ${issues[0]!.message}`, {
      details: { issues },
    });
  };

  /** Content type, JSON and the route's zod schemas: the handler's input, or an HttpError thrown. */
  const parseInput = (r: Route, info: RequestInfo): { params: unknown; query: unknown; body: unknown } => {
    let json: unknown;
    if (r.body !== undefined) {
      const ct = (info.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (info.body.length === 0) json = {};
      else if (ct !== 'application/json')
        throw new HttpError(ErrorCode.UnsupportedMediaType, 'send the body as application/json');
      else json = parseJsonBody(info.body);
    } else if (r.bodyTypes !== undefined) {
      const ct = (info.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!r.bodyTypes.includes(ct))
        throw new HttpError(ErrorCode.UnsupportedMediaType, `send the body as ${r.bodyTypes.join(' or ')}`);
    }
    return {
      params: parse(r.params, info.params, 'path'),
      query: r.query === undefined ? undefined : parse(r.query, Object.fromEntries(info.query), 'query'),
      body: parse(r.body, json, 'body'),
    };
  };

  const pipeline = async (
    r: Route,
    res: HttpResponse,
    info: RequestInfo,
    body: Promise<Buffer> | undefined,
  ): Promise<Reply> => {
    if (body !== undefined) info.body = await body;
    r.verify?.(info);
    const dims: RateDimension[] = [];
    if (r.rateLimited !== false) {
      dims.push({ name: 'ip', id: info.ip, limit: cfg.rate.ip });
      const device = info.headers['x-device-id'];
      if (device !== undefined && DEVICE_RE.test(device))
        dims.push({ name: 'device', id: device, limit: cfg.rate.device });
    }
    if (r.auth === 'diner') {
      // Checked in process (signature, expiry, revocation list); an unknown session is 401 before any limit counts it.
      const token = bearer(info.headers);
      const session = deps.auth.verifyDinerSession(token);
      info.diner = { token, session, renew: sessions.stale(session) };
      if (dims.length > 0) dims.push({ name: 'session', id: session.sessionId, limit: cfg.rate.session });
    } else if (r.auth === 'staff') {
      const claims = deps.auth.verifyStaffToken(bearer(info.headers));
      if (r.roles !== undefined && !r.roles.includes(claims.role))
        throw new HttpError(
          ErrorCode.RoleForbidden,
          `a ${claims.role} may not do this (needs ${r.roles.join(' or ')})`,
        );
      if (info.params.store !== undefined && info.params.store !== claims.store)
        throw new HttpError(ErrorCode.StoreForbidden, `this token is for store ${claims.store}`);
      info.staff = claims;
    }
    if (dims.length > 0) {
      const d = r.globalRateLimit === true ? await deps.globalRate.check(dims) : deps.rate.take(dims);
      if (!d.ok) {
        limited.inc({ dimension: d.dimension });
        throw new HttpError(ErrorCode.RateLimited, `too many requests from this ${d.dimension}`, {
          retryAfterS: d.retryAfterS,
        });
      }
    }
    const input = parseInput(r, info);
    void res;
    const reply = await r.handle(info, input);
    const diner = info.diner;
    if (diner === undefined || !diner.renew) return reply;
    // Sliding expiry: a token past half its life is answered a renewed one (same session, same table).
    const { expiresAt: _, ...same } = diner.session;
    return { ...reply, headers: { ...reply.headers, 'session-token': sessions.issue(same).token } };
  };

  // Requests being handled, so close() can let them finish before the connections go.
  let active = 0;
  let idle: (() => void) | undefined;

  for (const r of routes) {
    const { pattern, names } = uwsPattern(r.path);
    const hasBody = r.method !== 'get' && r.method !== 'del';
    const limit = r.maxBodyBytes ?? cfg.maxBodyBytes;
    const label = `${r.method.toUpperCase()} ${r.path}`;
    app[r.method](pattern, (res, req) => {
      const info = captureRequest(res, req, names, cfg.trustProxy);
      res.onAborted(() => {
        info.aborted = true;
      });
      const started = performance.now();
      active++;
      const body = hasBody ? readBody(res, info, limit) : undefined;
      // A body refused for its size is not read to the end: answer and close the connection.
      let unread = false;
      body?.catch(() => (unread = true));
      pipeline(r, res, info, body)
        .catch((e: unknown): Reply => {
          const h = toHttpError(e, cfg.retryAfterS);
          if (h.status >= 500)
            log.error({ err: ensureError(h.cause ?? h), route: label, req: info.id, code: h.code }, h.message);
          return errorReply(h);
        })
        .then((reply) => {
          const status = reply.status ?? 200;
          requests.inc({ route: label, status });
          latency.observe({ route: label }, (performance.now() - started) / 1000);
          send(res, info, reply, unread);
        })
        .finally(() => {
          if (--active === 0) idle?.();
        })
        .catch((e: unknown) => log.error({ err: ensureError(e) }, 'reply failed'));
    });
  }

  // ---- mounted here: the WebSocket push (gateways/src/push, `/ws`) and the staff screens
  // (gateways/src/screens, `/screens`), authenticated with the same helpers (deps.auth).
  mountScreens(app, { apiBase: '/v1/staff', ...(cfg.dashboardUrl === null ? {} : { dashboardUrl: cfg.dashboardUrl }) });
  const push: PushHub = mountPush(app, {
    nc,
    namespace: cfg.namespace,
    // Snapshot reads and staff actions under the same in-flight limit as the HTTP routes.
    engine,
    log,
    listTables: (store) => redis.smembers(tablesKey(prefix, store)),
    // A staff token, or a diner session seated at a table; `?token=` (browsers cannot set headers on a WebSocket).
    // Both are checked in process (signatures, the revocation list): no I/O.
    authenticate: (r): Promise<PushPrincipal | null> => {
      let token: string;
      try {
        token = bearer(r.headers, r.params);
      } catch {
        return Promise.resolve(null);
      }
      try {
        if (token.startsWith('s1.')) {
          const c = deps.auth.verifyStaffToken(token);
          return Promise.resolve({ kind: 'staff', store: c.store, role: c.role, id: staffActorId(c.role, c.staffId) });
        }
        const s = deps.auth.verifyDinerSession(token);
        if (s.store === undefined || s.tableId === undefined) return Promise.resolve(null);
        return Promise.resolve({ kind: 'diner', store: s.store, tableId: s.tableId, id: s.dinerId });
      } catch {
        return Promise.resolve(null);
      }
    },
  });

  app.any('/*', (res, req) => {
    const info = captureRequest(res, req, [], cfg.trustProxy);
    res.onAborted(() => (info.aborted = true));
    send(
      res,
      info,
      errorReply(new HttpError(ErrorCode.NotFound, `no route ${info.method.toUpperCase()} ${info.url}`)),
      true,
    );
  });

  const socket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(cfg.host, cfg.port, (s) =>
      s === false ? reject(new Error(`cannot listen on ${cfg.host}:${cfg.port}`)) : resolve(s),
    );
  });
  listenPort = uws.us_socket_local_port(socket);
  menu.watch(nc, cfg.namespace, cfg.catalogWatch === 'events');
  payments.start();
  const refunds = new RefundWorker({
    nc,
    namespace: cfg.namespace,
    engine,
    provider: payments.provider,
    queryMs: cfg.wechatPay.refundQueryMs,
    log,
    registry,
  });
  refunds.start();
  deps.orderLists.start();
  log.info(
    { port: listenPort, uws: uwsBuild.build, namespace: cfg.namespace, payments: payments.provider.name },
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
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      uws.us_listen_socket_close(socket);
      if (active > 0) {
        // No new connections; let the requests under way answer (bounded by the engine deadline).
        await new Promise<void>((resolve) => {
          idle = resolve;
          setTimeout(resolve, cfg.engineTimeoutMs + 1_000).unref();
        });
      }
      payments.stop();
      await refunds.stop();
      await deps.orderLists.stop();
      revocations.stop();
      menu.stop();
      await push.stop();
      await closeQrPool();
      await engine.client.close();
      if (ownNats) await nc.drain();
      if (ownRedis) redis.disconnect();
    },
  };
}
