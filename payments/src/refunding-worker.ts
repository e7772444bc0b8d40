/**
 * What the order refund worker and the campaign worker are both built as: one durable consumer
 * every gateway shares, instructions worked sixteen at a time (each a provider call and an engine
 * command), a counter of outcomes, and the staff board's refund alarms. Each worker says which
 * stream and consumer, and how one delivery is worked (`handle`, which never throws).
 */
import { ConsumerLoop } from '@lunchrush/engine/consumer';
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

export abstract class RefundingWorker<Outcome extends string> {
  /** The stream its instructions come on. */
  readonly stream: string;
  protected readonly alarms: RefundAlarms;
  private readonly outcomes: Counter;
  private readonly consuming: ConsumerLoop;

  constructor(
    protected readonly o: RefundingWorkerOptions,
    w: {
      /** What the log calls it ("refund worker"); its alarms' source in their message ids. */
      readonly what: string;
      readonly alarmSource: string;
      readonly stream: string;
      readonly durable: string;
      /** The outcome counter's name and help. */
      readonly metric: { readonly name: string; readonly help: string };
    },
  ) {
    this.stream = w.stream;
    this.outcomes = new Counter({ ...w.metric, labelNames: ['outcome'], registers: [o.registry] });
    this.alarms = new RefundAlarms({ nc: o.nc, namespace: o.namespace, source: w.alarmSource, log: o.log });
    this.consuming = new ConsumerLoop({
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
  }

  /**
   * Starts consuming in the background; the engine creates the stream, so it may not be there yet.
   * A consumer that fails (deleted, NATS gone for long) is opened again a second later.
   */
  start(): void {
    this.consuming.startEach((m) => this.handle(m), IN_FLIGHT);
  }

  /** Resolves once the deliveries under way have finished their step (each bounded by the provider's and engine's timeouts). */
  stop(): Promise<void> {
    return this.consuming.stop();
  }

  /** One delivery; never throws. */
  abstract handle(m: JsMsg): Promise<Outcome>;

  protected count(o: Outcome): Outcome {
    this.outcomes.inc({ outcome: o });
    return o;
  }
}
