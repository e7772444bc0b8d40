/**
 * The three credentials the gateway knows, for its own routes and for the push
 * and screens modules mounted beside them:
 *
 * - `verifyTableToken(token)`: a table QR token → store, area, table (HMAC, no I/O);
 * - `verifyDinerSession(token)`: a diner's bearer token → the session (HMAC and the in-memory
 *   revocation list, no I/O);
 * - `verifyStaffToken(token)`: a staff bearer token → store and role (HMAC and the in-memory
 *   revocation list: an account switched off or changed, no I/O).
 *
 * Each throws `HttpError` (401 codes) when the credential does not hold.
 */
import { staffActor as domainStaffActor, staffActorId, type Actor } from '@lunchrush/actors';
import type { KeyRing } from './config.js';
import { GenerationCache } from './generation-cache.js';
import { ErrorCode, HttpError } from './errors.js';
import type { Revocations } from './revocations.js';
import type { DinerSession, SessionTokens } from './sessions.js';
import {
  verifyStaffToken as checkStaff,
  verifyTableToken as checkTable,
  type StaffClaims,
  type StaffRole,
  type TableTokenClaims,
} from './tokens.js';

export type { StaffClaims, StaffRole, TableTokenClaims };

export class Auth {
  /**
   * Staff tokens this process has verified, by their exact text, as `SessionTokens` keeps diner
   * tokens: a POS or a console sends one token many times, and its HMAC, base64url, JSON and zod
   * cost several µs a request against a lookup's one. Only a token that verified gets in; its
   * expiry and the revocation list are still checked on every use.
   */
  private readonly staffVerified = new GenerationCache<string, StaffClaims>(20_000);

  constructor(
    private readonly qrKeys: KeyRing,
    private readonly staffKeys: KeyRing,
    private readonly sessions: SessionTokens,
    private readonly revocations: Revocations,
  ) {}

  verifyTableToken(token: string): TableTokenClaims {
    return checkTable(this.qrKeys, token);
  }

  verifyStaffToken(token: string, nowMs = Date.now()): StaffClaims {
    let c = this.staffVerified.get(token);
    // Expired since it verified: the full check says so (401 token_expired).
    if (c === undefined || c.exp * 1000 <= nowMs) {
      c = checkStaff(this.staffKeys, token, nowMs);
      this.staffVerified.set(token, c);
    }
    if (this.revocations.refusesStaff(c))
      throw new HttpError(
        ErrorCode.Unauthorized,
        'this staff token was revoked: the account was switched off or changed (log in again)',
      );
    return c;
  }

  verifyDinerSession(token: string, nowMs = Date.now()): DinerSession {
    const s = this.sessions.verify(token, nowMs);
    if (this.revocations.refuses(s))
      throw new HttpError(ErrorCode.Unauthorized, 'this session was logged out or revoked (log in again)');
    return s;
  }
}

/** The bearer token of an `Authorization` header (or a `token` query parameter, for WebSockets and links). */
export function bearer(headers: Readonly<Record<string, string>>, query?: URLSearchParams): string {
  const h = headers.authorization;
  if (h !== undefined) {
    const m = /^Bearer\s+(\S{1,2048})$/i.exec(h);
    if (m === null) throw new HttpError(ErrorCode.Unauthorized, 'Authorization must be "Bearer <token>"');
    return m[1]!;
  }
  const q = query?.get('token');
  if (q !== undefined && q !== null && q !== '') return q;
  throw new HttpError(ErrorCode.Unauthorized, 'an Authorization: Bearer <token> header is required');
}

/** The domain's actor for a staff member: waiters and kitchen are `staff`, managers `manager` (actors' rule). */
export function staffActor(c: StaffClaims): Actor {
  return domainStaffActor(c.role, staffActorId(c.role, c.staffId));
}
