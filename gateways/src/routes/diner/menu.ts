/**
 * The store's menu (a per-process copy, ETag and gzip made once per catalog revision) and its
 * stock levels, for anyone: no login needed.
 */
import { gzipSync } from 'node:zlib';
import { ErrorCode as D } from '@lunchrush/actors';
import type { z } from 'zod';
import { MenuAnswer, StockLevelsAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../../errors.js';
import { JSON_CONTENT, route, type Route } from '../../http.js';
import type { MenuEntry } from '../../menu.js';
import { StoreParams } from '../../schemas.js';
import { INPUT_ERRORS } from './common.js';

export function menuRoutes(deps: GatewayDeps): Route[] {
  return [menu(deps), stock(deps)];
}

// A menu's UTF-8 bytes, and the same gzipped, made once per cached entry: uWS would otherwise encode
// the ~29 KB string on every read, and gzip makes it ~4 KB on the wire (every diner's first read).
const MENU_BYTES = new WeakMap<MenuEntry, { plain: Buffer; gzip?: Buffer }>();
function menuBytes(m: MenuEntry, gzip: boolean): Buffer {
  let b = MENU_BYTES.get(m);
  if (b === undefined) MENU_BYTES.set(m, (b = { plain: Buffer.from(m.body, 'utf8') }));
  if (!gzip) return b.plain;
  return (b.gzip ??= gzipSync(b.plain));
}

/** Whether `Accept-Encoding` takes gzip (`gzip` or `*`, not with `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*' && coding !== 'x-gzip') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** If-None-Match matches `etag` (weak comparison, as RFC 9110 says for it). */
function notModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((x) => x.trim().replace(/^W\//, '') === etag);
}

/** `GET /v1/stores/{store}/menu`. */
function menu(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: '/v1/stores/{store}/menu',
    response: MenuAnswer,
    tag: 'diner',
    summary: 'The store menu (ETag; send If-None-Match for 304; gzip when Accept-Encoding allows)',
    description: 'Cached in-process and in Redis and invalidated by catalog events; cost prices are never included.',
    auth: 'none',
    params: StoreParams,
    headers: [{ name: 'If-None-Match', required: false, description: 'an ETag from an earlier answer' }],
    errors: [D.StoreNotConfigured, ErrorCode.RateLimited, ...INPUT_ERRORS, ...ENGINE_ERRORS],
    async handle(req, { params }: { params: z.output<typeof StoreParams> }) {
      const m = await deps.menu.get(params.store);
      if (notModified(req.headers['if-none-match'], m.etag))
        return { status: 304, headers: { etag: m.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' } };
      const gzip = acceptsGzip(req.headers['accept-encoding']);
      const headers: Record<string, string> = { etag: m.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
      if (gzip) headers['content-encoding'] = 'gzip';
      return { body: menuBytes(m, gzip), contentType: JSON_CONTENT, headers };
    },
  });
}

/** `GET /v1/stores/{store}/stock`. */
function stock(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: '/v1/stores/{store}/stock',
    response: StockLevelsAnswer,
    tag: 'diner',
    summary: 'Stock level (ok/low/out) and remaining count of every SKU on the menu',
    auth: 'none',
    params: StoreParams,
    errors: [D.StoreNotConfigured, ErrorCode.RateLimited, ...INPUT_ERRORS, ...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      return { body: await deps.menu.stockLevels(params.store) };
    },
  });
}
