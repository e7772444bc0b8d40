/** Repeated placements at a table, judged by the order they name. */
import { describe, expect, it } from 'vitest';
import { type TableCommand } from '@lunchrush/actors';
import { MIN, STAFF, T0, expectOk, expectRejected, order, setupStore, stock } from './helpers.js';
import { T1, T2, tbl, state, open, add } from './table-support.js';

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
