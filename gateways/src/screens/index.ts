/**
 * Staff screens served by the gateway: a kitchen display (tickets per station,
 * timers, start/bump), a table board (live table states, orders waiting for
 * staff, the kitchen load) and a link to the analytics dashboard. Static
 * HTML/JS (no build step) that talks to the WebSocket push and, for staff
 * actions, the staff HTTP API (or the push socket's `action` frames when no API
 * is mounted).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { DEFAULT_PUSH_PATH } from '../push/hub.js';
import { serveAsset, staticAsset, type StaticAsset } from '../static-asset.js';

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

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

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
  const page = (file: string): StaticAsset =>
    staticAsset(
      Buffer.from(
        readFileSync(join(staticDir, file), 'utf8')
          .replaceAll('{{BASE}}', base)
          .replace('{{CONFIG}}', escapeJsonForHtml(config)),
      ),
      file,
    );
  const assets = new Map<string, StaticAsset>([
    [`${base}`, page('index.html')],
    [`${base}/`, page('index.html')],
    [`${base}/kitchen`, page('kitchen.html')],
    [`${base}/board`, page('board.html')],
    [`${base}/push-client.js`, staticAsset(readFileSync(join(here, '..', 'push', 'client.js')), 'push-client.js')],
    // What push-client.js imports, under the name it imports.
    [
      `${base}/topic-sequencer.js`,
      staticAsset(readFileSync(join(here, '..', 'push', 'topic-sequencer.js')), 'topic-sequencer.js'),
    ],
  ]);
  for (const f of ['common.js', 'labels.js', 'kitchen.js', 'board.js', 'screens.css']) {
    assets.set(`${base}/${f}`, staticAsset(readFileSync(join(staticDir, f)), f));
  }
  const font = cjkFontPath();
  if (font !== null) {
    // Loaded lazily: read on first request, kept for the process.
    let cached: StaticAsset | undefined;
    app.get(`${base}/fonts/cjk.otf`, (res, req) => {
      cached ??= staticAsset(readFileSync(font), 'cjk.otf', 'public, max-age=31536000, immutable');
      serveAsset(res, req, cached);
    });
  }
  for (const [path, a] of assets) app.get(path, (res, req) => serveAsset(res, req, a));
}
