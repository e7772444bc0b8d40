/** A table: ordering lines without its cart, and its lifecycle from opening to cleaned. */
import { describe, expect, it } from 'vitest';
import { orderRef, tableRef, type OrderState, type TableCommand, makeTableCode, tableId } from '@lunchrush/actors';
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
import { type Rt, T1, T2, tbl, state, open, add } from './table-support.js';

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
});

describe("a staff action's trail entry", () => {
  const entry = (action: string) => ({
    at: T0,
    who: 'manager:m1',
    role: 'manager',
    ip: '127.0.0.1',
    action: `POST /v1/staff/stores/{store}/tables/{tableId}/${action}`,
  });
  const audited = (rt: Rt) =>
    rt.log.filter((e) => e.a[0] === 'audit').flatMap((e) => (e.ev ?? []) as { entry: { action: string } }[]);

  it('is written in the same transaction as the action, and not at all when the action is refused', () => {
    const rt = setupStore();
    open(rt, T1);
    expectOk(tbl(rt, T1, add('l1', 'd1', 'cola')));
    expectOk(tbl(rt, T1, { type: 'submit', orderId: 'o_1', dinerId: 'd1', at: T0 }));
    const before = rt.log.length;
    // Unpaid: refused, and nothing of it (no entry either) is written.
    expectRejected(tbl(rt, T1, { type: 'close', by: STAFF, audit: entry('close'), at: T0 + MIN }), 'unpaid_orders');
    expect(rt.log.length).toBe(before);
    expectOk(tbl(rt, T1, { type: 'close', by: STAFF, force: true, audit: entry('close'), at: T0 + MIN }));
    // One command, two actors' entries: the trail's and the table's.
    expect(rt.log.slice(before).map((e) => e.a[0])).toEqual(['audit', 'table']);
    expectOk(tbl(rt, T1, { type: 'cleaned', audit: entry('cleaned'), at: T0 + 2 * MIN }));
    // Already free: nothing changes at the table, and the staff member's click is still in the trail.
    expectOk(tbl(rt, T1, { type: 'cleaned', audit: entry('cleaned'), at: T0 + 3 * MIN }));
    expect(audited(rt).map((e) => e.entry.action.split('/').pop())).toEqual(['close', 'cleaned', 'cleaned']);
    expect(state(rt, T1).status).toBe('free');
  });
});

describe('table refusals', () => {
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
