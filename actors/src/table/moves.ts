/**
 * The party leaves (close), or moves: merge into another table's session, or
 * transfer the whole session to a free table; the orders follow.
 */
import type { DecideContext, Rejection } from '@lunchrush/engine';
import { ActorTypes } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import type { Parsed } from './commands.js';
import { emit, noSession, passOn, same, type TableDecision } from './decision.js';
import type { TableSession } from './events.js';
import type { TableState } from './evolve.js';
import type { TableView } from './view.js';

export function close(
  s: TableState,
  c: Extract<Parsed, { type: 'close' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  if (s.mergedInto !== null)
    return refuse(ErrorCode.TableMerged, `table ${s.tableId} is merged into ${s.mergedInto}: close that one`, {
      mergedInto: s.mergedInto,
    });
  const session = s.session;
  if (session === null) return s.cleaning ? same(s) : noSession(s);
  const unpaid = session.orders.filter((o) => o.state === 'unpaid').map((o) => o.orderId);
  const staff = c.by.role === 'staff' || c.by.role === 'manager';
  if (unpaid.length > 0 && !(c.force && staff)) {
    return refuse(ErrorCode.UnpaidOrders, `table ${s.tableId} has unpaid orders: ${unpaid.join(', ')}`, {
      orders: unpaid,
    });
  }
  for (const t of session.mergedFrom) ctx.call(ActorTypes.Table, t, { type: 'release', at: c.at });
  return emit(s, [{ type: 'SessionClosed', by: c.by, droppedLines: session.cart.length, at: c.at }]);
}

function relocateOrders(ctx: DecideContext, session: TableSession, tableId: string, label: string, at: number): void {
  for (const o of session.orders)
    ctx.call(ActorTypes.Order, o.orderId, { type: 'relocate', tableId, tableLabel: label, at });
}

export function merge(
  s: TableState,
  c: Extract<Parsed, { type: 'merge' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  if (c.intoTableId === s.tableId) return refuse(ErrorCode.InvalidCommand, 'a table cannot merge into itself');
  if (s.mergedInto !== null)
    return s.mergedInto === c.intoTableId
      ? same(s)
      : refuse(ErrorCode.TableMerged, `table ${s.tableId} is already merged into ${s.mergedInto}`);
  if (s.cleaning) return refuse(ErrorCode.TableNotReady, `table ${s.tableId} is being cleaned`);
  if ((s.session?.mergedFrom.length ?? 0) > 0)
    return refuse(ErrorCode.TableMerged, `other tables are merged into ${s.tableId}: merge the other way`);
  const session: TableSession = s.session ?? {
    sessionId: `merge-${s.tableId}`,
    partySize: 0,
    openedAt: c.at,
    diners: [],
    cart: [],
    orders: [],
    mergedFrom: [],
  };
  const out = ctx.call<TableView>(ActorTypes.Table, c.intoTableId, {
    type: 'absorb',
    fromTableId: s.tableId,
    session,
    at: c.at,
  });
  if (!out.ok) return passOn(out);
  relocateOrders(ctx, session, c.intoTableId, out.result.label, c.at);
  return emit(s, [{ type: 'MergedInto', tableId: c.intoTableId, at: c.at }]);
}

export function transfer(
  s: TableState,
  c: Extract<Parsed, { type: 'transfer' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  if (c.toTableId === s.tableId) return refuse(ErrorCode.InvalidCommand, 'a table cannot transfer to itself');
  if (s.mergedInto !== null) return refuse(ErrorCode.TableMerged, `table ${s.tableId} is merged into ${s.mergedInto}`);
  const session = s.session;
  if (session === null) return noSession(s);
  if (session.mergedFrom.length > 0)
    return refuse(ErrorCode.TableMerged, `tables are merged into ${s.tableId}: move them one by one`);
  const out = ctx.call<TableView>(ActorTypes.Table, c.toTableId, {
    type: 'receive',
    fromTableId: s.tableId,
    session,
    at: c.at,
  });
  if (!out.ok) return passOn(out);
  relocateOrders(ctx, session, c.toTableId, out.result.label, c.at);
  return emit(s, [{ type: 'TransferredOut', tableId: c.toTableId, at: c.at }]);
}
