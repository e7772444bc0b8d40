/**
 * Staff passwords and second factors. Passwords are hashed with argon2id (the `argon2`
 * library's defaults: 64 MiB, 3 passes, 4 lanes — about 50 ms here, on libuv's thread pool,
 * so a login never blocks the event loop); the actors only ever see the hash. TOTP
 * (RFC 6238, 30 s, 6 digits, ±1 step) with the `otpauth` library.
 */
import argon2 from 'argon2';
import { Secret, TOTP } from 'otpauth';
import type { KeyRing } from '../config.js';
import { seal, unseal } from '../pii.js';

export const MIN_PASSWORD_LENGTH = 10;
export const TOTP_ISSUER = 'lunchrush';

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, { type: argon2.argon2id });

// A hash of nothing anyone knows: an unknown login name costs the same time as a wrong password.
let decoy: Promise<string> | undefined;

/** True when `password` matches `hash`; with no hash (unknown account) it spends the same time and says no. */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (hash === null) {
    decoy ??= hashPassword(`decoy-${Math.random()}`);
    await argon2.verify(await decoy, password);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

const totpOf = (secret: string, label: string): TOTP =>
  new TOTP({ issuer: TOTP_ISSUER, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

/** A new secret (160 bits, base32) and the `otpauth://` URI an authenticator app scans. */
export function newTotp(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpOf(secret, label).toString() };
}

/** True when `code` is the secret's code now, or one step either side (clock drift). */
export function verifyTotp(secret: string, code: string, nowMs = Date.now()): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return totpOf(secret, 'check').validate({ token: code, timestamp: nowMs, window: 1 }) !== null;
}

/** The code of `secret` at `nowMs` (tests, and the start-up script's demo). */
export const totpCode = (secret: string, nowMs = Date.now()): string =>
  totpOf(secret, 'code').generate({ timestamp: nowMs });

/** A TOTP secret as the account keeps it: sealed with the PII keys, bound to the account. */
export const sealTotp = (ring: KeyRing, username: string, secret: string): string =>
  seal(ring, secret, `totp:${username}`);

/** The base32 secret of what the account keeps (sealed, or bare from a tool without the keys). */
export const openTotp = (ring: KeyRing, username: string, kept: string): string =>
  kept.startsWith('g1.') ? unseal(ring, kept, `totp:${username}`) : kept;
