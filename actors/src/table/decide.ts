/**
 * `decideTable`: one command to its rule; a merged table forwards its diners'
 * commands to the table it merged into.
 */
import { isRejection, type DecideContext, type Rejection } from '@lunchrush/engine';
import { AUDIT_ACTOR, AUDIT_ACTOR_ID, type AuditCommand } from '../audit.js';
import { ActorTypes, STORE_ACTOR_ID, parseCommand } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import type { StoreCommand, StoreView } from '../store.js';
import { isTableIdOf } from '../table-code.js';
import { TableCommandSchema, type Parsed, type TableCommand } from './commands.js';
import { addLine, open, submit } from './cart.js';
import { emit, noSession, passOn, same, type TableDecision } from './decision.js';
import type { TableState } from './evolve.js';
import { close, merge, transfer } from './moves.js';
import { viewOf, type TableResult } from './view.js';

/** Diner commands on a merged table go to the table it merged into. */
const FORWARDED: ReadonlySet<string> = new Set(['open', 'addLine', 'updateLine', 'removeLine', 'submit']);

export function decideTable(s: TableState, command: TableCommand, ctx: DecideContext): TableDecision | Rejection {
  const p = parseCommand(TableCommandSchema, command);
  return p.ok ? decideParsedTable(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `tableActor.parse`, calls are trusted. */
export function decideParsedTable(s: TableState, c: Parsed, ctx: DecideContext): TableDecision | Rejection {
  if (!isTableIdOf(s.tableId, s.store)) {
    return refuse(ErrorCode.InvalidTableCode, `${s.tableId} is not a valid table code of store ${s.store}`, {
      tableId: s.tableId,
    });
  }
  if (c.type === 'get') return { result: viewOf(s) };
  if (c.type === 'configure') return configure(s, c, ctx);
  if (s.config === null)
    return refuse(ErrorCode.TableNotConfigured, `table ${s.tableId} is not set up`, { tableId: s.tableId });
  if (s.mergedInto !== null && FORWARDED.has(c.type)) {
    // Parsed here already: the table it merged into trusts the call.
    const out = ctx.call<TableResult>(ActorTypes.Table, s.mergedInto, c);
    return out.ok ? { result: out.result } : passOn(out);
  }
  const d = decideCommand(s, c, ctx);
  if (!('audit' in c) || c.audit === undefined || isRejection(d)) return d;
  // A staff action: its trail entry in the same transaction, so the two are durable together.
  const record: AuditCommand = { type: 'record', entry: c.audit };
  const recorded = ctx.call(AUDIT_ACTOR, AUDIT_ACTOR_ID, record);
  return recorded.ok ? d : passOn(recorded);
}

function decideCommand(
  s: TableState,
  c: Exclude<Parsed, { type: 'get' | 'configure' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  switch (c.type) {
    case 'open':
      return open(s, c);
    case 'addLine':
      return addLine(s, c, ctx);
    case 'updateLine':
    case 'removeLine': {
      const session = s.session;
      if (session === null) return noSession(s);
      const line = session.cart.find((l) => l.lineId === c.lineId);
      if (line === undefined)
        return refuse(ErrorCode.UnknownLine, `no line ${c.lineId} in the cart`, { lineId: c.lineId });
      if (c.type === 'removeLine' || c.qty === 0)
        return emit(s, [{ type: 'CartLineRemoved', lineId: c.lineId, at: c.at }]);
      if (line.qty === c.qty) return same(s);
      return emit(s, [{ type: 'CartLineUpdated', lineId: c.lineId, qty: c.qty, at: c.at }]);
    }
    case 'submit':
      return submit(s, c, ctx);
    case 'orderPaid':
    case 'orderCancelled': {
      const o = s.session?.orders.find((x) => x.orderId === c.orderId);
      if (o === undefined || o.state !== 'unpaid') return same(s);
      return emit(s, [
        c.type === 'orderPaid'
          ? { type: 'OrderPaidNoted', orderId: c.orderId, at: c.at }
          : { type: 'OrderCancelledNoted', orderId: c.orderId, at: c.at },
      ]);
    }
    case 'close':
      return close(s, c, ctx);
    case 'cleaned':
      if (s.status === 'free') return same(s);
      if (s.status !== 'cleaning')
        return refuse(ErrorCode.InvalidTransition, `table ${s.tableId} is ${s.status}, not cleaning`, {
          status: s.status,
        });
      return emit(s, [{ type: 'Cleaned', at: c.at }]);
    case 'merge':
      return merge(s, c, ctx);
    case 'transfer':
      return transfer(s, c, ctx);
    case 'absorb':
      if (s.session === null || s.cleaning || s.mergedInto !== null) {
        return refuse(ErrorCode.NoSession, `table ${s.tableId} has no party to merge into`, { tableId: s.tableId });
      }
      if (s.session.mergedFrom.includes(c.fromTableId)) return same(s);
      return emit(s, [{ type: 'Absorbed', fromTableId: c.fromTableId, session: c.session, at: c.at }]);
    case 'receive':
      if (s.status !== 'free')
        return refuse(ErrorCode.TableOccupied, `table ${s.tableId} is ${s.status}`, { status: s.status });
      return emit(s, [{ type: 'SessionReceived', fromTableId: c.fromTableId, session: c.session, at: c.at }]);
    case 'release':
      if (s.mergedInto === null) return same(s);
      return emit(s, [{ type: 'Released', at: c.at }]);
  }
}

/**
 * Set up (or change) the table, and have the store list it. The store is told on every
 * configure, a repeat too: it lists a table once, and a table set up before stores kept their
 * list is listed by configuring it again.
 */
function configure(
  s: TableState,
  c: Extract<Parsed, { type: 'configure' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  const added: StoreCommand = { type: 'tableAdded', tableId: s.tableId, at: c.at };
  const listed = ctx.call<StoreView>(ActorTypes.Store, STORE_ACTOR_ID, added);
  if (!listed.ok) return passOn(listed);
  if (s.config !== null && JSON.stringify(s.config) === JSON.stringify(c.config)) return same(s);
  return emit(s, [{ type: 'Configured', config: c.config, at: c.at }]);
}
