/**
 * The sync feed: the actors' durable side output `sync.<store>` (stock level and catalog
 * changes, `PlatformSyncChange`) → each platform's outbox. One durable consumer (`platform-sync`)
 * for every process, read in stream order and acknowledged once the changes are in the outboxes,
 * so nothing is lost to a restart and nothing is waiting on a platform that is down (its outbox
 * holds the backlog). A store or SKU a platform does not sell is not sent to it.
 */
import { jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { wire, type PlatformSyncChange } from '@lunchrush/actors/wire';
import { decode, ensureError } from '@lunchrush/engine';
import { ConsumerLoop } from '@lunchrush/engine/consumer';
import type { Logger } from 'pino';
import type { PlatformMapping } from './mapping.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { PLATFORMS, type PlatformName } from './platform.js';

export const SYNC_CONSUMER = 'platform-sync';
/** How many changes may be read ahead of the acknowledged ones. */
const MAX_ACK_PENDING = 1_000;
const ACK_WAIT_MS = 30_000;

export interface SyncFeedOptions {
  readonly nc: NatsConnection;
  readonly namespace: string;
  readonly mapping: Readonly<Record<PlatformName, PlatformMapping>>;
  readonly outbox: Outbox;
  readonly log: Logger;
  /** Told after each change reaches the outboxes (the senders wake up). */
  readonly onAppended?: () => void;
}

/** What a change means to each platform that sells the store (and the SKU). */
export function entriesFor(
  c: PlatformSyncChange,
  mapping: Readonly<Record<PlatformName, PlatformMapping>>,
  storedAt: number = c.at,
): { platform: PlatformName; entry: OutboxEntry }[] {
  const out: { platform: PlatformName; entry: OutboxEntry }[] = [];
  for (const platform of PLATFORMS) {
    const m = mapping[platform];
    if (m.poiOf(c.store) === undefined) continue;
    if (c.kind === 'catalog') {
      out.push({ platform, entry: { kind: 'catalog', store: c.store, rev: c.rev, at: c.at, storedAt } });
      continue;
    }
    if (m.platformSku(c.store, c.skuId) === undefined) continue;
    const stock = c.level === 'out' ? 0 : c.available;
    out.push({
      platform,
      entry: { kind: 'stock', store: c.store, skuId: c.skuId, stock, seq: c.seq, at: c.at, storedAt },
    });
  }
  return out;
}

export class SyncFeed {
  private readonly consuming: ConsumerLoop;

  constructor(private readonly o: SyncFeedOptions) {
    this.consuming = new ConsumerLoop({
      what: 'platform sync feed',
      nc: o.nc,
      consumer: {
        stream: this.stream,
        durable: SYNC_CONSUMER,
        ackWaitMs: ACK_WAIT_MS,
        maxAckPending: MAX_ACK_PENDING,
      },
      maxMessages: 256,
      log: o.log,
    });
  }

  get stream(): string {
    return wire(this.o.namespace).platformSyncStream;
  }

  start(): void {
    this.consuming.start((messages) => this.run(messages));
  }

  stop(): Promise<void> {
    return this.consuming.stop();
  }

  /** Changes in the stream not yet in the outboxes (read or not); 0 before the consumer exists. */
  async backlog(): Promise<number> {
    const jsm = await jetstreamManager(this.o.nc);
    const i = await jsm.consumers.info(this.stream, SYNC_CONSUMER).catch(() => undefined);
    return i === undefined ? 0 : i.num_pending + i.num_ack_pending;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    const queue: JsMsg[] = [];
    let flushing: Promise<void> | undefined;
    // A message that arrives as a flush ends (its loop saw the queue empty) starts the next one.
    const kick = (): void => {
      flushing ??= this.flush(queue).finally(() => {
        flushing = undefined;
        if (queue.length > 0) kick();
      });
    };
    for await (const m of messages) {
      queue.push(m);
      kick();
    }
    while (flushing !== undefined) await flushing;
  }

  /**
   * Writes what has arrived to the outboxes, one Redis transaction for all of it, while the
   * previous write is in flight the next changes gather (as the engine's group commit): one
   * message a round trip could not keep up with a lunch rush's level changes in a busy process.
   */
  private async flush(queue: JsMsg[]): Promise<void> {
    while (queue.length > 0) await this.handle(queue.splice(0));
  }

  private async handle(batch: readonly JsMsg[]): Promise<void> {
    const entries: { platform: PlatformName; entry: OutboxEntry }[] = [];
    const good: JsMsg[] = [];
    for (const m of batch) {
      try {
        const c = decode<PlatformSyncChange>(m.data);
        if (c.kind !== 'stock' && c.kind !== 'catalog')
          throw new Error(`unknown kind ${String((c as { kind: unknown }).kind)}`);
        for (const e of entriesFor(c, this.o.mapping, Number(m.timestampNanos / 1_000_000n))) entries.push(e);
        good.push(m);
      } catch (e) {
        this.o.log.error({ seq: m.seq, err: ensureError(e).message }, 'not a platform sync change');
        m.term();
      }
    }
    try {
      await this.o.outbox.append(entries);
      for (const m of good) m.ack();
      this.o.onAppended?.();
    } catch (e) {
      this.o.log.warn({ err: ensureError(e).message }, 'platform sync: outbox not written; the changes come again');
      for (const m of good) m.nak(1_000);
    }
  }
}
