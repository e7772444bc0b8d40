/** The reference designs' HTTP layer on uWebSockets.js: requests, replies, errors and the route table. */
import type * as Uws from '@trufflesuite/uws-js-unofficial';

/** An error answered as `{ code, message, details }` with its status. */
export class Fail extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message = code,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export interface Req {
  readonly method: string;
  readonly url: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  body: Buffer;
  readonly params: string[];
}

export interface Reply {
  status?: number;
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** Method, path (its groups become `req.params`), handler. */
export type Route = [string, RegExp, (req: Req) => Promise<Reply>];

export type Lines = { skuId: string; qty: number }[];

/** An order's lines, one per SKU (quantities of a SKU named twice added), in SKU order. */
export function mergeLines(lines: unknown): Lines {
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

export const json = (req: Req): Record<string, unknown> => {
  try {
    return JSON.parse(req.body.toString()) as Record<string, unknown>;
  } catch {
    throw new Fail(400, 'bad_request', 'body is not JSON');
  }
};

/** A uWebSockets.js handler that answers each request with the first route that matches it. */
export function serveRoutes(routes: readonly Route[]): (res: Uws.HttpResponse, req: Uws.HttpRequest) => void {
  return (res, req) => {
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
  };
}
