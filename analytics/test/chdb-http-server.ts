/**
 * A ClickHouse HTTP endpoint in a process of its own, answered by chDB: what
 * `analytics/test/server-path.test.ts` points `CLICKHOUSE_URL` at, since no ClickHouse server
 * that runs this schema installs here (Debian's clickhouse-server is 18.16, from 2018: no column
 * codecs). It speaks the part of the HTTP interface `@clickhouse/client` uses: `GET /ping`, a POST
 * whose body is the statement (its settings, `param_*` and `query_id` in the URL), and an insert
 * (`?query=INSERT … FORMAT …`, the rows in the body); a failure is a 500 with ClickHouse's
 * `Code: N. DB::Exception: …` text and `X-ClickHouse-Exception-Code`. Each request runs on chDB's
 * own `@clickhouse/client` connection (`chdb/connection`), on the folder `CHDB_PATH`.
 *
 *   CHDB_PATH=/tmp/x node --import tsx analytics/test/chdb-http-server.ts   # prints CHDB HTTP READY port=<p>
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { createChdbConnection } from 'chdb/connection';

/** URL parameters that are the HTTP interface's own, not settings. */
const RESERVED = new Set([
  'query',
  'query_id',
  'database',
  'session_id',
  'session_timeout',
  'session_check',
  'default_format',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'enable_http_compression',
  'role',
]);

const connection = createChdbConnection({ path: process.env.CHDB_PATH ?? '.data/chdb-http' });

function parts(url: URL): {
  settings: Record<string, string>;
  params: Record<string, string>;
  queryId: string | undefined;
} {
  const settings: Record<string, string> = {};
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k.startsWith('param_')) params[k.slice('param_'.length)] = v;
    else if (!RESERVED.has(k)) settings[k] = v;
  }
  return { settings, params, queryId: url.searchParams.get('query_id') ?? undefined };
}

async function body(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/ping') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n');
    return;
  }
  const { settings, params, queryId } = parts(url);
  const text = await body(req);
  const inUrl = url.searchParams.get('query');
  const common = {
    clickhouse_settings: settings,
    query_params: params,
    ...(queryId === undefined ? {} : { query_id: queryId }),
  };
  // An insert names its statement in the URL and sends the rows; anything else sends the statement.
  const r =
    inUrl !== null
      ? await connection.exec({ ...common, query: inUrl, values: Readable.from([text]) })
      : await connection.exec({ ...common, query: text });
  res.writeHead(200, {
    'content-type': 'text/plain; charset=UTF-8',
    'x-clickhouse-query-id': r.query_id,
    ...(r.summary === undefined ? {} : { 'x-clickhouse-summary': JSON.stringify(r.summary) }),
  });
  r.stream.pipe(res);
}

const server = http.createServer((req, res) => {
  answer(req, res).catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    const code = /Code: (\d+)/.exec(message)?.[1] ?? (e as { code?: string }).code ?? '1001';
    const text = message.startsWith('Code:') ? message : `Code: ${code}. DB::Exception: ${message}`;
    if (!res.headersSent) res.writeHead(500, { 'x-clickhouse-exception-code': String(code) });
    res.end(`${text}\n`);
  });
});
server.listen(Number(process.env.CHDB_HTTP_PORT ?? 0), '127.0.0.1', () => {
  const a = server.address();
  console.log(`CHDB HTTP READY port=${typeof a === 'object' && a !== null ? a.port : 0}`);
});
const stop = (): void => {
  server.close();
  void connection.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
