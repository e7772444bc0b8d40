/**
 * The one seam between analytics and ClickHouse. Both backends are the same
 * `@clickhouse/client` code; only the transport differs:
 *
 *   chDB (default)        createClient({ connection: createChdbConnection({ path }) })   in-process engine, data in a folder
 *   server (CLICKHOUSE_URL) createClient({ url, username, password, database })          HTTP(S)
 *
 * So every query, insert, setting and result parsing below runs identically on
 * both, and the test suite exercising it on chDB exercises the server path too,
 * except for the HTTP transport itself.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { AnalyticsConfig } from './config.js';
import { AnalyticsError, ErrorCode, ensureError } from './errors.js';

type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/** chDB's escape hatch on its connection: the payload Buffer goes to the engine without a copy into a SQL string. */
interface RawInserter {
  rawInsert(p: {
    table: string;
    values: Buffer;
    format: 'TabSeparated';
    columns?: readonly string[];
    settings?: Record<string, number>;
  }): Promise<unknown>;
}

function rawInserterOf(connection: unknown): RawInserter | undefined {
  const ext = (connection as { chdb?: Partial<RawInserter> } | null)?.chdb;
  return typeof ext?.rawInsert === 'function' ? (ext as RawInserter) : undefined;
}

export type QueryParams = Record<string, unknown>;

/** Settings every query runs with, so both transports give the same JSON. */
const COMMON_SETTINGS: ClickHouseSettings = {
  // 64-bit integers as JSON numbers (fen sums stay far below 2^53).
  output_format_json_quote_64bit_integers: 0,
};

/** Bounds for analysts' raw SQL. */
export interface ReadonlyLimits {
  maxRows?: number;
  maxSeconds?: number;
}

export class Warehouse {
  readonly kind: 'chdb' | 'server';
  readonly where: string;
  private readonly rw: ClickHouseClient;
  private readonly ro: ClickHouseClient;
  /** True when `ro` is a read-only user whose profile already sets readonly (it may not set settings). */
  private readonly roIsUser: boolean;
  /** chDB's zero-copy insert, when the transport is chDB and raw inserts are not turned off. */
  private readonly raw: RawInserter | undefined;
  private closed = false;

  private constructor(
    kind: 'chdb' | 'server',
    where: string,
    rw: ClickHouseClient,
    ro: ClickHouseClient,
    roIsUser: boolean,
    raw?: RawInserter,
  ) {
    this.kind = kind;
    this.where = where;
    this.rw = rw;
    this.ro = ro;
    this.roIsUser = roIsUser;
    this.raw = raw;
  }

  /** chDB at `cfg.chdbPath`, or the server at `cfg.clickhouseUrl` when set. */
  static open(
    cfg: Pick<
      AnalyticsConfig,
      | 'clickhouseUrl'
      | 'clickhouseUser'
      | 'clickhousePassword'
      | 'clickhouseDatabase'
      | 'clickhouseReadonlyUser'
      | 'clickhouseReadonlyPassword'
      | 'chdbPath'
    >,
  ): Warehouse {
    if (cfg.clickhouseUrl !== '') {
      const base = { url: cfg.clickhouseUrl, database: cfg.clickhouseDatabase, clickhouse_settings: COMMON_SETTINGS };
      const rw = createClient({ ...base, username: cfg.clickhouseUser, password: cfg.clickhousePassword });
      const roUser = cfg.clickhouseReadonlyUser !== '';
      const ro = roUser
        ? createClient({ ...base, username: cfg.clickhouseReadonlyUser, password: cfg.clickhouseReadonlyPassword })
        : rw;
      return new Warehouse('server', new URL(cfg.clickhouseUrl).origin, rw, ro, roUser);
    }
    fs.mkdirSync(cfg.chdbPath, { recursive: true });
    // chdb types its Connection against @clickhouse/client-common 1.23.0, the client bundles
    // its own copy of the same interface: identical at run time, distinct to the type checker.
    const connection = createChdbConnection({ path: cfg.chdbPath }) as unknown as ClientConnection;
    return Warehouse.overConnection('chdb', cfg.chdbPath, connection);
  }

  /**
   * The transport seam: any `@clickhouse/client` Connection. `open` uses it for
   * chDB; a test can hand in another one to check the contract.
   */
  static overConnection(
    kind: 'chdb' | 'server',
    where: string,
    connection: ClientConnection,
    o: { rawInsert?: boolean } = {},
  ): Warehouse {
    const client = createClient({ connection, clickhouse_settings: COMMON_SETTINGS });
    const raw = o.rawInsert === false ? undefined : rawInserterOf(connection);
    return new Warehouse(kind, where, client, client, false, raw);
  }

  /** Runs a SELECT with `{name:Type}` parameters bound by ClickHouse; rows as objects. */
  async query<T = Record<string, unknown>>(sql: string, params: QueryParams = {}): Promise<T[]> {
    try {
      const rs = await this.rw.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (e) {
      throw new AnalyticsError(ErrorCode.Query, clickhouseMessage(e), { cause: e });
    }
  }

  /** DDL and other statements without a result. */
  async command(sql: string): Promise<void> {
    try {
      await this.rw.command({ query: sql });
    } catch (e) {
      throw new AnalyticsError(ErrorCode.Query, clickhouseMessage(e), { cause: e });
    }
  }

  /** One INSERT of JSONEachRow rows: one block, so it lands whole or not at all in the target table. */
  async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.rw.insert({ table, values: rows as object[], format: 'JSONEachRow' });
    } catch (e) {
      throw new AnalyticsError(ErrorCode.Insert, `insert into ${table} failed: ${clickhouseMessage(e)}`, { cause: e });
    }
  }

  /**
   * One INSERT of TabSeparated text (`columns` in the order of the fields), one
   * block as above. On chDB the Buffer goes to the engine as it is (chDB's raw
   * insert); otherwise through the client as a stream, which is the server path.
   */
  async insertTsv(
    table: string,
    columns: readonly string[],
    data: Buffer,
    settings: Record<string, number> = {},
  ): Promise<void> {
    if (data.length === 0) return;
    try {
      if (this.raw !== undefined)
        await this.raw.rawInsert({ table, values: data, format: 'TabSeparated', columns, settings });
      else
        await this.rw.insert({
          table,
          values: Readable.from([data], { objectMode: false }),
          format: 'TabSeparated',
          columns: [...columns] as [string, ...string[]],
          clickhouse_settings: settings,
        });
    } catch (e) {
      throw new AnalyticsError(ErrorCode.Insert, `insert into ${table} failed: ${clickhouseMessage(e)}`, { cause: e });
    }
  }

  /**
   * Analysts' raw SQL, refused by ClickHouse itself if it writes: the text runs
   * as a subquery of `SELECT * FROM (…) SETTINGS readonly = 1` (a write is not
   * a subquery, and readonly also stops file()/url() table functions), or, on
   * the server path with CLICKHOUSE_READONLY_USER, as that user whose profile is
   * read-only. The SETTINGS go on the query, not the session: chDB's connection
   * turns `clickhouse_settings` into session-wide `SET`s, and a session left
   * read-only could not ingest any more. A SETTINGS clause of the analyst's own
   * is refused, since a subquery's settings apply before the outer ones.
   */
  async readonlyQuery<T = Record<string, unknown>>(
    sql: string,
    params: QueryParams = {},
    limits: ReadonlyLimits = {},
  ): Promise<T[]> {
    const text = sql.trim().replace(/;+\s*$/, '');
    if (text === '') throw new AnalyticsError(ErrorCode.BadRequest, 'empty query');
    const code = withoutLiterals(text);
    if (code.includes(';')) throw new AnalyticsError(ErrorCode.ReadOnly, 'one statement at a time');
    if (!/^\s*(\(|SELECT\b|WITH\b)/i.test(code))
      throw new AnalyticsError(ErrorCode.ReadOnly, 'read-only SQL: only SELECT (or WITH … SELECT) queries');
    if (/\bSETTINGS\b/i.test(code)) throw new AnalyticsError(ErrorCode.ReadOnly, 'read-only SQL: no SETTINGS clause');
    const settings = this.roIsUser
      ? ''
      : ` SETTINGS readonly = 1, max_result_rows = ${limits.maxRows ?? 100_000}, result_overflow_mode = 'break', max_execution_time = ${limits.maxSeconds ?? 30}`;
    try {
      const rs = await this.ro.query({
        query: `SELECT * FROM (\n${text}\n)${settings}`,
        query_params: params,
        format: 'JSONEachRow',
      });
      return await rs.json<T>();
    } catch (e) {
      const msg = clickhouseMessage(e);
      throw new AnalyticsError(/readonly|read-only/i.test(msg) ? ErrorCode.ReadOnly : ErrorCode.Query, msg, {
        cause: e,
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.rw.close();
    if (this.ro !== this.rw) await this.ro.close();
  }
}

function clickhouseMessage(e: unknown): string {
  return ensureError(e).message.trim().split('\n')[0]!.slice(0, 500);
}

/** The SQL text with string literals, quoted identifiers and comments blanked, for lexical checks. */
function withoutLiterals(sql: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote !== null) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      out += ' ';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      out += ' ';
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out += ' ';
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 1;
      out += ' ';
    } else out += ch;
  }
  return out;
}
