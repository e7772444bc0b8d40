/**
 * The console's store picker on a real stack: `GET /v1/staff/stores` answers the chain's list of
 * stores to the admin, an account's own stores to anyone else, a device token's own store, each
 * with the name the list holds; a manager renaming their store renames it in the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffAccountOf, storeDirectoryOf } from '@lunchrush/actors/staff';
import { call, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import { hashPassword } from '../src/console/index.js';

let s: Stack;
const PASSWORD = 'pick-a-store-0001';
type Stores = { stores: { store: string; name: string }[] };

beforeAll(async () => {
  s = await startStack();
  // The stack loads store 001 (and lists it); two more stores of the chain.
  for (const [store, name] of [
    ['002', '湘川小馆·河西店'],
    ['003', '湘川小馆·星沙店'],
  ] as const)
    await storeDirectoryOf(s.client).send({ type: 'add', store, name, at: Date.now() });
  await staffAccountOf(s.client, 'st-admin').send({
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

async function login(username: string): Promise<string> {
  const r = await call<{ token: string }>(s.url, 'POST', '/v1/staff/login', { body: { username, password: PASSWORD } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.token;
}
const stores = async (token: string) => {
  const r = await call<Stores>(s.url, 'GET', '/v1/staff/stores', { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.stores;
};

describe('the stores a staff member may pick', () => {
  it('the admin: every store of the chain, with names', async () => {
    const list = await stores(await login('st-admin'));
    expect(list.map((x) => x.store)).toEqual(['001', '002', '003']);
    expect(list[0]!.name).toMatch(/^湘川小馆·/);
    expect(list[2]).toEqual({ store: '003', name: '湘川小馆·星沙店' });
  });

  it('a manager: the stores of their account only; a device token: its own store', async () => {
    const admin = await login('st-admin');
    const made = await call(s.url, 'POST', '/v1/staff/stores/001/accounts', {
      token: admin,
      body: { username: 'st-manager', name: '两店经理', role: 'manager', password: PASSWORD, stores: ['001', '003'] },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((await stores(await login('st-manager'))).map((x) => x.store)).toEqual(['001', '003']);
    expect(await stores(staff(s, 'waiter', '002'))).toEqual([{ store: '002', name: '湘川小馆·河西店' }]);
  });

  it("a store's new name reaches the list", async () => {
    const saved = await call(s.url, 'PUT', '/v1/staff/stores/001/settings', {
      token: staff(s, 'manager'),
      body: { name: '湘川小馆·五一旗舰店' },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect((await stores(await login('st-admin')))[0]).toEqual({ store: '001', name: '湘川小馆·五一旗舰店' });
  });
});
