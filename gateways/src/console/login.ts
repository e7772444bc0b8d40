/**
 * Staff log in with a login name and password (and a TOTP code when their account has one)
 * and get a staff token: the same signed, expiring token kitchen displays and printers use
 * (`s1.…`, `GATEWAY_STAFF_TOKEN_TTL_S`), naming one store of the account. The chain admin,
 * or anyone working in several stores, switches store by asking for a token of another.
 *
 * Brute force: every failed attempt is an event of the account (`loginFailed`), and the
 * account locks after `MAX_LOGIN_FAILURES` in a row (423 `account_locked` until it ends,
 * even with the right password); attempts are also rate-limited per address across every
 * gateway (Redis, as diner login). An unknown login name costs the same argon2 time as a
 * wrong password and answers the same 401.
 */
import { STAFF_PERMISSIONS, staffMay, staffWorksIn, type StaffPermission } from '@lunchrush/actors';
import {
  StaffErrorCode as X,
  UsernameSchema,
  auditOf,
  isLocked,
  staffAccountOf,
  viewOf,
  type StaffAccountRecord,
} from '@lunchrush/actors/staff';
import type { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type RequestInfo, type Route } from '../http.js';
import { signStaffToken } from '../tokens.js';
import { BODY_ERRORS, STAFF_ERRORS } from '../routes/staff/common.js';
import { openTotp, verifyPassword, verifyTotp } from './passwords.js';
import { MeAnswer, StaffLoginBody, StaffSessionAnswer, SwitchStoreBody } from './schemas.js';

const LOGIN_ERRORS = [
  ErrorCode.BadCredentials,
  ErrorCode.TotpRequired,
  X.AccountLocked,
  X.AccountDisabled,
  X.AccountForbidden,
  ErrorCode.ValidationFailed,
  ErrorCode.RateLimited,
] as const;

export function loginRoutes(deps: GatewayDeps): Route[] {
  return [login(deps), switchStore(deps), me(deps)];
}

const wrong = (): HttpError => new HttpError(ErrorCode.BadCredentials, 'wrong login name, password or code');

async function accountOf(deps: GatewayDeps, username: string): Promise<StaffAccountRecord | null> {
  if (!UsernameSchema.safeParse(username).success) return null;
  return staffAccountOf(deps.engine, username).send({ type: 'get' });
}

/** The token of `account` for `store`, after the checks every session start makes. */
async function session(deps: GatewayDeps, req: RequestInfo, a: StaffAccountRecord, store: string, at: number) {
  if (a.disabled) throw new HttpError(X.AccountDisabled, `the account ${a.username} is disabled`);
  if (!staffWorksIn(a.role, a.stores, store))
    throw new HttpError(X.AccountForbidden, `${a.username} does not work in store ${store}`);
  const ttlS = deps.cfg.staffTokenTtlS;
  const token = signStaffToken(deps.cfg.staffKeys, { store, role: a.role, staffId: a.username, ttlS }, at);
  await auditOf(deps.engine, store).send({
    type: 'record',
    entry: {
      at,
      who: `${a.role}:${a.username}`,
      role: a.role,
      ip: req.ip.slice(0, 64),
      action: req.staff === undefined ? 'login' : 'switch_store',
      summary: req.staff === undefined ? '登录' : '切换门店',
      target: `store ${store}`,
      detail: '',
    },
  });
  return { token, expiresAt: (Math.floor(at / 1000) + ttlS) * 1000, store, account: viewOf(a) };
}

/** `POST /v1/staff/login`. */
function login(deps: GatewayDeps): Route {
  return route({
    method: 'post',
    path: '/v1/staff/login',
    response: StaffSessionAnswer,
    tag: 'console',
    summary: 'Log in with a login name and password (and TOTP code): a staff token for one store',
    auth: 'none',
    globalRateLimit: true,
    body: StaffLoginBody,
    errors: [...LOGIN_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS],
    async handle(req, { body }: { body: z.output<typeof StaffLoginBody> }) {
      const at = Date.now();
      const a = await accountOf(deps, body.username);
      if (a === null) {
        await verifyPassword(null, body.password);
        throw wrong();
      }
      if (isLocked(a, at))
        throw new HttpError(
          X.AccountLocked,
          `too many failed logins: locked until ${new Date(a.lockedUntil).toISOString()}`,
          {
            details: { until: a.lockedUntil },
          },
        );
      const handle = staffAccountOf(deps.engine, a.username);
      const fail = async (reason: string): Promise<never> => {
        await handle.send({ type: 'loginFailed', ip: req.ip.slice(0, 64), reason, at });
        throw wrong();
      };
      if (!(await verifyPassword(a.passwordHash, body.password))) return fail('password');
      if (a.totpSecret !== null) {
        if (body.totp === undefined) throw new HttpError(ErrorCode.TotpRequired, 'this account needs its TOTP code');
        if (!verifyTotp(openTotp(deps.cfg.piiKeys, a.username, a.totpSecret), body.totp, at)) return fail('totp');
      }
      const store = body.store ?? a.stores[0];
      if (store === undefined) throw new HttpError(X.AccountForbidden, `${a.username} names no store: give one`);
      const s = await session(deps, req, a, store, at);
      await handle.send({ type: 'loginSucceeded', ip: req.ip.slice(0, 64), store, at });
      return { body: s };
    },
  });
}

/** `POST /v1/staff/session`: a token for another store of the account. */
function switchStore(deps: GatewayDeps): Route {
  return route({
    method: 'post',
    path: '/v1/staff/session',
    response: StaffSessionAnswer,
    tag: 'console',
    summary: 'Work in another store: a new staff token for it (the admin: any store)',
    auth: 'staff',
    body: SwitchStoreBody,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, X.AccountDisabled, X.AccountForbidden],
    async handle(req, { body }: { body: z.output<typeof SwitchStoreBody> }) {
      const a = await accountOf(deps, req.staff!.staffId);
      if (a === null) throw new HttpError(X.AccountForbidden, 'a device token has no account to switch stores with');
      return { body: await session(deps, req, a, body.store, Date.now()) };
    },
  });
}

/** `GET /v1/staff/me`: who the token is, and what the role may do. */
function me(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: '/v1/staff/me',
    response: MeAnswer,
    tag: 'console',
    summary: 'Who this staff token is: account, store, expiry, and what the role may do',
    auth: 'staff',
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS, X.AccountDisabled],
    async handle(req) {
      const c = req.staff!;
      const a = await accountOf(deps, c.staffId);
      // Switching an account off revokes its tokens (the pipeline refuses them); this read also
      // refuses one whose revocation has not reached this process yet.
      if (a?.disabled === true) throw new HttpError(X.AccountDisabled, `the account ${a.username} is disabled`);
      const may = Object.fromEntries(
        (Object.keys(STAFF_PERMISSIONS) as StaffPermission[]).map((p) => [p, staffMay(c.role, p)]),
      );
      return {
        body: {
          staffId: c.staffId,
          role: c.role,
          store: c.store,
          expiresAt: c.exp * 1000,
          account: a === null ? null : viewOf(a),
          may,
        },
      };
    },
  });
}
