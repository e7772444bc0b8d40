/** Who among staff may do what, and the order command of each staff action. */
import { describe, expect, it } from 'vitest';
import {
  ALL_STAFF,
  OrderCommandSchema,
  STAFF_ORDER_ACTIONS,
  StaffRoleSchema,
  isStationAction,
  staffActor,
  staffActorId,
  staffMay,
  staffMayTake,
  staffOrderCommand,
  type StaffPermission,
} from '@lunchrush/actors';

describe('staff permissions', () => {
  it('follow the table: waiters run the floor, the kitchen its stations and stock, managers everything', () => {
    const table: Record<StaffPermission, string> = {
      view: 'waiter kitchen cashier manager admin',
      tables: 'waiter cashier manager admin',
      accept: 'waiter kitchen cashier manager admin',
      stations: 'kitchen manager admin',
      serve: 'waiter kitchen cashier manager admin',
      refunds: 'waiter cashier manager admin',
      stock: 'kitchen manager admin',
      setup: 'manager admin',
      accounts: 'manager admin',
      audit: 'manager admin',
    };
    for (const [what, roles] of Object.entries(table) as [StaffPermission, string][])
      expect([what, ALL_STAFF.filter((r) => staffMay(r, what)).join(' ')]).toEqual([what, roles]);
    expect(StaffRoleSchema.options).toEqual(['waiter', 'kitchen', 'cashier', 'manager', 'admin']);
  });

  it('a role the table does not know may do nothing', () => {
    for (const what of ['view', 'accept', 'stations', 'setup'] as const) expect(staffMay('owner', what)).toBe(false);
    for (const a of STAFF_ORDER_ACTIONS) expect(staffMayTake('', a)).toBe(false);
  });

  it('only the kitchen and managers start and bump stations; anyone accepts and serves', () => {
    const may = (action: (typeof STAFF_ORDER_ACTIONS)[number]): string =>
      ALL_STAFF.filter((r) => staffMayTake(r, action)).join(' ');
    expect(STAFF_ORDER_ACTIONS.map((a) => [a, may(a)])).toEqual([
      ['accept', 'waiter kitchen cashier manager admin'],
      ['start', 'kitchen manager admin'],
      ['finish', 'kitchen manager admin'],
      ['serve', 'waiter kitchen cashier manager admin'],
    ]);
    expect(STAFF_ORDER_ACTIONS.filter(isStationAction)).toEqual(['start', 'finish']);
  });
});

describe('staff actions as order commands', () => {
  const by = staffActor('kitchen', staffActorId('kitchen', 'chef1'));
  const at = 1_700_000_000_000;

  it('staff act as `staff`, managers as `manager`, named by role and id', () => {
    expect(by).toEqual({ role: 'staff', id: 'kitchen:chef1' });
    expect(staffActor('waiter', 'waiter:w1')).toEqual({ role: 'staff', id: 'waiter:w1' });
    expect(staffActor('manager', 'manager:boss')).toEqual({ role: 'manager', id: 'manager:boss' });
    expect(staffActor('admin', 'admin:hq')).toEqual({ role: 'manager', id: 'admin:hq' });
    expect(staffActor('cashier', 'cashier:c1')).toEqual({ role: 'staff', id: 'cashier:c1' });
    expect(staffActor(undefined, 'someone')).toEqual({ role: 'staff', id: 'someone' });
  });

  it('map to the order commands the order actor accepts', () => {
    const cmds = STAFF_ORDER_ACTIONS.map((a) => staffOrderCommand(a, { by, at, station: 'wok' }));
    expect(cmds).toEqual([
      { type: 'accept', by, at },
      { type: 'startStation', station: 'wok', at },
      { type: 'finishStation', station: 'wok', at },
      { type: 'serve', by, at },
    ]);
    for (const c of cmds) expect(OrderCommandSchema.safeParse(c).success).toBe(true);
  });

  it('a station action without a station is a caller error', () => {
    expect(() => staffOrderCommand('start', { by, at })).toThrow(/names a station/);
    expect(staffOrderCommand('accept', { by, at })).toEqual({ type: 'accept', by, at });
  });
});
