/**
 * Where the reference designs keep stock and orders, and how they sell from it:
 *
 *   design a  stock in Redis, deducted by one Lua script per order (all lines or none,
 *             idempotent by order / channel id); the order row INSERTed into PostgreSQL
 *             with synchronous_commit = on before the answer; a failed insert gives the
 *             stock back.
 *   design b  everything in PostgreSQL: one transaction per order, `UPDATE stock SET
 *             available = available - q WHERE … AND available >= q` per line (in SKU
 *             order, so no deadlocks), then the order INSERT, COMMIT.
 *
 * Creates database `lunchrush_bench_<random>` and Redis keys `lrref<random>:*`; `teardown`
 * drops both.
 */
import { randomBytes } from 'node:crypto';
import type { DemoData } from '@lunchrush/actors/demo';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Fail, type Lines } from './http.js';

export type Design = 'a' | 'b';

const PG = { host: process.env.PGHOST ?? '127.0.0.1', user: process.env.PGUSER ?? 'postgres', port: 5432 };

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
type LuaRedis = Redis & {
  deduct(n: number, ...args: (string | number)[]): Promise<[number, number, number?]>;
  giveBack(n: number, ...args: (string | number)[]): Promise<number>;
};

/** Inserts the sale's row; false when it was there already (a repeat). */
export type Insert = (c: pg.Pool | pg.PoolClient) => Promise<boolean>;

export class Backend {
  readonly dbName: string;
  /** Prefix of every Redis key of this run. */
  readonly kp: string;
  readonly redis: Redis;
  private readonly lua: LuaRedis;
  private pool: pg.Pool | undefined;

  constructor(readonly design: Design) {
    const suffix = randomBytes(4).toString('hex');
    this.dbName = `lunchrush_bench_${suffix}`;
    this.kp = `lrref${suffix}:`;
    this.redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true });
    this.redis.defineCommand('deduct', { lua: DEDUCT });
    this.redis.defineCommand('giveBack', { lua: GIVE_BACK });
    this.lua = this.redis as LuaRedis;
  }

  get db(): pg.Pool {
    if (this.pool === undefined) throw new Error('the database is not set up');
    return this.pool;
  }

  stockKey(store: string, sku: string): string {
    return `${this.kp}stock:${store}:${sku}`;
  }

  /** Creates the database and its tables, and puts the demo data's stock where the design keeps it. */
  async setup(data: DemoData): Promise<void> {
    const admin = new pg.Client({ ...PG, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${this.dbName}`);
    await admin.end();
    const db = (this.pool = new pg.Pool({
      ...PG,
      database: this.dbName,
      max: 32,
      options: '-c synchronous_commit=on',
    }));
    await db.query(`
    CREATE TABLE orders (order_id text PRIMARY KEY, store text NOT NULL, table_id text, diner_id text NOT NULL,
      lines jsonb NOT NULL, total_fen integer NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE channel_sales (channel text, ref text, store text NOT NULL, lines jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (channel, ref));
    CREATE TABLE stock (store text, sku text, available integer NOT NULL CHECK (available >= 0),
      sold integer NOT NULL DEFAULT 0, PRIMARY KEY (store, sku));`);
    const rows = data.stores.flatMap((s) => Object.entries(s.stock).map(([sku, n]) => [s.storeId, sku, n] as const));
    if (this.design === 'b') {
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        await db.query(
          `INSERT INTO stock (store, sku, available) VALUES ${part.map((_, j) => `($${3 * j + 1}, $${3 * j + 2}, $${3 * j + 3})`).join(',')}`,
          part.flat(),
        );
      }
    } else {
      const p = this.redis.pipeline();
      for (const [store, sku, n] of rows)
        p.set(this.stockKey(store, sku), n).set(`${this.stockKey(store, sku)}:sold`, 0);
      await p.exec();
    }
  }

  /** Redis keys first (fast), then the database: DROP DATABASE waits for a checkpoint, slow on a busy machine. */
  async teardown(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.kp}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.unlink(...keys);
    } while (cursor !== '0');
    this.redis.disconnect();
    await this.pool?.end().catch(() => undefined);
    const admin = new pg.Client({ ...PG, database: 'postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
    await admin.end();
  }

  /**
   * Takes `lines` from the store's stock and inserts the sale, both or neither; `dedup` names the
   * business id so a retry deducts once.
   */
  async sell(store: string, dedup: string, lines: Lines, insert: Insert): Promise<void> {
    if (this.design === 'a') {
      await this.deduct(store, dedup, lines);
      try {
        await insert(this.db);
      } catch (e) {
        await this.giveBack(store, dedup, lines);
        throw e;
      }
    } else await this.pgTransaction(store, lines, insert);
  }

  /** Design a: deduct every line or none. */
  private async deduct(store: string, dedup: string, lines: Lines): Promise<void> {
    const keys = [`${this.kp}dedup:${dedup}`, ...lines.map((l) => this.stockKey(store, l.skuId))];
    const r = await this.lua.deduct(keys.length, ...keys, ...lines.map((l) => l.qty));
    if (r[0] === 0) {
      const l = lines[r[1] - 1]!;
      throw new Fail(409, 'sold_out', `${l.skuId}: ${r[2]} left`, { skus: [{ skuId: l.skuId, available: r[2] }] });
    }
  }

  private async giveBack(store: string, dedup: string, lines: Lines): Promise<void> {
    const keys = [`${this.kp}dedup:${dedup}`, ...lines.map((l) => this.stockKey(store, l.skuId))];
    await this.lua.giveBack(keys.length, ...keys, ...lines.map((l) => l.qty));
  }

  /** Design b: the deductions and the insert in one transaction. */
  private async pgTransaction(store: string, lines: Lines, insert: Insert): Promise<void> {
    const c = await this.db.connect();
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
}
