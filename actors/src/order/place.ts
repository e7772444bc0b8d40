/**
 * Placing an order, the saga: the store admits it, the catalog prices every
 * line (prices never come from the client), then every SKU reserves its
 * quantity, all or nothing; and a placement's repeat (`replay`).
 */
import type { DecideContext, Rejection } from '@lunchrush/engine';
import { ActorTypes, CATALOG_ACTOR_ID, ORDER_ID_RE, STORE_ACTOR_ID } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import type { PricedLine, Quote } from '../pricing.js';
import type { StockResult } from '../stock.js';
import type { Admission } from '../store.js';
import { isTableIdOf } from '../table-code.js';
import { PAYMENT_TIMER, type Parsed } from './commands.js';
import { emit, passOn, unchanged, type OrderDecision } from './decision.js';
import type { HeldSku, OrderEvent } from './events.js';
import type { OrderState } from './evolve.js';
import { priceWithMember } from './member.js';

function sameLines(s: OrderState, c: Extract<Parsed, { type: 'place' }>): boolean {
  if (s.lines.length !== c.lines.length || s.channel !== c.channel) return false;
  return c.lines.every((l, i) => {
    const p = s.lines[i]!;
    const picks = l.options.map((o) => `${o.group}:${o.choice}`).join(',');
    return p.skuId === l.skuId && p.qty === l.qty && p.options.map((o) => `${o.group}:${o.choice}`).join(',') === picks;
  });
}

export function replay(s: OrderState, c: Extract<Parsed, { type: 'replay' }>): OrderDecision | Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  const placedWith = s.requestHash ?? null;
  if (c.requestHash !== undefined && placedWith !== null && c.requestHash !== placedWith)
    return refuse(ErrorCode.IdempotencyConflict, `order ${s.orderId} was placed by another request`, {
      orderId: s.orderId,
    });
  return unchanged(s, true);
}

function heldSkus(lines: readonly PricedLine[]): HeldSku[] {
  const by = new Map<string, number>();
  for (const l of lines) by.set(l.skuId, (by.get(l.skuId) ?? 0) + l.qty);
  return [...by.entries()].map(([skuId, qty]) => ({ skuId, qty }));
}

export function place(
  s: OrderState,
  c: Extract<Parsed, { type: 'place' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (s.status !== 'none') {
    // The request digest decides when both sides have one (it covers what the lines do not: the
    // cart a table order was made from, a delivery address); the lines otherwise.
    const placedWith = s.requestHash ?? null; // snapshots from before 6 Dec have no field
    const same = c.requestHash !== undefined && placedWith !== null ? c.requestHash === placedWith : sameLines(s, c);
    if (same) return unchanged(s, true);
    return refuse(ErrorCode.IdempotencyConflict, `order ${s.orderId} was already placed with other lines`, {
      orderId: s.orderId,
    });
  }
  if (!ORDER_ID_RE.test(s.orderId)) {
    return refuse(ErrorCode.InvalidCommand, `order ids start with o_: ${s.orderId}`, { orderId: s.orderId });
  }
  if (c.tableId !== undefined) {
    // A table's code begins with its store: an order of store 002 at a table of 001 would be
    // cooked by one kitchen, seated at no table of its store, and billed to neither.
    if (!isTableIdOf(c.tableId, ctx.self.store))
      return refuse(ErrorCode.TableNotInStore, `table ${c.tableId} is not a table of store ${ctx.self.store}`, {
        tableId: c.tableId,
        store: ctx.self.store,
      });
  }

  const admitted = ctx.call<Admission>(ActorTypes.Store, STORE_ACTOR_ID, {
    type: 'admit',
    channel: c.channel,
    at: c.at,
  });
  if (!admitted.ok) return passOn(admitted);
  const quoted = ctx.call<Quote>(ActorTypes.Catalog, CATALOG_ACTOR_ID, {
    type: 'quote',
    channel: c.channel,
    lines: c.lines,
    at: c.at,
  });
  if (!quoted.ok) return passOn(quoted);
  const quote = withRoutedFee(quoted.result, c);
  const paused = quote.lines.filter((l) => admitted.result.pausedStations.includes(l.station));
  if (paused.length > 0) return stationPaused(paused);
  const priced = priceWithMember(c, quote, ctx);
  if ('reject' in priced) return priced;

  // Reserve every SKU (lines of the same SKU add up), all or nothing: a refusal
  // below makes the engine discard the reservations that did succeed.
  const holds = heldSkus(quote.lines);
  const short: ShortSku[] = [];
  for (const h of holds) {
    const r = ctx.call<StockResult>(ActorTypes.Stock, h.skuId, {
      type: 'reserve',
      channel: 'miniprogram',
      ref: s.orderId,
      qty: h.qty,
      at: c.at,
    });
    if (r.ok) continue;
    if (r.code !== ErrorCode.SoldOut) return passOn(r);
    const available = (r.details as { available?: number } | undefined)?.available ?? 0;
    short.push({ skuId: h.skuId, requested: h.qty, available });
  }
  if (short.length > 0) return soldOut(quote, short);

  const deadline = c.at + admitted.result.paymentTimeoutMs;
  const created: Extract<OrderEvent, { type: 'Created' }> = {
    type: 'Created',
    channel: c.channel,
    dinerId: c.dinerId,
    tableId: c.tableId ?? null,
    tableLabel: c.tableLabel ?? null,
    sessionId: c.sessionId ?? null,
    delivery: c.delivery ?? null,
    lines: quote.lines,
    itemsFen: quote.itemsFen,
    packagingFeeFen: quote.packagingFeeFen,
    deliveryFeeFen: quote.deliveryFeeFen,
    discountFen: priced.discountFen,
    totalFen: priced.totalFen,
    catalogRev: quote.catalogRev,
    holdRef: s.orderId,
    holds,
    at: c.at,
  };
  if (c.requestHash !== undefined) created.requestHash = c.requestHash;
  if (priced.discounts !== undefined) [created.discounts, created.lineNetFen] = [priced.discounts, priced.lineNetFen];
  if (priced.member !== undefined) created.member = priced.member;
  if (c.routing !== undefined) created.routing = c.routing;
  created.quotedWaitMin = orderQuote(admitted.result, quote.lines);
  const events: OrderEvent[] = [created, { type: 'PaymentRequested', deadline, at: c.at }];
  return emit(s, events, c.at, {
    timers: [{ key: PAYMENT_TIMER, at: deadline, command: { type: 'paymentTimeout', at: deadline } }],
    detail: true,
  });
}

interface ShortSku {
  readonly skuId: string;
  readonly requested: number;
  readonly available: number;
}

/**
 * A routed delivery pays its store's fee band for the distance (what routing quoted and the diner
 * was shown), not the menu's flat fee: only the delivery term of the total changes.
 */
function withRoutedFee(q: Quote, c: Extract<Parsed, { type: 'place' }>): Quote {
  const fee = c.routing?.feeFen;
  if (fee === undefined || c.channel !== 'delivery' || fee === q.deliveryFeeFen) return q;
  return { ...q, deliveryFeeFen: fee, totalFen: q.totalFen - q.deliveryFeeFen + fee };
}

/** The kitchen's quote for this order when it was placed: its slowest station's. */
function orderQuote(a: Admission, lines: readonly PricedLine[]): number {
  let q = a.basePrepMin;
  for (const l of lines) q = Math.max(q, a.stationQuotes[l.station] ?? a.basePrepMin);
  return q;
}

/** A backed-up station takes no new lines: the refusal names them, so the diner can drop them. */
function stationPaused(lines: readonly PricedLine[]): Rejection {
  const stations = [...new Set(lines.map((l) => l.station))];
  const names = lines.map((l) => (l.spec === '' ? l.name : `${l.name} (${l.spec})`)).join(', ');
  return refuse(ErrorCode.StationPaused, `the kitchen is not taking ${names} now`, {
    stations,
    lines: lines.map((l) => ({ lineNo: l.lineNo, skuId: l.skuId, station: l.station })),
  });
}

/** The refusal naming every short line and what remains of it. */
function soldOut(quote: Quote, short: ShortSku[]): Rejection {
  const bySku = new Map(short.map((x) => [x.skuId, x]));
  const lines = quote.lines
    .filter((l) => bySku.has(l.skuId))
    .map((l) => ({
      lineNo: l.lineNo,
      skuId: l.skuId,
      name: l.name,
      spec: l.spec,
      qty: l.qty,
      available: bySku.get(l.skuId)!.available,
    }));
  const text = short
    .map((x) => {
      const l = lines.find((y) => y.skuId === x.skuId)!;
      const name = l.spec === '' ? l.name : `${l.name} (${l.spec})`;
      return x.available === 0 ? `${name} sold out` : `${name}: ${x.available} left, ${x.requested} wanted`;
    })
    .join('; ');
  return refuse(ErrorCode.SoldOut, text, { lines, skus: short });
}
