/**
 * Tickets in from the kitchen stream (`<NS>_KITCHEN`, made by the engine from
 * the actors' KITCHEN output): the durable consumer (explicit ack,
 * `max_deliver` −1), the start-up scan that finds tickets an earlier process
 * took and never acked, then consumption. Each ticket goes to `accept`; acks
 * happen when it is printed (`StationQueues.finish`).
 */
import type { KitchenTicket } from '@lunchrush/actors/wire';
import { decode } from '@lunchrush/engine/codec';
import { REQUEST_ID_HEADER } from '@lunchrush/engine/names';
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { DaemonConfig, Names } from './config.js';
import { ErrorCode, PrinterDaemonError, ensureError } from './errors.js';

export interface KitchenFeedOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: Names;
  readonly config: DaemonConfig;
  readonly log: Logger;
  readonly stopping: () => boolean;
  /**
   * Queues a ticket (unless queued or printed already); true if newly queued. `req`: the request
   * that made it (the engine's `Lr-Req` header: the gateway's request id), for the print's log line.
   */
  readonly accept: (
    seq: number,
    ticket: KitchenTicket,
    msg: JsMsg | undefined,
    req: string | undefined,
  ) => Promise<boolean>;
}

/** The request id a kitchen message carries (`REQUEST_ID_HEADER`), if any. */
export function requestIdOf(h: MsgHdrs | undefined): string | undefined {
  const v = h?.get(REQUEST_ID_HEADER);
  return v === undefined || v === '' ? undefined : v;
}

/** A kitchen message as a ticket; undefined (logged) when it is not one. */
export function decodeTicket(data: Uint8Array, seq: number, log: Logger): KitchenTicket | undefined {
  try {
    const t = decode<KitchenTicket>(data);
    if (typeof t?.ticketId === 'string' && typeof t.store === 'string' && typeof t.station === 'string') return t;
  } catch {
    // fall through
  }
  log.error({ seq }, 'kitchen message is not a ticket');
  return undefined;
}

export class KitchenFeed {
  private messages: ConsumerMessages | undefined;
  private consuming: Promise<void> = Promise.resolve();

  constructor(private readonly o: KitchenFeedOptions) {}

  /** Waits for the stream, makes or finds the consumer, queues what an earlier process left unacked, then consumes. */
  async start(): Promise<void> {
    const info = await this.ensureConsumer();
    await this.recoverPending(info);
    await this.startConsuming();
  }

  /** Stops taking tickets; the held ones stay unacked and are redelivered to the next process. */
  async stop(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.consuming;
  }

  private async ensureConsumer(): Promise<ConsumerInfo> {
    const { jsm, names, config: cfg } = this.o;
    for (let attempt = 0; ; attempt++) {
      try {
        await jsm.streams.info(names.stream);
        break;
      } catch (e) {
        if (this.o.stopping()) throw new PrinterDaemonError(ErrorCode.ShuttingDown, 'stopping', { cause: e });
        // The engine creates the kitchen stream; a daemon started first waits for it.
        if (attempt === 0) this.o.log.warn({ stream: names.stream }, 'kitchen stream not there yet, waiting');
        await new Promise((r) => setTimeout(r, cfg.retryMs));
      }
    }
    try {
      return await jsm.consumers.info(names.stream, cfg.consumer);
    } catch {
      const c: Partial<ConsumerConfig> = {
        durable_name: cfg.consumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: cfg.ackWaitMs * 1_000_000,
        // A held ticket must never be dropped by the server, however long its printer is down.
        max_deliver: -1,
        max_ack_pending: cfg.maxAckPending,
        filter_subject: names.kitchenSubject(cfg.store),
        ...(cfg.startLookbackMs > 0
          ? {
              deliver_policy: DeliverPolicy.StartTime,
              opt_start_time: new Date(Date.now() - cfg.startLookbackMs).toISOString(),
            }
          : { deliver_policy: DeliverPolicy.All }),
      };
      try {
        return await jsm.consumers.add(names.stream, c);
      } catch (e) {
        // Another daemon instance created it at the same moment.
        return await jsm.consumers.info(names.stream, cfg.consumer).catch(() => {
          throw e;
        });
      }
    }
  }

  /**
   * Tickets delivered to an earlier process and never acked are redelivered only
   * when their ack wait expires, after newer ones: read them from the stream now so
   * each station still prints in stream order after a restart.
   */
  private async recoverPending(info: ConsumerInfo): Promise<void> {
    const { jsm, names, config } = this.o;
    const from = info.ack_floor.stream_seq + 1;
    const to = info.delivered.stream_seq;
    // A store's daemon takes only its store's tickets: the consumer's filter without its `>`.
    const prefix = config.store === '' ? '' : names.kitchenSubject(config.store).slice(0, -'>'.length);
    let found = 0;
    for (let seq = from; seq <= to; seq++) {
      const m = await jsm.streams.getMessage(names.stream, { seq }).catch(() => null);
      if (m === null) continue;
      if (!m.subject.startsWith(prefix)) continue;
      const ticket = decodeTicket(m.data, seq, this.o.log);
      if (ticket !== undefined && (await this.o.accept(seq, ticket, undefined, requestIdOf(m.header)))) found++;
    }
    if (to >= from) this.o.log.info({ from, to, held: found }, 'recovered unacknowledged tickets');
  }

  private async startConsuming(): Promise<void> {
    const consumer = await this.o.js.consumers.get(this.o.names.stream, this.o.config.consumer);
    const messages = await consumer.consume({ max_messages: 256 });
    this.messages = messages;
    // Stopped while the pull was being opened: the loop below then ends at once.
    if (this.o.stopping()) void messages.close().catch(() => undefined);
    this.consuming = (async () => {
      for await (const m of messages) {
        try {
          const ticket = decodeTicket(m.data, m.seq, this.o.log);
          if (ticket === undefined) {
            // No reason: nats-server 2.9 ignores a `+TERM <reason>` and would redeliver it for ever.
            m.term();
            continue;
          }
          await this.o.accept(m.seq, ticket, m, requestIdOf(m.headers));
        } catch (e) {
          // The message stays unacked and comes back after the ack wait.
          this.o.log.error({ err: ensureError(e), seq: m.seq }, 'could not take a ticket');
        }
      }
    })();
  }
}
