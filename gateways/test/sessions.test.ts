/**
 * Diner sessions are signed tokens every gateway checks in process, and rate limits are
 * counted per process; what must reach every process (a logout, a revoked diner) or hold
 * across them (login attempts) goes through NATS and Redis. A second gateway runs in a
 * process of its own (test/gateway-process.ts) on the same namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTs, testLogger, waitFor, type ChildProcessHandle } from '@lunchrush/testkit';
import { parseKeyRing } from '../src/config.js';
import { startGateway } from '../src/server.js';
import { signDinerToken, verifyDinerToken } from '../src/tokens.js';
import { call, login, seatedDiner, startStack, tableToken, type Stack } from '@lunchrush/stack/testing';
import type { Scan, TableView } from './answers.js';

let s: Stack;
let other: ChildProcessHandle;
/** The gateway in the other process. */
let b: string;

beforeAll(async () => {
  s = await startStack({ GATEWAY_RATE_DEVICE: '5' });
  other = spawnTs('gateways/test/gateway-process.ts', { env: { ...s.env, LOG_LEVEL: 'warn' } });
  const m = await other.waitForLine(/GATEWAY READY port=(\d+)/, 60_000);
  b = `http://127.0.0.1:${m[1]}`;
});
afterAll(async () => {
  await other?.stop();
  await s?.close();
});

const table = (url: string, token: string) => call<TableView>(url, 'GET', '/v1/diner/table', { token });

describe('logout and revocation reach every gateway process', () => {
  it('a logout refuses every token of the session, on this process at once and on the other', async () => {
    const d = await login(s);
    const scan = await call<Scan>(s.url, 'POST', '/v1/diner/scan', {
      token: d.token,
      body: { tableToken: tableToken(s, 31).token, partySize: 2 },
    });
    expect(scan.status).toBe(200);
    const seated: string = scan.body.sessionToken;
    expect(scan.headers.get('session-token')).toBe(seated);
    expect(seated).not.toBe(d.token);
    for (const url of [s.url, b]) expect((await table(url, seated)).status).toBe(200);
    // The login's own token knows no table.
    expect((await table(b, d.token)).body.code).toBe('no_table');

    expect((await call(s.url, 'POST', '/v1/diner/logout', { token: seated })).status).toBe(204);
    for (const token of [seated, d.token]) {
      const here = await table(s.url, token);
      expect([here.status, here.body.code]).toEqual([401, 'unauthorized']);
      await waitFor(async () => (await table(b, token)).status === 401, { what: 'the other process to refuse it' });
    }
    // Logging in again is a new session.
    const again = await login(s);
    expect(
      (
        await call(b, 'POST', '/v1/diner/quote', {
          token: again.token,
          body: { store: '001', lines: [{ skuId: 'pai-huanggua', qty: 1 }] },
        })
      ).status,
    ).toBe(200);
  });

  it('a revoked diner: every session logged in before, on every process, and on one started after', async () => {
    const name = `revoked${process.pid}`;
    const first = await login(s, name);
    const second = await login(s, name);
    expect(second.dinerId).toBe(first.dinerId);
    const quote = (url: string, token: string) =>
      call(url, 'POST', '/v1/diner/quote', {
        token,
        body: { store: '001', lines: [{ skuId: 'pai-huanggua', qty: 1 }] },
      });
    expect((await quote(b, first.token)).status).toBe(200);

    // Revoked through the other process's list (an operator's tool would do the same).
    await s.gw.deps.revocations.revokeDiner(first.dinerId, Date.now() + 1);
    for (const token of [first.token, second.token]) {
      expect((await quote(s.url, token)).status).toBe(401);
      await waitFor(async () => (await quote(b, token)).status === 401, { what: 'the other process to refuse it' });
    }
    // A process that starts afterwards reads the list before it serves.
    const late = await startGateway(s.cfg, { logger: testLogger('late-gateway') });
    try {
      expect((await quote(late.url, first.token)).status).toBe(401);
      const after = await login(s, name);
      expect((await quote(late.url, after.token)).status).toBe(200);
      expect((await quote(b, after.token)).status).toBe(200);
    } finally {
      await late.close();
    }
  });
});

describe('session tokens', () => {
  const ttlMs = () => s.cfg.sessionTtlS * 1000;

  it('an expired or forged token is 401; the table in a token cannot be changed', async () => {
    const d = await seatedDiner(s, 32);
    const claims = verifyDinerToken(s.cfg.sessionKeys, d.token);
    const expired = signDinerToken(s.cfg.sessionKeys, { ...claims, expiresAt: Date.now() - 1 });
    const r = await table(b, expired);
    expect([r.status, r.body.code]).toEqual([401, 'token_expired']);
    const otherKey = parseKeyRing('forger', `k1:${Buffer.from('a-key-the-forger-chose-himself').toString('base64')}`);
    const forged = signDinerToken(otherKey, { ...claims, tableId: tableToken(s, 33).tableId });
    expect((await table(b, forged)).status).toBe(401);
    const [p0, p1, , mac] = d.token.split('.');
    const moved = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(d.token.split('.')[2]!, 'base64url').toString()),
        t: tableToken(s, 33).tableId,
      }),
    ).toString('base64url');
    expect((await table(b, [p0, p1, moved, mac].join('.'))).status).toBe(401);
  });

  it('a token past half its life is answered a renewed one for the same session and table', async () => {
    const d = await seatedDiner(s, 34);
    const claims = verifyDinerToken(s.cfg.sessionKeys, d.token);
    const fresh = await table(s.url, d.token);
    expect(fresh.headers.get('session-token')).toBeNull();
    const old = signDinerToken(s.cfg.sessionKeys, { ...claims, expiresAt: Date.now() + ttlMs() / 4 });
    const r = await table(b, old);
    expect(r.status).toBe(200);
    const renewed = r.headers.get('session-token')!;
    const c = verifyDinerToken(s.cfg.sessionKeys, renewed);
    expect(c).toMatchObject({ sessionId: claims.sessionId, dinerId: claims.dinerId, tableId: d.tableId });
    expect(c.expiresAt).toBeGreaterThan(Date.now() + ttlMs() / 2);
    expect((await table(s.url, renewed)).body.tableId).toBe(d.tableId);
  });
});

describe('rate limits', () => {
  it('are counted per process, except login, which counts across every gateway', async () => {
    const device = `dev-n-${process.pid}-${Date.now()}`;
    const stock = (url: string) =>
      call(url, 'GET', '/v1/stores/001/stock', { headers: { 'x-device-id': device } }).then((r) => r.status);
    const here: number[] = [];
    for (let i = 0; i < 6; i++) here.push(await stock(s.url));
    expect(here).toEqual([200, 200, 200, 200, 200, 429]);
    // The other process has its own buckets.
    expect(await stock(b)).toBe(200);

    const loginDevice = `dev-l-${process.pid}-${Date.now()}`;
    const signIn = (url: string, i: number) =>
      call(url, 'POST', '/v1/diner/login', {
        body: { code: `limited${process.pid}-${i}` },
        headers: { 'x-device-id': loginDevice },
      }).then((r) => r.status);
    const logins = [await signIn(s.url, 1), await signIn(b, 2), await signIn(s.url, 3), await signIn(b, 4)];
    logins.push(await signIn(s.url, 5));
    expect(logins).toEqual([200, 200, 200, 200, 200]);
    expect(await signIn(b, 6)).toBe(429);
    expect(await signIn(s.url, 7)).toBe(429);
  });
});
