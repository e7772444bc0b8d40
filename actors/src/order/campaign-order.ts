/**
 * A group-buy member's or a bargain's purchase as an order (`placeCampaign`): placed already paid,
 * so it goes to the store's board to accept and then to the kitchen like any paid order. The group
 * (or bargain) holds and commits its own stock, so the order holds none (`holds: []`) and takes its
 * reference (`stockRef`: a refund before the kitchen has the units returns them there); the catalog
 * prices the dish as usual and the campaign's price shows as a discount (拼团价 / 砍价), so the
 * order's totals add up and analytics counts it like any other. A repeat with the same payment is
 * the same order. The payment keeps the out_trade_no it was made under (`gp_…`/`bp_…`), so a
 * refund of the order goes back against that trade (`RefundInstruction.outTradeNo`).
 */
import type { DecideContext, Rejection } from '@lunchrush/engine';
import { ActorTypes, CATALOG_ACTOR_ID } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import type { Quote } from '../pricing.js';
import type { PlaceCampaignCommand } from './campaign-command.js';
import { boardPush, emit, passOn, unchanged, type OrderDecision } from './decision.js';
import type { OrderEvent } from './events.js';
import type { OrderState } from './evolve.js';

const LABEL = { group: '拼团价', bargain: '砍价' } as const;

export function placeCampaign(s: OrderState, c: PlaceCampaignCommand, ctx: DecideContext): OrderDecision | Rejection {
  if (s.status !== 'none') {
    if (s.payment?.paymentId === c.paymentId) return unchanged(s, true);
    return refuse(ErrorCode.IdempotencyConflict, `order ${s.orderId} was placed by another payment`, {
      orderId: s.orderId,
    });
  }
  const quoted = ctx.call<Quote>(ActorTypes.Catalog, CATALOG_ACTOR_ID, {
    type: 'quote',
    channel: 'takeaway',
    lines: [{ skuId: c.skuId, qty: c.qty, options: [] }],
    at: c.at,
  });
  if (!quoted.ok) return passOn(quoted);
  const q = quoted.result;
  const off = Math.max(0, q.totalFen - c.priceFen);
  const created: Extract<OrderEvent, { type: 'Created' }> = {
    type: 'Created',
    channel: 'takeaway',
    dinerId: c.dinerId,
    tableId: null,
    tableLabel: null,
    sessionId: null,
    delivery: null,
    lines: q.lines,
    itemsFen: q.itemsFen,
    packagingFeeFen: q.packagingFeeFen,
    deliveryFeeFen: q.deliveryFeeFen,
    discountFen: off,
    totalFen: c.priceFen,
    catalogRev: q.catalogRev,
    holdRef: c.stockRef ?? s.orderId,
    holds: [],
    discounts: [
      {
        id: `${c.source.kind}:${c.source.id}`,
        kind: 'promotion',
        label: LABEL[c.source.kind],
        reason: `${LABEL[c.source.kind]} ${(c.priceFen / 100).toFixed(2)} 元`,
        amountFen: off,
      },
    ],
    lineNetFen: q.lines.map((l, i) => (i === 0 ? Math.max(0, l.amountFen - off) : l.amountFen)),
    at: c.at,
  };
  const events: OrderEvent[] = [
    created,
    { type: 'PaymentRequested', deadline: c.at, at: c.at },
    {
      type: 'Paid',
      paymentId: c.paymentId,
      amountFen: c.priceFen,
      paidAt: c.paidAt,
      outTradeNo: c.outTradeNo,
      at: c.at,
    },
  ];
  return emit(s, events, c.at, { outputs: [boardPush(s, s.seq + events.length, 'paid', c.at)], detail: true });
}
