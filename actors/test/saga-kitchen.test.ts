/** A paid order in the kitchen: tickets per station, urging, completion. */
import { describe, expect, it } from 'vitest';
import { storeRef, type OrderDetail, type StoreState } from '@lunchrush/actors';
import { DINER, MIN, STAFF, STORE, T0, expectOk, expectRejected, order, setupStore } from './helpers.js';
import { pay, place, spicy, orderState, tickets } from './saga-support.js';

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
