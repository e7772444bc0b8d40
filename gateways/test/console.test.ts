/**
 * The console's API on a real stack: staff login with argon2 hashes and lockout, TOTP,
 * accounts managed by role and store, the audit trail of every staff change (and its CSV),
 * dish photos to WebP with caching headers, and a table-driven check of every staff route:
 * the wrong role and the wrong store are refused before anything runs.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names } from '@lunchrush/engine';
import { ALL_STAFF, type StaffRole } from '@lunchrush/actors';
import { MAX_LOGIN_FAILURES, staffAccountOf, type AccountView, type AuditPage } from '@lunchrush/actors/staff';
import { decode, type PartitionRecord } from '@lunchrush/engine';
import { call, staff, startStack, tableToken, type ErrorAnswer, type Stack } from '@lunchrush/stack/testing';
import { hashPassword, totpCode } from '../src/console/index.js';

let s: Stack;
const PASSWORD = 'correct-horse-001';
/** The TOTP secret a manager turns on: it must not be in the log either (sealed with the PII keys). */
let totpSecret = '';
interface Session {
  token: string;
  store: string;
  expiresAt: number;
  account: AccountView;
}

beforeAll(async () => {
  s = await startStack();
  await staffAccountOf(s.client, 'hq-admin').send({
    type: 'create',
    name: '总部管理员',
    role: 'admin',
    stores: ['001'],
    passwordHash: await hashPassword(PASSWORD),
    by: { id: 'system:test', role: 'system', store: '000', ip: '' },
    at: Date.now(),
  });
});
afterAll(() => s?.close());

const login = (username: string, password: string, extra: Record<string, unknown> = {}) =>
  call<Session>(s.url, 'POST', '/v1/staff/login', { body: { username, password, ...extra } });

async function session(username: string, password = PASSWORD): Promise<string> {
  const r = await login(username, password);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.token;
}

async function createAccount(token: string, username: string, role: StaffRole, store = '001') {
  return call<AccountView>(s.url, 'POST', `/v1/staff/stores/${store}/accounts`, {
    token,
    body: { username, name: `${role} ${username}`, role, password: PASSWORD },
  });
}

describe('staff login', () => {
  it('answers an expiring token for the account’s store; a wrong password or unknown name is the same 401', async () => {
    const r = await login('hq-admin', PASSWORD);
    expect(r.status).toBe(200);
    expect(r.body.store).toBe('001');
    expect(r.body.account.role).toBe('admin');
    expect(r.body.expiresAt).toBeGreaterThan(Date.now());
    expect(JSON.stringify(r.body)).not.toContain('argon2');
    const wrong = await login('hq-admin', 'not-the-password');
    const unknown = await login('nobody-here', 'not-the-password');
    expect([wrong.status, wrong.body.code]).toEqual([401, 'bad_credentials']);
    expect([unknown.status, unknown.body.code]).toEqual([401, 'bad_credentials']);
    expect(unknown.body.message).toBe(wrong.body.message);
  });

  it('locks an account after repeated failures, even against the right password', async () => {
    const admin = await session('hq-admin');
    expect((await createAccount(admin, 'brute-target', 'manager')).status).toBe(201);
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++)
      expect((await login('brute-target', `guess-${i}-xxxx`)).status).toBe(401);
    const locked = await login('brute-target', PASSWORD);
    expect([locked.status, locked.body.code]).toEqual([423, 'account_locked']);
    expect(locked.body.details?.until).toBeGreaterThan(Date.now());
    const unlock = await call(s.url, 'PATCH', '/v1/staff/stores/001/accounts/brute-target', {
      token: admin,
      body: { unlock: true },
    });
    expect(unlock.status).toBe(200);
    expect((await login('brute-target', PASSWORD)).status).toBe(200);
  });

  it('asks a manager with TOTP for the code, and refuses a wrong one', async () => {
    const admin = await session('hq-admin');
    await createAccount(admin, 'totp-boss', 'manager');
    const boss = await session('totp-boss');
    const setup = await call<{ secret: string }>(s.url, 'POST', '/v1/staff/me/totp', { token: boss, body: {} });
    const secret = setup.body.secret;
    totpSecret = secret;
    const on = await call(s.url, 'POST', '/v1/staff/me/totp', {
      token: boss,
      body: { secret, code: totpCode(secret) },
    });
    expect(on.status).toBe(200);
    expect((await login('totp-boss', PASSWORD)).body.code).toBe('totp_required');
    expect((await login('totp-boss', PASSWORD, { totp: '000000' })).status).toBe(401);
    expect((await login('totp-boss', PASSWORD, { totp: totpCode(secret) })).status).toBe(200);
  });

  it('never puts a password or a TOTP secret in the event log: argon2id hashes, sealed secrets', async () => {
    const jsm = await jetstreamManager(s.t.nc);
    const stream = names(s.t.ns).stream;
    const info = await jsm.streams.info(stream);
    let hashes = 0;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (m === null) continue;
      const raw = Buffer.from(m.data).toString('latin1');
      expect(raw).not.toContain(PASSWORD);
      expect(raw).not.toContain('guess-0-xxxx');
      expect(raw).not.toContain(totpSecret);
      if (raw.includes('$argon2id$')) hashes++;
    }
    expect(hashes).toBeGreaterThan(0);
    expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
  });
});

describe('accounts by role and store', () => {
  it('a manager manages the floor of their own store, not other managers nor other stores', async () => {
    const admin = await session('hq-admin');
    expect((await createAccount(admin, 'mgr-001', 'manager')).status).toBe(201);
    const mgr = await session('mgr-001');
    expect((await createAccount(mgr, 'waiter-001', 'waiter')).status).toBe(201);
    expect((await createAccount(mgr, 'mgr-two', 'manager')).body.code).toBe('account_forbidden');
    expect((await createAccount(mgr, 'waiter-002', 'waiter', '002')).body.code).toBe('store_forbidden');
    const list = await call<{ accounts: AccountView[] }>(s.url, 'GET', '/v1/staff/stores/001/accounts', { token: mgr });
    expect(list.body.accounts.map((a) => a.username)).toEqual(expect.arrayContaining(['mgr-001', 'waiter-001']));
    const waiter = await session('waiter-001');
    expect((await call(s.url, 'GET', '/v1/staff/me', { token: waiter })).status).toBe(200);
    const price = await call<ErrorAnswer>(s.url, 'POST', '/v1/staff/stores/001/menu/skus/mifan-s/price', {
      token: waiter,
      body: { priceFen: 1 },
    });
    expect([price.status, price.body.code]).toEqual([403, 'role_forbidden']);
    const off = await call(s.url, 'PATCH', '/v1/staff/stores/001/accounts/waiter-001', {
      token: mgr,
      body: { disabled: true },
    });
    expect(off.status).toBe(200);
    expect((await login('waiter-001', PASSWORD)).body.code).toBe('account_disabled');
    // Its token is revoked with it (test/staff-revocation.test.ts: every route, every gateway).
    const me = await call<ErrorAnswer>(s.url, 'GET', '/v1/staff/me', { token: waiter });
    expect([me.status, me.body.code]).toEqual([401, 'unauthorized']);
  });

  it('the admin switches stores; a manager cannot switch to a store not theirs', async () => {
    const admin = await session('hq-admin');
    const r = await call<Session>(s.url, 'POST', '/v1/staff/session', { token: admin, body: { store: '002' } });
    expect([r.status, r.body.store]).toEqual([200, '002']);
    const mgr = await session('mgr-001');
    const no = await call<ErrorAnswer>(s.url, 'POST', '/v1/staff/session', { token: mgr, body: { store: '002' } });
    expect([no.status, no.body.code]).toEqual([403, 'account_forbidden']);
  });
});

describe('the audit trail', () => {
  it('records each staff change with who, when and from where; exports CSV; cannot be edited', async () => {
    const mgr = await session('mgr-001');
    const t0 = Date.now();
    const set = await call(s.url, 'POST', '/v1/staff/stores/001/stock/mifan-s/set', {
      token: mgr,
      body: { available: 42 },
    });
    expect(set.status).toBe(200);
    const price = await call(s.url, 'POST', '/v1/staff/stores/001/menu/skus/mifan-s/price', {
      token: mgr,
      body: { priceFen: 300 },
    });
    expect(price.status).toBe(200);
    const page = await call<AuditPage>(s.url, 'GET', '/v1/staff/stores/001/audit', { token: mgr });
    const mine = page.body.entries.filter((e) => e.who === 'manager:mgr-001' && e.at >= t0);
    expect(mine.map((e) => e.action)).toEqual([
      'POST /v1/staff/stores/{store}/menu/skus/{skuId}/price',
      'POST /v1/staff/stores/{store}/stock/{skuId}/set',
    ]);
    expect(mine[0]).toMatchObject({ ip: expect.stringMatching(/127\.0\.0\.1/) as unknown, detail: '{"priceFen":300}' });
    expect(page.body.entries.some((e) => e.action === 'login' && e.who === 'manager:mgr-001')).toBe(true);
    const csv = await call<string>(s.url, 'GET', '/v1/staff/stores/001/audit?format=csv', { token: mgr });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.body).toContain('menu/skus/{skuId}/price');
    for (const method of ['PUT', 'PATCH', 'DELETE'])
      expect((await call(s.url, method, '/v1/staff/stores/001/audit', { token: mgr, body: {} })).status).toBe(404);
    const chain = await call<ErrorAnswer>(s.url, 'GET', '/v1/staff/stores/001/audit?scope=chain', { token: mgr });
    expect(chain.body.code).toBe('role_forbidden');
    const admin = await session('hq-admin');
    const trail = await call<AuditPage>(s.url, 'GET', '/v1/staff/stores/001/audit?scope=chain&limit=200', {
      token: admin,
    });
    const actions = new Set(trail.body.entries.map((e) => e.action));
    for (const a of ['account.create', 'login', 'login_failed', 'account.update', 'account.setTotp'])
      expect(actions).toContain(a);
  });
});

describe("a table action's trail entry", () => {
  it('is appended in the same record as the action; a refused action leaves none', async () => {
    const mgr = await session('mgr-001');
    const { tableId } = tableToken(s, 7);
    const path = (a: string) => `/v1/staff/stores/001/tables/${tableId}/${a}`;
    const t0 = Date.now();
    expect((await call(s.url, 'POST', path('open'), { token: mgr, body: { partySize: 3 } })).status).toBe(200);
    const jsm = await jetstreamManager(s.t.nc);
    const stream = names(s.t.ns).stream;
    const last = (await jsm.streams.info(stream)).state.last_seq;
    expect((await call(s.url, 'POST', path('close'), { token: mgr, body: {} })).status).toBe(200);
    expect((await call(s.url, 'POST', path('cleaned'), { token: mgr })).status).toBe(200);
    // Nobody seated now: a close is refused, and writes no entry.
    const again = await call<ErrorAnswer>(s.url, 'POST', path('close'), { token: mgr, body: {} });
    expect([again.status, again.body.code]).toEqual([409, 'no_session']);
    const page = await call<AuditPage>(s.url, 'GET', '/v1/staff/stores/001/audit', { token: mgr });
    const mine = page.body.entries.filter(
      (e) => e.who === 'manager:mgr-001' && e.at >= t0 && e.target.includes(tableId),
    );
    expect(mine.map((e) => e.action.split('/').pop())).toEqual(['cleaned', 'close', 'open']);
    expect(mine[0]).toMatchObject({
      ip: expect.stringMatching(/127\.0\.0\.1/) as unknown,
      summary: expect.any(String) as unknown,
    });
    // The close and the cleaned: each table change's record holds the trail's entry for it too.
    const now = (await jsm.streams.info(stream)).state.last_seq;
    const records: string[][] = [];
    for (let seq = last + 1; seq <= now; seq++) {
      const rec = decode<PartitionRecord>((await jsm.streams.getMessage(stream, { seq }))!.data);
      if (rec.k !== 'b' || !rec.x.some((e) => e.a[0] === 'table' && e.a[2] === tableId)) continue;
      records.push(rec.x.map((e) => `${e.a[0]}:${e.a[2]}`));
    }
    expect(records).toEqual([
      ['audit:log', `table:${tableId}`],
      ['audit:log', `table:${tableId}`],
    ]);
  });
});

describe('store settings', () => {
  it("a manager's save changes what it sends and keeps the rest (the actors' test shows the site kept too)", async () => {
    type View = {
      name: string;
      hours: { from: string; to: string }[];
      busyThresholdTickets: number;
      paymentTimeoutMs: number;
    };
    const path = '/v1/staff/stores/001/settings';
    const token = staff(s, 'manager');
    const before = await call<View>(s.url, 'GET', path, { token });
    expect(before.status).toBe(200);
    const put = await call<View>(s.url, 'PUT', path, { token, body: { busyThresholdTickets: 12 } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ name: before.body.name, hours: before.body.hours, busyThresholdTickets: 12 });
    const bad = await call<ErrorAnswer>(s.url, 'PUT', path, { token, body: { busyTreshold: 3 } });
    expect([bad.status, bad.body.message]).toEqual([400, expect.stringContaining('busyTreshold')]);
    await call(s.url, 'PUT', path, { token, body: { busyThresholdTickets: before.body.busyThresholdTickets } });
  });
});

describe('dish photos', () => {
  it('become WebP of at most 800 px, served immutable with an ETag', async () => {
    const admin = await session('hq-admin');
    const png = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    const up = await call<{ url: string; width: number; height: number }>(
      s.url,
      'POST',
      '/v1/staff/stores/001/images',
      {
        token: admin,
        raw: png,
        headers: { 'content-type': 'image/png' },
      },
    );
    expect(up.status).toBe(201);
    expect([up.body.width, up.body.height]).toEqual([800, 600]);
    const r = await fetch(up.body.url);
    expect(r.headers.get('content-type')).toBe('image/webp');
    expect(r.headers.get('cache-control')).toContain('immutable');
    const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
    expect(meta.format).toBe('webp');
    const again = await fetch(up.body.url, { headers: { 'if-none-match': r.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const bad = await call<ErrorAnswer>(s.url, 'POST', '/v1/staff/stores/001/images', {
      token: admin,
      raw: 'not an image',
      headers: { 'content-type': 'image/png' },
    });
    expect([bad.status, bad.body.code]).toEqual([422, 'image_invalid']);
  });
});

describe('a test page on a printer', () => {
  it('is 503 when no printer daemon serves the store', async () => {
    const admin = await session('hq-admin');
    const r = await call<ErrorAnswer>(s.url, 'POST', '/v1/staff/stores/001/printers/test', {
      token: admin,
      body: { station: 'wok' },
    });
    expect([r.status, r.body.code]).toEqual([503, 'unavailable']);
  });
});

describe('the console page', () => {
  it('is served with a Content-Security-Policy that allows only its own scripts and its import map', async () => {
    const r = await fetch(`${s.url}/console/`);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/]{43}='/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(await r.text()).toContain('<script type="importmap">');
    const vendor = await fetch(`${s.url}/console/vendor/preact.mjs`);
    expect(vendor.headers.get('content-type')).toMatch(/javascript/);
  });
});

describe('every staff route', () => {
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
  const method = (m: string): string => (m === 'del' ? 'DELETE' : m.toUpperCase());

  it('refuses another store’s token and every role the route does not list', async () => {
    const routes = s.gw.routes.filter((r) => r.auth === 'staff');
    expect(routes.length).toBeGreaterThan(25);
    const refusals: string[] = [];
    for (const r of routes) {
      const path = r.path.replace(/\{(\w+)\}/g, (_, k: string) => sample[k] ?? 'x1');
      const label = `${method(r.method)} ${r.path}`;
      const body = r.method === 'get' ? undefined : {};
      if (r.path.includes('{store}')) {
        const other = await call<ErrorAnswer>(s.url, method(r.method), path, {
          token: staff(s, 'manager', '002'),
          body,
        });
        if (other.body?.code !== 'store_forbidden') refusals.push(`${label}: another store answered ${other.status}`);
      }
      for (const role of ALL_STAFF.filter((x) => r.roles !== undefined && !r.roles.includes(x))) {
        const wrong = await call<ErrorAnswer>(s.url, method(r.method), path, { token: staff(s, role), body });
        if (wrong.body?.code !== 'role_forbidden') refusals.push(`${label}: ${role} answered ${wrong.status}`);
      }
    }
    expect(refusals).toEqual([]);
  });

  it('lists the roles of every store route that changes something', () => {
    const open = s.gw.routes.filter(
      (r) => r.auth === 'staff' && r.method !== 'get' && r.path.includes('{store}') && r.roles === undefined,
    );
    expect(open.map((r) => r.path)).toEqual([]);
  });
});
