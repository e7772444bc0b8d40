/**
 * The chain's member programme over HTTP on an in-process stack (real engine, NATS and Redis): the
 * defaults until a manager sets it, refused for floor staff and for a misspelt rule (by name),
 * audited, and applied at once to what diners do next: sign-up and check-in points, the top-up's
 * bonus tier (through the WeChat Pay simulator), level names.
 */
import { describe, expect, it } from 'vitest';
import type { AuditPage } from '@lunchrush/actors/staff';
import { DEFAULT_MEMBER_PROGRAM, type MemberProgramView, type MemberResult } from '@lunchrush/actors/members';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, login, staff, type ErrorAnswer } from '@lunchrush/stack/testing';
import { s, useDinerStack } from './diner-support.js';

useDinerStack();

const PATH = '/v1/staff/stores/001/member-program';
const program = {
  ...DEFAULT_MEMBER_PROGRAM,
  levels: [
    { level: 0, name: '青铜', minYearSpendFen: 0, earnBonusPct: 0 },
    { level: 1, name: '白银', minYearSpendFen: 50_000, earnBonusPct: 30 },
  ],
  signUpPoints: 300,
  checkInPoints: 50,
  topUpBonuses: [{ minFen: 10_000, bonusFen: 2_000 }],
};

describe('the member programme for managers', () => {
  it('defaults until set; floor staff and a misspelt rule refused; set, audited, applied to diners at once', async () => {
    const manager = staff(s, 'manager');
    const waiter = staff(s, 'waiter');
    const t0 = Date.now();
    const before = await call<MemberProgramView>(s.url, 'GET', PATH, { token: waiter });
    expect(before.body).toMatchObject({ isDefault: true, version: 0, program: DEFAULT_MEMBER_PROGRAM });
    expect((await call(s.url, 'PUT', PATH, { token: waiter, body: program })).status).toBe(403);
    const bad = await call<ErrorAnswer>(s.url, 'PUT', PATH, { token: manager, body: { ...program, pointsPerYaun: 2 } });
    expect([bad.status, bad.body.code, bad.body.message]).toEqual([
      400,
      'validation_failed',
      expect.stringContaining('pointsPerYaun'),
    ]);
    const set = await call<MemberProgramView>(s.url, 'PUT', PATH, { token: manager, body: program });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ isDefault: false, version: 1, setBy: 'manager:t-manager', program });

    const d = await login(s);
    const joined = await call<MemberResult>(s.url, 'POST', '/v1/diner/member/enroll', { token: d.token, body: {} });
    expect(joined.body).toMatchObject({ points: 300, levelName: '青铜' });
    const ci = await call<MemberResult>(s.url, 'POST', '/v1/diner/member/check-in', { token: d.token });
    expect(ci.body).toMatchObject({ earnedPoints: 50, points: 350 });

    const top = await call<{ simulator: { payUrl: string; body: unknown } }>(s.url, 'POST', '/v1/diner/member/top-up', {
      token: d.token,
      body: { amountFen: 10_000 },
      headers: { 'idempotency-key': idemKey() },
    });
    await call(s.url, 'POST', top.body.simulator.payUrl, { body: top.body.simulator.body });
    const card = await call<MemberResult>(s.url, 'GET', '/v1/diner/member', { token: d.token });
    expect(card.body).toMatchObject({ principalFen: 10_000, bonusFen: 2_000 });

    const audited = await waitFor(async () => {
      const page = await call<AuditPage>(s.url, 'GET', '/v1/staff/stores/001/audit', { token: manager });
      const e = page.body.entries.find((x) => x.action === 'PUT /v1/staff/stores/{store}/member-program' && x.at >= t0);
      return e;
    });
    expect(audited.who).toContain('manager');
  });
});
