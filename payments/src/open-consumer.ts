/**
 * Opens a stream worker's durable consumer (explicit acks, from the start of the stream): waits
 * for the stream, which the engine creates, so it may not be there yet; finds the consumer, or
 * adds it with the worker's bounds (another gateway adding it at the same moment is no error).
 * Shared by the refund worker, the member forwarder, the campaign worker and the platforms' sync
 * feed; `keepConsuming` opens it again when it fails.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** How often a worker looks for a stream that is not there yet. */
const STREAM_POLL_MS = 500;

export interface WorkerConsumer {
  stream: string;
  /** The durable name, one for every gateway: they share the work. */
  durable: string;
  /** How long a delivery may take before the server sends it again (ms). */
  ackWaitMs: number;
  /** Deliveries handed out and not yet acknowledged, across every gateway. */
  maxAckPending: number;
  stopping: () => boolean;
  log: Logger;
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
    jsm.consumers
      .add(o.stream, {
        durable_name: o.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: o.ackWaitMs * 1_000_000,
        // Never dropped by the server: what a worker leaves undone is only ever terminated on purpose.
        max_deliver: -1,
        max_ack_pending: o.maxAckPending,
      })
      .catch(async (e: unknown) => {
        // Another gateway added it at the same moment.
        await jsm.consumers.info(o.stream, o.durable).catch(() => {
          throw e;
        });
      }),
  );
  return jetstream(nc).consumers.get(o.stream, o.durable);
}
