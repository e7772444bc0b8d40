/**
 * The chain's list of staff accounts (`staff-directory` actor, id `all`, store `000`): what
 * the console's staff page lists. Each account actor keeps its entry current through a call
 * inside its own decision (both live in the chain's partition), so the list and the
 * accounts change in one append. It holds what may be shown: never a password hash.
 */
import { z } from 'zod';
import { defineActor, type Decision, type Rejection } from '@lunchrush/engine';
import { AtSchema, StoreIdSchema, parseCommand } from './domain.js';
import { StaffRoleSchema, staffWorksIn } from './staff-rules.js';

export const STAFF_DIRECTORY_ACTOR = 'staff-directory';
export const STAFF_DIRECTORY_ID = 'all';

/** A login name: also the account actor's id. */
export const UsernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{2,31}$/, 'expected 3–32 of a–z 0–9 _ -, starting with a letter or digit');

export const AccountViewSchema = z.strictObject({
  username: UsernameSchema,
  name: z.string().min(1).max(40),
  role: StaffRoleSchema,
  /** The stores the account works in (the admin: every store, whatever this lists). */
  stores: z.array(StoreIdSchema).max(200),
  disabled: z.boolean(),
  totp: z.boolean(),
  /** Locked by failed logins until then (ms since the epoch), or 0. */
  lockedUntil: z.number().int().min(0),
  createdAt: AtSchema,
  lastLoginAt: z.number().int().min(0),
});
export type AccountView = z.output<typeof AccountViewSchema>;

export const StaffDirectoryCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('upsert'), account: AccountViewSchema }),
  /** Every account, or those that work in `store` (the admin works in every store). */
  z.strictObject({ type: z.literal('list'), store: StoreIdSchema.optional() }),
]);
export type StaffDirectoryCommand = z.input<typeof StaffDirectoryCommandSchema>;
type Parsed = z.output<typeof StaffDirectoryCommandSchema>;

export type StaffDirectoryEvent = { type: 'AccountListed'; account: AccountView };

export interface StaffDirectoryState {
  readonly accounts: Readonly<Record<string, AccountView>>;
}

export type StaffDirectoryResult = { readonly accounts: readonly AccountView[] } | { readonly ok: true };

export function decideStaffDirectory(
  s: StaffDirectoryState,
  c: Parsed,
): Decision<StaffDirectoryEvent, StaffDirectoryResult, StaffDirectoryCommand> | Rejection {
  if (c.type === 'upsert') return { events: [{ type: 'AccountListed', account: c.account }], result: { ok: true } };
  const all = Object.values(s.accounts).sort((a, b) => a.username.localeCompare(b.username));
  const store = c.store;
  return { result: { accounts: store === undefined ? all : all.filter((a) => staffWorksIn(a.role, a.stores, store)) } };
}

export function evolveStaffDirectory(s: StaffDirectoryState, e: StaffDirectoryEvent): StaffDirectoryState {
  return { accounts: { ...s.accounts, [e.account.username]: e.account } };
}

export const staffDirectoryActor = defineActor<
  StaffDirectoryState,
  StaffDirectoryCommand,
  StaffDirectoryEvent,
  StaffDirectoryResult
>({
  name: STAFF_DIRECTORY_ACTOR,
  initial: () => ({ accounts: {} }),
  parse: (command) => parseCommand(StaffDirectoryCommandSchema, command),
  decide: decideStaffDirectory,
  evolve: evolveStaffDirectory,
});
