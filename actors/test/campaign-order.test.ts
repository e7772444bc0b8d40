/** A group-buy member's or a bargain's purchase as an order: placed paid at the campaign's price, holding no stock. */
import { describe, expect, it } from 'vitest';
import type { OrderCommand } from '@lunchrush/actors';
import { MIN, STAFF, STORE, T0, expectOk, expectRejected, order, setupStore, stock } from './helpers.js';
import { tickets } from './saga-support.js';

const campaignOrder = (paymentId = 'wx-g1', priceFen = 500): OrderCommand => ({
  type: 'placeCampaign',
  source: { kind: 'group', id: 'g1' },
  dinerId: 'd1',
  skuId: 'cuke',
  qty: 2,
  priceFen,
  paymentId,
  outTradeNo: 'gp_abcdefghijklmnopqrst',
  paidAt: T0,
  at: T0,
});
const refundOut = (rt: ReturnType<typeof setupStore>) => rt.outputs.filter((o) => o.subject === `refunds.${STORE}`);

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

  it('keeps the trade it was paid under: a staff refund, in part or in full, goes back against the gp_ trade', () => {
    const rt = setupStore();
    expectOk(order(rt, 'o_g1', campaignOrder()));
    expectOk(order(rt, 'o_g1', { type: 'accept', by: STAFF, at: T0 + MIN }));
    expectOk(
      order(rt, 'o_g1', {
        type: 'requestRefund',
        refundId: 'r1',
        lines: [{ lineNo: 1, qty: 1 }],
        reason: '少一份',
        by: STAFF,
        at: T0 + 2 * MIN,
      }),
    );
    expectOk(order(rt, 'o_g1', { type: 'requestRefund', refundId: 'r2', reason: '全退', by: STAFF, at: T0 + 3 * MIN }));
    const out = refundOut(rt).map((o) => o.data as { outTradeNo: string | null; amountFen: number; paidFen: number });
    expect(out.map((x) => [x.outTradeNo, x.paidFen])).toEqual([
      ['gp_abcdefghijklmnopqrst', 500],
      ['gp_abcdefghijklmnopqrst', 500],
    ]);
    // Never more than was paid, between them.
    expect(out[0]!.amountFen + out[1]!.amountFen).toBe(500);
  });

  it('refuses a purchase without the trade it was paid under', () => {
    const rt = setupStore();
    const { outTradeNo: _, ...without } = campaignOrder() as Extract<OrderCommand, { type: 'placeCampaign' }>;
    expectRejected(order(rt, 'o_g1', without as OrderCommand), 'invalid_command');
  });
});
