import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { replay } from '@lunchrush/engine';
import {
  orderRef,
  restaurantActors,
  tableRef,
  type OrderState,
  type TableCommand,
  type TableResult,
  type TableState,
  makeTableCode,
  tableId,
} from '@lunchrush/actors';
import {
  DINER,
  MIN,
  STAFF,
  STORE,
  T0,
  expectOk,
  expectRejected,
  order,
  send,
  setupStore,
  stock,
  table,
} from './helpers.js';

type Rt = ReturnType<typeof setupStore>;
const T1 = table(1);
const T2 = table(2);
const T3 = table(3);
const tbl = (rt: Rt, id: string, c: TableCommand, cmdId?: string) =>
  send<TableResult>(rt, tableRef(STORE, id), c, cmdId);
const state = (rt: Rt, id: string) => rt.state<TableState>(tableRef(STORE, id));
const open = (rt: Rt, id: string, dinerId = 'd1', partySize = 2) =>
  expectOk(tbl(rt, id, { type: 'open', sessionId: `s-${id}`, partySize, dinerId, at: T0 }));
const add = (lineId: string, dinerId: string, skuId: string, qty = 1, at = T0): TableCommand => ({
  type: 'addLine',
  lineId,
  dinerId,
  skuId,
  qty,
  options: skuId.startsWith('noodle') ? [{ group: 'spice', choice: 'none' }] : [],
  at,
});

describe('ordering lines at a table without its cart', () => {
  it('places the given lines under the table (label, session, board) and leaves the cart alone', () => {
    const rt = setupStore();
    open(rt, T1);
    expectOk(tbl(rt, T1, add('l1', 'd2', 'cola', 2)));
    const r = expectOk(
      tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', lines: [{ skuId: 'beer', qty: 1 }], at: T0 }),
    );
    expect(r).toMatchObject({ status: 'awaiting_payment', order: { orderId: 'o_1', tableId: T1, tableLabel: 'A1' } });
    expect(r.cart.map((l) => l.lineId)).toEqual(['l1']);
    expect(r.orders.map((o) => o.orderId)).toEqual(['o_1']);
    expect(rt.state<OrderState>(orderRef(STORE, 'o_1'))).toMatchObject({
      tableId: T1,
      tableLabel: 'A1',
      sessionId: `s-${T1}`,
    });
    expect(stock(rt, 'cola').reserved).toBe(0);
    expect(stock(rt, 'beer').reserved).toBe(1);
    // A repeat of the same submit is the same order, not a second one.
    expectOk(
      tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', lines: [{ skuId: 'beer', qty: 1 }], at: T0 }),
    );
    expect(state(rt, T1).session!.orders).toHaveLength(1);
  });

  it('an order names only a table of its own store', () => {
    const rt = setupStore();
    const elsewhere = tableId(makeTableCode('002', 1, 1));
    const out = order(rt, 'o_1', {
      type: 'place',
      channel: 'dine_in',
      dinerId: 'd1',
      lines: [{ skuId: 'cola', qty: 1 }],
      tableId: elsewhere,
      at: T0,
    });
    expect(expectRejected(out, 'table_not_in_store').details).toEqual({ tableId: elsewhere, store: STORE });
    expect(stock(rt, 'cola').reserved).toBe(0);
  });
});

describe('table lifecycle', () => {
  it('free → seated → ordering → awaiting payment → seated → cleaning → free', () => {
    const rt = setupStore();
    expect(state(rt, T1).status).toBe('free');
    open(rt, T1);
    expect(state(rt, T1).status).toBe('seated');
    expectOk(tbl(rt, T1, add('l1', 'd1', 'cola', 2)));
    expect(state(rt, T1).status).toBe('ordering');
    const r = expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 + MIN }));
    expect(r).toMatchObject({
      status: 'awaiting_payment',
      cart: [],
      order: { orderId: 'o_1', status: 'pending_payment', totalFen: 1200, tableId: T1 },
    });
    expect(stock(rt, 'cola').reserved).toBe(2);
    expectOk(
      order(rt, 'o_1', {
        type: 'confirmPayment',
        paymentId: 'p',
        amountFen: 1200,
        paidAt: T0 + 2 * MIN,
        at: T0 + 2 * MIN,
      }),
    );
    expect(state(rt, T1)).toMatchObject({ status: 'seated', session: { orders: [{ orderId: 'o_1', state: 'paid' }] } });
    expectOk(tbl(rt, T1, { type: 'close', by: STAFF, at: T0 + 60 * MIN }));
    expect(state(rt, T1)).toMatchObject({ status: 'cleaning', session: null });
    expectOk(tbl(rt, T1, { type: 'cleaned', at: T0 + 65 * MIN }));
    expect(state(rt, T1).status).toBe('free');
    const board = rt.outputs.filter(
      (o) => o.subject === `push.${STORE}.board` && (o.data as { kind: string }).kind === 'table',
    );
    expect(board.map((o) => (o.data as { status: string }).status)).toEqual([
      'seated',
      'ordering',
      'awaiting_payment',
      'seated',
      'cleaning',
      'free',
    ]);
  });

  it('an unpaid order that times out frees the table for more ordering', () => {
    const rt = setupStore();
    open(rt, T1);
    expectOk(tbl(rt, T1, add('l1', 'd1', 'cola')));
    expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }));
    rt.fireDueTimers(T0 + 15 * MIN);
    expect(state(rt, T1)).toMatchObject({
      status: 'seated',
      session: { orders: [{ orderId: 'o_1', state: 'cancelled' }] },
    });
  });

  const refusals: [string, (rt: Rt) => void, TableCommand, string][] = [
    ['add to a free table', () => {}, add('l1', 'd1', 'cola'), 'no_session'],
    [
      'submit an empty cart',
      (rt) => open(rt, T1),
      { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 },
      'empty_cart',
    ],
    [
      'update an unknown line',
      (rt) => open(rt, T1),
      { type: 'updateLine', lineId: 'zz', qty: 2, at: T0 },
      'unknown_line',
    ],
    ['add an unknown SKU', (rt) => open(rt, T1), add('l1', 'd1', 'ghost'), 'unknown_sku'],
    [
      'add with a missing required option',
      (rt) => open(rt, T1),
      { ...add('l1', 'd1', 'noodle-l'), options: [] } as TableCommand,
      'invalid_option',
    ],
    [
      're-add a line id with other contents',
      (rt) => {
        open(rt, T1);
        expectOk(tbl(rt, T1, add('l1', 'd1', 'cola')));
      },
      add('l1', 'd1', 'cola', 3),
      'idempotency_conflict',
    ],
    [
      'close with an unpaid order',
      (rt) => {
        open(rt, T1);
        expectOk(tbl(rt, T1, add('l1', 'd1', 'cola')));
        expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }));
      },
      { type: 'close', by: DINER, at: T0 },
      'unpaid_orders',
    ],
    [
      'a diner cannot force a close',
      (rt) => {
        open(rt, T1);
        expectOk(tbl(rt, T1, add('l1', 'd1', 'cola')));
        expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }));
      },
      { type: 'close', by: DINER, force: true, at: T0 },
      'unpaid_orders',
    ],
    [
      'open while cleaning',
      (rt) => {
        open(rt, T1);
        expectOk(tbl(rt, T1, { type: 'close', by: STAFF, at: T0 }));
      },
      { type: 'open', sessionId: 's', partySize: 2, dinerId: 'd', at: T0 },
      'table_not_ready',
    ],
    ['cleaned while seated', (rt) => open(rt, T1), { type: 'cleaned', at: T0 }, 'invalid_transition'],
    ['close a free table', () => {}, { type: 'close', by: STAFF, at: T0 }, 'no_session'],
    [
      'transfer to an occupied table',
      (rt) => {
        open(rt, T1);
        open(rt, T2);
      },
      { type: 'transfer', toTableId: T2, at: T0 },
      'table_occupied',
    ],
    ['merge into a free table', (rt) => open(rt, T1), { type: 'merge', intoTableId: T2, at: T0 }, 'no_session'],
    ['merge into itself', (rt) => open(rt, T1), { type: 'merge', intoTableId: T1, at: T0 }, 'invalid_command'],
    [
      'close a merged table',
      (rt) => {
        open(rt, T1);
        open(rt, T2);
        expectOk(tbl(rt, T1, { type: 'merge', intoTableId: T2, at: T0 }));
      },
      { type: 'close', by: STAFF, at: T0 },
      'table_merged',
    ],
  ];
  it.each(refusals)('refuses to %s', (_n, given, when, code) => {
    const rt = setupStore();
    given(rt);
    expectRejected(tbl(rt, T1, when), code);
  });

  it('refuses to open a table that is not set up', () => {
    const rt = setupStore({ tables: 0 });
    expectRejected(
      tbl(rt, T1, { type: 'open', sessionId: 's', partySize: 2, dinerId: 'd', at: T0 }),
      'table_not_configured',
    );
  });

  it('refuses an id that is not a table code of this store', () => {
    const rt = setupStore();
    expectRejected(send(rt, tableRef(STORE, '0010001000011'), { type: 'get' }), 'invalid_table_code');
    expectRejected(
      send(rt, tableRef(STORE, table(1).replace(/^001/, '002').slice(0, 12) + '0'), { type: 'get' }),
      'invalid_table_code',
    );
  });

  it('a sold-out cart names the cart lines and keeps them', () => {
    const rt = setupStore({ stock: { cola: 1, cuke: 5 } });
    open(rt, T1);
    expectOk(tbl(rt, T1, add('a', 'd1', 'cuke')));
    expectOk(tbl(rt, T1, add('b', 'd2', 'cola', 2)));
    const r = expectRejected(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }), 'sold_out');
    expect(r.details).toMatchObject({ lines: [{ lineNo: 2, lineId: 'b', available: 1 }] });
    expect(state(rt, T1).session!.cart.map((l) => l.lineId)).toEqual(['a', 'b']);
  });

  it('forced close by staff leaves the unpaid order to its timeout', () => {
    const rt = setupStore();
    open(rt, T1);
    expectOk(tbl(rt, T1, add('l1', 'd1', 'cola')));
    expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }));
    expectOk(tbl(rt, T1, { type: 'close', by: STAFF, force: true, at: T0 + MIN }));
    expect(state(rt, T1).status).toBe('cleaning');
    rt.fireDueTimers(T0 + 15 * MIN);
    expect(stock(rt, 'cola').reserved).toBe(0);
  });
});

describe('repeats of a placement are judged by the order, not by remembered command ids', () => {
  const submit = (requestHash: string, lines?: { skuId: string; qty: number }[], orderId = 'o_1'): TableCommand => ({
    type: 'submit',
    orderId,
    dinerId: 'd1',
    ...(lines === undefined ? {} : { lines }),
    requestHash,
    at: T0,
  });

  it('the same request answers the order again; another request with its id is a conflict', () => {
    const rt = setupStore();
    open(rt, T1);
    expectOk(tbl(rt, T1, add('l1', 'd1', 'cola', 2)));
    const first = expectOk(tbl(rt, T1, submit('h1')));
    expect(first).toMatchObject({ order: { orderId: 'o_1', dinerId: 'd1' } });
    expect(first.duplicate).toBeUndefined();
    // Every repeat below carries a new command id: only the actors can tell it is a repeat.
    const again = expectOk(tbl(rt, T1, submit('h1')));
    expect(again).toMatchObject({ duplicate: true, order: { orderId: 'o_1', duplicate: true } });
    expectRejected(tbl(rt, T1, submit('h2')), 'idempotency_conflict');
    expectRejected(tbl(rt, T1, submit('h2', [{ skuId: 'beer', qty: 1 }])), 'idempotency_conflict');
    expect(state(rt, T1).session!.orders).toHaveLength(1);
    expect(stock(rt, 'cola').reserved).toBe(2);
    expect(stock(rt, 'beer').reserved).toBe(0);
  });

  it('after the party left, a repeat still answers its order and joins no other session', () => {
    const rt = setupStore();
    open(rt, T1);
    expectOk(tbl(rt, T1, submit('h1', [{ skuId: 'beer', qty: 1 }])));
    expectOk(tbl(rt, T1, { type: 'close', by: STAFF, force: true, at: T0 + MIN }));
    expect(expectOk(tbl(rt, T1, submit('h1', [{ skuId: 'beer', qty: 1 }])))).toMatchObject({
      order: { orderId: 'o_1', duplicate: true },
    });
    expectOk(tbl(rt, T1, { type: 'cleaned', at: T0 + 2 * MIN }));
    open(rt, T1, 'd9');
    const later = expectOk(tbl(rt, T1, submit('h1', [{ skuId: 'beer', qty: 1 }])));
    expect(later).toMatchObject({ order: { orderId: 'o_1', duplicate: true } });
    expect(state(rt, T1).session!.orders).toEqual([]);
    expectRejected(tbl(rt, T1, submit('h2', [{ skuId: 'beer', qty: 1 }])), 'idempotency_conflict');
    expect(stock(rt, 'beer').reserved).toBe(1);
    // Never placed: a table with nobody seated says so.
    expectOk(tbl(rt, T2, { type: 'configure', config: { label: 'A2', areaName: '大厅', seats: 4 }, at: T0 }));
    expectRejected(tbl(rt, T2, submit('h3', undefined, 'o_2')), 'no_session');
  });

  it('a direct placement: the digest decides, whatever the lines', () => {
    const rt = setupStore();
    const place = (requestHash: string | undefined, qty: number) =>
      order(rt, 'o_7', {
        type: 'place',
        channel: 'dine_in',
        lines: [{ skuId: 'cola', qty }],
        dinerId: 'd1',
        ...(requestHash === undefined ? {} : { requestHash }),
        at: T0,
      });
    expectOk(place('h1', 1));
    expect(expectOk(place('h1', 1))).toMatchObject({ orderId: 'o_7', duplicate: true });
    expectRejected(place('h2', 1), 'idempotency_conflict');
    // Without a digest the lines decide, as before.
    expect(expectOk(place(undefined, 1))).toMatchObject({ duplicate: true });
    expectRejected(place(undefined, 2), 'idempotency_conflict');
    expect(expectOk(order(rt, 'o_7', { type: 'replay', requestHash: 'h1' }))).toMatchObject({ duplicate: true });
    expectRejected(order(rt, 'o_7', { type: 'replay', requestHash: 'h2' }), 'idempotency_conflict');
    expectRejected(order(rt, 'o_8', { type: 'replay' }), 'order_not_found');
    expect(stock(rt, 'cola').reserved).toBe(1);
  });
});

describe('shared cart', () => {
  it('several diners add lines; every line is kept in order, retries add nothing', () => {
    const rt = setupStore();
    open(rt, T1, 'd1', 4);
    expectOk(tbl(rt, T1, { type: 'open', sessionId: 'other', partySize: 4, dinerId: 'd2', at: T0 }));
    expect(state(rt, T1).session).toMatchObject({ sessionId: `s-${T1}`, diners: ['d1', 'd2'] });
    expectOk(tbl(rt, T1, add('d1-1', 'd1', 'cola'), 'c1'));
    expectOk(tbl(rt, T1, add('d2-1', 'd2', 'cuke'), 'c2'));
    expectOk(tbl(rt, T1, add('d3-1', 'd3', 'noodle-l', 2), 'c3'));
    expectOk(tbl(rt, T1, add('d2-1', 'd2', 'cuke'), 'c2-retry'));
    expectOk(tbl(rt, T1, add('d1-1', 'd1', 'cola'), 'c1'));
    expect(state(rt, T1).session!.cart.map((l) => [l.lineId, l.dinerId, l.skuId, l.qty])).toEqual([
      ['d1-1', 'd1', 'cola', 1],
      ['d2-1', 'd2', 'cuke', 1],
      ['d3-1', 'd3', 'noodle-l', 2],
    ]);
    expect(state(rt, T1).session!.diners).toEqual(['d1', 'd2', 'd3']);
    const pushed = rt.outputs.filter((o) => o.subject === `push.${STORE}.table.${T1}`);
    expect((pushed[pushed.length - 1]!.data as { cartTotalFen: number }).cartTotalFen).toBe(600 + 1200 + 5600);
  });

  type CartOp =
    | { k: 'add'; diner: number; n: number; qty: number }
    | { k: 'update'; diner: number; n: number; qty: number }
    | { k: 'remove'; diner: number; n: number };
  const cartOp: fc.Arbitrary<CartOp> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        k: fc.constant('add' as const),
        diner: fc.integer({ min: 1, max: 5 }),
        n: fc.integer({ min: 1, max: 6 }),
        qty: fc.integer({ min: 1, max: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('update' as const),
        diner: fc.integer({ min: 1, max: 5 }),
        n: fc.integer({ min: 1, max: 6 }),
        qty: fc.integer({ min: 0, max: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant('remove' as const),
        diner: fc.integer({ min: 1, max: 5 }),
        n: fc.integer({ min: 1, max: 6 }),
      }),
    },
  );

  it('any interleaving of diners: the cart is exactly the lines added, in arrival order, none lost', () => {
    fc.assert(
      fc.property(fc.array(cartOp, { maxLength: 60 }), (ops) => {
        const rt = setupStore();
        open(rt, T1);
        const model: { lineId: string; qty: number }[] = [];
        ops.forEach((o, i) => {
          const lineId = `d${o.diner}-${o.n}`;
          const at = model.find((l) => l.lineId === lineId);
          if (o.k === 'add') {
            const out = tbl(rt, T1, add(lineId, `d${o.diner}`, 'cola', o.qty, T0 + i));
            if (at === undefined) {
              expect(out.ok).toBe(true);
              model.push({ lineId, qty: o.qty });
            } else expect(out.ok ? 'ok' : out.reason).toBe(at.qty === o.qty ? 'ok' : 'idempotency_conflict');
          } else {
            const out = tbl(
              rt,
              T1,
              o.k === 'update'
                ? { type: 'updateLine', lineId, qty: o.qty, at: T0 + i }
                : { type: 'removeLine', lineId, at: T0 + i },
            );
            expect(out.ok).toBe(at !== undefined);
            if (at !== undefined) {
              if (o.k === 'remove' || o.qty === 0) model.splice(model.indexOf(at), 1);
              else at.qty = o.qty;
            }
          }
        });
        expect(state(rt, T1).session!.cart.map((l) => ({ lineId: l.lineId, qty: l.qty }))).toEqual(model);
        const replayed = replay(restaurantActors, rt.log).get(`table.${STORE}.${T1}`);
        expect(replayed).toEqual(state(rt, T1));
      }),
      { numRuns: 60 },
    );
  });
});

describe('merge and transfer', () => {
  it('transfer moves the session, its cart and its orders to a free table', () => {
    const rt = setupStore();
    open(rt, T1, 'd1', 3);
    expectOk(tbl(rt, T1, add('l1', 'd1', 'cola')));
    expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }));
    expectOk(tbl(rt, T1, add('l2', 'd1', 'cuke')));
    expectOk(tbl(rt, T1, { type: 'transfer', toTableId: T2, at: T0 + MIN }));
    expect(state(rt, T1)).toMatchObject({ status: 'cleaning', session: null });
    expect(state(rt, T2)).toMatchObject({
      status: 'awaiting_payment',
      session: { partySize: 3, cart: [{ lineId: 'l2' }], orders: [{ orderId: 'o_1' }] },
    });
    expect(rt.state<OrderState>(orderRef(STORE, 'o_1'))).toMatchObject({ tableId: T2, tableLabel: 'A2' });
    // the payment now updates the new table
    expectOk(
      order(rt, 'o_1', {
        type: 'confirmPayment',
        paymentId: 'p',
        amountFen: 600,
        paidAt: T0 + 2 * MIN,
        at: T0 + 2 * MIN,
      }),
    );
    expect(state(rt, T2).status).toBe('ordering');
  });

  it('merge: the party joins another table, diners of the merged table keep ordering through it, closing frees both', () => {
    const rt = setupStore();
    open(rt, T1, 'd1', 2);
    open(rt, T2, 'd2', 4);
    expectOk(tbl(rt, T1, add('a', 'd1', 'cola')));
    expectOk(tbl(rt, T2, add('b', 'd2', 'cuke')));
    expectOk(tbl(rt, T1, { type: 'merge', intoTableId: T2, at: T0 + MIN }));
    expect(state(rt, T1)).toMatchObject({ status: 'merged', mergedInto: T2, session: null });
    expect(state(rt, T2).session).toMatchObject({ partySize: 6, diners: ['d2', 'd1'], mergedFrom: [T1] });
    // a phone still on table 1's QR code adds to the merged cart
    expectOk(tbl(rt, T1, add('c', 'd1', 'cola')));
    expect(state(rt, T2).session!.cart.map((l) => l.lineId)).toEqual(['b', 'a', 'c']);
    const r = expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 + 2 * MIN }));
    expect(r).toMatchObject({ tableId: T2, order: { tableId: T2, totalFen: 1200 + 600 + 600 } });
    expectOk(
      order(rt, 'o_1', {
        type: 'confirmPayment',
        paymentId: 'p',
        amountFen: 2400,
        paidAt: T0 + 3 * MIN,
        at: T0 + 3 * MIN,
      }),
    );
    expectOk(tbl(rt, T2, { type: 'close', by: STAFF, at: T0 + 60 * MIN }));
    expect(state(rt, T1).status).toBe('cleaning');
    expect(state(rt, T2).status).toBe('cleaning');
    expect(state(rt, T3).status).toBe('free');
  });

  it('orders placed before a merge follow the party', () => {
    const rt = setupStore();
    open(rt, T1);
    open(rt, T2);
    expectOk(tbl(rt, T1, add('a', 'd1', 'cola')));
    expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }));
    expectOk(tbl(rt, T1, { type: 'merge', intoTableId: T2, at: T0 + MIN }));
    expect(rt.state<OrderState>(orderRef(STORE, 'o_1')).tableId).toBe(T2);
    expect(state(rt, T2).status).toBe('awaiting_payment');
  });
});
