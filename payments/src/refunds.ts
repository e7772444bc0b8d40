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
import { decode, encode, EngineError, ensureError } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { z } from 'zod';
import { ConsumerLoop } from '@lunchrush/engine/consumer';
import type { PaymentsEngine } from './config.js';
import { PaymentError } from './errors.js';
import type { PaymentProvider, Refund } from './provider.js';

export const REFUND_CONSUMER = 'refund-worker';
const MAX_QUERY_DELAY_MS = 10 * 60_000;
const IN_FLIGHT = 16;

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

/** What the staff board shows when a refund needs a person (beside the printer daemon's alarms). */
export interface RefundAlarm {
  readonly kind: 'refund_failed';
  readonly store: string;
  readonly orderId: string;
  readonly refundId: string;
  readonly amountFen: number;
  /** `abnormal`, `closed`, or the provider's refusal code. */
  readonly reason: string;
  readonly message: string;
  readonly at: number;
}

export interface RefundWorkerOptions {
  readonly nc: NatsConnection;
  readonly namespace: string;
  readonly engine: PaymentsEngine;
  readonly provider: PaymentProvider;
  /** First delay before asking again about a PROCESSING refund (doubles each time, to ten minutes). */
  readonly queryMs: number;
  readonly log: Logger;
  readonly registry: Registry;
}

type Outcome = 'completed' | 'processing' | 'failed' | 'retry' | 'invalid';

export class RefundWorker {
  private readonly outcomes: Counter;
  private readonly consuming: ConsumerLoop;
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private alarmNo = 0;

  constructor(private readonly o: RefundWorkerOptions) {
    this.outcomes = new Counter({
      name: 'lunchrush_gateway_refunds_total',
      help: 'Refund instructions worked on, by outcome (completed, processing: asked again later, failed: a person must act, retry, invalid)',
      labelNames: ['outcome'],
      registers: [o.registry],
    });
    this.consuming = new ConsumerLoop({
      what: 'refund worker',
      nc: o.nc,
      consumer: {
        stream: this.stream,
        durable: REFUND_CONSUMER,
        // A provider call (5 s) and an engine command (3 s) fit many times over.
        ackWaitMs: 60_000,
        // A refund WeChat is still paying out (to a bank card: days) stays pending here until it is
        // through, so the bound is far above what a chain has under way; past it new ones would wait.
        maxAckPending: 100_000,
      },
      maxMessages: IN_FLIGHT,
      log: o.log,
    });
  }

  get stream(): string {
    return wire(this.o.namespace).refundStream;
  }

  /**
   * Starts consuming in the background; the engine creates the stream, so it may not be there yet.
   * A consumer that fails (deleted, NATS gone for long) is opened again a second later.
   */
  start(): void {
    this.consuming.start((messages) => this.run(messages));
  }

  async stop(): Promise<void> {
    const stopped = this.consuming.stop(); // stopping from here on
    this.wake?.();
    await stopped;
    // Let the refunds under way finish their step (each is bounded by the provider's and engine's timeouts).
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      while (this.inFlight >= IN_FLIGHT && !this.consuming.stopping) await new Promise<void>((r) => (this.wake = r));
      this.inFlight++;
      void this.handle(m).finally(() => {
        this.inFlight--;
        this.wake?.();
        this.wake = undefined;
      });
    }
  }

  /**
   * One delivery of one instruction; never throws. `term()` carries no reason: nats-server 2.9 takes
   * only a bare `+TERM` (with a reason it ignores the whole acknowledgement, and the message comes
   * back after every ack wait, for ever); the reason goes to the log instead.
   */
  async handle(m: JsMsg): Promise<Outcome> {
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
    const log = this.o.log.child({ orderId: ins.orderId, refundId: ins.refundId, outRefundNo: no });
    try {
      let r: Refund | undefined = m.info.deliveryCount > 1 ? await this.o.provider.queryRefund(no) : undefined;
      r ??= await this.o.provider.refund({
        outRefundNo: no,
        outTradeNo: ins.outTradeNo ?? ins.orderId,
        transactionId: ins.paymentId,
        amountFen: ins.amountFen,
        totalFen: ins.paidFen,
        reason: ins.reason === '' ? '退款' : ins.reason,
      });
      if (r.status === 'PROCESSING') {
        m.nak(backoff(this.o.queryMs, m.info.deliveryCount));
        return this.count('processing');
      }
      if (r.status !== 'SUCCESS') {
        const message = `WeChat Pay reports the refund ${r.status}: it needs a person (merchant platform, 异常退款)`;
        log.error({ status: r.status }, message);
        this.alarm(store, ins, r.status.toLowerCase(), message);
        m.term();
        return this.count('failed');
      }
      await orderOf(this.o.engine, store, ins.orderId).send(
        { type: 'refundCompleted', refundId: ins.refundId, at: Date.now() },
        { id: `refund-done:${no}` },
      );
      m.ack();
      log.info({ amountFen: ins.amountFen }, 'refund completed');
      return this.count('completed');
    } catch (e) {
      if (retryable(e)) {
        log.warn({ err: ensureError(e).message, delivery: m.info.deliveryCount }, 'refund step failed, will retry');
        m.nak(backoff(1_000, m.info.deliveryCount));
        return this.count('retry');
      }
      const err = ensureError(e);
      const code = e instanceof PaymentError ? e.code : e instanceof EngineError ? (e.reason ?? e.code) : 'error';
      log.error({ code, err: err.message }, 'refund refused for good: it needs a person');
      this.alarm(store, ins, code, err.message);
      m.term();
      return this.count('failed');
    }
  }

  private count(o: Outcome): Outcome {
    this.outcomes.inc({ outcome: o });
    return o;
  }

  private alarm(store: string, ins: RefundInstruction, reason: string, message: string): void {
    const a: RefundAlarm = {
      kind: 'refund_failed',
      store,
      orderId: ins.orderId,
      refundId: ins.refundId,
      amountFen: ins.amountFen,
      reason,
      message,
      at: Date.now(),
    };
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `alarm:${store}:refunds-${process.pid}:${++this.alarmNo}`);
    try {
      this.o.nc.publish(names(this.o.namespace).subject(`alarms.${store}`), encode(a), { headers: h });
    } catch (e) {
      this.o.log.error({ err: ensureError(e).message }, 'refund alarm not sent');
    }
  }
}

/** `firstMs` on the first delivery, doubling with each one after, at most ten minutes. */
export function backoff(firstMs: number, deliveries: number): number {
  return Math.min(MAX_QUERY_DELAY_MS, firstMs * 2 ** Math.min(20, deliveries - 1));
}

/** An outage passes with time (the provider's 502 `payment_provider_error` is one); a refusal does not. */
export function retryable(e: unknown): boolean {
  if (e instanceof EngineError) return e.retryable;
  if (e instanceof PaymentError) return e.retryable;
  return true; // a network error, a timeout: try again
}
