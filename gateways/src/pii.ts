/**
 * Phone numbers and addresses at rest: AES-256-GCM with a fresh 96-bit nonce per
 * value, the record it belongs to as associated data (so a sealed phone cannot be
 * moved to another order), and the key id in front so keys can rotate:
 *
 *   g1.<keyId>.<nonce base64url>.<ciphertext‖tag base64url>
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './config.js';

export function seal(ring: KeyRing, plaintext: string, aad: string): string {
  const key = ring.keys.get(ring.current)!;
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
  return `g1.${ring.current}.${iv.toString('base64url')}.${ct.toString('base64url')}`;
}

export function unseal(ring: KeyRing, sealed: string, aad: string): string {
  const m = /^g1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/.exec(sealed);
  if (m === null) throw new Error('not a sealed value');
  const key = ring.keys.get(m[1]!);
  if (key === undefined) throw new Error(`PII key ${m[1]} is not configured`);
  const data = Buffer.from(m[3]!, 'base64url');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2]!, 'base64url'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
}

/** What the engine and logs may see of a phone number: the last four digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `000-${digits.slice(-4).padStart(4, '0')}`;
}
