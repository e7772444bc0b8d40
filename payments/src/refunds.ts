/**
 * The refund worker: what sends a diner's money back.
 *
 * An approved refund (a store's cancel of a paid order, a diner's self-service refund before
 * acceptance, a staff-approved one later, a late payment to a cancelled order) is an event of the
 * order actor, and with it the actor emits a `RefundInstruction` on `refunds.<store>` (JetStream,
 * id `refund:<orderId>:<refundId>`, published only once the approval is durable). Every gateway
 * process reads them from one durable consumer, so each instruction is worked on by one process at
 * a time and survives any of them dying:
 *
 * 1. first delivery: the provider's refund (WeChat Pay `POST /v3/refund/domestic/refunds`) against
 *    the trade the order was paid under (the order id, or a campaign order's `gp_…`/`bp_…`
 *    out_trade_no the instruction carries) under a refund number derived from the order and refund
 *    ids (`refundNumber`), so a repeat, a redelivery after a crash or two processes at once never
 *    refund twice: WeChat answers the refund it already has;
 * 2. later deliveries ask first (`GET …/refunds/{out_refund_no}`) and create only if WeChat has none;
 * 3. `SUCCESS`: the order's `refundCompleted` (idempotent in the actor), then the ack. The order
 *    reads `refunded` once a full refund is through;
 * 4. `PROCESSING` (WeChat is still paying it out; to a bank card that can take days): the message
 *    goes back with a delay that doubles from `WECHATPAY_REFUND_QUERY_MS` to ten minutes, and is
 *    asked about again;
 * 5. `ABNORMAL`, `CLOSED` or a refusal for good (`payment_refused`: more than is left, …): a
 *    person must act. An alarm goes to the store's staff board (`<ns>.alarms.<store>`), the
 *    message is terminated, and the refund stays `approved` on the order;
 * 6. an outage (the provider's 5xx, a timeout, the engine moving a partition): back with a delay.
 *
 * WeChat's refund notifications are not needed for this (the query is the source of truth); the
 * payment callback endpoint answers them 204 and ignores them.
 */
import { IdSchema, OrderIdSchema, orderOf, storeOfOrderId, type RefundInstruction } from '@lunchrush/actors';
import { wire } from '@lunchrush/actors/wire';
import { decode, ensureError } from '@lunchrush/engine';
import type { JsMsg } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { refundStep, type RefundOutcome } from './refund-step.js';
import { RefundingWorker, type RefundingWorkerOptions } from './refunding-worker.js';

export const REFUND_CONSUMER = 'refund-worker';

const InstructionSchema = z.object({
  kind: z.literal('refund'),
  orderId: OrderIdSchema,
  refundId: IdSchema,
  paymentId: z.string().min(1).max(64).nullable(),
  // Absent in instructions written before campaign orders kept their trade.
  outTradeNo: z.string().min(1).max(64).nullable().optional(),
  amountFen: z.number().int().positive(),
  paidFen: z.number().int().positive(),
  reason: z.string(),
  at: z.number(),
});

/**
 * WeChat's `out_refund_no` (1–64 of 0-9 A-Z a-z _ - | * @) for one refund of one order. `|` is in
 * neither id, so two pairs never share a number; a pair too long for 64 is hashed.
 */
export function outRefundNo(orderId: string, refundId: string): string {
  const plain = `${orderId}|${refundId}`;
  if (plain.length <= 64) return plain;
  return `rf|${createHash('sha256').update(plain).digest('base64url').slice(0, 43)}`;
}

/**
 * The refund number of an order's refund instruction. A full refund of a campaign payment (a
 * group-buy seat's `gp_…` trade, a bargain's `bp_…`) takes the number the campaign worker gives
 * that payment (`outRefundNo(trade, transaction id)`), so the group refunding the payment while
 * staff refund its order is one refund at WeChat, which answers the second request with the first
 * (both sides then read it complete; nobody is paid twice and nobody is alarmed). A part, or any
 * order paid under its own id: one number per order and refund. Stable for the instruction, so
 * every redelivery asks about the same refund.
 */
export function refundNumber(ins: {
  orderId: string;
  refundId: string;
  paymentId: string | null;
  outTradeNo?: string | null | undefined;
  amountFen: number;
  paidFen: number;
}): string {
  const trade = ins.outTradeNo ?? null;
  if (trade !== null && ins.paymentId !== null && ins.amountFen === ins.paidFen)
    return outRefundNo(trade, ins.paymentId);
  return outRefundNo(ins.orderId, ins.refundId);
}

export type RefundWorkerOptions = RefundingWorkerOptions;

type Outcome = RefundOutcome | 'invalid';

export class RefundWorker extends RefundingWorker<Outcome> {
  constructor(o: RefundWorkerOptions) {
    super(o, {
      what: 'refund worker',
      alarmSource: 'refunds',
      stream: wire(o.namespace).refundStream,
      durable: REFUND_CONSUMER,
      metric: {
        name: 'lunchrush_gateway_refunds_total',
        help: 'Refund instructions worked on, by outcome (completed, processing: asked again later, failed: a person must act, retry, invalid)',
      },
    });
  }

  /** One delivery of one instruction (`refundStep`); never throws. */
  override async handle(m: JsMsg): Promise<Outcome> {
    let ins: RefundInstruction;
    try {
      ins = InstructionSchema.parse(decode(m.data));
    } catch (e) {
      this.o.log.error({ seq: m.seq, err: ensureError(e).message.slice(0, 300) }, 'not a refund instruction');
      m.term();
      return this.count('invalid');
    }
    const store = storeOfOrderId(ins.orderId) ?? m.subject.slice(m.subject.lastIndexOf('.') + 1);
    const no = refundNumber(ins);
    const outcome = await refundStep(m, {
      provider: this.o.provider,
      queryMs: this.o.queryMs,
      request: {
        outRefundNo: no,
        outTradeNo: ins.outTradeNo ?? ins.orderId,
        transactionId: ins.paymentId,
        amountFen: ins.amountFen,
        totalFen: ins.paidFen,
        reason: ins.reason === '' ? '退款' : ins.reason,
      },
      complete: () =>
        orderOf(this.o.engine, store, ins.orderId).send(
          { type: 'refundCompleted', refundId: ins.refundId, at: Date.now() },
          { id: `refund-done:${no}` },
        ),
      alarm: (reason, message) =>
        this.alarms.send({
          store,
          orderId: ins.orderId,
          refundId: ins.refundId,
          amountFen: ins.amountFen,
          reason,
          message,
        }),
      what: 'refund',
      log: this.o.log.child({ orderId: ins.orderId, refundId: ins.refundId, outRefundNo: no }),
    });
    return this.count(outcome);
  }
}
