/**
 * What the order refund worker and the campaign worker are both built as: one durable consumer
 * every gateway shares, instructions worked sixteen at a time (each a provider call and an engine
 * command), a counter of outcomes, and the staff board's refund alarms. Each worker says which
 * stream and consumer, and how one delivery is worked (`handle`, which never throws).
 */
import { StreamWorker } from '@lunchrush/engine/consumer';
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { PaymentsEngine } from './config.js';
import type { PaymentProvider } from './provider.js';
import { RefundAlarms } from './refund-alarm.js';

const IN_FLIGHT = 16;

export interface RefundingWorkerOptions {
  readonly nc: NatsConnection;
  readonly namespace: string;
  readonly engine: PaymentsEngine;
  readonly provider: PaymentProvider;
  /** First delay before asking again about a PROCESSING refund (doubles each time, to ten minutes). */
  readonly queryMs: number;
  readonly log: Logger;
  readonly registry: Registry;
}

export abstract class RefundingWorker<Outcome extends string> extends StreamWorker {
  /** The stream its instructions come on. */
  readonly stream: string;
  protected readonly alarms: RefundAlarms;
  private readonly outcomes: Counter;

  constructor(
    protected readonly o: RefundingWorkerOptions,
    w: {
      /** What the log calls it ("refund worker"). */
      readonly what: string;
      /** Its alarms' source in their message ids ("refunds"). */
      readonly alarmSource: string;
      readonly stream: string;
      readonly durable: string;
      /** The outcome counter's name and help. */
      readonly metric: { readonly name: string; readonly help: string };
    },
  ) {
    super({
      what: w.what,
      nc: o.nc,
      consumer: {
        stream: w.stream,
        durable: w.durable,
        // A provider call (5 s) and an engine command (3 s) fit many times over.
        ackWaitMs: 60_000,
        // A refund WeChat is still paying out (to a bank card: days) stays pending here until it is
        // through, so the bound is far above what a chain has under way; past it new ones would wait.
        maxAckPending: 100_000,
      },
      maxMessages: IN_FLIGHT,
      log: o.log,
    });
    this.stream = w.stream;
    this.outcomes = new Counter({ ...w.metric, labelNames: ['outcome'], registers: [o.registry] });
    this.alarms = new RefundAlarms({ nc: o.nc, namespace: o.namespace, source: w.alarmSource, log: o.log });
  }

  /** One delivery; never throws. */
  abstract override handle(m: JsMsg): Promise<Outcome>;

  protected count(o: Outcome): Outcome {
    this.outcomes.inc({ outcome: o });
    return o;
  }
}
