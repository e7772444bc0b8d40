/**
 * Signed tokens, checked without a round trip:
 *
 *   table QR   t1.<keyId>.<13-digit table code>.<HMAC-SHA256, 16 bytes, base64url>
 *   staff      s1.<keyId>.<base64url JSON {s: store, r: role, u: staff id, e: expiry s}>.<HMAC, base64url>
 *   diner      d1.<keyId>.<base64url JSON {i: session, d: diner, o: openid, c: login ms, e: expiry ms,
 *              s?: store, t?: table, n?: table session}>.<HMAC, base64url>
 *
 * The table code carries store, area and table (and a Luhn digit), so the QR token
 * needs nothing else. Keys come from a key ring: the first key signs, every key
 * verifies; a token whose key id is no longer in the ring is refused as retired,
 * which is how a chain revokes printed codes after rotating. A base64url part that is
 * not the canonical encoding of its bytes is refused like a bad signature: a token is
 * one string.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { StaffRoleSchema, StoreIdSchema, tryParseTableCode, type StaffRole, type TableCode } from '@lunchrush/actors';
import type { KeyRing } from './config.js';
import { ErrorCode, HttpError } from './errors.js';

const QR_MAC_BYTES = 16;

function mac(key: Buffer, purpose: string, data: string, bytes?: number): Buffer {
  const full = createHmac('sha256', key).update(purpose).update('\0').update(data).digest();
  return bytes === undefined ? full : full.subarray(0, bytes);
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The bytes of a base64url part, or undefined unless the part is their one canonical
 * encoding. `Buffer.from(s, 'base64url')` ignores the unused low bits of the last
 * character (4 bits of a 16-byte MAC, 2 of a 32-byte one), so without this check
 * several strings verify as one token, and a token is no longer one string (logs,
 * deny lists and caches keyed by the token would see different tokens).
 */
function canonicalBase64url(s: string): Buffer | undefined {
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : undefined;
}

export interface TableTokenClaims {
  readonly store: string;
  readonly area: string;
  readonly table: string;
  /** The 13-digit table actor id. */
  readonly tableId: string;
  readonly keyId: string;
}

export function signTableToken(ring: KeyRing, code: TableCode, keyId = ring.current): string {
  const key = ring.keys.get(keyId);
  if (key === undefined) throw new Error(`no QR key ${keyId}`);
  const digits = `${code.store}${code.area}${code.table}${code.check}`;
  return `t1.${keyId}.${digits}.${mac(key, 'lunchrush-qr-v1', `${keyId}.${digits}`, QR_MAC_BYTES).toString('base64url')}`;
}

export function verifyTableToken(ring: KeyRing, token: string): TableTokenClaims {
  const m = /^t1\.([A-Za-z0-9_-]{1,16})\.(\d{13})\.([A-Za-z0-9_-]{16,32})$/.exec(token);
  if (m === null) throw new HttpError(ErrorCode.InvalidQrToken, 'not a table QR token');
  const [, keyId, digits, sig] = m as unknown as [string, string, string, string];
  const key = ring.keys.get(keyId);
  if (key === undefined)
    throw new HttpError(ErrorCode.QrKeyRetired, `this QR code was signed with key ${keyId}, which is retired`);
  const given = canonicalBase64url(sig);
  if (given === undefined || !safeEqual(given, mac(key, 'lunchrush-qr-v1', `${keyId}.${digits}`, QR_MAC_BYTES)))
    throw new HttpError(ErrorCode.InvalidQrToken, 'the QR token signature does not verify');
  const code = tryParseTableCode(digits);
  if (code === undefined) throw new HttpError(ErrorCode.InvalidQrToken, 'the QR token holds no valid table code');
  return { store: code.store, area: code.area, table: code.table, tableId: digits, keyId };
}

/** Staff roles are the domain's (actors/src/staff-rules.ts); a staff token names one. */
export { StaffRoleSchema };
export type { StaffRole };

export interface StaffClaims {
  readonly store: string;
  readonly role: StaffRole;
  readonly staffId: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /**
   * When it was signed (ms since the epoch), what an account's revocation compares with;
   * 0 for a token signed before tokens said so (refused by any revocation of its name).
   */
  readonly issuedAt: number;
}

const StaffPayload = z.object({
  s: StoreIdSchema,
  r: StaffRoleSchema,
  u: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/),
  e: z.number().int().positive(),
  /** Issued at, ms: milliseconds, so a login right after a revocation is not caught by it. */
  i: z.number().int().nonnegative().optional(),
});

export function signStaffToken(
  ring: KeyRing,
  claims: { store: string; role: StaffRole; staffId: string; ttlS: number },
  nowMs = Date.now(),
): string {
  const key = ring.keys.get(ring.current)!;
  const payload = StaffPayload.parse({
    s: claims.store,
    r: claims.role,
    u: claims.staffId,
    e: Math.floor(nowMs / 1000) + claims.ttlS,
    i: Math.floor(nowMs),
  });
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `s1.${ring.current}.${body}.${mac(key, 'lunchrush-staff-v1', `${ring.current}.${body}`).toString('base64url')}`;
}

export function verifyStaffToken(ring: KeyRing, token: string, nowMs = Date.now()): StaffClaims {
  const m = /^s1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (m === null) throw new HttpError(ErrorCode.Unauthorized, 'not a staff token');
  const [, keyId, body, sig] = m as unknown as [string, string, string, string];
  const key = ring.keys.get(keyId);
  const given = canonicalBase64url(sig);
  // The MAC covers the body as sent, so a body with other unused bits already fails it;
  // it is held to its canonical form all the same, so that a token is one string.
  const payload = canonicalBase64url(body);
  if (
    key === undefined ||
    given === undefined ||
    payload === undefined ||
    !safeEqual(given, mac(key, 'lunchrush-staff-v1', `${keyId}.${body}`))
  )
    throw new HttpError(ErrorCode.Unauthorized, 'the staff token does not verify');
  let parsed: z.infer<typeof StaffPayload>;
  try {
    parsed = StaffPayload.parse(JSON.parse(payload.toString()));
  } catch {
    throw new HttpError(ErrorCode.Unauthorized, 'the staff token is malformed');
  }
  if (parsed.e * 1000 <= nowMs) throw new HttpError(ErrorCode.TokenExpired, 'the staff token has expired');
  return { store: parsed.s, role: parsed.r, staffId: parsed.u, exp: parsed.e, issuedAt: parsed.i ?? 0 };
}

/** What a diner session token carries: the session as `POST /v1/diner/login` and `/scan` made it. */
export interface DinerClaims {
  /** One per login: every token of the login (the first, the seated ones, the refreshed ones) shares it. */
  readonly sessionId: string;
  readonly dinerId: string;
  /** WeChat's openid of the diner: JSAPI prepay names the payer by it. */
  readonly openid: string;
  /** When the diner logged in (ms since the epoch). */
  readonly createdAt: number;
  /** When this token stops working (ms since the epoch). */
  readonly expiresAt: number;
  /** Set once the diner scans a table QR code. */
  readonly store?: string;
  readonly tableId?: string;
  readonly tableSessionId?: string;
}

interface DinerPayload {
  i: string;
  d: string;
  o: string;
  c: number;
  e: number;
  s?: string;
  t?: string;
  n?: string;
}

const DINER_PURPOSE = 'lunchrush-diner-v1';
const DINER_RE = /^d1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{1,800})\.([A-Za-z0-9_-]{43})$/;
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function signDinerToken(ring: KeyRing, c: DinerClaims): string {
  const key = ring.keys.get(ring.current)!;
  // One literal with the optional keys assigned onto it (a spread would make a slow-mode object).
  const p: DinerPayload = { i: c.sessionId, d: c.dinerId, o: c.openid, c: c.createdAt, e: c.expiresAt };
  if (c.store !== undefined) p.s = c.store;
  if (c.tableId !== undefined) p.t = c.tableId;
  if (c.tableSessionId !== undefined) p.n = c.tableSessionId;
  const body = Buffer.from(JSON.stringify(p)).toString('base64url');
  return `d1.${ring.current}.${body}.${mac(key, DINER_PURPOSE, `${ring.current}.${body}`).toString('base64url')}`;
}

const optionalId = (v: unknown): v is string | undefined =>
  v === undefined || (typeof v === 'string' && SAFE_ID.test(v));

/**
 * A diner token's claims, checked in process: its MAC under a key still in the ring, both
 * base64url parts in their canonical spelling, the claims' shape, and its expiry. Revocation
 * (logout) is the caller's (`Revocations`). Throws 401 `unauthorized`, or `token_expired`.
 */
export function verifyDinerToken(ring: KeyRing, token: string, nowMs = Date.now()): DinerClaims {
  const m = DINER_RE.exec(token);
  if (m === null) throw new HttpError(ErrorCode.Unauthorized, 'not a diner session token (log in again)');
  const [, keyId, body, sig] = m as unknown as [string, string, string, string];
  const key = ring.keys.get(keyId);
  if (key === undefined)
    throw new HttpError(
      ErrorCode.Unauthorized,
      `this session was signed with key ${keyId}, which is retired (log in again)`,
    );
  const given = canonicalBase64url(sig);
  const payload = canonicalBase64url(body);
  if (given === undefined || payload === undefined || !safeEqual(given, mac(key, DINER_PURPOSE, `${keyId}.${body}`)))
    throw new HttpError(ErrorCode.Unauthorized, 'the diner session token does not verify');
  let p: DinerPayload;
  try {
    p = JSON.parse(payload.toString()) as DinerPayload;
  } catch {
    p = {} as DinerPayload;
  }
  // Signed by a gateway, so well-formed unless a key leaked; checked all the same, without zod (every diner request).
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.i !== 'string' ||
    typeof p.d !== 'string' ||
    typeof p.o !== 'string' ||
    !Number.isSafeInteger(p.c) ||
    !Number.isSafeInteger(p.e) ||
    !optionalId(p.s) ||
    !optionalId(p.t) ||
    !optionalId(p.n)
  )
    throw new HttpError(ErrorCode.Unauthorized, 'the diner session token is malformed');
  if (p.e <= nowMs) throw new HttpError(ErrorCode.TokenExpired, 'the diner session has expired (log in again)');
  const claims: { -readonly [K in keyof DinerClaims]: DinerClaims[K] } = {
    sessionId: p.i,
    dinerId: p.d,
    openid: p.o,
    createdAt: p.c,
    expiresAt: p.e,
  };
  if (p.s !== undefined) claims.store = p.s;
  if (p.t !== undefined) claims.tableId = p.t;
  if (p.n !== undefined) claims.tableSessionId = p.n;
  return claims;
}

/** Webhook signatures: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signWebhook(secret: Buffer, timestampS: number, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampS}.`).update(body).digest('hex')}`;
}

export function verifyWebhook(
  secret: Buffer,
  headers: Readonly<Record<string, string>>,
  body: Buffer,
  toleranceS: number,
  nowMs = Date.now(),
): void {
  const ts = headers['x-lunchrush-timestamp'];
  const sig = headers['x-lunchrush-signature'];
  if (ts === undefined || sig === undefined || !/^\d{1,12}$/.test(ts) || !/^sha256=[0-9a-f]{64}$/.test(sig))
    throw new HttpError(
      ErrorCode.InvalidSignature,
      'X-Lunchrush-Timestamp and X-Lunchrush-Signature: sha256=<hex> are required',
    );
  const expected = Buffer.from(signWebhook(secret, Number(ts), body));
  if (!safeEqual(Buffer.from(sig), expected))
    throw new HttpError(ErrorCode.InvalidSignature, 'the signature does not verify');
  // Checked after the signature so an attacker learns nothing from the answer about the clock.
  if (Math.abs(nowMs / 1000 - Number(ts)) > toleranceS)
    throw new HttpError(ErrorCode.StaleTimestamp, `the signed timestamp is more than ${toleranceS} s away`);
}
