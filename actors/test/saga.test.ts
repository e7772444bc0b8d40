/** The placement saga and everything that follows it, across store, catalog, stock, table and order actors. */
import { describe, expect, it } from 'vitest';
import { decode, encode, replay } from '@lunchrush/engine';
import {
  catalogRef,
  orderRef,
  restaurantActors,
  storeRef,
  type KitchenTicket,
  type OrderCommand,
  type OrderDetail,
  type OrderState,
  type StoreState,
} from '@lunchrush/actors';
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
  send,
  setupStore,
  stock,
} from './helpers.js';

const DEADLINE = T0 + 15 * MIN;

function place(
  lines: { skuId: string; qty: number; options?: { group: string; choice: string }[] }[],
  extra: Partial<OrderCommand> = {},
): OrderCommand {
  return { type: 'place', channel: 'dine_in', dinerId: 'd1', lines, at: T0, ...extra } as OrderCommand;
}
const spicy = [{ group: 'spice', choice: 'hot' }];
const pay = (amountFen: number, paidAt: number, at = paidAt, paymentId = 'wx-1'): OrderCommand => ({
  type: 'confirmPayment',
  paymentId,
  amountFen,
  paidAt,
  at,
});
const orderState = (rt: ReturnType<typeof setupStore>, id: string): OrderState =>
  rt.state<OrderState>(orderRef(STORE, id));
const tickets = (rt: ReturnType<typeof setupStore>): KitchenTicket[] =>
  rt.outputs.filter((o) => o.subject.startsWith(`kitchen.${STORE}.`)).map((o) => o.data as KitchenTicket);

describe('placement: reserve every line, all or nothing', () => {
  it('prices from the catalog and reserves every SKU', () => {
    const rt = setupStore();
    const d = expectOk(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'noodle-l', qty: 2, options: [...spicy, { group: 'extra', choice: 'egg' }] },
          { skuId: 'cola', qty: 1 },
        ]),
      ),
    );
    expect(d.status).toBe('pending_payment');
    expect(d.lines.map((l) => [l.skuId, l.unitPriceFen, l.amountFen])).toEqual([
      ['noodle-l', 3000, 6000],
      ['cola', 600, 600],
    ]);
    expect(d.totalFen).toBe(6600);
    expect(d.deadline).toBe(DEADLINE);
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 8, reserved: 2 });
    expect(stock(rt, 'cola')).toMatchObject({ available: 49, reserved: 1 });
    expect(rt.timers()).toMatchObject([
      { key: 'payment-timeout', at: DEADLINE, command: { type: 'paymentTimeout', at: DEADLINE } },
    ]);
  });

  it('never takes a price from the client', () => {
    const rt = setupStore();
    const cheat = {
      type: 'place',
      channel: 'dine_in',
      dinerId: 'd1',
      at: T0,
      totalFen: 1,
      lines: [{ skuId: 'cola', qty: 1, priceFen: 1, unitPriceFen: 1 }],
    };
    // A price in a line is not a field of the command at all: refused as malformed, nothing reserved.
    const r = expectRejected(order(rt, 'o_1', cheat as unknown as OrderCommand), 'invalid_command');
    expect(r.message).toMatch(/priceFen|unrecognized/i);
    expect(stock(rt, 'cola').reserved).toBe(0);
    expect(expectOk(order(rt, 'o_2', place([{ skuId: 'cola', qty: 1 }]))).totalFen).toBe(600);
  });

  it('uses the store price when the store overrides the template', () => {
    const rt = setupStore();
    expectOk(send(rt, catalogRef(STORE), { type: 'setPrice', skuId: 'cola', priceFen: 500, at: T0 }));
    expect(expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 2 }]))).totalFen).toBe(1000);
  });

  it('any short line refuses the order, naming the lines and what remains, and reserves nothing', () => {
    const rt = setupStore({ stock: { 'noodle-l': 10, cuke: 1, cola: 0, bun: 0, beer: 5, 'noodle-s': 0, dumpling: 0 } });
    const before = rt.log.length;
    const out = order(
      rt,
      'o_1',
      place([
        { skuId: 'noodle-l', qty: 3, options: spicy },
        { skuId: 'cuke', qty: 2 },
        { skuId: 'cola', qty: 1 },
      ]),
    );
    const r = expectRejected(out, 'sold_out');
    expect(r.details).toMatchObject({
      lines: [
        { lineNo: 2, skuId: 'cuke', name: '拍黄瓜', qty: 2, available: 1 },
        { lineNo: 3, skuId: 'cola', name: '可乐', qty: 1, available: 0 },
      ],
    });
    expect(r.message).toBe('拍黄瓜: 1 left, 2 wanted; 可乐 (330ml) sold out');
    // all or nothing: the noodle reservation made before the refusal is gone too
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 10, reserved: 0 });
    expect(stock(rt, 'cuke')).toMatchObject({ available: 1, reserved: 0 });
    expect(rt.log.length).toBe(before);
    expect(rt.timers()).toEqual([]);
  });

  it('adds up lines of the same SKU before reserving', () => {
    const rt = setupStore({ stock: { 'noodle-l': 5, cola: 10 } });
    const r = expectRejected(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'noodle-l', qty: 3, options: spicy },
          { skuId: 'noodle-l', qty: 3, options: [{ group: 'spice', choice: 'none' }] },
        ]),
      ),
      'sold_out',
    );
    expect(r.details).toMatchObject({
      lines: [
        { lineNo: 1, available: 5 },
        { lineNo: 2, available: 5 },
      ],
      skus: [{ skuId: 'noodle-l', requested: 6, available: 5 }],
    });
  });

  it('passes on catalog refusals per line', () => {
    const rt = setupStore();
    const r = expectRejected(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'bun', qty: 1 },
          { skuId: 'nope', qty: 1 },
          { skuId: 'noodle-l', qty: 1 },
        ]),
      ),
      'outside_availability_window',
    );
    expect(r.details).toMatchObject({
      lines: [
        { lineNo: 1, code: 'outside_availability_window' },
        { lineNo: 2, code: 'unknown_sku' },
        { lineNo: 3, code: 'invalid_option', message: '辣度: pick at least 1' },
      ],
    });
  });

  it('is refused when the store is closed', () => {
    const rt = setupStore();
    expectOk(send(rt, storeRef(STORE), { type: 'close', at: T0 }));
    expectRejected(order(rt, 'o_1', place([{ skuId: 'cola', qty: 1 }])), 'store_closed');
    expect(stock(rt, 'cola').reserved).toBe(0);
  });

  it('charges packaging and delivery fees by channel', () => {
    const rt = setupStore();
    const delivery = { address: '岳麓区麓山南路 1 号', contact: '王先生', phone: '13800000000' };
    const small = expectOk(
      order(
        rt,
        'o_1',
        place(
          [
            { skuId: 'noodle-s', qty: 1, options: spicy },
            { skuId: 'cola', qty: 1 },
          ],
          { channel: 'delivery', delivery },
        ),
      ),
    );
    expect(small).toMatchObject({ itemsFen: 2800, packagingFeeFen: 100, deliveryFeeFen: 500, totalFen: 3400 });
    const big = expectOk(
      order(rt, 'o_2', place([{ skuId: 'noodle-l', qty: 4, options: spicy }], { channel: 'delivery', delivery })),
    );
    expect(big).toMatchObject({ itemsFen: 11200, packagingFeeFen: 400, deliveryFeeFen: 0, totalFen: 11600 });
    expectRejected(
      order(rt, 'o_3', place([{ skuId: 'beer', qty: 1 }], { channel: 'takeaway' })),
      'channel_not_allowed',
    );
  });
});

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

describe('kitchen', () => {
  function paidOrder(rt: ReturnType<typeof setupStore>, id = 'o_1'): OrderDetail {
    const d = expectOk(
      order(
        rt,
        id,
        place([
          { skuId: 'noodle-l', qty: 2, options: spicy },
          { skuId: 'cuke', qty: 1 },
          { skuId: 'noodle-s', qty: 1, options: spicy },
          { skuId: 'cola', qty: 2 },
        ]),
      ),
    );
    expectOk(order(rt, id, pay(d.totalFen, T0 + MIN)));
    return d;
  }

  it('acceptance sends one ticket per station, with stable ids, and counts the kitchen load', () => {
    const rt = setupStore();
    paidOrder(rt);
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }, 'accept-1'));
    const out = rt.outputs.filter((o) => o.subject.startsWith('kitchen.'));
    expect(out.map((o) => [o.subject, o.id, o.jetstream])).toEqual([
      [`kitchen.${STORE}.staple`, 'ticket:o_1:staple:v1', true],
      [`kitchen.${STORE}.cold`, 'ticket:o_1:cold:v1', true],
      [`kitchen.${STORE}.bar`, 'ticket:o_1:bar:v1', true],
    ]);
    expect(tickets(rt)[0]).toMatchObject({
      kind: 'new',
      station: 'staple',
      pickupNo: 'o_1',
      lines: [
        { lineNo: 1, name: '牛肉面', spec: '大碗', qty: 2, options: ['特辣'] },
        { lineNo: 3, name: '牛肉面', spec: '小碗', qty: 1, options: ['特辣'] },
      ],
    });
    expect(rt.state<StoreState>(storeRef(STORE)).pending).toEqual({ staple: 1, cold: 1, bar: 1 });

    // a retry with the same command id, or a second click with another, prints nothing new
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }, 'accept-1'));
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 3 * MIN }, 'accept-2'));
    expect(rt.outputs.filter((o) => o.subject.startsWith('kitchen.'))).toHaveLength(3);

    for (const station of ['staple', 'cold', 'bar'])
      expectOk(order(rt, 'o_1', { type: 'finishStation', station, at: T0 + 9 * MIN }));
    expect(orderState(rt, 'o_1').status).toBe('ready');
    expect(rt.state<StoreState>(storeRef(STORE)).pending).toEqual({});
  });

  it('urging (催单) is an event, goes to the open stations, once per 5 minutes', () => {
    const rt = setupStore();
    paidOrder(rt);
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
    expectOk(order(rt, 'o_1', { type: 'finishStation', station: 'bar', at: T0 + 3 * MIN }));
    expectOk(order(rt, 'o_1', { type: 'urge', by: DINER, at: T0 + 10 * MIN }));
    expect(
      tickets(rt)
        .filter((t) => t.kind === 'urge')
        .map((t) => [t.station, t.ticketId]),
    ).toEqual([
      ['staple', 'urge:o_1:staple:1'],
      ['cold', 'urge:o_1:cold:1'],
    ]);
    const r = expectRejected(order(rt, 'o_1', { type: 'urge', by: DINER, at: T0 + 12 * MIN }), 'urge_too_soon');
    expect(r.details).toEqual({ retryAt: T0 + 15 * MIN });
    expectOk(order(rt, 'o_1', { type: 'urge', by: DINER, at: T0 + 15 * MIN }));
    expect(orderState(rt, 'o_1').urges).toBe(2);
  });

  it('a served order completes by itself after 30 minutes', () => {
    const rt = setupStore();
    paidOrder(rt);
    expectOk(order(rt, 'o_1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
    expectOk(order(rt, 'o_1', { type: 'serve', by: STAFF, at: T0 + 20 * MIN }));
    expect(rt.state<StoreState>(storeRef(STORE)).pending).toEqual({});
    expect(rt.fireDueTimers(T0 + 49 * MIN)).toBe(0);
    expect(rt.fireDueTimers(T0 + 50 * MIN)).toBe(1);
    expect(orderState(rt, 'o_1').status).toBe('completed');
  });
});

describe('cancel and refund rules', () => {
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

describe('replay', () => {
  it('replaying the whole log of a busy store gives the live state of every actor', () => {
    const rt = setupStore();
    for (let i = 1; i <= 6; i++) {
      const id = `o_${i}`;
      const d = order(
        rt,
        id,
        place(
          [
            { skuId: 'noodle-l', qty: 1, options: spicy },
            { skuId: 'cola', qty: i },
          ],
          { at: T0 + i },
        ),
      );
      if (!d.ok) continue;
      if (i % 3 !== 0) expectOk(order(rt, id, pay(d.result.totalFen, T0 + MIN)));
      if (i % 2 === 0 && i % 3 !== 0) expectOk(order(rt, id, { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
      if (i === 4)
        expectOk(order(rt, id, { type: 'requestRefund', refundId: 'r1', reason: 'x', by: DINER, at: T0 + 3 * MIN }));
    }
    rt.fireDueTimers(DEADLINE + 1);
    const replayed = replay(restaurantActors, rt.log);
    for (const [key, state] of replayed) {
      const [type, store, ...id] = key.split('.');
      const live = rt.state({ type: type!, store: store!, id: id.join('.') });
      expect(state).toEqual(live);
      // what the engine's snapshots do: the actor's codec (or none) over msgpack
      const codec = restaurantActors.find((t) => t.name === type)!.snapshot;
      const raw = decode(encode(codec === undefined ? live : codec.encode(live)));
      expect(codec === undefined ? raw : codec.decode(raw)).toEqual(live);
    }
    expect(replayed.size).toBeGreaterThan(10);
  });
});
