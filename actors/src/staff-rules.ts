/**
 * What each staff role may do in a store, and which order command each staff
 * action on an order is. The staff API (HTTP) and the push hub (actions sent on a
 * kitchen display's or table board's socket) both read them from here.
 *
 * | what                                   | waiter | kitchen | cashier | manager | admin |
 * |----------------------------------------|--------|---------|---------|---------|-------|
 * | board, order detail, stock             | ✓      | ✓       | ✓       | ✓       | ✓     |
 * | open/close/clean/merge/transfer tables | ✓      |         | ✓       | ✓       | ✓     |
 * | accept an order                        | ✓      | ✓       | ✓       | ✓       | ✓     |
 * | start/bump a station                   |        | ✓       |         | ✓       | ✓     |
 * | serve                                  | ✓      | ✓       | ✓       | ✓       | ✓     |
 * | approve/reject/start a refund, cancel  | ✓      |         | ✓       | ✓       | ✓     |
 * | stock set/restock/86                   |        | ✓       |         | ✓       | ✓     |
 * | catalog, images, configure table, QR   |        |         |         | ✓       | ✓     |
 * | staff accounts, the audit log          |        |         |         | ✓       | ✓     |
 *
 * The chain admin works in every store of the chain; everyone else in the stores their
 * account names (a staff token names one of them). Who may manage whose account is
 * `mayManageAccount` (staff-account.ts).
 */
import { z } from 'zod';
import type { Actor } from './domain.js';
import type { OrderCommand } from './order/commands.js';

/**
 * Staff roles: the domain sees waiters, kitchen staff and cashiers as `staff`, managers and the
 * chain admin as `manager`.
 */
export const StaffRoleSchema = z.enum(['waiter', 'kitchen', 'cashier', 'manager', 'admin']);
export type StaffRole = z.infer<typeof StaffRoleSchema>;

/** Every role. */
export const ALL_STAFF: readonly StaffRole[] = StaffRoleSchema.options;
/** Waiters, cashiers and managers: tables, cancels and refunds. */
export const FLOOR_STAFF: readonly StaffRole[] = ['waiter', 'cashier', 'manager', 'admin'];
/** The kitchen and managers: stations and stock. */
export const KITCHEN_STAFF: readonly StaffRole[] = ['kitchen', 'manager', 'admin'];
/** Managers (and the chain admin) alone: the menu, table set-up, QR codes, accounts, the audit log. */
export const MANAGERS: readonly StaffRole[] = ['manager', 'admin'];

/** The table above, by what is done. */
export const STAFF_PERMISSIONS = {
  view: ALL_STAFF,
  tables: FLOOR_STAFF,
  accept: ALL_STAFF,
  stations: KITCHEN_STAFF,
  serve: ALL_STAFF,
  refunds: FLOOR_STAFF,
  stock: KITCHEN_STAFF,
  setup: MANAGERS,
  accounts: MANAGERS,
  audit: MANAGERS,
} as const satisfies Record<string, readonly StaffRole[]>;
export type StaffPermission = keyof typeof STAFF_PERMISSIONS;

/** True when a staff member of `role` may do `what`; false for a role the table does not know. */
export const staffMay = (role: string, what: StaffPermission): boolean =>
  (STAFF_PERMISSIONS[what] as readonly string[]).includes(role);

/** The actor a staff member acts as in the domain (`by` of accept, serve, refunds …). */
export function staffActor(role: string | undefined, id: string): Actor {
  return { role: role === 'manager' || role === 'admin' ? 'manager' : 'staff', id };
}

/** True when an account of `role` naming `stores` may work in `store` (the admin: every store). */
export const staffWorksIn = (role: StaffRole, stores: readonly string[], store: string): boolean =>
  role === 'admin' || stores.includes(store);

/** A staff member's actor id: role and staff id (`kitchen:chef1`), as tokens name them. */
export const staffActorId = (role: StaffRole, staffId: string): string => `${role}:${staffId}`;

/** Actions staff take on an order from a kitchen display or table board (and the staff API). */
export const STAFF_ORDER_ACTIONS = ['accept', 'start', 'finish', 'serve'] as const;
export type StaffOrderAction = (typeof STAFF_ORDER_ACTIONS)[number];

const ACTION_PERMISSION: Readonly<Record<StaffOrderAction, StaffPermission>> = {
  accept: 'accept',
  start: 'stations',
  finish: 'stations',
  serve: 'serve',
};

/** True for the actions on one kitchen station (they name the station). */
export const isStationAction = (action: StaffOrderAction): action is 'start' | 'finish' =>
  action === 'start' || action === 'finish';

/** True when `role` may take `action` on an order: only the kitchen (and managers) start and bump stations. */
export const staffMayTake = (role: string, action: StaffOrderAction): boolean =>
  staffMay(role, ACTION_PERMISSION[action]);

/**
 * The order command of a staff action. Station actions need `station` (a caller checks it first:
 * without one this throws).
 */
export function staffOrderCommand(
  action: StaffOrderAction,
  x: { readonly by: Actor; readonly at: number; readonly station?: string | undefined },
): OrderCommand {
  switch (action) {
    case 'accept':
      return { type: 'accept', by: x.by, at: x.at };
    case 'serve':
      return { type: 'serve', by: x.by, at: x.at };
    case 'start':
    case 'finish':
      if (x.station === undefined) throw new TypeError(`the ${action} action names a station`);
      return { type: action === 'start' ? 'startStation' : 'finishStation', station: x.station, at: x.at };
  }
}
