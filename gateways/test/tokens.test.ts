/**
 * Signed tokens are one string each: a base64url part whose last character differs only
 * in the bits base64url leaves unused decodes to the same bytes, and must be refused.
 */
import { parseTableCode } from '@lunchrush/actors';
import { describe, expect, it } from 'vitest';
import { parseKeyRing } from '../src/config.js';
import { HttpError } from '../src/errors.js';
import { signStaffToken, signTableToken, verifyStaffToken, verifyTableToken } from '../src/tokens.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ring = parseKeyRing('test', `k1:${Buffer.from('a-test-key-of-at-least-16-bytes').toString('base64')}`);

/** The part with its last character changed in an unused low bit: other text, same bytes. */
function sibling(part: string): string {
  const last = ALPHABET.indexOf(part.at(-1)!);
  const other = `${part.slice(0, -1)}${ALPHABET[last ^ 1]}`;
  expect(other).not.toBe(part);
  expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(part, 'base64url'));
  return other;
}

function withPart(token: string, index: number, part: string): string {
  const parts = token.split('.');
  parts[index] = part;
  return parts.join('.');
}

function refusal(f: () => unknown): HttpError {
  try {
    f();
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('canonical base64url in tokens', () => {
  it('a table QR token whose MAC differs only in unused bits is refused like a bad signature', () => {
    const token = signTableToken(ring, parseTableCode('0010001000016'));
    expect(verifyTableToken(ring, token).tableId).toBe('0010001000016');
    const mac = token.split('.')[3]!;
    const badMac = refusal(() =>
      verifyTableToken(ring, withPart(token, 3, `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`)),
    );
    const e = refusal(() => verifyTableToken(ring, withPart(token, 3, sibling(mac))));
    expect(e.code).toBe('invalid_qr_token');
    expect(e.message).toBe(badMac.message);
  });

  it('a staff token whose MAC or body differs only in unused bits is refused like a bad signature', () => {
    const token = signStaffToken(ring, { store: '001', role: 'manager', staffId: 'zhang.wei', ttlS: 600 });
    expect(verifyStaffToken(ring, token)).toMatchObject({ store: '001', role: 'manager' });
    const [, , body, mac] = token.split('.') as [string, string, string, string];
    const badMac = refusal(() =>
      verifyStaffToken(ring, withPart(token, 3, `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`)),
    );
    expect(body.length % 4).not.toBe(0); // the body's last character has unused bits to flip
    for (const forged of [withPart(token, 3, sibling(mac)), withPart(token, 2, sibling(body))]) {
      const e = refusal(() => verifyStaffToken(ring, forged));
      expect(e.code).toBe('unauthorized');
      expect(e.message).toBe(badMac.message);
    }
  });
});
