/**
 * The party and its shared cart: diners open or join the session, add lines
 * (priced for display by the catalog), and submit the cart, or some lines, as
 * one order placed by the order actor.
 */
import type { CallOutcome, DecideContext, Rejection } from '@lunchrush/engine';
import { ActorTypes, CATALOG_ACTOR_ID } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import type { OrderDetail } from '../order/detail.js';
import type { Quote } from '../pricing.js';
import { MAX_CART_LINES, type Parsed } from './commands.js';
import { emit, noSession, passOn, same, type TableDecision } from './decision.js';
import type { CartLine } from './events.js';
import type { TableState } from './evolve.js';
import { viewWithOrder } from './view.js';

export function open(s: TableState, c: Extract<Parsed, { type: 'open' }>): TableDecision | Rejection {
  if (s.cleaning) return refuse(ErrorCode.TableNotReady, `table ${s.tableId} is being cleaned`, { tableId: s.tableId });
  if (s.session === null)
    return emit(s, [{ type: 'Seated', sessionId: c.sessionId, partySize: c.partySize, dinerId: c.dinerId, at: c.at }]);
  if (s.session.diners.includes(c.dinerId)) return same(s);
  return emit(s, [{ type: 'DinerJoined', dinerId: c.dinerId, at: c.at }]);
}

export function addLine(
  s: TableState,
  c: Extract<Parsed, { type: 'addLine' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  const session = s.session;
  if (session === null) return noSession(s);
  const existing = session.cart.find((l) => l.lineId === c.lineId);
  if (existing !== undefined) {
    const same_ =
      existing.skuId === c.skuId &&
      existing.qty === c.qty &&
      JSON.stringify(existing.options) === JSON.stringify(c.options);
    return same_
      ? same(s)
      : refuse(ErrorCode.IdempotencyConflict, `line ${c.lineId} is already in the cart with other contents`, {
          lineId: c.lineId,
        });
  }
  if (session.cart.length >= MAX_CART_LINES)
    return refuse(ErrorCode.InvalidCommand, `a cart holds at most ${MAX_CART_LINES} lines`);
  // Validates the SKU and options now, so a diner learns at once; prices shown are indicative.
  const quoted = ctx.call<Quote>(ActorTypes.Catalog, CATALOG_ACTOR_ID, {
    type: 'quote',
    channel: 'dine_in',
    lines: [{ skuId: c.skuId, qty: c.qty, options: c.options }],
    at: c.at,
  });
  if (!quoted.ok) return passOn(quoted);
  const priced = quoted.result.lines[0]!;
  const line: CartLine = {
    lineId: c.lineId,
    dinerId: c.dinerId,
    skuId: c.skuId,
    qty: c.qty,
    options: c.options,
    note: c.note ?? null,
    name: priced.name,
    spec: priced.spec,
    unitPriceFen: priced.unitPriceFen,
    addedAt: c.at,
  };
  return emit(s, [{ type: 'CartLineAdded', line, at: c.at }]);
}

/**
 * A repeat of a submit whose order exists answers that order (`duplicate`), or 422 when another
 * request chose the same id: the order actor judges (`replay`), so this holds for as long as the
 * order does, not only while the engine remembers the command id.
 */
function replayOrder(ctx: DecideContext, c: Extract<Parsed, { type: 'submit' }>): CallOutcome<OrderDetail> {
  return ctx.call<OrderDetail>(ActorTypes.Order, c.orderId, {
    type: 'replay',
    ...(c.requestHash === undefined ? {} : { requestHash: c.requestHash }),
  });
}

export function submit(
  s: TableState,
  c: Extract<Parsed, { type: 'submit' }>,
  ctx: DecideContext,
): TableDecision | Rejection {
  const session = s.session;
  if (session === null) {
    // The party may have left since the first attempt: a repeat still gets its order.
    const again = replayOrder(ctx, c);
    if (again.ok) return { result: viewWithOrder(s, again.result, true) };
    return again.code === ErrorCode.OrderNotFound ? noSession(s) : passOn(again);
  }
  if (session.orders.some((o) => o.orderId === c.orderId)) {
    const again = replayOrder(ctx, c);
    return again.ok ? { result: viewWithOrder(s, again.result, true) } : passOn(again);
  }
  const cart = c.lines === undefined ? session.cart : [];
  if (c.lines === undefined && cart.length === 0)
    return refuse(ErrorCode.EmptyCart, `the cart of table ${s.tableId} is empty`);
  const placed = ctx.call<OrderDetail>(ActorTypes.Order, c.orderId, {
    type: 'place',
    channel: 'dine_in',
    lines:
      c.lines ??
      cart.map((l) => ({
        skuId: l.skuId,
        qty: l.qty,
        options: l.options,
        ...(l.note === null ? {} : { note: l.note }),
      })),
    dinerId: c.dinerId,
    tableId: s.tableId,
    tableLabel: s.config!.label,
    sessionId: session.sessionId,
    ...(c.requestHash === undefined ? {} : { requestHash: c.requestHash }),
    ...(c.member === undefined ? {} : { member: c.member }),
    at: c.at,
  });
  if (!placed.ok) {
    // Name the cart lines (not just order line numbers) that could not be had.
    const d = placed.details as { lines?: { lineNo: number }[] } | undefined;
    const details =
      d?.lines === undefined || c.lines !== undefined
        ? placed.details
        : { ...d, lines: d.lines.map((l) => ({ ...l, lineId: cart[l.lineNo - 1]?.lineId ?? null })) };
    return passOn(placed, details);
  }
  const order = placed.result;
  // Placed at an earlier session of this table (a repeat after the party left and others sat down):
  // the order is answered, not added to this session.
  if (order.duplicate === true) return { result: viewWithOrder(s, order, true) };
  return emit(
    s,
    [
      {
        type: 'CartSubmitted',
        orderId: c.orderId,
        lineIds: cart.map((l) => l.lineId),
        totalFen: order.totalFen,
        dinerId: c.dinerId,
        at: c.at,
      },
    ],
    {
      order,
    },
  );
}
