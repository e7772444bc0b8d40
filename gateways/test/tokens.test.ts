/**
 * Signed tokens are one string each: a base64url part whose last character differs only
 * in the bits base64url leaves unused decodes to the same bytes, and must be refused.
 * Diner session tokens are checked in process: forged, expired and retired ones are refused.
 */
import { parseTableCode } from '@lunchrush/actors';
import { describe, expect, it } from 'vitest';
import { parseKeyRing } from '../src/config.js';
import { HttpError } from '../src/errors.js';
import {
  signDinerToken,
  signStaffToken,
  signTableToken,
  verifyDinerToken,
  verifyStaffToken,
  verifyTableToken,
} from '../src/tokens.js';

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

describe('diner session tokens: checked in process', () => {
  const claims = {
    sessionId: 'sAbCdEfGhIjKlMnOp',
    dinerId: 'd_abcdefghijklmnopqrstuv',
    openid: 'oWeChatOpenIdOfTheDiner0000',
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_000_600_000,
    store: '001',
    tableId: '0010001000016',
    tableSessionId: 'ts_abc',
  };
  const now = 1_700_000_100_000;

  it('carry the session, seated or not', () => {
    expect(verifyDinerToken(ring, signDinerToken(ring, claims), now)).toEqual(claims);
    const { store: _s, tableId: _t, tableSessionId: _n, ...unseated } = claims;
    expect(verifyDinerToken(ring, signDinerToken(ring, unseated), now)).toEqual(unseated);
  });

  it('forged, respelt, expired or of a retired key: 401', () => {
    // An openid whose length leaves unused bits in the body's last character.
    let c = claims;
    for (let pad = ''; signDinerToken(ring, c).split('.')[2]!.length % 4 === 0; pad += 'x')
      c = { ...claims, openid: `${claims.openid}${pad}` };
    const token = signDinerToken(ring, c);
    const [, , body, mac] = token.split('.') as [string, string, string, string];
    const otherTable = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), t: '0010001000024' }),
    ).toString('base64url');
    const forged = [
      withPart(token, 2, otherTable), // another table under this token's MAC
      withPart(token, 3, `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`),
      withPart(token, 3, sibling(mac)),
      withPart(token, 2, sibling(body)),
      signDinerToken(parseKeyRing('other', `k1:${Buffer.from('another-key-same-id-16b').toString('base64')}`), c),
      `ds_${'A'.repeat(32)}`,
    ];
    for (const f of forged) {
      const e = refusal(() => verifyDinerToken(ring, f, now));
      expect([e.status, e.code], f).toEqual([401, 'unauthorized']);
    }
    const expired = refusal(() => verifyDinerToken(ring, token, c.expiresAt));
    expect([expired.status, expired.code]).toEqual([401, 'token_expired']);
    // Rotation: k2 signs, k1 still verifies; once k1 is dropped its tokens are refused.
    const k2 = `k2:${Buffer.from('the-next-session-key-of-16+').toString('base64')}`;
    const rotated = parseKeyRing(
      'rotated',
      `${k2},k1:${Buffer.from('a-test-key-of-at-least-16-bytes').toString('base64')}`,
    );
    expect(signDinerToken(rotated, c).startsWith('d1.k2.')).toBe(true);
    expect(verifyDinerToken(rotated, token, now)).toEqual(c);
    const retired = refusal(() => verifyDinerToken(parseKeyRing('new', k2), token, now));
    expect(retired.code).toBe('unauthorized');
    expect(retired.message).toMatch(/retired/);
  });
});
