/**
 * A staff account switched off, or given another password or role, loses its tokens at once:
 * every staff route refuses them on the gateway that made the change and, through the
 * revocation list (NATS, and Redis for a process that missed it), on a second gateway in a
 * process of its own; its open push sockets close. A new login works again where the account
 * still may, and tokens of other names (the admin's, a device's) are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type StaffRole } from '@lunchrush/actors';
import { staffAccountOf, type AccountView } from '@lunchrush/actors/staff';
import { spawnTs, waitFor, type ChildProcessHandle } from '@lunchrush/testkit';
import { call, staff, startStack, type ErrorAnswer, type Stack } from '@lunchrush/stack/testing';
import { hashPassword } from '../src/console/index.js';

let s: Stack;
let other: ChildProcessHandle;
/** The gateway in the other process. */
let b: string;
let admin: string;
const PASSWORD = 'revoke-me-please-1';

beforeAll(async () => {
  s = await startStack();
  other = spawnTs('gateways/test/gateway-process.ts', { env: { ...s.env, LOG_LEVEL: 'warn' } });
  const m = await other.waitForLine(/GATEWAY READY port=(\d+)/, 60_000);
  b = `http://127.0.0.1:${m[1]}`;
  await staffAccountOf(s.client, 'rev-admin').send({
    type: 'create',
    name: '总部管理员',
    role: 'admin',
    stores: ['001'],
    passwordHash: await hashPassword(PASSWORD),
    by: { id: 'system:test', role: 'system', store: '000', ip: '' },
    at: Date.now(),
  });
  admin = await login('rev-admin');
});
afterAll(async () => {
  await other?.stop();
  await s?.close();
});

async function login(username: string, password = PASSWORD): Promise<string> {
  const r = await call<{ token: string }>(s.url, 'POST', '/v1/staff/login', { body: { username, password } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.token;
}

async function account(username: string, role: StaffRole): Promise<string> {
  const r = await call<AccountView>(s.url, 'POST', '/v1/staff/stores/001/accounts', {
    token: admin,
    body: { username, name: `店员 ${username}`, role, password: PASSWORD },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return login(username);
}

const change = (username: string, body: Record<string, unknown>) =>
  call<AccountView>(s.url, 'PATCH', `/v1/staff/stores/001/accounts/${username}`, { token: admin, body });
const me = (url: string, token: string) => call<ErrorAnswer>(url, 'GET', '/v1/staff/me', { token });

/** A push socket of `token` on this gateway, open; resolves its close code when it closes. */
async function socket(token: string): Promise<{ closed: Promise<number> }> {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?token=${token}`);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  return { closed };
}

const sample: Record<string, string> = {
  store: '001',
  orderId: 'o_001_aaaaaaaaaaaaaaaaaaaa',
  tableId: '0010001000016',
  skuId: 'mifan-s',
  spuId: 'mifan',
  station: 'wok',
  refundId: 'r1',
  username: 'waiter-001',
};

/** Every staff route that did not answer 401 `unauthorized` to `token` on `url`. */
async function admitted(url: string, token: string): Promise<string[]> {
  const routes = s.gw.routes.filter((r) => r.auth === 'staff');
  expect(routes.length).toBeGreaterThan(25);
  const wrong: string[] = [];
  for (const r of routes) {
    const method = r.method === 'del' ? 'DELETE' : r.method.toUpperCase();
    const path = r.path.replace(/\{(\w+)\}/g, (_, k: string) => sample[k] ?? 'x1');
    const a = await call<ErrorAnswer>(url, method, path, { token, body: r.method === 'get' ? undefined : {} });
    if (a.status !== 401 || a.body?.code !== 'unauthorized') wrong.push(`${method} ${r.path}: ${a.status}`);
  }
  return wrong;
}

describe('a switched-off staff account', () => {
  it('is refused on every staff route at once, here and on another gateway; its socket closes', async () => {
    const token = await account('rev-manager', 'manager');
    for (const url of [s.url, b]) expect((await me(url, token)).status).toBe(200);
    const ws = await socket(token);

    expect((await change('rev-manager', { disabled: true })).status).toBe(200);
    expect(await admitted(s.url, token)).toEqual([]);
    expect(await ws.closed).toBe(1008);
    await waitFor(async () => (await me(b, token)).status === 401, { what: 'the other gateway to refuse it' });
    expect(await admitted(b, token)).toEqual([]);

    // Other names keep working: the admin who switched it off, a device token of the store.
    for (const url of [s.url, b]) {
      expect((await me(url, admin)).status).toBe(200);
      expect((await me(url, staff(s, 'manager'))).status).toBe(200);
    }
    // Switched on again: a new login works everywhere, the old token stays refused.
    expect((await change('rev-manager', { disabled: false })).status).toBe(200);
    const again = await login('rev-manager');
    for (const url of [s.url, b]) {
      expect((await me(url, again)).status).toBe(200);
      expect((await me(url, token)).body.code).toBe('unauthorized');
    }
  });
});

describe('a staff account changed', () => {
  it('a new password ends its tokens; the new password logs in', async () => {
    const token = await account('rev-waiter', 'waiter');
    expect((await change('rev-waiter', { password: 'a-new-secret-222' })).status).toBe(200);
    expect((await me(s.url, token)).body.code).toBe('unauthorized');
    await waitFor(async () => (await me(b, token)).status === 401, { what: 'the other gateway to refuse it' });
    const fresh = await login('rev-waiter', 'a-new-secret-222');
    for (const url of [s.url, b]) expect((await me(url, fresh)).status).toBe(200);
  });

  it('another role ends its tokens (they name the old role); a rename does not', async () => {
    const token = await account('rev-cashier', 'cashier');
    expect((await change('rev-cashier', { name: '收银 新名字' })).status).toBe(200);
    expect((await me(s.url, token)).status).toBe(200);
    expect((await change('rev-cashier', { role: 'waiter' })).status).toBe(200);
    expect((await me(s.url, token)).body.code).toBe('unauthorized');
    const fresh = await login('rev-cashier');
    const m = await call<{ role: string }>(s.url, 'GET', '/v1/staff/me', { token: fresh });
    expect(m.body.role).toBe('waiter');
  });
});
