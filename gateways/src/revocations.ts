/**
 * Tokens that no longer count although they still verify: a diner's logout (one session, every
 * token it was given), a diner revoked by an operator (every session the diner logged in before
 * a moment), and a staff account switched off or given another password, role or stores (every
 * staff token of its name signed before that moment). Checked in memory on every request; kept
 * off the request path:
 *
 *   revoke ──▶ Redis sorted set `<prefix>:revoked` (member: the entry, score: when it can go)
 *          └─▶ NATS core publish `<ns>.gw.revoke` ──▶ every gateway process applies it at once
 *   every process, at start and every RELOAD_MS: the sorted set ──▶ memory (a message missed
 *   while a process was cut off from NATS arrives this way, a few seconds late)
 *
 * An entry is needed only while a token it refuses could still be unexpired: a session's
 * tokens live at most the session lifetime after their last renewal, and a revoked session is
 * never renewed again, so every entry goes one lifetime after it was made (a staff entry: one
 * staff token lifetime, GATEWAY_STAFF_TOKEN_TTL_S). That score is
 * also the order entries were made in, so a reload reads only the newest ones.
 */
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ensureError } from './errors.js';
import type { DinerSession } from './sessions.js';
import type { StaffClaims } from './tokens.js';

/** How often each process reads the newest entries of the list (what NATS missed). */
export const RELOAD_MS = 5_000;
/** Clocks of gateway machines may differ by this much (the list is ordered by the revoker's clock). */
const CLOCK_SKEW_MS = 60_000;

type Entry = { k: 's'; id: string; until: number } | { k: 'd' | 'a'; id: string; before: number; until: number };
type Before = { before: number; until: number };

export class Revocations {
  /** Session id → when the entry may go (ms). */
  private readonly sessions = new Map<string, number>();
  /** Diner id → sessions logged in before this (ms) are refused; and when the entry may go. */
  private readonly diners = new Map<string, Before>();
  /** Staff id (an account's login name) → its tokens signed before this (ms) are refused. */
  private readonly staff = new Map<string, Before>();
  /** Told of each staff revocation applied (from this process, NATS or the list), e.g. to close sockets. */
  private readonly staffListeners: ((staffId: string, beforeMs: number) => void)[] = [];
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The latest score read from Redis: the next reload starts a clock skew before it. */
  private readUpTo = 0;

  constructor(
    private readonly redis: Redis,
    private readonly nc: NatsConnection,
    private readonly o: { prefix: string; namespace: string; sessionTtlS: number; staffTtlS: number; log: Logger },
  ) {}

  private get key(): string {
    return `${this.o.prefix}:revoked`;
  }

  private get subject(): string {
    return `${this.o.namespace}.gw.revoke`;
  }

  /** Subscribes, then reads the list (so nothing revoked in between is missed); call before serving. */
  async start(): Promise<void> {
    this.sub = this.nc.subscribe(this.subject, {
      callback: (err, m) => {
        if (err !== null) return;
        try {
          this.apply(JSON.parse(m.string()) as Entry);
        } catch (e) {
          this.o.log.warn({ err: ensureError(e).message }, 'a revocation message that is not one');
        }
      },
    });
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((e: unknown) =>
        this.o.log.warn({ err: ensureError(e).message }, 'could not read the revocation list'),
      );
    }, RELOAD_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  /** Whether a verified session was logged out or its diner revoked. */
  refuses(s: DinerSession): boolean {
    if (this.sessions.size > 0 && this.sessions.has(s.sessionId)) return true;
    if (this.diners.size === 0) return false;
    const d = this.diners.get(s.dinerId);
    return d !== undefined && s.createdAt < d.before;
  }

  /** Whether a verified staff token was signed before its account was switched off or changed. */
  refusesStaff(c: StaffClaims): boolean {
    if (this.staff.size === 0) return false;
    const a = this.staff.get(c.staffId);
    return a !== undefined && c.issuedAt < a.before;
  }

  /** Calls `f` with each staff revocation this process applies: the staff id and its moment. */
  onStaffRevoked(f: (staffId: string, beforeMs: number) => void): void {
    this.staffListeners.push(f);
  }

  /**
   * Every staff token of `staffId` signed before `beforeMs` (default now), everywhere: an account
   * switched off, or given a new password, role or stores. Tokens signed later (a new login) work.
   */
  async revokeStaff(staffId: string, beforeMs = Date.now(), nowMs = Date.now()): Promise<void> {
    // A token signed a moment before `beforeMs` lives one staff token lifetime more.
    await this.record({ k: 'a', id: staffId, before: beforeMs, until: nowMs + this.o.staffTtlS * 1000 + 60_000 });
  }

  /** Logout: every token of this session, everywhere. */
  async revokeSession(sessionId: string, nowMs = Date.now()): Promise<void> {
    await this.record({ k: 's', id: sessionId, until: nowMs + this.lifetimeMs() });
  }

  /** Every session `dinerId` logged in before `beforeMs` (default now), everywhere; later logins work. */
  async revokeDiner(dinerId: string, beforeMs = Date.now(), nowMs = Date.now()): Promise<void> {
    await this.record({ k: 'd', id: dinerId, before: beforeMs, until: nowMs + this.lifetimeMs() });
  }

  private lifetimeMs(): number {
    // A token renewed a moment before the revocation reached every process lives one lifetime more.
    return this.o.sessionTtlS * 1000 + 60_000;
  }

  private async record(e: Entry): Promise<void> {
    // Redis first: a process that misses the message reads it there.
    await this.redis.zadd(this.key, e.until, JSON.stringify(e));
    this.apply(e);
    this.nc.publish(this.subject, JSON.stringify(e));
    await this.nc.flush();
  }

  private apply(e: Entry): void {
    if (e.until <= Date.now()) return;
    if (e.k === 's') {
      this.sessions.set(e.id, Math.max(e.until, this.sessions.get(e.id) ?? 0));
      return;
    }
    const map = e.k === 'd' ? this.diners : this.staff;
    const had = map.get(e.id);
    if (had !== undefined && had.before >= e.before) return;
    map.set(e.id, { before: e.before, until: e.until });
    if (e.k !== 'a') return;
    for (const f of this.staffListeners)
      try {
        f(e.id, e.before);
      } catch (err) {
        this.o.log.warn({ err: ensureError(err).message }, 'a staff revocation listener failed');
      }
  }

  /**
   * Adds the entries made since the last reload (all of them the first time) and drops what has
   * expired; never forgets an entry because Redis lacks it (its write may be on its way).
   */
  async reload(nowMs = Date.now()): Promise<void> {
    await this.redis.zremrangebyscore(this.key, '-inf', nowMs);
    const from = Math.max(nowMs, this.readUpTo - CLOCK_SKEW_MS);
    const found = await this.redis.zrangebyscore(this.key, from, '+inf', 'WITHSCORES');
    for (let i = 0; i < found.length; i += 2) {
      this.readUpTo = Math.max(this.readUpTo, Number(found[i + 1]));
      try {
        this.apply(JSON.parse(found[i]!) as Entry);
      } catch {
        // not ours
      }
    }
    for (const [id, until] of this.sessions) if (until <= nowMs) this.sessions.delete(id);
    for (const [id, d] of this.diners) if (d.until <= nowMs) this.diners.delete(id);
    for (const [id, a] of this.staff) if (a.until <= nowMs) this.staff.delete(id);
  }
}
