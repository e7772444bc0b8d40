/**
 * A diner's session: log in with a wx.login() code, log out, read what a table QR code names
 * (before and after logging in), and sit at a scanned table.
 */
import { ErrorCode as D } from '@lunchrush/actors';
import type { z } from 'zod';
import { LoginAnswer, QrTableAnswer, ScanAnswer, TableRefAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../../errors.js';
import { route, type Route } from '../../http.js';
import { randomText } from '@lunchrush/payments';
import { LoginBody, QrQuery, ScanBody, TokenQuery } from '../../schemas.js';
import { dinerIdOf, type DinerSession } from '../../sessions.js';
import { INPUT_ERRORS, dinerRoute, session } from './common.js';

export function sessionRoutes(deps: GatewayDeps): Route[] {
  return [login(deps), logout(deps), resolveTable(deps), qrTable(deps), scan(deps)];
}

/** `POST /v1/diner/login`: WeChat code2session, then a signed session token. */
function login(deps: GatewayDeps): Route {
  const { cfg } = deps;
  return route({
    method: 'post',
    path: '/v1/diner/login',
    tag: 'diner',
    summary: 'Log in with a wx.login() code (WeChat code2session)',
    description:
      'Answers a signed session token (send it as a bearer token); it expires after expiresInS unless renewed: an answer to a request made with a token past half its life carries a renewed one in the Session-Token header. Rate-limited across every gateway (each attempt costs a code2session call).',
    auth: 'none',
    globalRateLimit: true,
    body: LoginBody,
    response: LoginAnswer,
    errors: [ErrorCode.LoginFailed, ErrorCode.Unavailable, ErrorCode.RateLimited, ...INPUT_ERRORS],
    async handle(_req, { body }: { body: z.output<typeof LoginBody> }) {
      const who = await deps.login.code2session(body.code);
      const { token, session: s } = deps.sessions.create(dinerIdOf(cfg.wechat.appId, who.openid), who.openid);
      return { body: { sessionToken: token, dinerId: s.dinerId, expiresInS: cfg.sessionTtlS } };
    },
  });
}

/** `POST /v1/diner/logout`: every token of the session refused, on every gateway. */
function logout(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/logout',
    summary: 'Log out: every token of this session (the login, the scans, the renewals) stops working on every gateway',
    description:
      'The session goes on a revocation list that every gateway process holds in memory (pushed over NATS, kept in Redis until its tokens would have expired); its tokens answer 401 from then on. Logging in again makes a new session.',
    responseStatus: 204,
    errors: [],
    async handle(req) {
      req.diner!.renew = false;
      await deps.revocations.revokeSession(session(req).sessionId);
      return { status: 204 };
    },
  });
}

/** `GET /v1/tables/resolve`: what a table QR token names. */
function resolveTable(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: '/v1/tables/resolve',
    response: TableRefAnswer,
    tag: 'diner',
    summary: 'What a table QR token names (store, area, table), without logging in',
    auth: 'none',
    query: TokenQuery,
    errors: [ErrorCode.InvalidQrToken, ErrorCode.QrKeyRetired, ErrorCode.RateLimited, ...INPUT_ERRORS],
    handle(_req, { query }: { query: z.output<typeof TokenQuery> }) {
      const t = deps.auth.verifyTableToken(query.token);
      return Promise.resolve({ body: { store: t.store, area: t.area, table: t.table, tableId: t.tableId } });
    },
  });
}

/** `GET /qr`: where a printed table QR code points. */
function qrTable(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: '/qr',
    response: QrTableAnswer,
    tag: 'diner',
    summary:
      "Where a printed table QR code points (`?t=<token>`): the table it names; the mini-program opens with this URL's query",
    auth: 'none',
    query: QrQuery,
    errors: [ErrorCode.InvalidQrToken, ErrorCode.QrKeyRetired, ErrorCode.RateLimited, ...INPUT_ERRORS],
    handle(_req, { query }: { query: z.output<typeof QrQuery> }) {
      const t = deps.auth.verifyTableToken(query.t);
      return Promise.resolve({
        body: { store: t.store, area: t.area, table: t.table, tableId: t.tableId, tableToken: query.t },
      });
    },
  });
}

/** `POST /v1/diner/scan`: sit at the table (open its session or join it); a token naming the table. */
function scan(deps: GatewayDeps): Route {
  const { engine, cfg } = deps;
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/scan',
    response: ScanAnswer,
    summary: 'Sit at the table of a scanned QR code: opens its session or joins the one open',
    description:
      'Answers a new session token (sessionToken, and the Session-Token header) that names the table: send it from then on. The token sent stays valid for what needs no table.',
    body: ScanBody,
    errors: [
      ...INPUT_ERRORS,
      ...ENGINE_ERRORS,
      ErrorCode.InvalidQrToken,
      ErrorCode.QrKeyRetired,
      D.TableNotConfigured,
      D.TableNotReady,
      D.InvalidTableCode,
    ],
    async handle(req, { body }: { body: z.output<typeof ScanBody> }) {
      const t = deps.auth.verifyTableToken(body.tableToken);
      const s = session(req);
      const at = Date.now();
      const [table, store] = await Promise.all([
        engine.table(t.store, t.tableId).send({
          type: 'open',
          sessionId: `ts_${randomText(9, 'base64url')}`,
          partySize: body.partySize,
          dinerId: s.dinerId,
          at,
        }),
        engine.store(t.store).send({ type: 'get', at }),
      ]);
      const tableId = table.mergedInto ?? t.tableId;
      // The same session, now seated: a new token names the table (the one sent stays valid, unseated).
      const seatedAt: Omit<DinerSession, 'expiresAt'> = {
        sessionId: s.sessionId,
        dinerId: s.dinerId,
        openid: s.openid,
        createdAt: s.createdAt,
        store: t.store,
        tableId,
        ...(table.sessionId === null ? {} : { tableSessionId: table.sessionId }),
      };
      const { token } = deps.sessions.issue(seatedAt);
      req.diner!.renew = false;
      return {
        body: {
          store: { storeId: t.store, name: store.name, status: store.status },
          table,
          menuUrl: `/v1/stores/${t.store}/menu`,
          sessionToken: token,
          expiresInS: cfg.sessionTtlS,
        },
        headers: { 'session-token': token },
      };
    },
  });
}
