/**
 * One delivery of one refund instruction, the order refund worker's and the campaign worker's alike:
 *
 * 1. a redelivery asks WeChat Pay first (`queryRefund`) and creates only if it has none; the first
 *    delivery creates (the refund number makes a repeat answer the refund WeChat already has);
 * 2. `PROCESSING`: back with a delay that doubles from `queryMs` to ten minutes, to ask again;
 * 3. `ABNORMAL`, `CLOSED` or a refusal for good: an alarm to the store's board, the message
 *    terminated (the refund stays approved with its actor);
 * 4. `SUCCESS`: the actor is told (`complete`, idempotent there), then the ack;
 * 5. an outage (the provider's 5xx, a timeout, the engine moving a partition): back with a delay.
 *
 * `term()` carries no reason: nats-server 2.9 takes only a bare `+TERM` (with a reason it ignores
 * the whole acknowledgement, and the message comes back after every ack wait, for ever); the reason
 * goes to the log instead.
 */
import { EngineError, ensureError } from '@lunchrush/engine';
import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { PaymentError } from './errors.js';
import type { PaymentProvider, Refund, RefundRequest } from './provider.js';

const MAX_QUERY_DELAY_MS = 10 * 60_000;

export type RefundOutcome = 'completed' | 'processing' | 'failed' | 'retry';

export interface RefundStep {
  readonly provider: PaymentProvider;
  /** First delay before asking again about a PROCESSING refund. */
  readonly queryMs: number;
  /** The refund to ask for; its `outRefundNo` is stable for the instruction. */
  readonly request: RefundRequest;
  /** Tells the actor the refund is through. */
  readonly complete: () => Promise<unknown>;
  /** Sends the store's board the alarm (`reason`: `abnormal`, `closed`, or the refusal's code). */
  readonly alarm: (reason: string, message: string) => void;
  /** What the log calls it ("refund", "campaign refund"). */
  readonly what: string;
  /** With the instruction's ids bound. */
  readonly log: Logger;
}

/** Works one delivery of a refund instruction (above); never throws. */
export async function refundStep(m: JsMsg, s: RefundStep): Promise<RefundOutcome> {
  const no = s.request.outRefundNo;
  try {
    let r: Refund | undefined = m.info.deliveryCount > 1 ? await s.provider.queryRefund(no) : undefined;
    r ??= await s.provider.refund(s.request);
    if (r.status === 'PROCESSING') {
      m.nak(backoff(s.queryMs, m.info.deliveryCount));
      return 'processing';
    }
    if (r.status !== 'SUCCESS') {
      const message = `WeChat Pay reports the refund ${r.status}: it needs a person (merchant platform, 异常退款)`;
      s.log.error({ status: r.status }, message);
      s.alarm(r.status.toLowerCase(), message);
      m.term();
      return 'failed';
    }
    await s.complete();
    m.ack();
    s.log.info({ amountFen: s.request.amountFen }, `${s.what} completed`);
    return 'completed';
  } catch (e) {
    const err = ensureError(e);
    if (retryable(e)) {
      s.log.warn({ err: err.message, delivery: m.info.deliveryCount }, `${s.what} step failed, will retry`);
      m.nak(backoff(1_000, m.info.deliveryCount));
      return 'retry';
    }
    const code = e instanceof PaymentError ? e.code : e instanceof EngineError ? (e.reason ?? e.code) : 'error';
    s.log.error({ code, err: err.message }, `${s.what} refused for good: it needs a person`);
    s.alarm(code, err.message);
    m.term();
    return 'failed';
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
