/**
 * One staff account (`staff-account` actor, id = the login name, in the chain's partition,
 * store `000`): role, stores, the password's hash, an optional TOTP secret, and the run of
 * failed logins that locks it.
 *
 * The actor never sees a password: the gateway hashes (argon2id) and verifies, and tells
 * the actor how a login went (`loginSucceeded`, `loginFailed`). A hash that is not an
 * argon2id string is refused, so a password in clear cannot be stored by mistake. After
 * `MAX_LOGIN_FAILURES` failures in a row the account is locked for `LOCKOUT_MS`; a success
 * or a new password ends the run. Every change and every login attempt is also an entry
 * in the chain's audit log (`audit`, store `000`), written in the same append.
 *
 * Who may manage whom (`mayManageAccount`): the chain admin anyone; a store manager the
 * waiters, kitchen staff and cashiers of their own store; anyone their own password and TOTP.
 */
import { z } from 'zod';
import { defineActor, reject, type DecideContext, type Decision, type Rejection } from '@lunchrush/engine';
import { AUDIT_ACTOR, AUDIT_ACTOR_ID, type AuditEntryInput } from './audit.js';
import { AtSchema, CHAIN_STORE_ID, StoreIdSchema, parseCommand } from './domain.js';
import { STAFF_DIRECTORY_ACTOR, STAFF_DIRECTORY_ID, UsernameSchema, type AccountView } from './staff-directory.js';
import { StaffRoleSchema, type StaffRole } from './staff-rules.js';

export const STAFF_ACCOUNT_ACTOR = 'staff-account';
export const MAX_LOGIN_FAILURES = 5;
export const LOCKOUT_MS = 15 * 60_000;

/** The staff accounts' refusals (HTTP statuses in the gateway's table). */
export const StaffErrorCode = {
  AccountExists: 'account_exists',
  UnknownAccount: 'unknown_account',
  AccountLocked: 'account_locked',
  AccountDisabled: 'account_disabled',
  AccountForbidden: 'account_forbidden',
} as const;
const X = StaffErrorCode;

/** An argon2id hash string (what the `argon2` library writes): never a password. */
export const PasswordHashSchema = z
  .string()
  .max(200)
  .regex(/^\$argon2id\$v=19\$[a-z]=\d+(?:,[a-z]=\d+){2}\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, 'expected an argon2id hash');
/**
 * A TOTP secret as the gateway stores it: sealed with its PII keys (AES-256-GCM,
 * `g1.<keyId>.<nonce>.<ciphertext>`), so the log holds no secret a second factor could be made
 * from; a bare base32 secret (128–320 bits) is taken too, for tools without the keys.
 */
export const TotpSecretSchema = z
  .string()
  .regex(
    /^(?:[A-Z2-7]{26,64}|g1\.[A-Za-z0-9_-]{1,16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,200})$/,
    'expected a sealed or base32 TOTP secret',
  );

/** Who asks: a staff member (role, id `manager:zhang`, the store their token names), or the start-up script. */
export const AccountActorSchema = z.strictObject({
  id: z.string().min(1).max(80),
  role: z.union([StaffRoleSchema, z.literal('system')]),
  store: StoreIdSchema,
  ip: z.string().max(64).default(''),
});
export type AccountActor = z.input<typeof AccountActorSchema>;
type By = z.output<typeof AccountActorSchema>;

export const StaffAccountCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('create'),
    name: z.string().min(1).max(40),
    role: StaffRoleSchema,
    stores: z.array(StoreIdSchema).max(200),
    passwordHash: PasswordHashSchema,
    by: AccountActorSchema,
    at: AtSchema,
  }),
  z.strictObject({
    type: z.literal('update'),
    name: z.string().min(1).max(40).optional(),
    role: StaffRoleSchema.optional(),
    stores: z.array(StoreIdSchema).max(200).optional(),
    disabled: z.boolean().optional(),
    /** Ends a lockout. */
    unlock: z.boolean().optional(),
    by: AccountActorSchema,
    at: AtSchema,
  }),
  z.strictObject({
    type: z.literal('setPassword'),
    passwordHash: PasswordHashSchema,
    by: AccountActorSchema,
    at: AtSchema,
  }),
  z.strictObject({
    type: z.literal('setTotp'),
    secret: TotpSecretSchema.nullable(),
    by: AccountActorSchema,
    at: AtSchema,
  }),
  z.strictObject({ type: z.literal('loginSucceeded'), ip: z.string().max(64), store: StoreIdSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('loginFailed'), ip: z.string().max(64), reason: z.string().max(40), at: AtSchema }),
  /** The whole record, hash and secret included: for the gateway's login only. */
  z.strictObject({ type: z.literal('get') }),
]);
export type StaffAccountCommand = z.input<typeof StaffAccountCommandSchema>;
type Parsed = z.output<typeof StaffAccountCommandSchema>;

export interface StaffAccountRecord extends AccountView {
  readonly passwordHash: string;
  readonly totpSecret: string | null;
  /** Failed logins in a row. */
  readonly failures: number;
}

export type StaffAccountEvent =
  | { type: 'AccountCreated'; account: StaffAccountRecord }
  | { type: 'AccountChanged'; name: string; role: StaffRole; stores: string[]; disabled: boolean; at: number }
  | { type: 'PasswordSet'; passwordHash: string; at: number }
  | { type: 'TotpSet'; secret: string | null; at: number }
  | { type: 'LoginSucceeded'; at: number }
  | { type: 'LoginFailed'; at: number; lockedUntil: number };

export interface StaffAccountState {
  readonly username: string;
  readonly account: StaffAccountRecord | null;
}

/** `get` answers the record (or null); every other command the account as the console shows it. */
export type StaffAccountResult = StaffAccountRecord | AccountView | null;

/** The chain admin manages anyone; a manager the floor and kitchen staff of their token's store. */
export function mayManageAccount(by: By, target: { role: StaffRole; stores: readonly string[] }): boolean {
  if (by.role === 'system' || by.role === 'admin') return true;
  if (by.role !== 'manager') return false;
  if (target.role === 'manager' || target.role === 'admin') return false;
  return target.stores.length > 0 && target.stores.every((s) => s === by.store);
}

export const isLocked = (a: { lockedUntil: number }, at: number): boolean => a.lockedUntil > at;

export const viewOf = (a: StaffAccountRecord): AccountView => ({
  username: a.username,
  name: a.name,
  role: a.role,
  stores: a.stores,
  disabled: a.disabled,
  totp: a.totpSecret !== null,
  lockedUntil: a.lockedUntil,
  createdAt: a.createdAt,
  lastLoginAt: a.lastLoginAt,
});

type AccountDecision = Decision<StaffAccountEvent, StaffAccountResult, StaffAccountCommand>;

export function decideStaffAccount(s: StaffAccountState, c: Parsed, ctx?: DecideContext): AccountDecision | Rejection {
  if (c.type === 'get') return { result: s.account };
  if (c.type === 'create') return create(s, c, ctx);
  const a = s.account;
  if (a === null) return reject(X.UnknownAccount, `no account ${s.username}`);
  switch (c.type) {
    case 'loginSucceeded':
      if (a.disabled) return reject(X.AccountDisabled, `${a.username} is disabled`);
      if (isLocked(a, c.at)) return reject(X.AccountLocked, `${a.username} is locked`, { until: a.lockedUntil });
      return done(s, [{ type: 'LoginSucceeded', at: c.at }], ctx, {
        ...entry(c.at, a.username, a.role, c.ip, 'login'),
        target: `store ${c.store}`,
      });
    case 'loginFailed': {
      const failures = a.failures + 1;
      const lockedUntil = isLocked(a, c.at) ? a.lockedUntil : failures >= MAX_LOGIN_FAILURES ? c.at + LOCKOUT_MS : 0;
      return done(s, [{ type: 'LoginFailed', at: c.at, lockedUntil }], ctx, {
        ...entry(c.at, a.username, a.role, c.ip, 'login_failed'),
        detail: lockedUntil > c.at ? `${c.reason}; locked until ${new Date(lockedUntil).toISOString()}` : c.reason,
      });
    }
    default:
      return change(s, a, c, ctx);
  }
}

function create(
  s: StaffAccountState,
  c: Extract<Parsed, { type: 'create' }>,
  ctx?: DecideContext,
): AccountDecision | Rejection {
  if (s.account !== null) return reject(X.AccountExists, `the account ${s.username} exists`);
  if (!UsernameSchema.safeParse(s.username).success)
    return reject('invalid_command', `${s.username} is not a login name (3–32 of a–z 0–9 _ -)`, undefined, 'invalid');
  if (!mayManageAccount(c.by, c)) return forbidden(c.by, s.username);
  if (c.role !== 'admin' && c.stores.length === 0) return reject(X.AccountForbidden, 'an account names its stores');
  const account: StaffAccountRecord = {
    username: s.username,
    name: c.name,
    role: c.role,
    stores: c.stores,
    disabled: false,
    totp: false,
    lockedUntil: 0,
    createdAt: c.at,
    lastLoginAt: 0,
    passwordHash: c.passwordHash,
    totpSecret: null,
    failures: 0,
  };
  return done(s, [{ type: 'AccountCreated', account }], ctx, {
    ...entry(c.at, c.by.id, c.by.role, c.by.ip, 'account.create'),
    target: s.username,
    detail: `role ${c.role}, stores ${c.stores.join(' ') || '(all)'}`,
  });
}

type Change = Extract<Parsed, { type: 'update' | 'setPassword' | 'setTotp' }>;

function change(
  s: StaffAccountState,
  a: StaffAccountRecord,
  c: Change,
  ctx?: DecideContext,
): AccountDecision | Rejection {
  const self = c.by.id === `${a.role}:${a.username}`;
  const selfService = self && c.type !== 'update';
  if (!selfService && !mayManageAccount(c.by, a)) return forbidden(c.by, a.username);
  const base = { ...entry(c.at, c.by.id, c.by.role, c.by.ip, `account.${c.type}`), target: a.username };
  if (c.type === 'setPassword')
    return done(s, [{ type: 'PasswordSet', passwordHash: c.passwordHash, at: c.at }], ctx, base);
  if (c.type === 'setTotp')
    return done(s, [{ type: 'TotpSet', secret: c.secret, at: c.at }], ctx, {
      ...base,
      detail: c.secret === null ? 'off' : 'on',
    });
  const next = {
    name: c.name ?? a.name,
    role: c.role ?? a.role,
    stores: c.stores ?? a.stores,
    disabled: c.disabled ?? a.disabled,
  };
  if (!mayManageAccount(c.by, next)) return forbidden(c.by, a.username);
  const events: StaffAccountEvent[] = [{ type: 'AccountChanged', ...next, stores: [...next.stores], at: c.at }];
  // Unlocking is a new run of attempts: as a new password does.
  if (c.unlock === true) events.push({ type: 'PasswordSet', passwordHash: a.passwordHash, at: c.at });
  const detail = `role ${next.role}, stores ${next.stores.join(' ')}, ${next.disabled ? 'disabled' : 'enabled'}${c.unlock === true ? ', unlocked' : ''}`;
  return done(s, events, ctx, { ...base, detail });
}

function forbidden(by: By, username: string): Rejection {
  return reject(X.AccountForbidden, `${by.id} may not manage the account ${username}`);
}

function entry(at: number, who: string, role: string, ip: string, action: string): AuditEntryInput {
  return { at, who, role, ip, action, summary: '', target: '', detail: '' };
}

/**
 * The events, with the directory's entry and the chain's audit entry in the same append (both
 * actors live in this partition). Without an engine (a unit test of `decide`) only the events.
 */
function done(
  s: StaffAccountState,
  events: StaffAccountEvent[],
  ctx: DecideContext | undefined,
  audit: AuditEntryInput,
): AccountDecision | Rejection {
  const after = events.reduce(evolveStaffAccount, s).account!;
  const view = viewOf(after);
  if (ctx !== undefined) {
    const listed = ctx.call(STAFF_DIRECTORY_ACTOR, STAFF_DIRECTORY_ID, { type: 'upsert', account: view });
    if (!listed.ok) return reject(listed.code, listed.message, listed.details);
    const audited = ctx.call(AUDIT_ACTOR, AUDIT_ACTOR_ID, { type: 'record', entry: audit });
    if (!audited.ok) return reject(audited.code, audited.message, audited.details);
  }
  return { events, result: view };
}

export function evolveStaffAccount(s: StaffAccountState, e: StaffAccountEvent): StaffAccountState {
  if (e.type === 'AccountCreated') return { ...s, account: e.account };
  const a = s.account;
  if (a === null) return s;
  switch (e.type) {
    case 'AccountChanged':
      return { ...s, account: { ...a, name: e.name, role: e.role, stores: e.stores, disabled: e.disabled } };
    case 'PasswordSet':
      return { ...s, account: { ...a, passwordHash: e.passwordHash, failures: 0, lockedUntil: 0 } };
    case 'TotpSet':
      return { ...s, account: { ...a, totpSecret: e.secret, totp: e.secret !== null } };
    case 'LoginSucceeded':
      return { ...s, account: { ...a, failures: 0, lockedUntil: 0, lastLoginAt: e.at } };
    case 'LoginFailed':
      return { ...s, account: { ...a, failures: a.failures + 1, lockedUntil: e.lockedUntil } };
  }
}

/** One `staff-account` actor per login name, in the chain's partition (store `000`). */
export const staffAccountActor = defineActor<
  StaffAccountState,
  StaffAccountCommand,
  StaffAccountEvent,
  StaffAccountResult
>({
  name: STAFF_ACCOUNT_ACTOR,
  initial: (ref) => ({ username: ref.id, account: null }),
  parse: (command) => parseCommand(StaffAccountCommandSchema, command),
  decide: decideStaffAccount,
  evolve: evolveStaffAccount,
});

/** Where accounts live: the chain's partition. */
export const STAFF_STORE = CHAIN_STORE_ID;
