/**
 * The platforms' HTTP side (node:http; platform traffic is a few pushes a second per store, far
 * from what the gateway's uWS serves): the push callbacks each platform is configured with, and
 * the staff/ops routes (health, reconciliation on demand, moving a platform order on), which
 * need `Authorization: Bearer <PLATFORMS_OPS_TOKEN>`.
 *
 *   POST /v1/platforms/meituan/push/{new|cancel|refund|remind}   (美团, form, signed)
 *   POST /v1/platforms/eleme/push                                 (饿了么, JSON, signed)
 *   GET  /v1/platforms/health
 *   POST /v1/platforms/reconcile
 *   POST /v1/platforms/{platform}/orders/{id}/{ready|delivered|refund_agree|refund_refuse}
 *
 * A push is verified (signature, timestamp, then never seen before: a replay is refused), done,
 * and answered in the platform's own shape: refusals for good (sold out, forged) are answered as
 * the platform's error so it does not retry; an outage is answered 503 so it does.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { ensureError } from '@lunchrush/engine';
import type { Logger } from 'pino';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import type { InboundOrders, StaffAction } from './inbound.js';
import { MEITUAN_PUSH_PATH } from './meituan.js';
import { ELEME_PUSH_PATH } from './eleme.js';
import { PLATFORMS, type PlatformApi, type PlatformName } from './platform.js';
import type { SeenSignatures } from './seen.js';

const MAX_BODY_BYTES = 256 * 1024;
const STAFF_ACTIONS: readonly StaffAction[] = ['ready', 'delivered', 'refund_agree', 'refund_refuse'];

export interface PushServerDeps {
  readonly apis: Readonly<Record<PlatformName, PlatformApi>>;
  readonly inbound: InboundOrders;
  readonly seen: SeenSignatures;
  readonly toleranceS: number;
  readonly opsToken: string;
  readonly health: () => Promise<object>;
  readonly reconcile: () => Promise<object>;
  readonly log: Logger;
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY_BYTES) throw new TooLarge();
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: string | object): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
    .end(typeof body === 'string' ? body : JSON.stringify(body));
}

export class PushServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(d: PushServerDeps, port: number, host = '127.0.0.1'): Promise<PushServer> {
    const server = createServer((req, res) => {
      serve(d, req, res).catch((e: unknown) => {
        d.log.error({ err: ensureError(e).message }, 'platform request failed');
        if (!res.headersSent) send(res, 500, { code: 'internal', message: '内部错误' });
      });
    });
    server.listen(port, host);
    await once(server, 'listening');
    return new PushServer(server, `http://${host}:${(server.address() as AddressInfo).port}`);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function platformOfPush(path: string): PlatformName | undefined {
  if (path.startsWith(MEITUAN_PUSH_PATH)) return 'meituan';
  if (path === ELEME_PUSH_PATH) return 'eleme';
  return undefined;
}

async function serve(d: PushServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const platform = platformOfPush(path);
  if (req.method === 'POST' && platform !== undefined) return onPush(d, d.apis[platform], path, req, res);
  if (!authorised(d.opsToken, req.headers.authorization))
    return send(res, 401, { code: 'unauthorized', message: '需要 Authorization: Bearer <运维令牌>' });
  if (req.method === 'GET' && path === '/v1/platforms/health') return send(res, 200, await d.health());
  if (req.method === 'POST' && path === '/v1/platforms/reconcile') return send(res, 200, await d.reconcile());
  const m = /^\/v1\/platforms\/([a-z]+)\/orders\/([A-Za-z0-9_.:-]{1,64})\/([a-z_]+)$/.exec(path);
  if (req.method === 'POST' && m !== null) {
    const [, p, id, action] = m as unknown as [string, string, string, string];
    if (!(PLATFORMS as readonly string[]).includes(p))
      return send(res, 404, { code: 'not_found', message: `没有平台 ${p}` });
    if (!(STAFF_ACTIONS as readonly string[]).includes(action))
      return send(res, 400, { code: 'bad_request', message: `action 应为 ${STAFF_ACTIONS.join('、')}` });
    try {
      return send(res, 200, await d.inbound.staff(p as PlatformName, id, action as StaffAction));
    } catch (e) {
      if (!(e instanceof PlatformError)) throw e;
      return send(res, e.code === E.UnknownOrder ? 404 : e.retryable ? 503 : 409, { code: e.code, message: e.message });
    }
  }
  send(res, 404, { code: 'not_found', message: `没有 ${req.method} ${path}` });
}

function authorised(token: string, header: string | undefined): boolean {
  const given = Buffer.from(header ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return token !== '' && given.length === want.length && timingSafeEqual(given, want);
}

async function onPush(
  d: PushServerDeps,
  api: PlatformApi,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let body: string;
  try {
    body = await readBody(req);
  } catch (e) {
    if (e instanceof TooLarge)
      return send(res, 413, api.answerPush({ ok: false, code: E.BadRequest, message: '请求过大' }).body);
    throw e;
  }
  let seenKey: string | undefined;
  try {
    const { push, signature } = api.verifyPush(path, body, Date.now());
    if (!(await d.seen.firstTime(`${api.name}:${signature}`, d.toleranceS * 2000)))
      throw new PlatformError(E.Replayed, '重复的推送');
    seenKey = `${api.name}:${signature}`;
    await d.inbound.handle(api.name, push);
    const a = api.answerPush({ ok: true });
    send(res, a.status, a.body);
  } catch (e) {
    const err = e instanceof PlatformError ? e : new PlatformError(E.Unavailable, '系统繁忙', { cause: e });
    if (err.retryable) {
      // Not done: the same signed push may come again.
      if (seenKey !== undefined) await d.seen.forget(seenKey);
      d.log.warn(
        { platform: api.name, err: ensureError(err.cause ?? err).message },
        'platform push failed; it will retry',
      );
      return send(res, 503, api.answerPush({ ok: false, code: err.code, message: err.message }).body);
    }
    d.log.info({ platform: api.name, code: err.code, err: err.message }, 'platform push refused');
    const a = api.answerPush({ ok: false, code: err.code, message: err.message });
    send(res, a.status, a.body);
  }
}
