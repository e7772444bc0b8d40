/**
 * The routes of the process itself rather than of the business: liveness, readiness,
 * Prometheus metrics and the OpenAPI document (made once, from the route table).
 */
import { HealthAnswer, MetricsAnswer, OpenApiAnswer, ReadyAnswer } from './answers.js';
import type { GatewayDeps } from './deps.js';
import { ErrorCode, HttpError, ensureError } from './errors.js';
import { route, type Route } from './http.js';
import { openApiDocument } from './openapi.js';
import { uwsBuild } from './uws.js';

export interface SystemRoutesOptions {
  /** False once the process is shutting down: `/readyz` answers 503 from then on. */
  ready(): boolean;
  /** The business routes the OpenAPI document describes besides these. */
  readonly apiRoutes: readonly Route[];
  /** More of this process's metrics, served after the gateway's own (a gateway thread's: the engine's). */
  readonly moreMetrics?: () => Promise<string>;
}

export function systemRoutes(deps: GatewayDeps, o: SystemRoutesOptions): Route[] {
  const { cfg, redis, nc, registry } = deps;
  let openapi: string | undefined;
  const routes: Route[] = [
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
        if (!o.ready()) throw new HttpError(ErrorCode.Unavailable, 'shutting down', { retryAfterS: cfg.retryAfterS });
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
      summary: 'Prometheus metrics of this process (its gateway, and on a node its engine)',
      auth: 'none',
      rateLimited: false,
      errors: [],
      handle: async () => {
        const own = await registry.metrics();
        const more = o.moreMetrics === undefined ? '' : await o.moreMetrics();
        const body = more === '' ? own : `${own}${own.endsWith('\n') ? '' : '\n'}${more}`;
        return { body, contentType: registry.contentType };
      },
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
        openapi ??= JSON.stringify(openApiDocument(o.apiRoutes, routes, deps.publicUrl()));
        return Promise.resolve({ body: openapi, contentType: 'application/json; charset=utf-8' });
      },
    }),
  ];
  return routes;
}
