/**
 * The analysts' HTTP API and the dashboard, on node:http (analyst traffic is a
 * handful of requests, not the diners' hot path, so no uWS here).
 *
 *   GET  /api/<view>?store=001&from=2026-11-01&to=2026-11-21&limit=20   → { view, params, rows }
 *   GET  /api/sql?q=SELECT…  or  POST /api/sql {"sql": "SELECT…"}      → { rows }  (read-only)
 *   GET  /api/lag                                                       → ingestion lag and counters
 *   GET  /  (dashboard)   /assets/echarts.min.js   /metrics   /healthz
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { AnalyticsError, ErrorCode, ensureError, type AnalyticsErrorCode } from './errors.js';
import { dashboardHtml } from './dashboard.js';
import type { Ingester } from './ingest.js';
import type { AnalyticsMetrics } from './metrics.js';
import { isViewName, parseViewParams, runView, VIEW_HELP, VIEW_NAMES } from './queries.js';
import type { Warehouse } from './warehouse.js';

/** Every error code's HTTP status, in one place. */
export const HTTP_STATUS: Record<AnalyticsErrorCode, number> = {
  config: 500,
  bad_request: 400,
  read_only: 403,
  query: 400,
  insert: 503,
  nats: 503,
  undecodable: 500,
};

const MAX_BODY_BYTES = 64 * 1024;

export interface ServerOptions {
  warehouse: Warehouse;
  ingester?: Ingester;
  metrics?: AnalyticsMetrics;
  port?: number;
  host?: string;
}

export interface AnalyticsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

let echartsJs: Buffer | undefined;
function echarts(): Buffer {
  echartsJs ??= fs.readFileSync(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'));
  return echartsJs;
}

export async function startServer(o: ServerOptions): Promise<AnalyticsServer> {
  const server = http.createServer((req, res) => {
    handle(o, req, res).catch((e: unknown) => sendError(res, e));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: string | Buffer, type: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

function sendError(res: http.ServerResponse, e: unknown): void {
  const err = ensureError(e);
  const code = err instanceof AnalyticsError ? err.code : 'internal';
  const status = err instanceof AnalyticsError ? HTTP_STATUS[err.code] : 500;
  if (!res.headersSent) sendJson(res, status, { error: { code, message: err.message } });
  else res.end();
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY_BYTES) throw new AnalyticsError(ErrorCode.BadRequest, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(o: ServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const p = url.pathname;
  if (req.method === 'GET' && (p === '/' || p === '/dashboard'))
    return send(res, 200, dashboardHtml(), 'text/html; charset=utf-8');
  if (req.method === 'GET' && p === '/assets/echarts.min.js')
    return send(res, 200, echarts(), 'text/javascript; charset=utf-8');
  if (req.method === 'GET' && p === '/healthz') return sendJson(res, 200, { ok: true, backend: o.warehouse.kind });
  if (req.method === 'GET' && p === '/metrics') {
    const reg = (o.metrics ?? o.ingester?.metrics)?.registry;
    if (reg === undefined) return send(res, 200, '', 'text/plain');
    return send(res, 200, await reg.metrics(), reg.contentType);
  }
  if (req.method === 'GET' && p === '/api/lag') {
    const s = o.ingester?.stats();
    return sendJson(res, 200, s === undefined ? { ingesting: false } : { ingesting: true, ...s });
  }
  if (req.method === 'GET' && p === '/api') {
    return sendJson(res, 200, { views: VIEW_NAMES.map((v) => ({ view: v, help: VIEW_HELP[v], path: `/api/${v}` })) });
  }
  if (p === '/api/sql') {
    let sql: string;
    if (req.method === 'POST') {
      const body = await readBody(req);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new AnalyticsError(ErrorCode.BadRequest, 'body must be JSON: {"sql": "SELECT …"}');
      }
      const s = (parsed as { sql?: unknown }).sql;
      if (typeof s !== 'string')
        throw new AnalyticsError(ErrorCode.BadRequest, 'body must be JSON: {"sql": "SELECT …"}');
      sql = s;
    } else if (req.method === 'GET') {
      sql = url.searchParams.get('q') ?? '';
    } else {
      return sendJson(res, 405, { error: { code: 'method', message: 'GET or POST' } });
    }
    const rows = await o.warehouse.readonlyQuery(sql);
    return sendJson(res, 200, { rows });
  }
  const m = /^\/api\/([a-z]+)$/.exec(p);
  if (req.method === 'GET' && m !== null && isViewName(m[1]!)) {
    const params = parseViewParams(Object.fromEntries(url.searchParams));
    const rows = await runView(o.warehouse, m[1], params);
    return sendJson(res, 200, { view: m[1], params, rows });
  }
  sendJson(res, 404, { error: { code: 'not_found', message: `no route ${req.method} ${p}` } });
}
