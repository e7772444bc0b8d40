/**
 * A staff token is verified once per process and remembered by its text; what may change while it
 * is remembered is still checked on every use: its expiry, and the revocation list (an account
 * switched off). A token that does not verify is never remembered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, testLogger, type TestContext } from '@lunchrush/testkit';
import { Auth } from '../src/auth.js';
import { parseKeyRing } from '../src/config.js';
import { HttpError } from '../src/errors.js';
import { Revocations } from '../src/revocations.js';
import { SessionTokens } from '../src/sessions.js';
import { signStaffToken } from '../src/tokens.js';

const key = (text: string) => `k1:${Buffer.from(text).toString('base64')}`;
const staffKeys = parseKeyRing('staff', key('a-staff-key-of-at-least-16-bytes'));
const otherKeys = parseKeyRing('other', key('another-staff-key-same-id-16b'));
const qrKeys = parseKeyRing('qr', key('a-qr-key-of-at-least-16-bytes!!'));

/** What `verifyStaffToken` refuses with: [status, code]. */
function refusal(f: () => unknown): [number, string] {
  try {
    f();
  } catch (e) {
    if (e instanceof HttpError) return [e.status, e.code];
    throw e;
  }
  throw new Error('not refused');
}

describe('staff tokens verified once per process', () => {
  let t: TestContext;
  let revocations: Revocations;
  let auth: Auth;
  beforeAll(async () => {
    t = await setup({ redis: true });
    revocations = new Revocations(t.redis!, t.nc, {
      prefix: t.ns,
      namespace: t.ns,
      sessionTtlS: 3600,
      staffTtlS: 3600,
      log: testLogger('staff-token-cache'),
    });
    auth = new Auth(qrKeys, staffKeys, new SessionTokens(staffKeys, 3600), revocations);
  });
  afterAll(() => t?.cleanup());

  it('a remembered token is refused once it expires, and once its account is revoked', async () => {
    const now = Date.now();
    const token = signStaffToken(staffKeys, { store: '001', role: 'manager', staffId: 'wang', ttlS: 60 }, now);
    const first = auth.verifyStaffToken(token, now);
    expect(first).toMatchObject({ store: '001', role: 'manager', staffId: 'wang' });
    expect(auth.verifyStaffToken(token, now + 1_000)).toBe(first);
    expect(refusal(() => auth.verifyStaffToken(token, now + 60_000))).toEqual([401, 'token_expired']);

    const other = signStaffToken(staffKeys, { store: '001', role: 'waiter', staffId: 'li', ttlS: 60 }, now);
    expect(auth.verifyStaffToken(other, now + 1).staffId).toBe('li');
    await revocations.revokeStaff('li', now + 2, now + 2);
    expect(refusal(() => auth.verifyStaffToken(other, now + 3))).toEqual([401, 'unauthorized']);
  });

  it('a token that does not verify is refused every time, never remembered', () => {
    const now = Date.now();
    const forged = signStaffToken(otherKeys, { store: '001', role: 'admin', staffId: 'zhao', ttlS: 60 }, now);
    for (let i = 0; i < 3; i++)
      expect(refusal(() => auth.verifyStaffToken(forged, now + i))).toEqual([401, 'unauthorized']);
  });
});
