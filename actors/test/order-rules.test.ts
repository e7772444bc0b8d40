/** The order rules others read: the order-id format, status groups, kitchen events, the order's version. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BOARD_ORDER_STATUSES,
  KITCHEN_CLOSED_STATUSES,
  ORDER_STATUSES,
  OrderIdSchema,
  isKitchenClosed,
  needsStaff,
  orderIdFor,
  orderRef,
  storeOfOrderId,
  touchesKitchen,
  type OrderCommand,
  type OrderPush,
} from '@lunchrush/actors';
import { DINER, MIN, STAFF, STORE, T0, expectOk, order, setupStore } from './helpers.js';

describe('order ids', () => {
  it('are o_<store>_ and 20 characters of the digest of diner and key: the same request is the same order', () => {
    // Pinned: ids already in logs and diners' retries must keep resolving to the same order.
    expect(orderIdFor('001', 'd_abc', 'key-1')).toBe('o_001_tItrPjDhAMLQ8jqDA4Am');
    expect(orderIdFor('123', 'x', 'y')).toBe('o_123_zjiQqBb1I3oXqn4UNhE7');
    expect(orderIdFor('001', 'd_abc', 'key-2')).not.toBe(orderIdFor('001', 'd_abc', 'key-1'));
    expect(orderIdFor('001', 'd_abd', 'key-1')).not.toBe(orderIdFor('001', 'd_abc', 'key-1'));
  });

  it('name their store, whatever the diner and key', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{3}$/), fc.string(), fc.string(), (store, diner, key) => {
        const id = orderIdFor(store, diner, key);
        expect(OrderIdSchema.safeParse(id).success).toBe(true);
        expect(storeOfOrderId(id)).toBe(store);
      }),
    );
  });

  it('name no store when they are not o_<store>_<rest> with a valid store and a valid id', () => {
    for (const id of [
      'o_push_d1',
      'o_1',
      'o_1234_abc',
      'o_12_abc',
      'o_001_',
      'o_001',
      'x_001_abc',
      'o_001_a.b',
      `o_001_${'x'.repeat(59)}`,
    ])
      expect([id, storeOfOrderId(id)]).toEqual([id, undefined]);
    expect(storeOfOrderId(`o_001_${'x'.repeat(58)}`)).toBe('001');
    expect(storeOfOrderId('o_042_a_b-c')).toBe('042');
  });
});

describe('status groups', () => {
  it('the board lists paid, ready and refund-requested orders; the kitchen is done after serving or cancelling', () => {
    expect(ORDER_STATUSES.filter(needsStaff)).toEqual(['paid', 'ready', 'refund_requested']);
    expect(ORDER_STATUSES.filter(isKitchenClosed)).toEqual([
      'served',
      'completed',
      'reviewed',
      'cancelled',
      'refunded',
    ]);
    expect([...BOARD_ORDER_STATUSES].filter((s) => KITCHEN_CLOSED_STATUSES.has(s))).toEqual([]);
    expect(needsStaff('none')).toBe(false);
    expect(isKitchenClosed('unknown')).toBe(false);
  });

  it('kitchen events are station progress and the order leaving the kitchen', () => {
    expect(touchesKitchen(['StationStarted'])).toBe(true);
    expect(touchesKitchen(['RefundRequested', 'RefundApproved', 'StationsVoided'])).toBe(true);
    expect(touchesKitchen(['Cancelled'])).toBe(true);
    expect(touchesKitchen(['Paid'])).toBe(false);
    expect(touchesKitchen(['Urged', 'TableChanged'])).toBe(false);
    expect(touchesKitchen([])).toBe(false);
  });
});

describe("an order's version", () => {
  it('is its event count, the seq its latest push carries, and moves with every change', () => {
    const rt = setupStore();
    const ID = 'o_001_version';
    const at = T0 + MIN;
    const steps: OrderCommand[] = [
      {
        type: 'place',
        channel: 'dine_in',
        dinerId: 'd1',
        lines: [{ skuId: 'cuke', qty: 1 }],
        at: T0,
      },
      { type: 'confirmPayment', paymentId: 'p1', amountFen: 1200, paidAt: at, at },
      { type: 'accept', by: STAFF, at },
      { type: 'startStation', station: 'cold', at },
      { type: 'urge', by: DINER, at },
      { type: 'finishStation', station: 'cold', at },
      { type: 'serve', by: STAFF, at },
    ];
    const versions: number[] = [];
    for (const c of steps) {
      expectOk(order(rt, ID, c));
      const d = expectOk(order(rt, ID, { type: 'get' }));
      const pushes = rt.outputs
        .filter((o) => o.subject === `push.${STORE}.order.${ID}`)
        .map((o) => o.data as OrderPush);
      const events = rt.log.filter((e) => e.a[0] === 'order' && e.a[2] === ID).flatMap((e) => e.ev ?? []);
      expect(d.version).toBe(events.length);
      expect(d.version).toBe(pushes.at(-1)!.seq);
      versions.push(d.version);
    }
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(rt.state<{ seq: number }>(orderRef(STORE, ID)).seq).toBe(versions.at(-1));
  });
});
