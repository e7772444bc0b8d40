/**
 * The staff board's refund alarm: what the order refund worker and the campaign worker publish on
 * `<ns>.alarms.<store>` (beside the printer daemon's alarms) when a refund needs a person.
 */
import { encode, ensureError } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** What the staff board shows when a refund needs a person (beside the printer daemon's alarms). */
export interface RefundAlarm {
  readonly kind: 'refund_failed';
  readonly store: string;
  /** The order's id; for a campaign payment, its out_trade_no. */
  readonly orderId: string;
  /** The order's refund id; for a campaign payment, its transaction id. */
  readonly refundId: string;
  readonly amountFen: number;
  /** `abnormal`, `closed`, or the provider's refusal code. */
  readonly reason: string;
  readonly message: string;
  readonly at: number;
}

/** One worker's alarms: each with a message id of its own (`alarm:<store>:<source>-<pid>:<n>`). */
export class RefundAlarms {
  private sent = 0;

  constructor(
    private readonly o: {
      readonly nc: NatsConnection;
      readonly namespace: string;
      /** Which worker sends them ("refunds", "campaign-worker"). */
      readonly source: string;
      readonly log: Logger;
    },
  ) {}

  /** Never throws: an alarm not sent is logged. */
  send(a: Omit<RefundAlarm, 'kind' | 'at'>): void {
    const alarm: RefundAlarm = { kind: 'refund_failed', ...a, at: Date.now() };
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `alarm:${a.store}:${this.o.source}-${process.pid}:${++this.sent}`);
    try {
      this.o.nc.publish(names(this.o.namespace).subject(`alarms.${a.store}`), encode(alarm), { headers: h });
    } catch (e) {
      this.o.log.error({ err: ensureError(e).message }, `${this.o.source}: refund alarm not sent`);
    }
  }
}
