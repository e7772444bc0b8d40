/**
 * A store's audit log (`audit` actor, id `log`, one per store; the chain's own, for
 * account changes and logins, is store `000`): who did what, when, from where.
 *
 * It only appends. There is no command that edits or removes an entry, and each entry
 * is an event in the engine's log (a JetStream stream nothing rewrites), so the trail
 * is as immutable as the orders. Entries are numbered (`seq`, from 1, no gaps); the
 * state keeps the newest `AUDIT_KEEP` for the console's view and export (older ones
 * stay in the log, read with the engine's `LogReader`).
 */
import { z } from 'zod';
import { defineActor, type Decision, type Rejection } from '@lunchrush/engine';
import { AtSchema, parseCommand } from './domain.js';

export const AUDIT_ACTOR = 'audit';
export const AUDIT_ACTOR_ID = 'log';
/**
 * Entries the state keeps for reading (the log keeps them all). An entry is at most ~1.5 KB
 * (typically ~300 bytes), so a snapshot stays far below NATS's 1 MB max_payload.
 */
export const AUDIT_KEEP = 300;
/** At most this many entries per `list` (one reply, under max_payload too). */
export const AUDIT_PAGE_MAX = 200;

const Text = (max: number) => z.string().max(max);

export const AuditEntryInputSchema = z.strictObject({
  at: AtSchema,
  /** The staff member (`manager:zhang`), or the login name tried. */
  who: Text(80),
  role: Text(16),
  /** Where the request came from (the client's address as the gateway saw it). */
  ip: Text(64),
  /** What was done: `login`, `login_failed`, `account.create`, `POST /v1/staff/stores/{store}/stock/{skuId}/set` … */
  action: Text(200),
  /** The route's summary, in words. */
  summary: Text(200).default(''),
  /** What it was done to (path parameters, the account). */
  target: Text(300).default(''),
  /** An excerpt of what was sent (never a password). */
  detail: Text(600).default(''),
});
export type AuditEntryInput = z.input<typeof AuditEntryInputSchema>;
export type AuditEntry = z.output<typeof AuditEntryInputSchema> & { readonly seq: number };

export const AuditCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('record'), entry: AuditEntryInputSchema }),
  /** The newest entries first; `before` pages back (entries with a smaller seq). */
  z.strictObject({
    type: z.literal('list'),
    before: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(AUDIT_PAGE_MAX).default(100),
  }),
]);
export type AuditCommand = z.input<typeof AuditCommandSchema>;
type Parsed = z.output<typeof AuditCommandSchema>;

export type AuditEvent = { type: 'AuditRecorded'; entry: AuditEntry };

export interface AuditState {
  readonly store: string;
  /** The last seq given (entries are 1..seq). */
  readonly seq: number;
  /** The newest entries, oldest first, at most `AUDIT_KEEP`. */
  readonly entries: readonly AuditEntry[];
}

export interface AuditPage {
  readonly total: number;
  /** Newest first. */
  readonly entries: readonly AuditEntry[];
}

export type AuditResult = AuditPage | { readonly seq: number };

export const initialAudit = (store: string): AuditState => ({ store, seq: 0, entries: [] });

export function decideAudit(s: AuditState, c: Parsed): Decision<AuditEvent, AuditResult, AuditCommand> | Rejection {
  if (c.type === 'list') {
    const upTo = c.before === undefined ? s.entries.length : s.entries.findIndex((e) => e.seq >= c.before!);
    const end = upTo < 0 ? s.entries.length : upTo;
    const page = s.entries.slice(Math.max(0, end - c.limit), end).reverse();
    return { result: { total: s.seq, entries: page } };
  }
  const entry: AuditEntry = { ...c.entry, seq: s.seq + 1 };
  return { events: [{ type: 'AuditRecorded', entry }], result: { seq: entry.seq } };
}

export function evolveAudit(s: AuditState, e: AuditEvent): AuditState {
  const kept = s.entries.length >= AUDIT_KEEP ? s.entries.slice(s.entries.length - AUDIT_KEEP + 1) : s.entries;
  return { ...s, seq: e.entry.seq, entries: [...kept, e.entry] };
}

/** One `audit` actor per store (id `log`), in the store's partition. */
export const auditActor = defineActor<AuditState, AuditCommand, AuditEvent, AuditResult>({
  name: AUDIT_ACTOR,
  initial: (ref) => initialAudit(ref.store),
  parse: (command) => parseCommand(AuditCommandSchema, command),
  decide: decideAudit,
  evolve: evolveAudit,
});
