/**
 * The small HTTP layer over uWebSockets.js: a route table (the same table the
 * OpenAPI document is generated from), request capture, bounded body reading and
 * corked replies. uWS habits (STYLE.md): `onAborted` is registered before any
 * await, everything the request object holds is copied out synchronously (it is
 * stack-allocated), `onData` chunks are copied (uWS neuters them after the
 * callback), the body is counted while it streams and refused past the limit, and
 * every late write happens inside `res.cork`.
 */
import { STATUS_CODES } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponse, TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import type { z } from 'zod';
import type { AuditEntryInput } from '@lunchrush/actors/staff';
import { ErrorCode, HttpError } from './errors.js';
import type { DinerSession } from './sessions.js';
import type { StaffClaims } from './tokens.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'del';
export type AuthKind = 'none' | 'diner' | 'staff' | 'signed';

/** Everything a handler may know about a request, copied out of uWS before the first await. */
export interface RequestInfo {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly ip: string;
  /** The raw body (empty for GET); kept for signature checks over the exact bytes. */
  body: Buffer;
  aborted: boolean;
  /**
   * Set by the pipeline for `auth: 'diner'` routes. `renew`: the answer carries a renewed token
   * (`Session-Token`), as the token is past half its life; a handler that answers a token of its
   * own (scan) or ends the session (logout) turns it off.
   */
  diner?: { token: string; session: DinerSession; renew: boolean };
  /** Set by the pipeline for `auth: 'staff'` routes. */
  staff?: StaffClaims;
  /**
   * Set for a route that `auditsItself`: the trail entry its one engine command carries, for its
   * actor to write in the same transaction as the action.
   */
  audit?: AuditEntryInput;
}

export const JSON_CONTENT = 'application/json; charset=utf-8';

export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send `body` as is (string or bytes) with this content type instead of JSON. */
  readonly contentType?: string;
}

export interface RouteDoc {
  readonly method: Method;
  /** OpenAPI style: `/v1/stores/{store}/menu`. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly auth: AuthKind;
  readonly roles?: readonly string[];
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** Content types the body may have (default JSON). */
  readonly bodyTypes?: readonly string[];
  readonly maxBodyBytes?: number;
  readonly headers?: readonly { name: string; required: boolean; description: string }[];
  readonly response?: z.ZodType;
  readonly responseStatus?: number;
  readonly responseDescription?: string;
  /** Error codes this route may answer (besides the ones every route may: see `COMMON_ERRORS`). */
  readonly errors: readonly string[];
  readonly rateLimited?: boolean;
  /** Count the rate limits in Redis, across every gateway (login), not in this process. */
  readonly globalRateLimit?: boolean;
  /**
   * A staff route whose handler sends `req.audit` with its one engine command, whose actor writes
   * it to the store's trail in the same transaction (`audited` then sends no entry of its own).
   */
  readonly auditsItself?: boolean;
}

/** Codes any route may answer. */
export const COMMON_ERRORS = [ErrorCode.NotFound, ErrorCode.InternalError] as const;

export interface Route<P = any, Q = any, B = any> extends RouteDoc {
  /** Runs on the raw request before the body is parsed (signature checks). */
  verify?(req: RequestInfo): void;
  handle(req: RequestInfo, input: { params: P; query: Q; body: B }): Promise<Reply>;
}

export function route<P = any, Q = any, B = any>(r: Route<P, Q, B>): Route<P, Q, B> {
  return r;
}

/** `/v1/stores/{store}/menu` → `/v1/stores/:store/menu` and the parameter names in order. */
export function uwsPattern(path: string): { pattern: string; names: string[] } {
  const names: string[] = [];
  const pattern = path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, n: string) => {
    names.push(n);
    return `:${n}`;
  });
  return { pattern, names };
}

const STATUS_LINES = new Map<number, string>(
  Object.entries(STATUS_CODES).map(([k, v]) => [Number(k), `${k} ${v ?? ''}`.trim()]),
);
export const statusLine = (s: number): string => STATUS_LINES.get(s) ?? String(s);

/** Copies what a handler needs out of the stack-allocated request. */
export function captureRequest(
  res: HttpResponse,
  req: HttpRequest,
  names: readonly string[],
  trustProxy: boolean,
): RequestInfo {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => {
    headers[k] = v;
  });
  const params: Record<string, string> = {};
  names.forEach((n, i) => {
    params[n] = decodeURIComponent(req.getParameter(i));
  });
  // Behind a trusted proxy the client is the first X-Forwarded-For address; the socket's peer is
  // asked for only without one (a getpeername per request: ~4 µs on this box, 2–4% of a node).
  const fwd = trustProxy ? headers['x-forwarded-for'] : undefined;
  const ip =
    fwd !== undefined && fwd !== ''
      ? fwd.split(',')[0]!.trim()
      : Buffer.from(res.getRemoteAddressAsText()).toString('latin1');
  return {
    id:
      headers['x-request-id'] !== undefined && /^[A-Za-z0-9_.:-]{1,64}$/.test(headers['x-request-id'])
        ? headers['x-request-id']
        : nextRequestId(),
    method: req.getMethod(),
    url: req.getUrl(),
    query: queryOf(req.getQuery()),
    headers,
    params,
    ip,
    body: EMPTY,
    aborted: false,
  };
}

const EMPTY = Buffer.alloc(0);

// Most requests have no query string: they share one empty (never written) URLSearchParams.
const NO_QUERY = new URLSearchParams();
function queryOf(q: string | undefined): URLSearchParams {
  return q === undefined || q === '' ? NO_QUERY : new URLSearchParams(q);
}

// Request ids: a random prefix per process and a counter (a CSPRNG call per request showed as ~2% of the
// gateway's CPU); unique across processes by the prefix, never secret.
const ID_PREFIX = randomBytes(6).toString('base64url');
let idCounter = 0;
function nextRequestId(): string {
  return `${ID_PREFIX}${(++idCounter).toString(36)}`;
}

/**
 * Reads the body, refusing it once it passes `limit` bytes (by Content-Length up
 * front, or while it streams). Resolves with the bytes; rejects with
 * `payload_too_large`. Each chunk is copied: uWS reuses its memory after the callback.
 */
export function readBody(res: HttpResponse, info: RequestInfo, limit: number): Promise<Buffer> {
  const declared = info.headers['content-length'];
  if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(Buffer.copyBytesFrom(new Uint8Array(chunk)));
      if (isLast) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(ErrorCode.PayloadTooLarge, `the body is larger than ${limit} bytes`, { details: { limit } });
}

/** Writes a reply inside `cork` unless the client has gone; `close` ends the connection (e.g. after an unread body). */
export function send(res: HttpResponse, info: RequestInfo, reply: Reply, close = false): void {
  if (info.aborted) return;
  const status = reply.status ?? 200;
  let payload: string | Buffer | undefined;
  let contentType = reply.contentType;
  if (reply.body === undefined || status === 204 || status === 304) {
    payload = undefined;
  } else if (contentType !== undefined) {
    payload = typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
  } else {
    payload = JSON.stringify(reply.body);
    contentType = JSON_CONTENT;
  }
  info.aborted = true; // answered: nothing may write again
  res.cork(() => {
    res.writeStatus(statusLine(status));
    res.writeHeader('x-request-id', info.id);
    if (payload !== undefined && contentType !== undefined) res.writeHeader('content-type', contentType);
    if (reply.headers !== undefined) for (const [k, v] of Object.entries(reply.headers)) res.writeHeader(k, v);
    if (payload === undefined) res.endWithoutBody(0, close);
    else res.end(payload, close);
  });
}

export function errorReply(e: HttpError): Reply {
  const body: Record<string, unknown> = { code: e.code, message: e.message };
  if (e.details !== undefined) body.details = e.details;
  return {
    status: e.status,
    body,
    ...(e.retryAfterS !== undefined ? { headers: { 'retry-after': String(e.retryAfterS) } } : {}),
  };
}

/** Registers one uWS handler per method/pattern. */
export function register(
  app: TemplatedApp,
  method: Method,
  pattern: string,
  handler: (res: HttpResponse, req: HttpRequest) => void,
): void {
  app[method](pattern, handler);
}
