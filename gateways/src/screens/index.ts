/**
 * Staff screens served by the gateway: a kitchen display (tickets per station,
 * timers, start/bump), a table board (live table states, orders waiting for
 * staff, the kitchen load) and a link to the analytics dashboard. Static
 * HTML/JS (no build step) that talks to the WebSocket push and, for staff
 * actions, the staff HTTP API (or the push socket's `action` frames when no API
 * is mounted).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRequest, HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { DEFAULT_PUSH_PATH } from '../push/hub.js';

export const DEFAULT_SCREENS_PATH = '/screens';
export const DEFAULT_STAFF_API_BASE = '/v1/staff';
/** The analytics dashboard's port (analytics' `ANALYTICS_HTTP_PORT` default). */
export const DEFAULT_DASHBOARD_PORT = 9470;

export interface ScreensOptions {
  /** Where the pages live (default `/screens`). */
  readonly basePath?: string;
  /** The push endpoint the pages connect to (default `/ws`). */
  readonly pushPath?: string;
  /**
   * The staff HTTP API prefix (`/v1/staff`): start/bump/accept/serve go to
   * `<apiBase>/stores/{store}/orders/{orderId}/…`. `null` sends them as `action`
   * frames on the push socket instead.
   */
  readonly apiBase?: string | null;
  /**
   * The analytics dashboard's URL; the board and the index link to it. Default: the host
   * the screen was opened at, on port 9470 (where `npm start` runs the dashboard).
   */
  readonly dashboardUrl?: string;
}

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cache: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  otf: 'font/otf',
};

function asset(body: Buffer, name: string, cache = 'no-cache'): Asset {
  const ext = name.slice(name.lastIndexOf('.') + 1);
  const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
  return { body, type: TYPES[ext] ?? 'application/octet-stream', etag, cache };
}

/** Noto Sans Hans, the CJK fallback font when the device has none (a browser only fetches it then). */
function cjkFontPath(): string | null {
  try {
    const p = join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts', 'NotoSansHans-Regular.otf');
    return existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function escapeJsonForHtml(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

/** Registers GET routes for the pages and their assets on `app`. */
export function mountScreens(app: TemplatedApp, opts: ScreensOptions = {}): void {
  const base = opts.basePath ?? DEFAULT_SCREENS_PATH;
  const config = {
    base,
    pushPath: opts.pushPath ?? DEFAULT_PUSH_PATH,
    apiBase: opts.apiBase === undefined ? DEFAULT_STAFF_API_BASE : opts.apiBase,
    dashboardUrl: opts.dashboardUrl ?? null,
    dashboardPort: DEFAULT_DASHBOARD_PORT,
  };
  const staticDir = join(here, 'static');
  const page = (file: string): Asset =>
    asset(
      Buffer.from(
        readFileSync(join(staticDir, file), 'utf8')
          .replaceAll('{{BASE}}', base)
          .replace('{{CONFIG}}', escapeJsonForHtml(config)),
      ),
      file,
    );
  const assets = new Map<string, Asset>([
    [`${base}`, page('index.html')],
    [`${base}/`, page('index.html')],
    [`${base}/kitchen`, page('kitchen.html')],
    [`${base}/board`, page('board.html')],
    [`${base}/push-client.js`, asset(readFileSync(join(here, '..', 'push', 'client.js')), 'push-client.js')],
  ]);
  for (const f of ['common.js', 'kitchen.js', 'board.js', 'screens.css']) {
    assets.set(`${base}/${f}`, asset(readFileSync(join(staticDir, f)), f));
  }
  const font = cjkFontPath();
  if (font !== null) {
    // Loaded lazily: read on first request, kept for the process.
    let cached: Asset | undefined;
    app.get(`${base}/fonts/cjk.otf`, (res, req) => {
      cached ??= asset(readFileSync(font), 'cjk.otf', 'public, max-age=31536000, immutable');
      serve(res, req, cached);
    });
  }
  for (const [path, a] of assets) app.get(path, (res, req) => serve(res, req, a));
}

function serve(res: HttpResponse, req: HttpRequest, a: Asset): void {
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
      .writeHeader('referrer-policy', 'no-referrer')
      .end(a.body);
  });
}
