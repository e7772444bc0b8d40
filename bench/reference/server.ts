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
 */
import { createHash, createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import type * as Uws from '@trufflesuite/uws-js-unofficial';
import { generateDemoData } from '@lunchrush/actors/demo';
import { parseConfig, verifyStaffToken, verifyTableToken, verifyWebhook } from '@lunchrush/gateways';
import { Redis } from 'ioredis';
import pg from 'pg';

const require = createRequire(import.meta.url);
const uws = require('@trufflesuite/uws-js-unofficial') as typeof Uws;

const design = process.env.REFERENCE_DESIGN === 'b' ? 'b' : 'a';
const stores = Number(process.env.REFERENCE_STORES ?? '20');
const cfg = parseConfig({ GATEWAY_DEV_SECRETS: '1' });
const data = generateDemoData({ stores });
const suffix = randomBytes(4).toString('hex');
const dbName = `lunchrush_bench_${suffix}`;
const kp = `lrref${suffix}:`;
const PG = { host: process.env.PGHOST ?? '127.0.0.1', user: process.env.PGUSER ?? 'postgres', port: 5432 };
const SESSION_TTL_S = 14_400;

class Fail extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message = code,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

// The menu and prices, from the same demo data the engine is loaded with.
const skuPrice = new Map<string, number>();
for (const spu of data.template.spus) for (const k of spu.skus) skuPrice.set(k.skuId, k.priceFen);
const menus = new Map<string, { body: Buffer; gzip: Buffer; etag: string }>();
for (const s of data.stores) {
  const doc = {
    storeId: s.storeId,
    name: s.settings.name,
    spus: data.template.spus.map((spu) => ({
      ...spu,
      skus: spu.skus.map((k) => ({ ...k, priceFen: s.prices[k.skuId] ?? k.priceFen, costFen: undefined })),
    })),
  };
  const body = Buffer.from(JSON.stringify(doc));
  // Served gzipped to clients that take it, as the gateway does (nginx's gzip_static, in effect).
  menus.set(s.storeId, {
    body,
    gzip: gzipSync(body),
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
  });
}
const priceOf = (store: string, sku: string): number => {
  const s = data.stores.find((x) => x.storeId === store);
  const p = s?.prices[sku] ?? skuPrice.get(sku);
  if (p === undefined) throw new Fail(422, 'unknown_sku', `unknown SKU ${sku}`);
  return p;
};

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
// KEYS: dedup key, then one stock key per line; ARGV: qty per line. All or nothing.
const DEDUCT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {1, 0} end
for i = 2, #KEYS do
  local a = tonumber(redis.call('GET', KEYS[i]) or '0')
  if a < tonumber(ARGV[i - 1]) then return {0, i - 1, a} end
end
for i = 2, #KEYS do
  redis.call('DECRBY', KEYS[i], ARGV[i - 1])
  redis.call('INCRBY', KEYS[i] .. ':sold', ARGV[i - 1])
end
redis.call('SET', KEYS[1], '1', 'EX', 86400)
return {1, 1}`;
const GIVE_BACK = `
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do redis.call('INCRBY', KEYS[i], ARGV[i - 1]); redis.call('DECRBY', KEYS[i] .. ':sold', ARGV[i - 1]) end
return 1`;
redis.defineCommand('deduct', { lua: DEDUCT });
redis.defineCommand('giveBack', { lua: GIVE_BACK });
type LuaRedis = Redis & {
  deduct(n: number, ...args: (string | number)[]): Promise<[number, number, number?]>;
  giveBack(n: number, ...args: (string | number)[]): Promise<number>;
};
const lua = redis as LuaRedis;
const stockKey = (store: string, sku: string): string => `${kp}stock:${store}:${sku}`;

let db: pg.Pool;

async function setupDb(): Promise<void> {
  const admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  db = new pg.Pool({ ...PG, database: dbName, max: 32, options: '-c synchronous_commit=on' });
  await db.query(`
    CREATE TABLE orders (order_id text PRIMARY KEY, store text NOT NULL, table_id text, diner_id text NOT NULL,
      lines jsonb NOT NULL, total_fen integer NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE channel_sales (channel text, ref text, store text NOT NULL, lines jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (channel, ref));
    CREATE TABLE stock (store text, sku text, available integer NOT NULL CHECK (available >= 0),
      sold integer NOT NULL DEFAULT 0, PRIMARY KEY (store, sku));`);
  const rows = data.stores.flatMap((s) => Object.entries(s.stock).map(([sku, n]) => [s.storeId, sku, n] as const));
  if (design === 'b') {
    for (let i = 0; i < rows.length; i += 500) {
      const part = rows.slice(i, i + 500);
      await db.query(
        `INSERT INTO stock (store, sku, available) VALUES ${part.map((_, j) => `($${3 * j + 1}, $${3 * j + 2}, $${3 * j + 3})`).join(',')}`,
        part.flat(),
      );
    }
  } else {
    const p = redis.pipeline();
    for (const [store, sku, n] of rows) p.set(stockKey(store, sku), n).set(`${stockKey(store, sku)}:sold`, 0);
    await p.exec();
  }
}

/** Redis keys first (fast), then the database: DROP DATABASE waits for a checkpoint, slow on a busy machine. */
async function teardown(): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${kp}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
  await db?.end().catch(() => undefined);
  const admin = new pg.Client({ ...PG, database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}

type Lines = { skuId: string; qty: number }[];
function mergeLines(lines: unknown): Lines {
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 50)
    throw new Fail(400, 'validation_failed', 'lines: 1–50');
  const m = new Map<string, number>();
  for (const l of lines as { skuId?: unknown; qty?: unknown }[]) {
    if (typeof l.skuId !== 'string' || !Number.isInteger(l.qty) || (l.qty as number) < 1 || (l.qty as number) > 99)
      throw new Fail(400, 'validation_failed', 'bad line');
    m.set(l.skuId, (m.get(l.skuId) ?? 0) + (l.qty as number));
  }
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([skuId, qty]) => ({ skuId, qty }));
}

/** Deduct every line or none; `dedup` names the business id so a retry deducts once. */
async function deduct(store: string, dedup: string, lines: Lines): Promise<void> {
  if (design === 'a') {
    const keys = [`${kp}dedup:${dedup}`, ...lines.map((l) => stockKey(store, l.skuId))];
    const r = await lua.deduct(keys.length, ...keys, ...lines.map((l) => l.qty));
    if (r[0] === 0) {
      const l = lines[r[1] - 1]!;
      throw new Fail(409, 'sold_out', `${l.skuId}: ${r[2]} left`, { skus: [{ skuId: l.skuId, available: r[2] }] });
    }
  }
}

async function giveBack(store: string, dedup: string, lines: Lines): Promise<void> {
  const keys = [`${kp}dedup:${dedup}`, ...lines.map((l) => stockKey(store, l.skuId))];
  await lua.giveBack(keys.length, ...keys, ...lines.map((l) => l.qty));
}

/** Design b: the deductions and the insert in one transaction. */
async function pgTransaction(store: string, lines: Lines, insert: (c: pg.PoolClient) => Promise<boolean>) {
  const c = await db.connect();
  try {
    await c.query('BEGIN');
    for (const l of lines) {
      const r = await c.query(
        'UPDATE stock SET available = available - $3, sold = sold + $3 WHERE store = $1 AND sku = $2 AND available >= $3',
        [store, l.skuId, l.qty],
      );
      if (r.rowCount === 0) {
        await c.query('ROLLBACK');
        throw new Fail(409, 'sold_out', `${l.skuId} is short`, { skus: [{ skuId: l.skuId }] });
      }
    }
    if (!(await insert(c))) {
      await c.query('ROLLBACK'); // a repeat: the first one deducted
      return;
    }
    await c.query('COMMIT');
  } catch (e) {
    if (!(e instanceof Fail)) await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

interface Req {
  readonly method: string;
  readonly url: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  body: Buffer;
  readonly params: string[];
}
interface Reply {
  status?: number;
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

async function session(req: Req): Promise<{ dinerId: string; store?: string; tableId?: string }> {
  const a = req.headers.authorization ?? '';
  if (!a.startsWith('Bearer ')) throw new Fail(401, 'unauthorized');
  const s = await redis.get(`${kp}sess:${a.slice(7)}`);
  if (s === null) throw new Fail(401, 'unauthorized');
  return JSON.parse(s) as { dinerId: string; store?: string; tableId?: string };
}
const json = (req: Req): Record<string, unknown> => {
  try {
    return JSON.parse(req.body.toString()) as Record<string, unknown>;
  } catch {
    throw new Fail(400, 'bad_request', 'body is not JSON');
  }
};
function staff(req: Req, store: string): void {
  const a = req.headers.authorization ?? '';
  const c = verifyStaffToken(cfg.staffKeys, a.slice(7));
  if (c.store !== store) throw new Fail(403, 'forbidden');
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const routes: [string, RegExp, (req: Req) => Promise<Reply>][] = [
  [
    'POST',
    /^\/v1\/diner\/login$/,
    async (req) => {
      const b = json(req);
      if (typeof b.code !== 'string') throw new Fail(400, 'validation_failed');
      const token = `ds_${randomBytes(24).toString('base64url')}`;
      const dinerId = `d_${createHash('sha256').update(b.code).digest('base64url').slice(0, 16)}`;
      await redis.set(`${kp}sess:${token}`, JSON.stringify({ dinerId }), 'EX', SESSION_TTL_S);
      return { body: { sessionToken: token, dinerId, expiresInS: SESSION_TTL_S } };
    },
  ],
  [
    'POST',
    /^\/v1\/diner\/scan$/,
    async (req) => {
      const s = await session(req);
      const t = verifyTableToken(cfg.qrKeys, String(json(req).tableToken));
      const token = req.headers.authorization!.slice(7);
      await redis.set(
        `${kp}sess:${token}`,
        JSON.stringify({ ...s, store: t.store, tableId: t.tableId }),
        'EX',
        SESSION_TTL_S,
      );
      return { body: { store: { storeId: t.store }, table: { tableId: t.tableId } } };
    },
  ],
  [
    'GET',
    /^\/v1\/stores\/(\d{3})\/menu$/,
    (req) => {
      const m = menus.get(req.params[0]!);
      if (m === undefined) return Promise.reject(new Fail(404, 'store_not_configured'));
      if (req.headers['if-none-match'] === m.etag) return Promise.resolve({ status: 304, headers: { etag: m.etag } });
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? ''))
        return Promise.resolve({ raw: m.gzip, headers: { etag: m.etag, 'content-encoding': 'gzip' } });
      return Promise.resolve({ raw: m.body, headers: { etag: m.etag } });
    },
  ],
  [
    'POST',
    /^\/v1\/diner\/orders$/,
    async (req) => {
      const s = await session(req);
      const key = req.headers['idempotency-key'];
      if (key === undefined || !/^[A-Za-z0-9_-]{8,64}$/.test(key)) throw new Fail(400, 'missing_idempotency_key');
      const b = json(req);
      const store = s.store ?? (typeof b.store === 'string' ? b.store : undefined);
      if (store === undefined) throw new Fail(409, 'no_table');
      const lines = mergeLines(b.lines);
      const total = lines.reduce((a, l) => a + priceOf(store, l.skuId) * l.qty, 0);
      const orderId = `o_${store}_${createHash('sha256').update(`${s.dinerId}\0${key}`).digest('base64url').slice(0, 20)}`;
      const insert = (c: pg.Pool | pg.PoolClient): Promise<boolean> =>
        c
          .query(
            `INSERT INTO orders (order_id, store, table_id, diner_id, lines, total_fen, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending_payment') ON CONFLICT (order_id) DO NOTHING`,
            [orderId, store, s.tableId ?? null, s.dinerId, JSON.stringify(lines), total],
          )
          .then((r) => r.rowCount === 1);
      if (design === 'a') {
        await deduct(store, `order:${orderId}`, lines);
        try {
          await insert(db);
        } catch (e) {
          await giveBack(store, `order:${orderId}`, lines);
          throw e;
        }
      } else await pgTransaction(store, lines, insert);
      return { status: 201, body: { order: { orderId, status: 'pending_payment', totalFen: total } } };
    },
  ],
  [
    'POST',
    /^\/v1\/diner\/orders\/([A-Za-z0-9_-]+)\/pay$/,
    async (req) => {
      const s = await session(req);
      const r = await db.query('SELECT status, total_fen, diner_id FROM orders WHERE order_id = $1', [req.params[0]]);
      const o = r.rows[0] as { status: string; total_fen: number; diner_id: string } | undefined;
      if (o === undefined || o.diner_id !== s.dinerId) throw new Fail(404, 'unknown_order');
      if (o.status !== 'pending_payment') throw new Fail(409, 'invalid_transition');
      // wx.requestPayment's paySign: RSA-SHA256 with the merchant key, as the gateway signs it.
      const pkg = `prepay_id=wx${req.params[0]}`;
      const paySign = createSign('RSA-SHA256')
        .update(`app\n${Date.now()}\n${randomBytes(8).toString('hex')}\n${pkg}\n`)
        .sign(rsa.privateKey, 'base64');
      return {
        body: {
          orderId: req.params[0],
          amountFen: o.total_fen,
          prepayId: `wx${req.params[0]}`,
          requestPayment: { package: pkg, paySign },
        },
      };
    },
  ],
  [
    'POST',
    /^\/v1\/simulator\/wechatpay\/pay$/,
    async (req) => {
      const b = json(req);
      const prepayId = typeof b.prepayId === 'string' ? b.prepayId : '';
      const orderId = prepayId.slice(2);
      // What WeChat Pay and the merchant do with each callback: sign, then verify.
      const payload = `${Date.now()}\n${randomBytes(16).toString('hex')}\n${JSON.stringify({ orderId })}\n`;
      const sig = createSign('RSA-SHA256').update(payload).sign(rsa.privateKey);
      if (!createVerify('RSA-SHA256').update(payload).verify(rsa.publicKey, sig))
        throw new Fail(401, 'invalid_signature');
      await db.query(`UPDATE orders SET status = 'paid' WHERE order_id = $1 AND status = 'pending_payment'`, [orderId]);
      return { body: { callbackStatus: 204 } };
    },
  ],
  [
    'GET',
    /^\/v1\/diner\/orders\/([A-Za-z0-9_-]+)$/,
    async (req) => {
      const s = await session(req);
      const r = await db.query('SELECT order_id, status, total_fen, lines, diner_id FROM orders WHERE order_id = $1', [
        req.params[0],
      ]);
      const o = r.rows[0] as { order_id: string; status: string; total_fen: number; diner_id: string } | undefined;
      if (o === undefined || o.diner_id !== s.dinerId) throw new Fail(404, 'unknown_order');
      return { body: { orderId: o.order_id, status: o.status, totalFen: o.total_fen } };
    },
  ],
  ...(['pos', 'delivery'] as const).map(
    (channel) =>
      [
        'POST',
        channel === 'pos' ? /^\/v1\/channels\/pos\/(\d{3})\/sales$/ : /^\/v1\/channels\/delivery\/(\d{3})\/orders$/,
        async (req: Req): Promise<Reply> => {
          verifyWebhook(channel === 'pos' ? cfg.posSecret : cfg.deliverySecret, req.headers, req.body, 300);
          const b = json(req);
          const ref = channel === 'pos' ? String(b.saleId) : `${String(b.platform)}.${String(b.platformOrderId)}`;
          const store = req.params[0]!;
          const lines = mergeLines(b.lines);
          const insert = (c: pg.Pool | pg.PoolClient): Promise<boolean> =>
            c
              .query(
                'INSERT INTO channel_sales (channel, ref, store, lines) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
                [channel, ref, store, JSON.stringify(lines)],
              )
              .then((r) => r.rowCount === 1);
          if (design === 'a') {
            await deduct(store, `${channel}:${ref}`, lines);
            try {
              await insert(db);
            } catch (e) {
              await giveBack(store, `${channel}:${ref}`, lines);
              throw e;
            }
          } else await pgTransaction(store, lines, insert);
          return { body: { ref, duplicate: false } };
        },
      ] as [string, RegExp, (req: Req) => Promise<Reply>],
  ),
  [
    // A waiter closes a table when the party leaves and marks it cleaned: the table's state in Redis.
    'POST',
    /^\/v1\/staff\/stores\/(\d{3})\/tables\/([A-Za-z0-9_-]+)\/(close|cleaned)$/,
    async (req) => {
      const [store, table, action] = req.params as [string, string, string];
      staff(req, store);
      await redis.set(`${kp}table:${table}`, action === 'close' ? 'cleaning' : 'free');
      return { body: { tableId: table, status: action === 'close' ? 'cleaning' : 'free' } };
    },
  ],
  [
    'GET',
    /^\/v1\/staff\/stores\/(\d{3})\/stock\/([A-Za-z0-9_-]+)$/,
    async (req) => {
      const [store, sku] = req.params as [string, string];
      staff(req, store);
      if (design === 'a') {
        const [a, s] = await redis.mget(stockKey(store, sku), `${stockKey(store, sku)}:sold`);
        return { body: { skuId: sku, available: Number(a ?? 0), reserved: 0, sold: Number(s ?? 0) } };
      }
      const r = await db.query('SELECT available, sold FROM stock WHERE store = $1 AND sku = $2', [store, sku]);
      const row = r.rows[0] as { available: number; sold: number } | undefined;
      return { body: { skuId: sku, available: row?.available ?? 0, reserved: 0, sold: row?.sold ?? 0 } };
    },
  ],
  [
    'POST',
    /^\/v1\/staff\/stores\/(\d{3})\/stock\/([A-Za-z0-9_-]+)\/set$/,
    async (req) => {
      const [store, sku] = req.params as [string, string];
      staff(req, store);
      const n = Number(json(req).available);
      if (!Number.isInteger(n) || n < 0) throw new Fail(400, 'validation_failed');
      if (design === 'a') await redis.set(stockKey(store, sku), n);
      else
        await db.query(
          'INSERT INTO stock (store, sku, available) VALUES ($1, $2, $3) ON CONFLICT (store, sku) DO UPDATE SET available = $3',
          [store, sku, n],
        );
      return { body: { skuId: sku, available: n } };
    },
  ],
];

function serve(res: Uws.HttpResponse, req: Uws.HttpRequest): void {
  const method = req.getMethod().toUpperCase();
  const url = req.getUrl();
  const headers: Record<string, string> = {};
  req.forEach((k, v) => (headers[k] = v));
  const r: Req = { method, url, query: req.getQuery() ?? '', headers, body: Buffer.alloc(0), params: [] };
  let aborted = false;
  res.onAborted(() => (aborted = true));
  const chunks: Buffer[] = [];
  const reply = (x: Reply | Fail): void => {
    if (aborted) return;
    res.cork(() => {
      if (x instanceof Fail) {
        res.writeStatus(String(x.status));
        res.writeHeader('content-type', 'application/json');
        res.end(JSON.stringify({ code: x.code, message: x.message, details: x.details }));
        return;
      }
      res.writeStatus(String(x.status ?? 200));
      for (const [k, v] of Object.entries(x.headers ?? {})) res.writeHeader(k, v);
      if (x.status === 304) return void res.endWithoutBody();
      res.writeHeader('content-type', 'application/json');
      res.end(x.raw ?? JSON.stringify(x.body ?? {}));
    });
  };
  const run = (): void => {
    for (const [m, re, h] of routes) {
      if (m !== method) continue;
      const match = re.exec(url);
      if (match === null) continue;
      r.params.push(...match.slice(1));
      h(r).then(reply, (e: unknown) => {
        const f =
          e instanceof Fail
            ? e
            : typeof (e as { status?: unknown }).status === 'number' &&
                typeof (e as { code?: unknown }).code === 'string'
              ? new Fail((e as { status: number }).status, (e as { code: string }).code, (e as Error).message)
              : new Fail(503, 'internal', (e as Error).message);
        reply(f);
      });
      return;
    }
    reply(new Fail(404, 'not_found'));
  };
  if (method === 'GET') return run();
  res.onData((ab, last) => {
    chunks.push(Buffer.from(ab.slice(0)));
    if (last) {
      r.body = Buffer.concat(chunks);
      run();
    }
  });
}

await setupDb();
const app = uws.App();
app.any('/*', serve);
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
  teardown().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
console.log(`REFERENCE READY port=${port} design=${design} database=${dbName}`);
