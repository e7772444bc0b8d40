/**
 * Staff accounts for managers and the chain admin: list a store's staff, create an account,
 * change its role, stores, password, switch it off or end a lockout; and a manager's own TOTP.
 * Who may manage whom is the account actor's rule (`mayManageAccount`): a manager, the floor
 * and kitchen of their store; the admin, anyone. Passwords are hashed here (argon2id) and only
 * the hash goes to the engine. Every change is in the chain's audit trail (the actor writes it).
 * Switching an account off, or changing its password, role or stores, revokes its tokens on every
 * gateway process at once (`Revocations.revokeStaff`).
 */
import { STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import {
  StaffErrorCode as X,
  staffAccountOf,
  staffDirectoryOf,
  type AccountActor,
  type AccountView,
} from '@lunchrush/actors/staff';
import type { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type RequestInfo, type Route } from '../http.js';
import { StoreParams } from '../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, STAFF_ERRORS } from '../routes/staff/common.js';
import { hashPassword, newTotp, openTotp, sealTotp, verifyTotp } from './passwords.js';
import {
  AccountAnswer,
  AccountCreateBody,
  AccountListAnswer,
  AccountUpdateBody,
  StoreAccountParams,
  TotpAnswer,
  TotpBody,
} from './schemas.js';

const ACCOUNT_ERRORS = [X.AccountExists, X.UnknownAccount, X.AccountForbidden] as const;

export function accountRoutes(deps: GatewayDeps): Route[] {
  return [listAccounts(deps), createAccount(deps), updateAccount(deps), totp(deps)];
}

/** The staff member asking, as the account actor sees them. */
const byOf = (req: RequestInfo): AccountActor => ({
  id: `${req.staff!.role}:${req.staff!.staffId}`,
  role: req.staff!.role,
  store: req.staff!.store,
  ip: req.ip.slice(0, 64),
});

function listAccounts(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: `${base}/accounts`,
    response: AccountListAnswer,
    tag: 'console',
    summary: "The store's staff accounts (and the chain admins)",
    auth: 'staff',
    roles: MAY.accounts,
    params: StoreParams,
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      return { body: await staffDirectoryOf(deps.engine).send({ type: 'list', store: params.store }) };
    },
  });
}

function createAccount(deps: GatewayDeps): Route {
  return route({
    method: 'post',
    path: `${base}/accounts`,
    response: AccountAnswer,
    responseStatus: 201,
    tag: 'console',
    summary: 'Create a staff account (a manager: waiters, kitchen and cashiers of the store)',
    auth: 'staff',
    roles: MAY.accounts,
    params: StoreParams,
    body: AccountCreateBody,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, ...ACCOUNT_ERRORS],
    async handle(
      req,
      { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof AccountCreateBody> },
    ) {
      const view: AccountView = await staffAccountOf(deps.engine, body.username).send({
        type: 'create',
        name: body.name,
        role: body.role,
        stores: body.stores ?? [params.store],
        passwordHash: await hashPassword(body.password),
        by: byOf(req),
        at: Date.now(),
      });
      return { status: 201, body: view };
    },
  });
}

function updateAccount(deps: GatewayDeps): Route {
  return route({
    method: 'patch',
    path: `${base}/accounts/{username}`,
    response: AccountAnswer,
    tag: 'console',
    summary: 'Change a staff account: name, role, stores, password, switched off, or end its lockout',
    auth: 'staff',
    roles: MAY.accounts,
    params: StoreAccountParams,
    body: AccountUpdateBody,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, ...ACCOUNT_ERRORS],
    async handle(
      req,
      { params, body }: { params: z.output<typeof StoreAccountParams>; body: z.output<typeof AccountUpdateBody> },
    ) {
      const h = staffAccountOf(deps.engine, params.username);
      const by = byOf(req);
      const at = Date.now();
      const { password, ...change } = body;
      let view: AccountView | undefined;
      if (password !== undefined)
        view = await h.send({ type: 'setPassword', passwordHash: await hashPassword(password), by, at });
      if (Object.keys(change).length > 0 || view === undefined)
        view = await h.send({ type: 'update', ...change, by, at });
      // Revoked after the change, not before: a login racing it either read the changed account or
      // signed its token before now, so no token of the old account outlives this answer.
      if (revokes(body)) await deps.revocations.revokeStaff(params.username);
      return { body: view };
    },
  });
}

/**
 * Whether a change ends the account's tokens: switched off, a new password (a leaked one must not
 * keep working), another role or other stores (a token names its role and store).
 */
const revokes = (b: z.output<typeof AccountUpdateBody>): boolean =>
  b.disabled === true || b.password !== undefined || b.role !== undefined || b.stores !== undefined;

/** `POST /v1/staff/me/totp`: a new secret to scan; then the secret and a code from the app to turn it on. */
function totp(deps: GatewayDeps): Route {
  return route({
    method: 'post',
    path: '/v1/staff/me/totp',
    response: TotpAnswer,
    tag: 'console',
    summary: 'Two-factor login for managers: get a secret, confirm it with a code, or turn it off',
    auth: 'staff',
    roles: MAY.accounts,
    body: TotpBody,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, ErrorCode.BadCredentials, ...ACCOUNT_ERRORS],
    async handle(req, { body }: { body: z.output<typeof TotpBody> }) {
      const c = req.staff!;
      const h = staffAccountOf(deps.engine, c.staffId);
      const a = await h.send({ type: 'get' });
      if (a === null) throw new HttpError(X.UnknownAccount, 'a device token has no account');
      const at = Date.now();
      if (body.off === true) {
        if (
          a.totpSecret === null ||
          body.code === undefined ||
          !verifyTotp(openTotp(deps.cfg.piiKeys, a.username, a.totpSecret), body.code, at)
        )
          throw new HttpError(ErrorCode.BadCredentials, 'give a current code to turn TOTP off');
        await h.send({ type: 'setTotp', secret: null, by: byOf(req), at });
        return { body: { totp: false } };
      }
      if (body.secret === undefined)
        return { body: { ...newTotp(`${a.username}@${c.store}`), totp: a.totpSecret !== null } };
      if (body.code === undefined || !verifyTotp(body.secret, body.code, at))
        throw new HttpError(ErrorCode.BadCredentials, 'the code does not match the secret: scan it again');
      await h.send({
        type: 'setTotp',
        secret: sealTotp(deps.cfg.piiKeys, a.username, body.secret),
        by: byOf(req),
        at,
      });
      return { body: { totp: true } };
    },
  });
}
