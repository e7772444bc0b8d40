/**
 * A stream worker's durable consumer, for the processes that work an output stream the engine
 * creates (`@lunchrush/engine/consumer`): the refund worker, the member forwarder, the campaign
 * worker, the courier worker and the platforms' sync feed.
 *
 * - `workerConsumerConfig`: how a worker's durable consumer is made (analytics' ingester too).
 * - `openConsumer`: waits for the stream (the engine creates it, so it may not be there yet);
 *   finds the consumer, or adds it with the worker's bounds (explicit acks, from the start of the
 *   stream; another process adding it at the same moment is no error).
 * - `keepConsuming`: runs the worker's consume loop for as long as it is not stopping; a consumer
 *   that fails (deleted, NATS gone for long) or ends is opened again a second later.
 * - `ConsumerLoop`: the two together with a worker's start and stop; `startEach` for a worker whose
 *   messages are independent of each other, worked a bounded number at a time.
 * - `StreamWorker`: a worker built on `startEach`, which only says how one message is handled.
 */
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ensureError } from './errors.js';

/** How often a worker looks for a stream that is not there yet. */
const STREAM_POLL_MS = 500;
/** How long a worker waits before opening its consumer again. */
const REOPEN_AFTER_MS = 1_000;

export interface WorkerConsumer {
  stream: string;
  /** The durable name, one for every process: they share the work. */
  durable: string;
  /** How long a delivery may take before the server sends it again (ms). */
  ackWaitMs: number;
  /** Deliveries handed out and not yet acknowledged, across every process. */
  maxAckPending: number;
  stopping: () => boolean;
  log: Logger;
}

/**
 * A worker's durable consumer as the server keeps it: explicit acks, from the start of the stream,
 * the worker's ack wait and in-flight bound, and never dropped by the server (what a worker leaves
 * undone is only ever terminated on purpose). `filterSubject`: only those subjects of the stream.
 */
export function workerConsumerConfig(o: {
  readonly durable: string;
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
  readonly filterSubject?: string;
}): Partial<ConsumerConfig> {
  return {
    durable_name: o.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ...(o.filterSubject === undefined ? {} : { filter_subject: o.filterSubject }),
    ack_wait: o.ackWaitMs * 1_000_000,
    max_deliver: -1,
    max_ack_pending: o.maxAckPending,
  };
}

/** The consumer, or undefined when the worker stopped while the stream was not there yet. */
export async function openConsumer(nc: NatsConnection, o: WorkerConsumer): Promise<Consumer | undefined> {
  const jsm = await jetstreamManager(nc);
  for (let attempt = 0; !o.stopping(); attempt++) {
    try {
      await jsm.streams.info(o.stream);
      break;
    } catch {
      if (attempt === 0) o.log.info({ stream: o.stream }, 'stream not there yet, waiting');
      await new Promise((r) => setTimeout(r, STREAM_POLL_MS));
    }
  }
  if (o.stopping()) return undefined;
  await jsm.consumers.info(o.stream, o.durable).catch(() =>
    jsm.consumers.add(o.stream, workerConsumerConfig(o)).catch(async (e: unknown) => {
      // Another process added it at the same moment.
      await jsm.consumers.info(o.stream, o.durable).catch(() => {
        throw e;
      });
    }),
  );
  return jetstream(nc).consumers.get(o.stream, o.durable);
}

/** The worker's consume loop, opened again a second after it fails or ends; resolves once stopping. */
export function keepConsuming(o: {
  /** What the log calls the worker ("refund worker"). */
  what: string;
  run: () => Promise<void>;
  stopping: () => boolean;
  log: Logger;
}): Promise<void> {
  return (async () => {
    while (!o.stopping()) {
      try {
        await o.run();
        if (!o.stopping()) o.log.warn(`${o.what}: its consumer ended; opening it again`);
      } catch (e) {
        if (o.stopping()) break;
        o.log.error({ err: ensureError(e).message }, `${o.what} failed; opening its consumer again`);
      }
      if (!o.stopping()) await new Promise((r) => setTimeout(r, REOPEN_AFTER_MS));
    }
  })();
}

export interface ConsumerLoopOptions {
  /** What the log calls the worker ("refund worker"). */
  readonly what: string;
  readonly nc: NatsConnection;
  readonly consumer: Omit<WorkerConsumer, 'stopping' | 'log'>;
  /** Messages the client holds at a time (`consume({ max_messages })`). */
  readonly maxMessages: number;
  readonly log: Logger;
}

/**
 * A stream worker's consumer from start to stop: `start(work)` opens the consumer in the background
 * (the engine creates the stream, so it may not be there yet) and hands its messages to `work`,
 * opened again a second after it fails or ends; `stop()` ends the messages and waits for `work`.
 */
export class ConsumerLoop {
  #stopping = false;
  #loop: Promise<void> | undefined;
  #messages: ConsumerMessages | undefined;
  readonly #working = new Set<Promise<unknown>>();

  constructor(private readonly o: ConsumerLoopOptions) {}

  get stopping(): boolean {
    return this.#stopping;
  }

  start(work: (messages: ConsumerMessages) => Promise<void>): void {
    const stopping = (): boolean => this.#stopping;
    this.#loop ??= keepConsuming({
      what: this.o.what,
      run: async () => {
        const c = this.o.consumer;
        const consumer = await openConsumer(this.o.nc, {
          stream: c.stream,
          durable: c.durable,
          ackWaitMs: c.ackWaitMs,
          maxAckPending: c.maxAckPending,
          stopping,
          log: this.o.log,
        });
        if (consumer === undefined) return;
        // Aborts when the consumer or stream goes (by default nats.js waits for it to come back,
        // which it never would: the worker is what makes it); keepConsuming then makes it again.
        const messages = await consumer.consume({ max_messages: this.o.maxMessages, abort_on_missing_resource: true });
        this.#messages = messages;
        // Told to stop while the pull was being opened: `stop()` closed nothing, so close it here
        // (its iteration in `work` then ends at once; `close()` resolves only once it has).
        if (this.#stopping) void messages.close().catch(() => undefined);
        await work(messages);
      },
      stopping,
      log: this.o.log,
    });
  }

  /**
   * `start` for messages that do not wait for each other: each goes to `handle` (which never throws)
   * as it arrives, at most `inFlight` at a time; `stop()` then also waits for those under way.
   */
  startEach(handle: (m: JsMsg) => Promise<unknown>, inFlight: number): void {
    this.start(async (messages) => {
      for await (const m of messages) {
        const p = handle(m);
        this.#working.add(p);
        void p.finally(() => this.#working.delete(p));
        if (this.#working.size >= inFlight) await Promise.race(this.#working);
      }
    });
  }

  /**
   * Stopping from its first line (synchronously): resolves once `work` has returned and what
   * `startEach` handed out has finished (each step is bounded by its own timeouts).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#messages?.close().catch(() => undefined);
    await this.#loop;
    await Promise.allSettled([...this.#working]);
  }
}

/**
 * A stream worker whose messages are independent of each other (the refund, campaign and courier
 * workers): `handle` each as it arrives, as many at a time as the client holds (`maxMessages`);
 * `stop()` waits for those under way.
 */
export abstract class StreamWorker {
  readonly #consuming: ConsumerLoop;
  readonly #inFlight: number;

  constructor(o: ConsumerLoopOptions) {
    this.#consuming = new ConsumerLoop(o);
    this.#inFlight = o.maxMessages;
  }

  /**
   * Starts consuming in the background; the engine creates the stream, so it may not be there yet.
   * A consumer that fails (deleted, NATS gone for long) is opened again a second later.
   */
  start(): void {
    this.#consuming.startEach((m) => this.handle(m), this.#inFlight);
  }

  /** Resolves once the messages under way are handled (each step bounded by its own timeouts). */
  stop(): Promise<void> {
    return this.#consuming.stop();
  }

  /** One delivery of one message; never throws. */
  abstract handle(m: JsMsg): Promise<unknown>;
}
