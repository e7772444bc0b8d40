/** Share codes: sealed claims that cannot be read, forged, altered, moved to another key, or replayed late. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SHARE_CODE_ERRORS,
  ShareCodeErrorCode,
  openShareCode,
  sealShareCode,
  type ShareClaims,
  type ShareCodeError,
  type ShareKeyRing,
} from '../src/share-code.js';

const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const ring1: ShareKeyRing = { current: 'k1', keys: new Map([['k1', K1]]) };
/** After rotation: k2 seals, k1 still opens. */
const rotated: ShareKeyRing = {
  current: 'k2',
  keys: new Map([
    ['k2', K2],
    ['k1', K1],
  ]),
};
/** k1 retired. */
const retired: ShareKeyRing = { current: 'k2', keys: new Map([['k2', K2]]) };

const AT = Date.UTC(2025, 2, 14, 4, 0);
const claims: ShareClaims = {
  kind: 'group',
  store: '001',
  campaignId: 'gb_noodle',
  targetId: 'g_abc123',
  inviter: 'd_leader',
  expiresAt: AT + 3_600_000,
};
const expectGroup = { campaignId: 'gb_noodle', kind: 'group' as const, at: AT };

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as ShareCodeError).code;
  }
  return 'accepted';
}

describe('share codes', () => {
  it('open what was sealed; the payload is not readable in the code', () => {
    const code = sealShareCode(ring1, claims);
    expect(code).toMatch(/^s1\.k1\./);
    expect(openShareCode(ring1, code, expectGroup)).toEqual(claims);
    for (const visible of ['gb_noodle', 'g_abc123', 'd_leader', '001']) expect(code).not.toContain(visible);
    const body = Buffer.from(code.split('.')[3]!, 'base64url').toString('latin1');
    expect(body).not.toContain('leader');
    // a fresh nonce per code: two codes of the same claims differ
    expect(sealShareCode(ring1, claims)).not.toBe(code);
  });

  it('rotation: a new key seals, a code of the old key opens until the old key is retired', () => {
    const old = sealShareCode(ring1, claims);
    const fresh = sealShareCode(rotated, claims);
    expect(fresh).toMatch(/^s1\.k2\./);
    expect(openShareCode(rotated, old, expectGroup)).toEqual(claims);
    expect(openShareCode(retired, fresh, expectGroup)).toEqual(claims);
    expect(refusal(() => openShareCode(retired, old, expectGroup))).toBe(ShareCodeErrorCode.KeyRetired);
  });

  it('forged codes: the right shape under a real key id, without the key', () => {
    const attacker: ShareKeyRing = { current: 'k1', keys: new Map([['k1', Buffer.alloc(32, 9)]]) };
    expect(refusal(() => openShareCode(ring1, sealShareCode(attacker, claims), expectGroup))).toBe(
      ShareCodeErrorCode.Invalid,
    );
    for (const junk of [
      '',
      's1',
      'x1.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA',
      's1.k1..',
      `${'s1.k1.'}${'A'.repeat(16)}.`,
    ])
      expect(refusal(() => openShareCode(ring1, junk, expectGroup))).toBe(ShareCodeErrorCode.Invalid);
  });

  it('a code moved under another key id does not verify, even where both keys are in the ring', () => {
    const sameKeyTwice: ShareKeyRing = {
      current: 'k1',
      keys: new Map([
        ['k1', K1],
        ['k9', K1],
      ]),
    };
    const moved = sealShareCode(ring1, claims).replace(/^s1\.k1\./, 's1.k9.');
    expect(refusal(() => openShareCode(sameKeyTwice, moved, expectGroup))).toBe(ShareCodeErrorCode.Invalid);
  });

  it('altered codes: any change of one character is refused, never opened as other claims', () => {
    const code = sealShareCode(ring1, claims);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(
      fc.property(fc.nat(code.length - 1), fc.nat(alphabet.length - 1), (pos, ch) => {
        const c = alphabet[ch]!;
        fc.pre(code[pos] !== c);
        const altered = code.slice(0, pos) + c + code.slice(pos + 1);
        const r = refusal(() => openShareCode(ring1, altered, expectGroup));
        expect([ShareCodeErrorCode.Invalid, ShareCodeErrorCode.KeyRetired]).toContain(r);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('share codes: spelling, expiry, campaigns, refusals', () => {
  it('a part not in its canonical base64url spelling is refused: a code is one string', () => {
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // an inviter whose code body is not a multiple of 3 bytes, so its last character has unused bits
    let code = '';
    for (let n = 1; code === '' || Buffer.from(code.split('.')[3]!, 'base64url').length % 3 === 0; n++)
      code = sealShareCode(ring1, { ...claims, inviter: `d_${'x'.repeat(n)}` });
    const body = code.split('.')[3]!;
    const twinBody = body.slice(0, -1) + B64[B64.indexOf(body[body.length - 1]!) ^ 1]!;
    expect(Buffer.from(twinBody, 'base64url')).toEqual(Buffer.from(body, 'base64url'));
    const twin = code.slice(0, code.length - body.length) + twinBody;
    expect(refusal(() => openShareCode(ring1, twin, expectGroup))).toBe(ShareCodeErrorCode.Invalid);
    expect(refusal(() => openShareCode(ring1, code, expectGroup))).toBe('accepted');
  });

  it('expired: refused at and after its expiry (a replay of an old code)', () => {
    const code = sealShareCode(ring1, claims);
    expect(openShareCode(ring1, code, { ...expectGroup, at: claims.expiresAt - 1 })).toEqual(claims);
    expect(refusal(() => openShareCode(ring1, code, { ...expectGroup, at: claims.expiresAt }))).toBe(
      ShareCodeErrorCode.Expired,
    );
  });

  it('another campaign, or another kind of campaign, is refused', () => {
    const code = sealShareCode(ring1, claims);
    expect(refusal(() => openShareCode(ring1, code, { ...expectGroup, campaignId: 'gb_other' }))).toBe(
      ShareCodeErrorCode.WrongCampaign,
    );
    expect(refusal(() => openShareCode(ring1, code, { ...expectGroup, kind: 'bargain' }))).toBe(
      ShareCodeErrorCode.WrongCampaign,
    );
  });

  it('every refusal has a 4xx status and a description', () => {
    for (const code of Object.values(ShareCodeErrorCode)) {
      const spec = SHARE_CODE_ERRORS[code];
      expect(spec.status).toBeGreaterThanOrEqual(400);
      expect(spec.status).toBeLessThan(500);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });

  it('refuses to seal claims outside the id alphabet', () => {
    expect(() => sealShareCode(ring1, { ...claims, inviter: 'a.b' })).toThrow();
  });
});
