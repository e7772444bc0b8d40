/**
 * Subscriptions: a socket's `subscribe`, `unsubscribe` and `resync` frames.
 * Subscribing checks the principal against the topic and the per-socket limit,
 * takes a reference on the topic and starts with a snapshot; a socket that
 * closes gives back every topic it held.
 */
import { PushErrorCode, parseTopic, topicKey, type ClientMessage, type PushPrincipal, type Topic } from './protocol.js';
import type { SnapshotSync } from './snapshot-sync.js';
import { endSubscription, type HubParts, type SocketData, type Sub, type WS } from './sockets.js';

export type TopicMessage = Exclude<ClientMessage, { type: 'action' }>;

export interface SubscriptionParts extends HubParts {
  readonly sync: SnapshotSync;
  readonly authorize: (p: PushPrincipal, topic: Topic) => boolean;
  readonly maxSubscriptions: number;
}

export class Subscriptions {
  constructor(private readonly p: SubscriptionParts) {}

  handle(ws: WS, ud: SocketData, m: TopicMessage): void {
    const topic = parseTopic(m.topic);
    const send = this.p.writer.send.bind(this.p.writer, ws);
    if (topic === null) {
      send({ type: 'error', code: PushErrorCode.UnknownTopic, message: 'unknown topic', topic: m.topic });
      return;
    }
    const existing = ud.subs.get(topic.name);
    switch (m.type) {
      case 'subscribe':
        if (existing !== undefined) this.p.sync.sync(ws, ud, existing);
        else if (!this.p.authorize(ud.principal, topic))
          send({ type: 'error', code: PushErrorCode.Forbidden, message: 'not your topic', topic: topic.name });
        else if (ud.subs.size >= this.p.maxSubscriptions)
          send({
            type: 'error',
            code: PushErrorCode.TooManySubscriptions,
            message: `at most ${this.p.maxSubscriptions} topics per connection`,
            topic: topic.name,
          });
        else this.subscribe(ws, ud, topic);
        return;
      case 'unsubscribe':
        if (existing !== undefined) endSubscription(ws, ud, existing, this.p.topics);
        send({ type: 'unsubscribed', topic: topic.name });
        return;
      case 'resync':
        this.p.counters.resyncRequests++;
        if (existing === undefined)
          send({ type: 'error', code: PushErrorCode.NotFound, message: 'not subscribed', topic: topic.name });
        else this.p.sync.sync(ws, ud, existing);
        return;
    }
  }

  /** The socket closed: every topic it held is given back. */
  closed(ud: SocketData): void {
    ud.closed = true;
    for (const s of ud.subs.values()) this.p.topics.release(s.key);
    ud.subs.clear();
  }

  private subscribe(ws: WS, ud: SocketData, topic: Topic): void {
    const key = topicKey(ud.principal.store, topic.name);
    const s: Sub = { topic, key, live: false, gen: 0 };
    ud.subs.set(topic.name, s);
    this.p.topics.acquire(key, ud.principal.store, topic);
    this.p.sync.sync(ws, ud, s);
  }
}
