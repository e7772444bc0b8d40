/** Merging tables and moving a party to another table. */
import { describe, expect, it } from 'vitest';
import { orderRef, type OrderState } from '@lunchrush/actors';
import { MIN, STAFF, STORE, T0, expectOk, order, setupStore } from './helpers.js';
import { T1, T2, T3, tbl, state, open, add } from './table-support.js';

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
