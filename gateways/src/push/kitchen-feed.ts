/**
 * The kitchen feed: while a kitchen display is connected, one ordered JetStream
 * consumer per process on every store's kitchen subjects, from now on; each
 * ticket becomes a delta of its station's topic. If the consumer stops, it is
 * started again (from "new") and every kitchen topic re-syncs, since what came
 * meanwhile is only in a fresh snapshot.
 */
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import { decode, ensureError } from '@lunchrush/engine';
import { wire, type KitchenTicket } from '@lunchrush/actors/wire';
import type { PushLogger } from './deps.js';
import type { Fanout } from './fanout.js';
import { topicKey } from './protocol.js';
import type { PushCounters } from './sockets.js';
import type { TopicRegistry } from './topics.js';

const KITCHEN_RETRY_MS = 1_000;

export class KitchenFeed {
  private feed: Promise<ConsumerMessages> | undefined;
  private closed = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly namespace: string,
    private readonly topics: TopicRegistry,
    private readonly fanout: Fanout,
    private readonly counters: PushCounters,
    private readonly log: PushLogger | undefined,
  ) {}

  /** The running consumer, started on first use (a kitchen snapshot waits for it, so no ticket falls between). */
  ensure(): Promise<ConsumerMessages> {
    if (this.feed !== undefined) return this.feed;
    const w = wire(this.namespace);
    const feed = this.js.consumers
      .get(w.kitchenStream, { filter_subjects: w.kitchenTickets(), deliver_policy: DeliverPolicy.New })
      .then((c) => c.consume({ max_messages: 256 }));
    this.feed = feed;
    feed.then(
      (msgs) => void this.read(msgs),
      (e: unknown) => {
        this.log?.warn({ err: ensureError(e).message }, 'push: kitchen feed not available');
        // Let the next kitchen subscription try again.
        if (this.feed === feed) this.feed = undefined;
      },
    );
    return feed;
  }

  async stop(): Promise<void> {
    this.closed = true;
    const feed = this.feed;
    this.feed = undefined;
    if (feed !== undefined) await feed.then((m) => m.close()).catch(() => undefined);
  }

  private async read(msgs: ConsumerMessages): Promise<void> {
    try {
      for await (const m of msgs) {
        // `<ns>.kitchen.<store>.<station>`
        const [station, store] = m.subject.split('.').reverse();
        if (store === undefined || station === undefined) continue;
        const t = this.topics.get(topicKey(store, `kitchen:${station}`));
        if (t === undefined) continue;
        let ticket: KitchenTicket;
        try {
          ticket = decode<KitchenTicket>(m.data);
        } catch {
          continue;
        }
        if (!t.admit(ticket.ticketId, m.seq)) {
          this.counters.staleDropped++;
          continue;
        }
        if (ticket.kind === 'new') t.openOrders.add(ticket.orderId);
        this.fanout.publish(t, ticket.ticketId, m.seq, { kind: 'ticket', ticket });
      }
    } catch (e) {
      this.log?.warn({ err: ensureError(e).message }, 'push: kitchen feed stopped');
    }
    if (this.closed) return;
    // Restarted from "new": whatever came meanwhile is only in a fresh snapshot.
    this.feed = undefined;
    setTimeout(() => {
      if (this.closed || !this.topics.hasKitchens) return;
      void this.ensure().then(() => {
        for (const t of this.topics.allKitchens()) {
          t.cached = undefined;
          this.fanout.broadcastResync(t, 'source_restarted');
        }
      });
    }, KITCHEN_RETRY_MS);
  }
}
