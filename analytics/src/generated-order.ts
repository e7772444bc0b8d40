/**
 * The life of one generated order, as the engine would have logged it: the
 * party seated and its cart (dine-in), the placement with its reservations,
 * then either the payment timeout or payment, the kitchen's stations, serving,
 * now and then a refund, completion, and the table cleared.
 *
 * Every random draw comes from the run's one stream, in the order the steps
 * happen, so a seed gives the same history whatever reads it.
 */
import type { LogEntry } from '@lunchrush/engine/log';
import type { OrderEvent, PricedLine } from '@lunchrush/actors';
import type { DemoStore } from '@lunchrush/actors/demo';
import { chooseBasket, drawDiner, mealPeriodOf } from './generated-basket.js';
import { HOUR, MIN, entry, pick, take, type Cmd, type GeneratorRun } from './generator-run.js';

const CHANNELS: [string, number][] = [
  ['dine_in', 0.64],
  ['takeaway', 0.15],
  ['delivery', 0.18],
  ['retail', 0.03],
];

/** One order being generated: what it is, and where it is eaten. */
interface Order {
  readonly store: string;
  readonly orderId: string;
  readonly orderNo: number;
  readonly dinerId: string;
  readonly channel: string;
  readonly lines: PricedLine[];
  readonly totalFen: number;
  readonly holds: { skuId: string; qty: number }[];
  readonly tableId: string | null;
  readonly placedAt: number;
}

/**
 * One arrival at `t0`: an order placed (unless nothing is in stock for its channel or a dine-in
 * party finds every table taken), and what follows it. `busy` slows the kitchen at the peaks;
 * `tables` holds when each table is free again.
 */
export function generateOrder(
  g: GeneratorRun,
  s: DemoStore,
  t0: number,
  cmds: Cmd[],
  busy: number,
  tables: Map<string, number>,
): void {
  const store = s.storeId;
  const channel = drawChannel(g);
  const party = channel === 'dine_in' ? partySize(g, t0) : channel === 'retail' ? 1 : 1 + Math.floor(g.rnd() * 3);
  const diner = drawDiner(g, store);
  const skus = chooseBasket(g, { store, channel, at: t0, party, diner });
  if (skus === undefined) return;
  const orderId = `o_g${(++g.orderNo).toString(36)}`;
  const lines = priceLines(g, s, channel, skus);
  const itemsFen = lines.reduce((n, l) => n + l.amountFen, 0);
  const packagingFeeFen = lines.reduce((n, l) => n + l.packagingFeeFen, 0);
  const deliveryFeeFen = channel === 'delivery' && itemsFen < 8800 ? 500 : 0;
  const totalFen = itemsFen + packagingFeeFen + deliveryFeeFen;

  // Dine-in: a party sits at a free table and orders a few minutes later.
  const seat =
    channel === 'dine_in'
      ? seatParty(g, s, { t0, orderId, dinerId: diner.dinerId, party }, lines, cmds, tables)
      : { tableId: null, sessionId: null, placedAt: t0 };
  if (seat === undefined) return; // full house: the party walks away
  const { tableId, sessionId, placedAt } = seat;
  const holds = lines.map((l) => ({ skuId: l.skuId, qty: l.qty }));
  const o: Order = {
    store,
    orderId,
    orderNo: g.orderNo,
    dinerId: diner.dinerId,
    channel,
    lines,
    totalFen,
    holds,
    tableId,
    placedAt,
  };
  const created: OrderEvent = {
    type: 'Created',
    channel: channel as 'dine_in',
    dinerId: diner.dinerId,
    tableId,
    tableLabel: null,
    sessionId,
    delivery: channel === 'delivery' ? { address: '五一大道 1 号', contact: '王先生', phone: '13800000000' } : null,
    lines,
    itemsFen,
    packagingFeeFen,
    deliveryFeeFen,
    discountFen: 0,
    totalFen,
    catalogRev: 1,
    holdRef: orderId,
    holds,
    at: placedAt,
  };
  const deadline = placedAt + 15 * MIN;
  cmds.push(placement(o, created, deadline));

  let leaveAt: number;
  if (g.rnd() < 0.075) {
    cmds.push(timedOut(o, deadline));
    leaveAt = deadline + 2 * MIN;
  } else {
    const paidAt = placedAt + (15 + g.rnd() * 100) * 1_000;
    cmds.push(paid(g, o, paidAt));
    const readyAt = cook(g, o, paidAt, busy, cmds);
    leaveAt = serve(g, o, readyAt, cmds);
  }
  if (tableId !== null) leave(g, o, tableId, leaveAt, cmds, tables);
}

function drawChannel(g: GeneratorRun): string {
  const r = g.rnd();
  let acc = 0;
  for (const [c, w] of CHANNELS) if (r < (acc += w)) return c;
  return 'dine_in';
}

/** Lone diners and pairs at lunch, families and friends at dinner. */
function partySize(g: GeneratorRun, t0: number): number {
  const hour = ((t0 + 8 * HOUR) % (24 * HOUR)) / HOUR;
  const r = g.rnd();
  if (mealPeriodOf(hour) === 'dinner')
    return r < 0.15 ? 2 : r < 0.5 ? 3 + Math.floor(g.rnd() * 2) : 2 + Math.floor(g.rnd() * 5);
  return r < 0.45 ? 1 : r < 0.8 ? 2 : 3 + Math.floor(g.rnd() * 3);
}

/** Priced lines as the catalog would price them: the store's price, packaging off dine-in. */
function priceLines(g: GeneratorRun, s: DemoStore, channel: string, chosen: Map<string, number>): PricedLine[] {
  const packaged = channel !== 'dine_in';
  return [...chosen].map(([skuId, qty], i) => {
    const k = g.menu.find((m) => m.skuId === skuId)!;
    const unit = s.prices[skuId] ?? k.priceFen;
    return {
      lineNo: i + 1,
      skuId,
      spuId: k.spuId,
      name: k.name,
      spec: k.spec,
      qty,
      basePriceFen: unit,
      options: [],
      unitPriceFen: unit,
      amountFen: unit * qty,
      packagingFeeFen: packaged ? k.packagingFeeFen * qty : 0,
      ...(k.costFen === undefined ? {} : { costFen: k.costFen }),
      station: k.station,
      prepTimeSec: k.prepTimeSec,
    };
  });
}

/** A party seated at a free table, its cart filled a few minutes later; undefined when every table is taken. */
function seatParty(
  g: GeneratorRun,
  s: DemoStore,
  p: { t0: number; orderId: string; dinerId: string; party: number },
  lines: PricedLine[],
  cmds: Cmd[],
  tables: Map<string, number>,
): { tableId: string; sessionId: string; placedAt: number } | undefined {
  const { t0, orderId, dinerId, party } = p;
  const store = s.storeId;
  const free = s.tables.filter((t) => (tables.get(t.tableId) ?? 0) <= t0);
  if (free.length === 0) return undefined;
  const fits = free.filter((t) => t.config.seats >= party);
  const t = pick(g, fits.length > 0 ? fits : free);
  const tableId = t.tableId;
  const sessionId = `s_${orderId.slice(2)}`;
  cmds.push({
    at: t0,
    store,
    entries: [entry('table', store, tableId, [{ type: 'Seated', sessionId, partySize: party, dinerId, at: t0 }])],
  });
  const placedAt = t0 + (2 + g.rnd() * 6) * MIN;
  cmds.push({
    at: placedAt - 10_000,
    store,
    entries: [
      entry(
        'table',
        store,
        tableId,
        lines.map((l) => ({
          type: 'CartLineAdded',
          line: {
            lineId: `${orderId}-${l.lineNo}`,
            dinerId,
            skuId: l.skuId,
            qty: l.qty,
            options: [],
            note: null,
            name: l.name,
            spec: l.spec,
            unitPriceFen: l.unitPriceFen,
            addedAt: placedAt - 10_000,
          },
          at: placedAt - 10_000,
        })),
      ),
    ],
  });
  return { tableId, sessionId, placedAt };
}

/** The placement: the cart submitted (at a table), the order created, every SKU reserved. */
function placement(o: Order, created: OrderEvent, deadline: number): Cmd {
  const { store, orderId, tableId, placedAt } = o;
  return {
    at: placedAt,
    store,
    entries: [
      ...(tableId === null
        ? []
        : [
            entry('table', store, tableId, [
              {
                type: 'CartSubmitted',
                orderId,
                lineIds: o.lines.map((l) => `${orderId}-${l.lineNo}`),
                totalFen: o.totalFen,
                dinerId: o.dinerId,
                at: placedAt,
              },
            ]),
          ]),
      entry('order', store, orderId, [created, { type: 'PaymentRequested', deadline, at: placedAt }]),
      ...o.holds.map((h) =>
        entry('stock', store, h.skuId, [
          { type: 'Reserved', key: `miniprogram:${orderId}`, channel: 'miniprogram', qty: h.qty, at: placedAt },
        ]),
      ),
    ],
  };
}

/** Never paid: the payment timer cancels it and releases the stock. */
function timedOut(o: Order, deadline: number): Cmd {
  const { store, orderId, tableId } = o;
  return {
    at: deadline,
    store,
    entries: [
      entry('order', store, orderId, [
        { type: 'Cancelled', by: { role: 'system', id: 'engine' }, reason: 'payment_timeout', at: deadline },
      ]),
      ...o.holds.map((h) =>
        entry('stock', store, h.skuId, [
          { type: 'Released', key: `miniprogram:${orderId}`, qty: h.qty, reason: 'payment_timeout', at: deadline },
        ]),
      ),
      ...(tableId === null
        ? []
        : [entry('table', store, tableId, [{ type: 'OrderCancelledNoted', orderId, at: deadline }])]),
    ],
  };
}

/** Paid: the reservations committed (stock taken, with its level changes), the table told. */
function paid(g: GeneratorRun, o: Order, paidAt: number): Cmd {
  const { store, orderId, tableId } = o;
  return {
    at: paidAt,
    store,
    entries: [
      entry('order', store, orderId, [
        { type: 'Paid', paymentId: `wx${o.orderNo}`, amountFen: o.totalFen, paidAt, at: paidAt },
      ]),
      ...o.holds.map((h) =>
        take(
          g,
          store,
          h.skuId,
          h.qty,
          { type: 'Committed', key: `miniprogram:${orderId}`, qty: h.qty, at: paidAt },
          paidAt,
        ),
      ),
      ...(tableId === null ? [] : [entry('table', store, tableId, [{ type: 'OrderPaidNoted', orderId, at: paidAt }])]),
    ],
  };
}

/** Accepted, then each station starts and finishes (slower when busy); returns when the order is ready. */
function cook(g: GeneratorRun, o: Order, paidAt: number, busy: number, cmds: Cmd[]): number {
  const { store, orderId, lines } = o;
  const acceptedAt = paidAt + (20 + g.rnd() * 120) * 1_000;
  const stations = [...new Set(lines.map((l) => l.station))];
  cmds.push({
    at: acceptedAt,
    store,
    entries: [
      entry('order', store, orderId, [
        { type: 'Accepted', by: { role: 'staff', id: 'pos' }, at: acceptedAt },
        { type: 'SentToKitchen', stations, at: acceptedAt },
      ]),
      entry('store', store, 'store', [{ type: 'TicketsOpened', orderId, stations, at: acceptedAt }]),
    ],
  });
  let readyAt = acceptedAt;
  const dones: [string, number][] = [];
  for (const st of stations) {
    const prep = Math.max(...lines.filter((l) => l.station === st).map((l) => l.prepTimeSec));
    const startAt = acceptedAt + (10 + g.rnd() * 90 * busy) * 1_000;
    const doneAt = startAt + prep * (0.7 + g.rnd() * 0.6) * busy * 1_000;
    cmds.push({
      at: startAt,
      store,
      entries: [entry('order', store, orderId, [{ type: 'StationStarted', station: st, at: startAt }])],
    });
    dones.push([st, doneAt]);
    readyAt = Math.max(readyAt, doneAt);
  }
  let readyDone = false;
  for (const [st, doneAt] of dones) {
    const last = !readyDone && doneAt === readyAt;
    if (last) readyDone = true;
    cmds.push({
      at: doneAt + (last ? 1 : 0),
      store,
      entries: [
        entry('order', store, orderId, [
          { type: 'StationDone', station: st, at: doneAt },
          ...(last ? [{ type: 'Ready', at: doneAt }] : []),
        ]),
        entry('store', store, 'store', [{ type: 'TicketsClosed', orderId, stations: [st], at: doneAt }]),
      ],
    });
  }
  return readyAt;
}

/** Served, now and then a line refunded, completed half an hour later; returns when the party leaves. */
function serve(g: GeneratorRun, o: Order, readyAt: number, cmds: Cmd[]): number {
  const { store, orderId } = o;
  const servedAt = readyAt + (30 + g.rnd() * 150) * 1_000;
  cmds.push({
    at: servedAt,
    store,
    entries: [entry('order', store, orderId, [{ type: 'Served', by: { role: 'staff', id: 'waiter' }, at: servedAt }])],
  });
  // One paid order in 50 has its first line refunded after serving, approved by the manager and
  // paid back by WeChat a minute later (decided from the order number, so the random stream, and
  // with it every other figure of a history, is what it was before refunds were generated).
  if (o.orderNo % 50 === 7) cmds.push(...refunded(o, servedAt));
  cmds.push({
    at: servedAt + 30 * MIN,
    store,
    entries: [entry('order', store, orderId, [{ type: 'Completed', at: servedAt + 30 * MIN }])],
  });
  return servedAt + (15 + g.rnd() * 40) * MIN;
}

/** The first line refunded five minutes after serving, approved at once, completed a minute later. */
function refunded(o: Order, servedAt: number): Cmd[] {
  const { store, orderId } = o;
  const l = o.lines[0]!;
  const refund = {
    refundId: `r${o.orderNo}`,
    full: false,
    lines: [{ lineNo: l.lineNo, qty: l.qty }],
    amountFen: l.amountFen,
    reason: '菜品口味问题',
    by: { role: 'manager', id: 'm1' },
    status: 'requested',
    at: servedAt + 5 * MIN,
  };
  return [
    {
      at: servedAt + 5 * MIN,
      store,
      entries: [
        entry('order', store, orderId, [
          { type: 'RefundRequested', refund, at: servedAt + 5 * MIN },
          { type: 'RefundApproved', refundId: refund.refundId, by: refund.by, at: servedAt + 5 * MIN },
        ]),
      ],
    },
    {
      at: servedAt + 6 * MIN,
      store,
      entries: [
        entry('order', store, orderId, [
          { type: 'RefundCompleted', refundId: refund.refundId, at: servedAt + 6 * MIN },
        ]),
      ],
    },
  ];
}

/** The party leaves, the table is cleaned a few minutes later and free again. */
function leave(
  g: GeneratorRun,
  o: Order,
  tableId: string,
  leaveAt: number,
  cmds: Cmd[],
  tables: Map<string, number>,
): void {
  const { store } = o;
  const closed: LogEntry = entry('table', store, tableId, [
    { type: 'SessionClosed', by: { role: 'staff', id: 'waiter' }, droppedLines: 0, at: leaveAt },
  ]);
  cmds.push({ at: leaveAt, store, entries: [closed] });
  const cleanAt = leaveAt + (2 + g.rnd() * 4) * MIN;
  cmds.push({ at: cleanAt, store, entries: [entry('table', store, tableId, [{ type: 'Cleaned', at: cleanAt }])] });
  tables.set(tableId, cleanAt);
}
