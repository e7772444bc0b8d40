/**
 * The campaign worker: what sends back a group-buy member's or a bargain's money, turns purchases
 * into orders and issues lottery coupons. A group that fails (deadline short of N, dissolved, the
 * leader never paid), a member who leaves a paid seat, and any payment that finds no seat to pay
 * (late, a second one, a closed group) emit a `group-refund` instruction on `groupbuy.<store>`
 * (JetStream, id `group-refund:<groupId>:<paymentId>`, published once the refund is durable in the
 * group); a bargain's spare payments a `bargain-refund`. One durable consumer over every gateway
 * works each as the order refund worker does, through the same step (refund-step.ts): a refund
 * number from the payment (`outRefundNo(payId, paymentId)`), so a redelivery never refunds twice;
 * asked about again while WeChat is paying it out; the group's or bargain's `refundCompleted` once
 * it is through (the group then reads `refunded`); an alarm to the store's board when it needs a
 * person. It also turns purchases into orders: a completed group's members (`group-completed`) and
 * a bargain bought (`bargain-bought`) each become an order placed already paid (`placeCampaign`,
 * order id from the member and the group or bargain, command id `campaign-order:<orderId>`), which
 * the store's board accepts and the kitchen prints as usual. A lottery's coupon prize
 * (`lottery-coupon`) is issued from its coupon campaign to the winner (`claim` via `issue`, command
 * id `lottery-prize:<lotteryId>:<drawId>`); the claim's own output puts it on the member's card.
 */
import { orderIdFor, orderOf, type OrderCommand } from '@lunchrush/actors';
import { campaignOf } from '@lunchrush/actors/members';
import { GROUPBUY_OUTPUT, bargainOf, groupOf } from '@lunchrush/actors/campaigns';
import { decode, ensureError } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import type { JsMsg } from '@nats-io/jetstream';
import { z } from 'zod';
import { campaignPayId } from './campaign-payments.js';
import { backoff, refundStep, retryable } from './refund-step.js';
import { RefundingWorker, type RefundingWorkerOptions } from './refunding-worker.js';
import { outRefundNo } from './refunds.js';

/**
 * The durable consumer every gateway's campaign worker shares. It keeps the name it had when the
 * worker only refunded: a consumer under a new name would start again from the stream's first
 * message (every group's instructions since the stream began).
 */
export const CAMPAIGN_CONSUMER = 'campaign-refund-worker';
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

const InstructionSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('group-refund'),
    store: z.string(),
    groupId: Id,
    memberId: Id,
    paymentId: Id,
    amountFen: z.number().int().positive(),
    // The seat's trade; absent in instructions of payments made before seats had one (derived then).
    outTradeNo: Id.optional(),
    reason: z.string(),
  }),
  z.object({
    kind: z.literal('bargain-refund'),
    store: z.string(),
    bargainId: Id,
    memberId: Id,
    paymentId: Id,
    amountFen: z.number().int().positive(),
    reason: z.string(),
  }),
]);
type Instruction = z.infer<typeof InstructionSchema>;

const PurchaseSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('group-completed'),
    store: z.string(),
    groupId: Id,
    skuId: Id,
    qty: z.number().int().positive(),
    priceFen: z.number().int().nonnegative(),
    members: z.array(
      z.object({
        memberId: Id,
        paymentId: Id,
        amountFen: z.number().int().nonnegative(),
        stockRef: z.string().min(1).max(80).optional(),
        outTradeNo: Id.optional(),
      }),
    ),
    at: z.number(),
  }),
  z.object({
    kind: z.literal('bargain-bought'),
    store: z.string(),
    bargainId: Id,
    memberId: Id,
    skuId: Id,
    qty: z.number().int().positive(),
    paymentId: Id,
    amountFen: z.number().int().nonnegative(),
    stockRef: z.string().min(1).max(80).optional(),
    at: z.number(),
  }),
]);
type Purchase = z.infer<typeof PurchaseSchema>;
type PlaceCampaignCommand = Extract<OrderCommand, { type: 'placeCampaign' }>;

const PrizeSchema = z.object({
  kind: z.literal('lottery-coupon'),
  lotteryId: Id,
  drawId: Id,
  memberId: Id,
  couponCampaignId: Id,
});

/** The order a member's purchase through a group or bargain becomes: one per member and group or bargain. */
export function campaignOrderId(store: string, kind: 'group' | 'bargain', targetId: string, memberId: string): string {
  return orderIdFor(store, memberId, `${kind}:${targetId}`);
}

export type CampaignWorkerOutcome =
  'completed' | 'processing' | 'failed' | 'retry' | 'invalid' | 'skipped' | 'ordered' | 'issued';

export type CampaignWorkerOptions = RefundingWorkerOptions;

export class CampaignWorker extends RefundingWorker<CampaignWorkerOutcome> {
  constructor(o: CampaignWorkerOptions) {
    super(o, {
      what: 'campaign worker',
      alarmSource: 'campaign-worker',
      stream: names(o.namespace).outputStream(GROUPBUY_OUTPUT.name),
      durable: CAMPAIGN_CONSUMER,
      metric: {
        name: 'lunchrush_gateway_campaign_worker_total',
        help: 'Group-buy and bargain refunds, purchases and lottery coupons worked on, by outcome (ordered: a purchase placed as orders; issued: a coupon prize)',
      },
    });
  }

  /** One delivery; never throws. `term()` without a reason (nats-server 2.9, see refund-step.ts). */
  override async handle(m: JsMsg): Promise<CampaignWorkerOutcome> {
    let data: unknown;
    try {
      data = decode(m.data);
    } catch {
      m.term();
      return this.count('invalid');
    }
    const kind = (data as { kind?: unknown }).kind;
    if (kind === 'group-completed' || kind === 'bargain-bought') return this.orders(m, data);
    if (kind === 'lottery-coupon') return this.prize(m, data);
    if (kind !== 'group-refund' && kind !== 'bargain-refund') {
      m.ack();
      return this.count('skipped');
    }
    const parsed = InstructionSchema.safeParse(data);
    if (!parsed.success) {
      this.o.log.error({ seq: m.seq, err: parsed.error.message.slice(0, 300) }, 'not a campaign refund instruction');
      m.term();
      return this.count('invalid');
    }
    return this.count(await this.refund(m, parsed.data));
  }

  /** A group's or bargain's payment sent back (`refundStep`), under the number its payment gives it. */
  private refund(m: JsMsg, ins: Instruction): ReturnType<typeof refundStep> {
    const group = ins.kind === 'group-refund';
    const targetId = group ? ins.groupId : ins.bargainId;
    const payId =
      ins.kind === 'group-refund' && ins.outTradeNo !== undefined
        ? ins.outTradeNo
        : campaignPayId(group ? 'group' : 'bargain', targetId, ins.memberId);
    const no = outRefundNo(payId, ins.paymentId);
    const opts = { id: `campaign-refund-done:${no}` };
    return refundStep(m, {
      provider: this.o.provider,
      queryMs: this.o.queryMs,
      request: {
        outRefundNo: no,
        outTradeNo: payId,
        transactionId: ins.paymentId,
        amountFen: ins.amountFen,
        totalFen: ins.amountFen,
        reason: group ? '拼团未成功退款' : '砍价退款',
      },
      complete: () => {
        const done = { type: 'refundCompleted', paymentId: ins.paymentId, at: Date.now() } as const;
        return group
          ? groupOf(this.o.engine, ins.store, targetId).send(done, opts)
          : bargainOf(this.o.engine, ins.store, targetId).send(done, opts);
      },
      // The order refund worker's alarm: `orderId` is the payment's out_trade_no, `refundId` its transaction.
      alarm: (reason, message) =>
        this.alarms.send({
          store: ins.store,
          orderId: payId,
          refundId: ins.paymentId,
          amountFen: ins.amountFen,
          reason,
          message,
        }),
      what: 'campaign refund',
      log: this.o.log.child({
        kind: ins.kind,
        targetId,
        paymentId: ins.paymentId,
        outRefundNo: no,
        reason: ins.reason,
      }),
    });
  }

  /** Each member's purchase becomes an order placed already paid; the ack once every one is placed. */
  private async orders(m: JsMsg, data: unknown): Promise<CampaignWorkerOutcome> {
    const parsed = PurchaseSchema.safeParse(data);
    if (!parsed.success) {
      this.o.log.error({ seq: m.seq, err: parsed.error.message.slice(0, 300) }, 'not a campaign purchase');
      m.term();
      return this.count('invalid');
    }
    const p: Purchase = parsed.data;
    const buys: {
      memberId: string;
      paymentId: string;
      priceFen: number;
      stockRef?: string | undefined;
      outTradeNo?: string | undefined;
    }[] =
      p.kind === 'group-completed'
        ? p.members.map((x) => ({
            memberId: x.memberId,
            paymentId: x.paymentId,
            priceFen: p.priceFen,
            stockRef: x.stockRef,
            outTradeNo: x.outTradeNo,
          }))
        : [{ memberId: p.memberId, paymentId: p.paymentId, priceFen: p.amountFen, stockRef: p.stockRef }];
    const kind = p.kind === 'group-completed' ? ('group' as const) : ('bargain' as const);
    const id = p.kind === 'group-completed' ? p.groupId : p.bargainId;
    try {
      for (const b of buys) {
        const orderId = campaignOrderId(p.store, kind, id, b.memberId);
        const place: PlaceCampaignCommand = {
          type: 'placeCampaign',
          source: { kind, id },
          dinerId: b.memberId,
          skuId: p.skuId,
          qty: p.qty,
          priceFen: b.priceFen,
          paymentId: b.paymentId,
          outTradeNo: b.outTradeNo ?? campaignPayId(kind, id, b.memberId),
          paidAt: p.at,
          at: Date.now(),
        };
        if (b.stockRef !== undefined) place.stockRef = b.stockRef;
        await orderOf(this.o.engine, p.store, orderId).send(place, { id: `campaign-order:${orderId}` });
      }
      m.ack();
      return this.count('ordered');
    } catch (e) {
      const err = ensureError(e);
      if (retryable(e)) {
        this.o.log.warn(
          { err: err.message, delivery: m.info.deliveryCount },
          'campaign order not placed yet, will retry',
        );
        m.nak(backoff(1_000, m.info.deliveryCount));
        return this.count('retry');
      }
      this.o.log.error({ err: err.message, kind: p.kind }, 'campaign order refused for good: it needs a person');
      m.term();
      return this.count('failed');
    }
  }

  /** A coupon prize: issued from its campaign to the winner, once (the draw names the command). */
  private async prize(m: JsMsg, data: unknown): Promise<CampaignWorkerOutcome> {
    const parsed = PrizeSchema.safeParse(data);
    if (!parsed.success) {
      m.term();
      return this.count('invalid');
    }
    const p = parsed.data;
    try {
      await campaignOf(this.o.engine, p.couponCampaignId).send(
        { type: 'claim', memberId: p.memberId, via: 'issue', at: Date.now() },
        { id: `lottery-prize:${p.lotteryId}:${p.drawId}` },
      );
      m.ack();
      return this.count('issued');
    } catch (e) {
      const err = ensureError(e);
      if (retryable(e)) {
        m.nak(backoff(1_000, m.info.deliveryCount));
        return this.count('retry');
      }
      this.o.log.error({ err: err.message, ...p }, 'lottery coupon not issued (campaign refused): it needs a person');
      m.term();
      return this.count('failed');
    }
  }
}
