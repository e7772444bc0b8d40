/**
 * Staff accounts, the chain's list of them and the audit log, as deciders run by a
 * MemoryRuntime: lockout after failed logins, who may manage whom, no clear password,
 * and an audit trail that only grows (fast-check: any run of commands keeps it numbered
 * 1..n with no entry ever changed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryRuntime } from '@lunchrush/engine';
import { restaurantActors } from '@lunchrush/actors';
import {
  AUDIT_ACTOR,
  AUDIT_KEEP,
  AUDIT_PAGE_MAX,
  LOCKOUT_MS,
  MAX_LOGIN_FAILURES,
  STAFF_ACCOUNT_ACTOR,
  STAFF_DIRECTORY_ACTOR,
  type AccountActor,
  type AccountView,
  type AuditEntry,
  type AuditPage,
  type StaffAccountCommand,
  type StaffAccountRecord,
} from '@lunchrush/actors/staff';

const HASH = '$argon2id$v=19$m=65536,t=3,p=4$C09KEaBM9h9Z7LZ9TcB2bA$nLo9PVR58fFHbwh96UtbL1e3yIV4qK+wHuoiJAr/8sA';
const T0 = 1_760_000_000_000;
const SYSTEM: AccountActor = { id: 'system:start', role: 'system', store: '000', ip: '127.0.0.1' };
const ADMIN: AccountActor = { id: 'admin:hq', role: 'admin', store: '000', ip: '10.0.0.1' };
const MGR1: AccountActor = { id: 'manager:lijing', role: 'manager', store: '001', ip: '10.0.0.2' };

function runtime(): {
  rt: MemoryRuntime;
  send: (user: string, c: StaffAccountCommand) => ReturnType<MemoryRuntime['send']>;
  audit: (store?: string) => AuditEntry[];
} {
  const rt = new MemoryRuntime(restaurantActors);
  return {
    rt,
    send: (user, c) => rt.send({ store: '000', type: STAFF_ACCOUNT_ACTOR, id: user }, c),
    audit: (store = '000') => {
      const out = rt.send<AuditPage>({ store, type: AUDIT_ACTOR, id: 'log' }, { type: 'list', limit: AUDIT_PAGE_MAX });
      if (!out.ok) throw new Error(out.message);
      return [...out.result.entries].reverse();
    },
  };
}

const create = (role: 'admin' | 'manager' | 'waiter', stores: string[], by = SYSTEM): StaffAccountCommand => ({
  type: 'create',
  name: '李经理',
  role,
  stores,
  passwordHash: HASH,
  by,
  at: T0,
});

describe('staff accounts', () => {
  it('lock after MAX_LOGIN_FAILURES failures in a row, for LOCKOUT_MS; a success ends the run', () => {
    const { rt, send } = runtime();
    expect(send('lijing', create('manager', ['001'])).ok).toBe(true);
    const fail = (at: number) => send('lijing', { type: 'loginFailed', ip: '1.2.3.4', reason: 'password', at });
    for (let i = 0; i < MAX_LOGIN_FAILURES - 1; i++) expect(fail(T0 + i).ok).toBe(true);
    expect(send('lijing', { type: 'loginSucceeded', ip: '1.2.3.4', store: '001', at: T0 + 10 }).ok).toBe(true);
    for (let i = 0; i < MAX_LOGIN_FAILURES; i++) fail(T0 + 20 + i);
    const at = T0 + 20 + MAX_LOGIN_FAILURES - 1;
    const locked = send('lijing', { type: 'loginSucceeded', ip: '1.2.3.4', store: '001', at: at + 1 });
    expect(locked.ok ? null : locked.reason).toBe('account_locked');
    const rec = rt.state<{ account: StaffAccountRecord }>({ store: '000', type: STAFF_ACCOUNT_ACTOR, id: 'lijing' });
    expect(rec.account.lockedUntil).toBe(at + LOCKOUT_MS);
    expect(send('lijing', { type: 'loginSucceeded', ip: '1.2.3.4', store: '001', at: at + LOCKOUT_MS }).ok).toBe(true);
  });

  it('refuse anything but an argon2id hash as the password', () => {
    const { send } = runtime();
    const out = send('lijing', { ...create('manager', ['001']), passwordHash: 'hunter22' } as StaffAccountCommand);
    expect(out.ok ? null : out.reason).toBe('invalid_command');
  });

  it('a manager manages the floor of their store only; the admin anyone', () => {
    const { send } = runtime();
    expect(send('lijing', create('manager', ['001'])).ok).toBe(true);
    expect(send('waiter1', create('waiter', ['001'], MGR1)).ok).toBe(true);
    const refused = (c: StaffAccountCommand, user: string) => {
      const out = send(user, c);
      return out.ok ? null : out.reason;
    };
    expect(refused(create('waiter', ['002'], MGR1), 'waiter2')).toBe('account_forbidden');
    expect(refused(create('manager', ['001'], MGR1), 'manager2')).toBe('account_forbidden');
    expect(refused({ type: 'update', role: 'manager', by: MGR1, at: T0 }, 'waiter1')).toBe('account_forbidden');
    expect(refused({ type: 'update', stores: ['002'], by: MGR1, at: T0 }, 'waiter1')).toBe('account_forbidden');
    expect(send('waiter1', { type: 'update', disabled: true, by: MGR1, at: T0 }).ok).toBe(true);
    expect(send('waiter3', create('waiter', ['002'], ADMIN)).ok).toBe(true);
    expect(refused(create('waiter', ['001']), 'waiter1')).toBe('account_exists');
  });

  it('keep the directory and the chain audit log in the same append, with no hash in either', () => {
    const { rt, send, audit } = runtime();
    send('lijing', create('manager', ['001']));
    send('lijing', { type: 'loginFailed', ip: '1.2.3.4', reason: 'password', at: T0 + 1 });
    send('lijing', { type: 'setPassword', passwordHash: HASH, by: { ...MGR1, id: 'manager:lijing' }, at: T0 + 2 });
    const list = rt.send<{ accounts: AccountView[] }>(
      { store: '000', type: STAFF_DIRECTORY_ACTOR, id: 'all' },
      { type: 'list', store: '001' },
    );
    expect(list.ok && list.result.accounts.map((a) => [a.username, a.role])).toEqual([['lijing', 'manager']]);
    expect(audit().map((e) => [e.seq, e.action, e.who])).toEqual([
      [1, 'account.create', 'system:start'],
      [2, 'login_failed', 'lijing'],
      [3, 'account.setPassword', 'manager:lijing'],
    ]);
    const hashes = JSON.stringify(rt.log).match(/"passwordHash":"[^"]*"/g) ?? [];
    expect(hashes.length).toBeGreaterThan(0);
    for (const h of hashes) expect(h).toMatch(/^"passwordHash":"\$argon2id\$/);
    expect(JSON.stringify(list)).not.toContain('$argon2');
  });
});

describe('the audit log', () => {
  const entryArb = fc.record({
    at: fc.nat(),
    who: fc.string({ maxLength: 20 }),
    role: fc.constantFrom('manager', 'waiter'),
    ip: fc.constant('127.0.0.1'),
    action: fc.string({ minLength: 1, maxLength: 30 }),
  });

  it('only grows: every entry keeps its seq and contents, numbered 1..n', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 40 }), (entries) => {
        const { rt, audit } = runtime();
        const seen: AuditEntry[] = [];
        for (const entry of entries) {
          const out = rt.send({ store: '001', type: AUDIT_ACTOR, id: 'log' }, { type: 'record', entry });
          expect(out.ok).toBe(true);
          const now = audit('001');
          expect(now.slice(0, seen.length)).toEqual(seen);
          seen.splice(0, seen.length, ...now);
        }
        expect(seen.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      }),
      { numRuns: 30 },
    );
  });

  it('keeps the newest AUDIT_KEEP entries to read, numbering on', () => {
    const { rt } = runtime();
    const ref = { store: '002', type: AUDIT_ACTOR, id: 'log' };
    const entry = { at: T0, who: 'manager:x', role: 'manager', ip: '', action: 'a' };
    for (let i = 0; i < AUDIT_KEEP + 5; i++) rt.send(ref, { type: 'record', entry });
    const page = rt.send<AuditPage>(ref, { type: 'list', limit: AUDIT_PAGE_MAX });
    expect(page.ok && page.result.total).toBe(AUDIT_KEEP + 5);
    expect(page.ok && page.result.entries[0]!.seq).toBe(AUDIT_KEEP + 5);
    expect(rt.state<{ entries: unknown[] }>(ref).entries).toHaveLength(AUDIT_KEEP);
  });

  it('has no command that edits or removes an entry', () => {
    const { rt } = runtime();
    for (const type of ['edit', 'delete', 'remove', 'clear']) {
      const out = rt.send({ store: '001', type: AUDIT_ACTOR, id: 'log' }, { type, seq: 1 });
      expect(out.ok ? null : out.reason).toBe('invalid_command');
    }
  });
});
