/**
 * The courier worker: what turns a delivery's instructions into a courier platform's calls.
 *
 * A delivery actor emits its instructions on `couriers.<store>` (JetStream, `<NS>_COURIERS`, once
 * the decision is durable); every gateway process reads them from one durable consumer, so each
 * is worked by one process at a time and outlives any of them:
 *
 * - `create`: first asks the platform for the order under the same merchant number (a crash
 *   after the platform made it never makes two); then the delivery's `dispatched`, which
 *   starts its accept timer. A platform that refuses for good (an address it does not serve), or
 *   is still down after `MAX_DELIVERIES`, gets the delivery's `dispatchFailed`: the store's staff
 *   take it, so the order is never left waiting for a rider nobody asked for;
 * - `tip`, `cancel`: once each; "already taken" or "already gone" is done too;
 * - an outage (the platform's system errors, a timeout, the engine moving a partition): back to
 *   the stream with a doubling delay.
 */
import {
  deliveryOf,
  type CommandSender,
  type CourierCreate,
  type CourierInstruction,
  type DispatchPolicy,
} from '@lunchrush/actors';
import { wire } from '@lunchrush/actors/wire';
import { decode, ensureError } from '@lunchrush/engine';
import { StreamWorker } from '@lunchrush/engine/consumer';
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { CourierError } from './errors.js';
import type { CourierPlatform, Shipment } from './platform.js';

export const COURIER_CONSUMER = 'courier-worker';
/** Deliveries of one `create` before the platform is taken as down for this order (staff deliver). */
export const MAX_DELIVERIES = 8;
const IN_FLIGHT = 16;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 60_000;

export interface CourierWorkerOptions {
  readonly nc: NatsConnection;
  readonly namespace: string;
  readonly engine: CommandSender;
  readonly platform: CourierPlatform;
  readonly policy: DispatchPolicy;
  /** Where the order goes from and to (the store's site, the diner's sealed address); throws when it cannot be known. */
  readonly shipment: (ins: CourierCreate) => Promise<Shipment>;
  readonly log: Logger;
  readonly registry: Registry;
}

type Outcome = 'done' | 'failed' | 'retry' | 'invalid';

export class CourierWorker extends StreamWorker {
  private readonly outcomes: Counter;

  constructor(private readonly o: CourierWorkerOptions) {
    super({
      what: 'courier worker',
      nc: o.nc,
      consumer: {
        stream: wire(o.namespace).courierStream,
        durable: COURIER_CONSUMER,
        ackWaitMs: 60_000,
        maxAckPending: 10_000,
      },
      maxMessages: IN_FLIGHT,
      log: o.log,
    });
    this.outcomes = new Counter({
      name: 'lunchrush_gateway_courier_instructions_total',
      help: 'Courier instructions worked on, by kind and outcome (done, failed: staff deliver, retry, invalid)',
      labelNames: ['kind', 'outcome'],
      registers: [o.registry],
    });
  }

  /** One delivery of one instruction; never throws. `term()` without a reason (nats-server 2.9). */
  override async handle(m: JsMsg): Promise<Outcome> {
    let ins: CourierInstruction;
    try {
      ins = decode<CourierInstruction>(m.data);
      if (typeof ins.shopOrderId !== 'string' || typeof ins.orderId !== 'string') throw new Error('no order');
    } catch (e) {
      this.o.log.error({ seq: m.seq, err: ensureError(e).message }, 'not a courier instruction');
      m.term();
      return this.count('?', 'invalid');
    }
    const log = this.o.log.child({ orderId: ins.orderId, shopOrderId: ins.shopOrderId, kind: ins.kind });
    try {
      if (ins.kind === 'create') await this.create(ins);
      else if (ins.kind === 'tip') await this.o.platform.addTip(ins.shopOrderId, ins.tipFen);
      else await this.o.platform.cancel(ins.shopOrderId, ins.reason);
      m.ack();
      return this.count(ins.kind, 'done');
    } catch (e) {
      const err = ensureError(e);
      const forGood = e instanceof CourierError && !e.retryable;
      if (ins.kind === 'create' && (forGood || m.info.deliveryCount >= MAX_DELIVERIES)) {
        log.error({ err: err.message }, 'no courier for this order: the store staff deliver it');
        return this.failCreate(m, ins, err.message);
      }
      if (forGood) {
        // A tip on an order a rider took, a cancel of one already gone: nothing left to do.
        log.warn({ err: err.message }, 'courier platform refused; nothing to retry');
        m.ack();
        return this.count(ins.kind, 'done');
      }
      log.warn({ err: err.message, delivery: m.info.deliveryCount }, 'courier instruction: trying again later');
      m.nak(Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (m.info.deliveryCount - 1)));
      return this.count(ins.kind, 'retry');
    }
  }

  /**
   * Every delivery of a create asks the platform for the order first, not only a redelivery: a
   * delivery count of 1 does not prove a first try (a consumer deleted and made again delivers
   * everything anew at 1; and in the SIGKILL test a worker killed after the platform's create saw
   * its successor get the instruction at 1 in 2 of 9 runs on nats-server 2.9). One query per
   * dispatch is cheap beside a second rider sent to the same door.
   */
  private async create(ins: CourierCreate): Promise<void> {
    const p = this.o.platform;
    const found = await p.find(ins.shopOrderId);
    const made = found ?? (await p.create(await this.o.shipment(ins)));
    await deliveryOf(this.o.engine, ins.store, ins.orderId).send(
      {
        type: 'dispatched',
        attempt: ins.attempt,
        platform: p.name,
        platformOrderId: made.platformOrderId,
        feeFen: made.feeFen,
        policy: this.o.policy,
        at: Date.now(),
      },
      { id: `dispatched:${ins.shopOrderId}` },
    );
  }

  private async failCreate(m: JsMsg, ins: CourierCreate, reason: string): Promise<Outcome> {
    try {
      await deliveryOf(this.o.engine, ins.store, ins.orderId).send(
        { type: 'dispatchFailed', attempt: ins.attempt, reason: reason.slice(0, 200), at: Date.now() },
        { id: `dispatch-failed:${ins.shopOrderId}` },
      );
      m.ack();
      return this.count('create', 'failed');
    } catch (e) {
      this.o.log.warn(
        { err: ensureError(e).message },
        'courier worker: the delivery did not answer; trying again later',
      );
      m.nak(FIRST_RETRY_MS);
      return this.count('create', 'retry');
    }
  }

  private count(kind: string, outcome: Outcome): Outcome {
    this.outcomes.inc({ kind, outcome });
    return outcome;
  }
}
