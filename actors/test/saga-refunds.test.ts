/** Cancelling and refunding an order, whole or item by item, before and after the kitchen starts. */
import { describe, expect, it } from 'vitest';
import { storeRef, type OrderDetail, type StoreState } from '@lunchrush/actors';
import {
  DINER,
  MANAGER,
  MIN,
  STAFF,
  STORE,
  T0,
  expectOk,
  expectRejected,
  order,
  setupStore,
  stock,
} from './helpers.js';
import { pay, place, spicy, orderState, tickets } from './saga-support.js';

function paid(rt: ReturnType<typeof setupStore>, channel: 'dine_in' | 'takeaway' = 'dine_in'): OrderDetail {
  const d = expectOk(
    order(
      rt,
      'o_1',
      place(
        [
          { skuId: 'noodle-l', qty: 2, options: spicy },
          { skuId: 'cuke', qty: 1 },
        ],
        { channel },
      ),
    ),
  );
  expectOk(order(rt, 'o_1', pay(d.totalFen, T0 + MIN)));
  return d;
}
const refundOut = (rt: ReturnType<typeof setupStore>) => rt.outputs.filter((o) => o.subject === `refunds.${STORE}`);

describe('cancel and refund rules: before acceptance and while cooking', () => {
  it('before acceptance: the diner cancels and gets everything back at once; stock goes back on sale', () => {
    const rt = setupStore();
    const d = paid(rt);
    expectOk(order(rt, 'o_1', { type: 'cancel', by: DINER, at: T0 + 2 * MIN }));
    const s = orderState(rt, 'o_1');
    expect(s).toMatchObject({
      status: 'refund_requested',
      stock: 'returned',
      refunds: [{ full: true, amountFen: d.totalFen, status: 'approved' }],
    });
    expect(refundOut(rt)).toMatchObject([{ jetstream: true, data: { amountFen: d.totalFen, paymentId: 'wx-1' } }]);
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 10, sold: 0 });
    expect(stock(rt, 'cuke')).toMatchObject({ available: 10, sold: 0 });
    expect(tickets(rt)).toEqual([]);
    expectOk(order(rt, 'o_1', { type: 'refundCompleted', refundId: s.refunds[0]!.refundId, at: T0 + 3 * MIN }));
    expect(orderState(rt, 'o_1')).toMatchObject({ status: 'refunded', refundedFen: d.totalFen });
  });

  it('while cooking: a diner refund waits for staff; approval voids the tickets and frees the kitchen', () => {
    const rt = setupStore();
    const d = paid(rt);
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
    expectOk(order(rt, 'o_1', { type: 'startStation', station: 'staple', at: T0 + 3 * MIN }));
    expectOk(order(rt, 'o_1', { type: 'finishStation', station: 'cold', at: T0 + 4 * MIN }));
    expectOk(
      order(rt, 'o_1', { type: 'requestRefund', refundId: 'r1', reason: '等太久', by: DINER, at: T0 + 5 * MIN }),
    );
    expect(orderState(rt, 'o_1')).toMatchObject({
      status: 'refund_requested',
      resumeStatus: 'cooking',
      refunds: [{ status: 'requested' }],
    });
    expect(refundOut(rt)).toEqual([]);

    expectOk(order(rt, 'o_1', { type: 'approveRefund', refundId: 'r1', by: STAFF, at: T0 + 6 * MIN }));
    expect(refundOut(rt)).toMatchObject([{ id: 'refund:o_1:r1', data: { amountFen: d.totalFen } }]);
    expect(
      tickets(rt)
        .filter((t) => t.kind === 'void')
        .map((t) => [t.station, t.ticketId, t.lines.map((l) => l.qty)]),
    ).toEqual([['staple', 'void:o_1:staple:r1', [2]]]);
    expect(orderState(rt, 'o_1').stations).toEqual([
      { station: 'staple', state: 'void' },
      { station: 'cold', state: 'done' },
    ]);
    expect(rt.state<StoreState>(storeRef(STORE)).pending).toEqual({});
    // cooked food does not go back on sale
    expect(stock(rt, 'noodle-l')).toMatchObject({ sold: 2 });
  });

  it('while cooking: staff may reject the request and the order carries on', () => {
    const rt = setupStore();
    paid(rt);
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
    expectOk(
      order(rt, 'o_1', { type: 'requestRefund', refundId: 'r1', reason: '不想要了', by: DINER, at: T0 + 3 * MIN }),
    );
    expectOk(order(rt, 'o_1', { type: 'startStation', station: 'staple', at: T0 + 4 * MIN }));
    expectOk(
      order(rt, 'o_1', { type: 'rejectRefund', refundId: 'r1', by: STAFF, reason: '已在制作', at: T0 + 5 * MIN }),
    );
    expect(orderState(rt, 'o_1')).toMatchObject({
      status: 'cooking',
      refunds: [{ status: 'rejected', rejectReason: '已在制作' }],
    });
    // the refused amount is refundable again later
    expectOk(order(rt, 'o_1', { type: 'requestRefund', refundId: 'r2', reason: '太咸', by: STAFF, at: T0 + 6 * MIN }));
    expect(orderState(rt, 'o_1').refunds[1]).toMatchObject({ status: 'approved', full: true });
  });
});

describe('cancel and refund rules: after serving, and every unit line by line', () => {
  it('after serving: refused unless a manager overrides with a reason', () => {
    const rt = setupStore();
    const d = paid(rt);
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
    expectOk(order(rt, 'o_1', { type: 'serve', by: STAFF, at: T0 + 10 * MIN }));
    expectRejected(
      order(rt, 'o_1', { type: 'requestRefund', refundId: 'r1', reason: '不好吃', by: DINER, at: T0 + 11 * MIN }),
      'refund_not_allowed',
    );
    expectOk(
      order(rt, 'o_1', {
        type: 'requestRefund',
        refundId: 'r2',
        reason: '投诉',
        by: MANAGER,
        overrideReason: '菜品有异物',
        at: T0 + 12 * MIN,
      }),
    );
    expect(orderState(rt, 'o_1').refunds[0]).toMatchObject({
      refundId: 'r2',
      status: 'approved',
      overrideReason: '菜品有异物',
      amountFen: d.totalFen,
    });
  });

  it('refunding every remaining unit line by line is a full refund', () => {
    const rt = setupStore();
    const d = paid(rt);
    expectOk(
      order(rt, 'o_1', {
        type: 'requestRefund',
        refundId: 'r1',
        lines: [
          { lineNo: 1, qty: 2 },
          { lineNo: 2, qty: 1 },
        ],
        reason: 'x',
        by: DINER,
        at: T0 + 2 * MIN,
      }),
    );
    expect(orderState(rt, 'o_1')).toMatchObject({
      status: 'refund_requested',
      refunds: [{ full: true, amountFen: d.totalFen }],
    });
  });
});

describe('cancel and refund rules: single items', () => {
  it('single-item refund before acceptance: that item only, its unit back in stock', () => {
    const rt = setupStore();
    const d = paid(rt, 'takeaway');
    // line 1: 2 × noodle 2800 + packaging 100 each
    expectOk(
      order(rt, 'o_1', {
        type: 'requestRefund',
        refundId: 'r1',
        lines: [{ lineNo: 1, qty: 1 }],
        reason: '点多了',
        by: DINER,
        at: T0 + 2 * MIN,
      }),
    );
    const s = orderState(rt, 'o_1');
    expect(s).toMatchObject({
      status: 'paid',
      refunds: [{ refundId: 'r1', full: false, amountFen: 2900, status: 'approved', lines: [{ lineNo: 1, qty: 1 }] }],
    });
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 9, sold: 1 });
    expectOk(order(rt, 'o_1', { type: 'refundCompleted', refundId: 'r1', at: T0 + 3 * MIN }));
    expect(orderState(rt, 'o_1')).toMatchObject({ status: 'paid', refundedFen: 2900 });
    expectRejected(
      order(rt, 'o_1', {
        type: 'requestRefund',
        refundId: 'r2',
        lines: [{ lineNo: 1, qty: 2 }],
        reason: 'x',
        by: DINER,
        at: T0 + 3 * MIN,
      }),
      'nothing_to_refund',
    );
    expectRejected(
      order(rt, 'o_1', {
        type: 'requestRefund',
        refundId: 'r3',
        lines: [{ lineNo: 7, qty: 1 }],
        reason: 'x',
        by: DINER,
        at: T0 + 3 * MIN,
      }),
      'unknown_line',
    );
    // the rest, as a full refund, is what was paid minus what was refunded
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 4 * MIN }));
    expectOk(
      order(rt, 'o_1', { type: 'requestRefund', refundId: 'r4', reason: '不要了', by: STAFF, at: T0 + 5 * MIN }),
    );
    expect(orderState(rt, 'o_1').refunds[1]).toMatchObject({ full: true, amountFen: d.totalFen - 2900 });
    expect(
      tickets(rt)
        .filter((t) => t.kind === 'void')
        .map((t) => [t.station, t.lines.map((l) => [l.lineNo, l.qty])]),
    ).toEqual([
      ['staple', [[1, 1]]],
      ['cold', [[2, 1]]],
    ]);
  });

  it('single-item refund while cooking: staff approval, then a void ticket for that station only', () => {
    const rt = setupStore();
    paid(rt);
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
    expectOk(
      order(rt, 'o_1', {
        type: 'requestRefund',
        refundId: 'r1',
        lines: [{ lineNo: 2, qty: 1 }],
        reason: '上错了',
        by: DINER,
        at: T0 + 3 * MIN,
      }),
    );
    expect(orderState(rt, 'o_1')).toMatchObject({
      status: 'sent_to_kitchen',
      refunds: [{ status: 'requested', amountFen: 1200 }],
    });
    expectOk(order(rt, 'o_1', { type: 'approveRefund', refundId: 'r1', by: STAFF, at: T0 + 4 * MIN }));
    expect(
      tickets(rt)
        .filter((t) => t.kind === 'void')
        .map((t) => t.ticketId),
    ).toEqual(['void:o_1:cold:r1']);
    expect(orderState(rt, 'o_1').stations.every((p) => p.state === 'queued')).toBe(true);
    expect(stock(rt, 'cuke').sold).toBe(1);
  });
});
