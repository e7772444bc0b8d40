/** A group-buy member's or a bargain's purchase as an order: placed paid at the campaign's price, holding no stock. */
import { describe, expect, it } from 'vitest';
import type { OrderCommand } from '@lunchrush/actors';
import { MIN, STAFF, T0, expectOk, expectRejected, order, setupStore, stock } from './helpers.js';
import { tickets } from './saga-support.js';

const campaignOrder = (paymentId = 'wx-g1', priceFen = 500): OrderCommand => ({
  type: 'placeCampaign',
  source: { kind: 'group', id: 'g1' },
  dinerId: 'd1',
  skuId: 'cuke',
  qty: 2,
  priceFen,
  paymentId,
  paidAt: T0,
  at: T0,
});

describe('an order placed paid by a group or bargain', () => {
  it('is paid at the campaign price (a 拼团价 discount), holds no stock, and goes to the kitchen on acceptance', () => {
    const rt = setupStore();
    const before = stock(rt, 'cuke');
    const d = expectOk(order(rt, 'o_g1', campaignOrder()));
    expect(d).toMatchObject({ status: 'paid', channel: 'takeaway', dinerId: 'd1', totalFen: 500 });
    expect(d.discountFen).toBe(d.itemsFen + d.packagingFeeFen - 500);
    expect(d.discounts?.map((x) => [x.id, x.label])).toEqual([['group:g1', '拼团价']]);
    // The group committed its stock; the order moves none.
    expect(stock(rt, 'cuke')).toEqual(before);
    expectOk(order(rt, 'o_g1', { type: 'accept', by: STAFF, at: T0 + MIN }));
    expect(tickets(rt).map((t) => [t.kind, t.station, t.orderId])).toEqual([['new', 'cold', 'o_g1']]);
  });

  it('a repeat with its payment is the same order; another payment for its id is refused', () => {
    const rt = setupStore();
    expectOk(order(rt, 'o_g1', campaignOrder()));
    expect(expectOk(order(rt, 'o_g1', campaignOrder())).duplicate).toBe(true);
    expectRejected(order(rt, 'o_g1', campaignOrder('wx-other')), 'idempotency_conflict');
  });
});
