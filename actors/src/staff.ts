/**
 * `@lunchrush/actors/staff`: staff accounts (`staff-account`), the chain's list of them
 * (`staff-directory`), the chain's list of its stores the console picks from
 * (`store-directory`) and the audit log (`audit`), with typed handles over the engine
 * client's `send`. The actor types are registered with the rest (`restaurantActors`).
 */
import { ActorHandle, type CommandSender } from './handles.js';
import { AUDIT_ACTOR, AUDIT_ACTOR_ID, type AuditCommand, type AuditPage } from './audit.js';
import { CHAIN_STORE_ID } from './domain.js';
import { STAFF_ACCOUNT_ACTOR, type StaffAccountCommand, type StaffAccountRecord } from './staff-account.js';
import {
  STAFF_DIRECTORY_ACTOR,
  STAFF_DIRECTORY_ID,
  type AccountView,
  type StaffDirectoryCommand,
} from './staff-directory.js';
import {
  STORE_DIRECTORY_ACTOR,
  STORE_DIRECTORY_ID,
  type DirectoryStore,
  type StoreDirectoryCommand,
} from './store-directory.js';

export type StaffCommand = StaffAccountCommand | StaffDirectoryCommand | StoreDirectoryCommand | AuditCommand;

type Replies<C extends { type: string }, M extends { readonly [K in C['type']]: unknown }> = M;

export type StaffAccountReplies = Replies<
  StaffAccountCommand,
  {
    create: AccountView;
    update: AccountView;
    setPassword: AccountView;
    setTotp: AccountView;
    loginSucceeded: AccountView;
    loginFailed: AccountView;
    get: StaffAccountRecord | null;
  }
>;
export type StaffDirectoryReplies = Replies<
  StaffDirectoryCommand,
  { upsert: { ok: true }; list: { accounts: AccountView[] } }
>;
export type StoreDirectoryReplies = Replies<
  StoreDirectoryCommand,
  { add: { listed: boolean }; stores: { stores: DirectoryStore[] } }
>;
export type AuditReplies = Replies<AuditCommand, { record: { seq: number }; list: AuditPage }>;

export type StaffAccountHandle = ActorHandle<StaffAccountCommand, StaffAccountReplies>;
export type StaffDirectoryHandle = ActorHandle<StaffDirectoryCommand, StaffDirectoryReplies>;
export type StoreDirectoryHandle = ActorHandle<StoreDirectoryCommand, StoreDirectoryReplies>;
export type AuditHandle = ActorHandle<AuditCommand, AuditReplies>;

/** An account, by login name (in the chain's partition). */
export const staffAccountOf = (sender: CommandSender, username: string): StaffAccountHandle =>
  new ActorHandle(sender, CHAIN_STORE_ID, STAFF_ACCOUNT_ACTOR, username);
/** The chain's list of accounts. */
export const staffDirectoryOf = (sender: CommandSender): StaffDirectoryHandle =>
  new ActorHandle(sender, CHAIN_STORE_ID, STAFF_DIRECTORY_ACTOR, STAFF_DIRECTORY_ID);
/** The chain's list of its stores. */
export const storeDirectoryOf = (sender: CommandSender): StoreDirectoryHandle =>
  new ActorHandle(sender, CHAIN_STORE_ID, STORE_DIRECTORY_ACTOR, STORE_DIRECTORY_ID);
/** A store's audit log (`000`: the chain's, where account changes and logins go). */
export const auditOf = (sender: CommandSender, store: string): AuditHandle =>
  new ActorHandle(sender, store, AUDIT_ACTOR, AUDIT_ACTOR_ID);

export {
  AUDIT_ACTOR,
  AUDIT_KEEP,
  AUDIT_PAGE_MAX,
  AuditCommandSchema,
  AuditEntryInputSchema,
  auditActor,
  decideAudit,
  evolveAudit,
  initialAudit,
} from './audit.js';
export type { AuditCommand, AuditEntry, AuditEntryInput, AuditPage, AuditState } from './audit.js';
export {
  AccountActorSchema,
  LOCKOUT_MS,
  MAX_LOGIN_FAILURES,
  PasswordHashSchema,
  STAFF_ACCOUNT_ACTOR,
  StaffAccountCommandSchema,
  StaffErrorCode,
  TotpSecretSchema,
  decideStaffAccount,
  evolveStaffAccount,
  isLocked,
  mayManageAccount,
  staffAccountActor,
  viewOf,
} from './staff-account.js';
export type {
  AccountActor,
  StaffAccountCommand,
  StaffAccountEvent,
  StaffAccountRecord,
  StaffAccountState,
} from './staff-account.js';
export { AccountViewSchema, STAFF_DIRECTORY_ACTOR, UsernameSchema, staffDirectoryActor } from './staff-directory.js';
export type { AccountView, StaffDirectoryCommand } from './staff-directory.js';
export {
  DirectoryStoreSchema,
  STORE_DIRECTORY_ACTOR,
  StoreDirectoryCommandSchema,
  decideStoreDirectory,
  evolveStoreDirectory,
  storeDirectoryActor,
} from './store-directory.js';
export type { DirectoryStore, StoreDirectoryCommand, StoreDirectoryState } from './store-directory.js';
