/**
 * The NATS subjects this process listens to for pushes: only those of topics a socket here
 * follows. A topic's first subscriber subscribes its subject (`push.<store>.table.<id>`,
 * `…order.<id>`, `…board`, `…menu`, `…group.<id>`; a kitchen display `…order.*` of its store, for progress),
 * its last one unsubscribes. So a push nobody here follows is dropped by nats-server instead of
 * being sent to every process and decoded there (with one wildcard subscription to `push.>`, each
 * node received every push of every store: ~1 KB per order, for nothing when no phone watched).
 *
 * `ready` resolves once nats-server has the subscription (a flush round trip): a topic's snapshot
 * is read only after it, so no push can fall between the snapshot and the first delta.
 */
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { boardPushSubject, menuPushSubject, orderPushSubject, tablePushSubject } from '@lunchrush/actors/wire';
import { groupPushSubject } from '@lunchrush/actors/campaigns';
import type { Topic } from './protocol.js';

interface Interest {
  readonly sub: Subscription;
  refs: number;
  readonly ready: Promise<void>;
}

export class PushInterest {
  private readonly subs = new Map<string, Interest>();
  private lastSubject = '';
  private lastId = '';

  /** `absolute`: a subject relative to the namespace made absolute (`names(ns).subject`). */
  constructor(
    private readonly nc: NatsConnection,
    private readonly absolute: (relative: string) => string,
    private readonly onPush: (msg: Msg) => void,
  ) {}

  /** The push subject a topic of `store` follows; undefined for topics fed otherwise (printers). */
  subjectOf(store: string, topic: Topic): string | undefined {
    // The actors' own push subjects (`@lunchrush/actors/wire`), in this namespace.
    switch (topic.kind) {
      case 'board':
        return this.absolute(boardPushSubject(store));
      case 'menu':
        return this.absolute(menuPushSubject(store));
      case 'table':
        return this.absolute(tablePushSubject(store, topic.id));
      case 'order':
        return this.absolute(orderPushSubject(store, topic.id));
      case 'group':
        return this.absolute(groupPushSubject(store, topic.id));
      case 'kitchen':
        // Every order of the store: a display's progress comes from its orders' pushes.
        return this.absolute(orderPushSubject(store, '*'));
      default:
        return undefined;
    }
  }

  /** Listens to `subject` (again, if already); resolves once nats-server has the subscription. */
  acquire(subject: string): Promise<void> {
    let i = this.subs.get(subject);
    if (i === undefined) {
      const sub = this.nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err === null) this.deliver(msg);
        },
      });
      i = { sub, refs: 0, ready: this.nc.flush().catch(() => undefined) };
      this.subs.set(subject, i);
    }
    i.refs++;
    return i.ready;
  }

  /**
   * A push that matches two of our subscriptions (`order.<id>` and a kitchen's `order.*`) comes
   * once per subscription, one right after the other: the repeat is dropped here.
   */
  private deliver(msg: Msg): void {
    const id = msg.headers?.get('Nats-Msg-Id') ?? '';
    if (id !== '' && msg.subject === this.lastSubject && id === this.lastId) return;
    this.lastSubject = msg.subject;
    this.lastId = id;
    this.onPush(msg);
  }

  release(subject: string): void {
    const i = this.subs.get(subject);
    if (i === undefined || --i.refs > 0) return;
    this.subs.delete(subject);
    i.sub.unsubscribe();
  }

  /** Subjects listened to now (tests and stats). */
  get size(): number {
    return this.subs.size;
  }

  close(): void {
    for (const i of this.subs.values()) i.sub.unsubscribe();
    this.subs.clear();
  }
}
