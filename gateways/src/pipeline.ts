/**
 * The request pipeline every route goes through:
 *
 *   capture request (sync) → start reading the body (sync: onData, bounded)
 *   → route.verify on raw bytes (signatures) → auth (diner session / staff token,
 *   role and store) → rate limit (IP, device, session: token buckets in this process;
 *   login's in Redis, across gateways)
 *   → parse and validate params, query, body with the route's zod schemas
 *   → handler → one corked reply; any throw → the error table → `{code, message}`.
 *
 * `mountRoutes` puts it on a uWS app, one handler per route, and counts the requests under
 * way so the gateway's `close()` can let them answer before the connections go.
 */
import type { HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { z } from 'zod';
import { bearer } from './auth.js';
import type { GatewayDeps } from './deps.js';
import { ErrorCode, HttpError, ensureError, toHttpError } from './errors.js';
import {
  captureRequest,
  errorReply,
  readBody,
  send,
  uwsPattern,
  type Reply,
  type RequestInfo,
  type Route,
} from './http.js';
import { parseJsonBody } from './json-body.js';
import type { RateDimension } from './ratelimit.js';

const DEVICE_RE = /^[A-Za-z0-9_.:-]{6,64}$/;

/** One schema over one part of the request: its output, or a 400 naming every field at fault. */
function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
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
}

const contentTypeOf = (info: RequestInfo): string =>
  (info.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/** Content type, JSON and the route's zod schemas: the handler's input, or an HttpError thrown. */
export function parseInput(r: Route, info: RequestInfo): { params: unknown; query: unknown; body: unknown } {
  let json: unknown;
  if (r.body !== undefined) {
    if (info.body.length === 0) json = {};
    else if (contentTypeOf(info) !== 'application/json')
      throw new HttpError(ErrorCode.UnsupportedMediaType, 'send the body as application/json');
    else json = parseJsonBody(info.body);
  } else if (r.bodyTypes !== undefined) {
    if (!r.bodyTypes.includes(contentTypeOf(info)))
      throw new HttpError(ErrorCode.UnsupportedMediaType, `send the body as ${r.bodyTypes.join(' or ')}`);
  }
  return {
    params: parse(r.params, info.params, 'path'),
    query: r.query === undefined ? undefined : parse(r.query, Object.fromEntries(info.query), 'query'),
    body: parse(r.body, json, 'body'),
  };
}

/**
 * Who is asking: the diner session or staff token the route requires (checked in process:
 * signature, expiry, revocation list; the staff role and store), set on `info`. Returns the
 * rate-limit dimensions the request counts against.
 */
function authenticate(deps: GatewayDeps, r: Route, info: RequestInfo): RateDimension[] {
  const { cfg } = deps;
  const dims: RateDimension[] = [];
  if (r.rateLimited !== false) {
    dims.push({ name: 'ip', id: info.ip, limit: cfg.rate.ip });
    const device = info.headers['x-device-id'];
    if (device !== undefined && DEVICE_RE.test(device))
      dims.push({ name: 'device', id: device, limit: cfg.rate.device });
  }
  if (r.auth === 'diner') {
    // An unknown session is 401 before any limit counts it.
    const token = bearer(info.headers);
    const session = deps.auth.verifyDinerSession(token);
    info.diner = { token, session, renew: deps.sessions.stale(session) };
    if (dims.length > 0) dims.push({ name: 'session', id: session.sessionId, limit: cfg.rate.session });
  } else if (r.auth === 'staff') {
    const claims = deps.auth.verifyStaffToken(bearer(info.headers));
    if (r.roles !== undefined && !r.roles.includes(claims.role))
      throw new HttpError(ErrorCode.RoleForbidden, `a ${claims.role} may not do this (needs ${r.roles.join(' or ')})`);
    if (info.params.store !== undefined && info.params.store !== claims.store)
      throw new HttpError(ErrorCode.StoreForbidden, `this token is for store ${claims.store}`);
    info.staff = claims;
  }
  return dims;
}

/** The pipeline of one request, from its (possibly still streaming) body to the handler's reply. */
export class Pipeline {
  private readonly limited: Counter;

  constructor(
    private readonly deps: GatewayDeps,
    registry: Registry,
  ) {
    this.limited = new Counter({
      name: 'lunchrush_gateway_rate_limited_total',
      help: 'Requests refused by a rate limit, by dimension',
      labelNames: ['dimension'],
      registers: [registry],
    });
  }

  async run(r: Route, info: RequestInfo, body: Promise<Buffer> | undefined): Promise<Reply> {
    if (body !== undefined) info.body = await body;
    r.verify?.(info);
    const dims = authenticate(this.deps, r, info);
    if (dims.length > 0) await this.limit(r, dims);
    const reply = await r.handle(info, parseInput(r, info));
    const diner = info.diner;
    if (diner === undefined || !diner.renew) return reply;
    // Sliding expiry: a token past half its life is answered a renewed one (same session, same table).
    const { expiresAt: _, ...same } = diner.session;
    return { ...reply, headers: { ...reply.headers, 'session-token': this.deps.sessions.issue(same).token } };
  }

  private async limit(r: Route, dims: RateDimension[]): Promise<void> {
    const d = r.globalRateLimit === true ? await this.deps.globalRate.check(dims) : this.deps.rate.take(dims);
    if (d.ok) return;
    this.limited.inc({ dimension: d.dimension });
    throw new HttpError(ErrorCode.RateLimited, `too many requests from this ${d.dimension}`, {
      retryAfterS: d.retryAfterS,
    });
  }
}

/** Requests being handled, so `close()` can let them finish before the connections go. */
export class ActiveRequests {
  private active = 0;
  private idle: (() => void) | undefined;

  get count(): number {
    return this.active;
  }

  enter(): void {
    this.active++;
  }

  leave(): void {
    if (--this.active === 0) this.idle?.();
  }

  /** Resolves when none is under way, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idle = resolve;
      setTimeout(resolve, timeoutMs).unref();
    });
  }
}

/** One uWS handler per route, each running the pipeline and answering once, with its metrics. */
export function mountRoutes(
  app: TemplatedApp,
  routes: readonly Route[],
  deps: GatewayDeps,
  active: ActiveRequests,
): void {
  const { cfg, log, registry } = deps;
  const pipeline = new Pipeline(deps, registry);
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
  for (const r of routes) {
    const { pattern, names } = uwsPattern(r.path);
    const hasBody = r.method !== 'get' && r.method !== 'del';
    const limit = r.maxBodyBytes ?? cfg.maxBodyBytes;
    const label = `${r.method.toUpperCase()} ${r.path}`;
    // One async function per request rather than a chain of four promise callbacks: the route table
    // served every request through those closures, ~8% of what a lunch rush allocated.
    const answer = async (res: HttpResponse, info: RequestInfo, body: Promise<Buffer> | undefined): Promise<void> => {
      const started = performance.now();
      active.enter();
      // A body refused for its size is not read to the end: answer and close the connection.
      let unread = false;
      body?.catch(() => (unread = true));
      let reply: Reply;
      try {
        reply = await pipeline.run(r, info, body);
      } catch (e) {
        const h = toHttpError(e, cfg.retryAfterS);
        if (h.status >= 500)
          log.error({ err: ensureError(h.cause ?? h), route: label, req: info.id, code: h.code }, h.message);
        reply = errorReply(h);
      }
      try {
        requests.inc({ route: label, status: reply.status ?? 200 });
        latency.observe({ route: label }, (performance.now() - started) / 1000);
        send(res, info, reply, unread);
      } catch (e) {
        log.error({ err: ensureError(e) }, 'reply failed');
      } finally {
        active.leave();
      }
    };
    app[r.method](pattern, (res: HttpResponse, req) => {
      const info = captureRequest(res, req, names, cfg.trustProxy);
      res.onAborted(() => {
        info.aborted = true;
      });
      void answer(res, info, hasBody ? readBody(res, info, limit) : undefined);
    });
  }
}

/** Anything no route matched: 404 naming the method and path. */
export function mountNotFound(app: TemplatedApp, trustProxy: boolean): void {
  app.any('/*', (res, req) => {
    const info = captureRequest(res, req, [], trustProxy);
    res.onAborted(() => (info.aborted = true));
    send(
      res,
      info,
      errorReply(new HttpError(ErrorCode.NotFound, `no route ${info.method.toUpperCase()} ${info.url}`)),
      true,
    );
  });
}
