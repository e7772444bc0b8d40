/**
 * Reference designs behind the same HTTP API subset the bench scenarios use (login,
 * scan, menu, place order, pay, the payment simulator, order status, POS and
 * delivery webhooks, staff stock get/set), written the way a competent team would
 * without an actor engine:
 *
 *   REFERENCE_DESIGN=a  stock in Redis, deducted by one Lua script per order (all
 *                       lines or none, idempotent by order / channel id); the order
 *                       row INSERTed into PostgreSQL with synchronous_commit = on
 *                       before the answer; a failed insert gives the stock back.
 *   REFERENCE_DESIGN=b  everything in PostgreSQL: one transaction per order,
 *                       `UPDATE stock SET available = available - q WHERE … AND
 *                       available >= q` per line (in SKU order, so no deadlocks),
 *                       then the order INSERT, COMMIT.
 *
 * Same auth as the gateway (HMAC table QR tokens, Redis diner sessions, HMAC staff
 * tokens, HMAC-signed webhooks); the simulator signs and verifies an RSA-2048
 * callback in-process (the gateway's simulator does it over HTTP). No rate limits,
 * no push, no kitchen. Creates database `lunchrush_bench_<random>` and Redis keys
 * `lrref<random>:*`; drops both on SIGTERM/SIGINT. Prints `REFERENCE READY port=<p>`.
 *
 * Where things are: backend.ts (the two designs' stock and sales, the database set-up),
 * routes/ (diner, orders, simulator, channels, staff), http.ts (requests, replies, the route
 * table on uWebSockets.js), auth.ts, catalog.ts (menus and prices).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Uws from '@trufflesuite/uws-js-unofficial';
import { generateDemoData } from '@lunchrush/actors/demo';
import { parseConfig } from '@lunchrush/gateways';
import { Auth } from './auth.js';
import { Backend } from './backend.js';
import { Catalog } from './catalog.js';
import type { Reference } from './context.js';
import { serveRoutes } from './http.js';
import { channelRoutes } from './routes/channels.js';
import { dinerRoutes } from './routes/diner.js';
import { orderRoutes } from './routes/orders.js';
import { simulatorRoutes } from './routes/simulator.js';
import { couponRoutes } from './routes/coupons.js';
import { staffRoutes } from './routes/staff.js';

const require = createRequire(import.meta.url);
const uws = require('@trufflesuite/uws-js-unofficial') as typeof Uws;

const design = process.env.REFERENCE_DESIGN === 'b' ? 'b' : 'a';
const stores = Number(process.env.REFERENCE_STORES ?? '20');
const cfg = parseConfig({ GATEWAY_DEV_SECRETS: '1' });
const data = generateDemoData({ stores });
const backend = new Backend(design);
const ref: Reference = {
  cfg,
  backend,
  auth: new Auth(backend.redis, backend.kp, cfg),
  catalog: new Catalog(data),
  rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

await backend.setup(data);
const app = uws.App();
app.any(
  '/*',
  serveRoutes([
    ...dinerRoutes(ref),
    ...orderRoutes(ref),
    ...simulatorRoutes(ref),
    ...channelRoutes(ref),
    ...staffRoutes(ref),
    ...couponRoutes(ref),
  ]),
);
let listen: Uws.us_listen_socket | false = false;
const port = await new Promise<number>((resolve, reject) =>
  app.listen('127.0.0.1', 0, (s) => {
    listen = s;
    if (s === false) reject(new Error('listen failed'));
    else resolve(uws.us_socket_local_port(s));
  }),
);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  if (listen !== false) uws.us_listen_socket_close(listen);
  backend.teardown().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
console.log(`REFERENCE READY port=${port} design=${design} database=${backend.dbName}`);
