/** Paying an order, its payment timeout and the races between them. */
import { describe, expect, it } from 'vitest';
import { DINER, MIN, STORE, T0, expectOk, order, setupStore, stock } from './helpers.js';
import { DEADLINE, pay, place, spicy, orderState } from './saga-support.js';

describe('payment and its timeout', () => {
  it('payment commits every reservation and cancels the timer', () => {
    const rt = setupStore();
    const d = expectOk(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'noodle-l', qty: 2, options: spicy },
          { skuId: 'cuke', qty: 1 },
        ]),
      ),
    );
    expect(expectOk(order(rt, 'o_1', pay(d.totalFen, T0 + 5 * MIN))).status).toBe('paid');
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 8, reserved: 0, sold: 2 });
    expect(stock(rt, 'cuke')).toMatchObject({ available: 9, reserved: 0, sold: 1 });
    expect(rt.timers()).toEqual([]);
    expect(rt.fireDueTimers(DEADLINE + MIN)).toBe(0);
  });

  it('the timeout cancels the order and releases its stock, once', () => {
    const rt = setupStore();
    expectOk(order(rt, 'o_1', place([{ skuId: 'noodle-l', qty: 2, options: spicy }])));
    expect(rt.fireDueTimers(DEADLINE - 1)).toBe(0);
    expect(rt.fireDueTimers(DEADLINE)).toBe(1);
    expect(orderState(rt, 'o_1')).toMatchObject({ status: 'cancelled', cancel: { reason: 'payment_timeout' } });
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 10, reserved: 0, sold: 0 });
    expect(rt.timers()).toEqual([]);
    expect(rt.fireDueTimers(DEADLINE + 60 * MIN)).toBe(0);
  });

  it('the timeout length comes from the store settings (injectable in tests)', () => {
    const rt = setupStore({ paymentTimeoutMs: 2_000 });
    expect(expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 1 }]))).deadline).toBe(T0 + 2_000);
    rt.fireDueTimers(T0 + 2_000);
    expect(stock(rt, 'cola').reserved).toBe(0);
  });

  it('race: paid inside the window wins even when processed after the deadline', () => {
    const rt = setupStore();
    expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 2 }])));
    // the provider's success time is inside the window; the callback arrives late, before the timer fired
    expect(expectOk(order(rt, 'o_1', pay(1200, DEADLINE - 1_000, DEADLINE + 5_000))).status).toBe('paid');
    expect(rt.fireDueTimers(DEADLINE + 10_000)).toBe(0);
    expect(stock(rt, 'cola')).toMatchObject({ sold: 2, reserved: 0 });
  });
});

describe('payment and its timeout: races', () => {
  it('race: the timer fired first, the in-window payment revives the order if stock is still there', () => {
    const rt = setupStore();
    expectOk(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'cola', qty: 2 },
          { skuId: 'cuke', qty: 1 },
        ]),
      ),
    );
    rt.fireDueTimers(DEADLINE);
    expect(orderState(rt, 'o_1').status).toBe('cancelled');
    const d = expectOk(order(rt, 'o_1', pay(1200 + 1200, DEADLINE - 1, DEADLINE + 3_000)));
    expect(d.status).toBe('paid');
    expect(stock(rt, 'cola')).toMatchObject({ available: 48, reserved: 0, sold: 2 });
    expect(stock(rt, 'cuke')).toMatchObject({ available: 9, sold: 1 });
    expect(orderState(rt, 'o_1').holdRef).toBe('o_1.r');
  });

  it('race: the timer fired first and the stock is gone: a full refund is started', () => {
    const rt = setupStore({ stock: { cola: 2, cuke: 5 } });
    expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 2 }])));
    rt.fireDueTimers(DEADLINE);
    expectOk(order(rt, 'o_2', place([{ skuId: 'cola', qty: 1 }], { at: DEADLINE + 1 })));
    const d = expectOk(order(rt, 'o_1', pay(1200, DEADLINE - 1, DEADLINE + 3_000)));
    expect(d).toMatchObject({ status: 'refund_requested', paidFen: 1200 });
    const s = orderState(rt, 'o_1');
    expect(s.refunds).toMatchObject([
      { full: true, amountFen: 1200, reason: 'stock_gone_after_timeout', status: 'approved' },
    ]);
    expect(rt.outputs.filter((o) => o.subject === `refunds.${STORE}`)).toMatchObject([
      {
        jetstream: true,
        id: `refund:o_1:${s.refunds[0]!.refundId}`,
        data: { orderId: 'o_1', paymentId: 'wx-1', amountFen: 1200 },
      },
    ]);
    expect(stock(rt, 'cola')).toMatchObject({ available: 1, reserved: 1, sold: 0 });
    expect(
      expectOk(order(rt, 'o_1', { type: 'refundCompleted', refundId: s.refunds[0]!.refundId, at: DEADLINE + 9_000 }))
        .status,
    ).toBe('refunded');
  });

  it('race: paid after the deadline, timer not fired yet: cancelled, stock released, refund started', () => {
    const rt = setupStore();
    expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 2 }])));
    const d = expectOk(order(rt, 'o_1', pay(1200, DEADLINE + 1)));
    expect(d.status).toBe('refund_requested');
    expect(orderState(rt, 'o_1')).toMatchObject({
      cancel: { reason: 'payment_timeout' },
      refunds: [{ reason: 'late_payment', amountFen: 1200 }],
    });
    expect(stock(rt, 'cola')).toMatchObject({ available: 50, reserved: 0, sold: 0 });
    expect(rt.fireDueTimers(DEADLINE + MIN)).toBe(0);
  });

  it('a payment after the diner cancelled is refunded', () => {
    const rt = setupStore();
    expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 1 }])));
    expectOk(order(rt, 'o_1', { type: 'cancel', by: DINER, at: T0 + MIN }));
    expect(expectOk(order(rt, 'o_1', pay(600, T0 + 2 * MIN))).status).toBe('refund_requested');
    expect(orderState(rt, 'o_1').refunds[0]).toMatchObject({ reason: 'paid_after_cancel' });
    expect(stock(rt, 'cola')).toMatchObject({ available: 50, sold: 0 });
  });

  it('the same payment notified twice through different command ids counts once', () => {
    const rt = setupStore();
    expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 1 }])));
    expectOk(order(rt, 'o_1', pay(600, T0 + MIN), 'notify-1'));
    expect(expectOk(order(rt, 'o_1', pay(600, T0 + MIN), 'notify-2'))).toMatchObject({
      status: 'paid',
      duplicate: true,
    });
    expect(stock(rt, 'cola').sold).toBe(1);
  });
});
