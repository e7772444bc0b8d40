/**
 * The merchant console (商家后台): a web app under `/console/` and the API routes only it
 * needs (staff login, accounts, the audit trail, the menu editor, store settings, dish
 * photos). The app is Preact + htm as ES modules, served as they are (no bundler: the
 * build copies `static/` beside the compiled code, and Preact and htm come from their
 * packages' own ESM builds through an import map), so what a browser runs is what is in
 * the repository. Everything else the console does goes through the staff API
 * (`/v1/staff/stores/{store}/…`) and the push socket (`/ws`), like the staff screens.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import type { GatewayDeps } from '../deps.js';
import type { Route } from '../http.js';
import { serveAsset, staticAsset, type StaticAsset } from '../static-asset.js';
import { accountRoutes } from './accounts.js';
import { auditRoute } from './audit.js';
import { campaignListRoute } from './campaigns.js';
import { imageRoutes } from './images.js';
import { loginRoutes } from './login.js';
import { menuRoutes } from './menu.js';
import { printerTestRoute } from './printers.js';
import { storeListRoute } from './stores.js';

export { audited } from './audit.js';
export { closeImagePool } from './images.js';
export { hashPassword, newTotp, totpCode, verifyPassword, verifyTotp } from './passwords.js';

export const CONSOLE_PATH = '/console';

export function consoleRoutes(deps: GatewayDeps): Route[] {
  return [
    ...loginRoutes(deps),
    storeListRoute(deps),
    ...accountRoutes(deps),
    auditRoute(deps),
    ...menuRoutes(deps),
    ...imageRoutes(deps),
    campaignListRoute(deps),
    printerTestRoute(deps),
  ];
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Preact, its hooks and htm: the packages' own ES module builds. */
function vendor(): Map<string, StaticAsset> {
  // Each package's ES module build, beside what `require` resolves (preact 11 ships only ESM).
  const preact = require.resolve('preact');
  const hooks = require.resolve('preact/hooks');
  const htm = join(dirname(require.resolve('htm')), 'htm.mjs');
  return new Map([
    ['vendor/preact.mjs', staticAsset(readFileSync(preact), 'preact.mjs')],
    ['vendor/hooks.mjs', staticAsset(readFileSync(hooks), 'hooks.mjs')],
    ['vendor/htm.mjs', staticAsset(readFileSync(htm), 'htm.mjs')],
  ]);
}

/** Registers GET routes for the console's page and modules on `app`. */
export function mountConsole(app: TemplatedApp, base = CONSOLE_PATH): void {
  const dir = join(here, 'static');
  const files = new Map<string, StaticAsset>(vendor());
  for (const name of readdirSync(dir)) files.set(name, staticAsset(readFileSync(join(dir, name)), name));
  // The stations' and statuses' Chinese labels are the staff screens' (one source for both).
  files.set('labels.js', staticAsset(readFileSync(join(here, '..', 'screens', 'static', 'labels.js')), 'labels.js'));
  const html = files.get('index.html')!.body.toString('utf8').replaceAll('{{BASE}}', base);
  const page = { ...staticAsset(Buffer.from(html), 'index.html'), csp: policyOf(html) };
  app.get(base, (res, req) => serveAsset(res, req, page));
  app.get(`${base}/`, (res, req) => serveAsset(res, req, page));
  for (const [name, a] of files)
    if (name !== 'index.html') app.get(`${base}/${name}`, (res, req) => serveAsset(res, req, a));
}

/**
 * The page's Content-Security-Policy: scripts only from here (and the import map, by its hash),
 * no plugins, no framing of the console; photos from anywhere (a menu may name a CDN), the
 * dashboard framed from the analytics port, the push socket.
 */
function policyOf(html: string): string {
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(map).digest('base64');
  return [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: http: https:",
    "connect-src 'self' ws: wss:",
    'frame-src http: https:',
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
