/**
 * Files the gateway serves to browsers (the kitchen display and table board, the merchant
 * console): read once at start-up, each with a content hash as its ETag, answered 304 when the
 * browser has it, never sniffed, never framed unless a page says otherwise.
 */
import { createHash } from 'node:crypto';
import type { HttpRequest, HttpResponse } from '@trufflesuite/uws-js-unofficial';

export interface StaticAsset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  /** `Cache-Control`: revalidate each time unless the file's name changes with its content. */
  readonly cache: string;
  /** A page's Content-Security-Policy (and then `X-Frame-Options: DENY`). */
  readonly csp?: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  otf: 'font/otf',
};

/** `body` served as the file `name` (its type from the extension). */
export function staticAsset(body: Buffer, name: string, cache = 'no-cache'): StaticAsset {
  const type = TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  return { body, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`, cache };
}

export function serveAsset(res: HttpResponse, req: HttpRequest, a: StaticAsset): void {
  const fresh = req.getHeader('if-none-match') === a.etag;
  res.cork(() => {
    if (fresh) {
      res.writeStatus('304 Not Modified').writeHeader('etag', a.etag).endWithoutBody();
      return;
    }
    res
      .writeStatus('200 OK')
      .writeHeader('content-type', a.type)
      .writeHeader('etag', a.etag)
      .writeHeader('cache-control', a.cache)
      .writeHeader('x-content-type-options', 'nosniff')
      .writeHeader('referrer-policy', 'no-referrer');
    if (a.csp !== undefined) res.writeHeader('content-security-policy', a.csp).writeHeader('x-frame-options', 'DENY');
    res.end(a.body);
  });
}
