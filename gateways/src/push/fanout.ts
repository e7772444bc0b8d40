/**
 * Fan-out: the engine's pushes (core NATS `<ns>.push.<store>.…`) and the printer
 * daemons' alarms (`<ns>.alarms.>`) become deltas of the topics this process
 * serves. Each is decoded and serialised once per topic and published with one
 * uWS publish, whatever the number of sockets; a stale or repeated version of an
 * entity is dropped here. An order that changed at a station a kitchen display
 * watches is read once more and sent to those displays as `progress`.
 */
import type { Msg } from '@nats-io/transport-node';
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import { decode, ensureError } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { wire, type Wire } from '@lunchrush/actors/wire';
import { isKitchenClosed, touchesKitchen, type OrderPush } from '@lunchrush/actors';
import type { PushLogger } from './deps.js';
import { topicKey, type ServerMessage } from './protocol.js';
import { readOrderStations, type SnapshotSources } from './snapshots.js';
import type { PushCounters } from './sockets.js';
import type { TopicRegistry, TopicState } from './topics.js';

/** `<key>:<version>` of a `Nats-Msg-Id`: the entity and its version (0 and null key without one). */
function versionOf(msg: Msg): { key: string | null; v: number } {
  const id = msg.headers?.get('Nats-Msg-Id') ?? '';
  const i = id.lastIndexOf(':');
  return i < 0 ? { key: null, v: 0 } : { key: id.slice(0, i), v: Number(id.slice(i + 1)) || 0 };
}

function decoded(msg: Msg): { ok: true; data: unknown } | { ok: false } {
  try {
    return { ok: true, data: decode(msg.data) };
  } catch {
    return { ok: false };
  }
}

export class Fanout {
  private readonly pushPrefix: string;
  private readonly wire: Wire;
  /** Progress reads under way, by `<store>/<orderId>`: one at a time per order, again if pushed meanwhile. */
  private readonly progressInflight = new Map<string, { again: boolean; v: number }>();

  constructor(
    private readonly app: TemplatedApp,
    private readonly topics: TopicRegistry,
    private readonly counters: PushCounters,
    private readonly sources: SnapshotSources,
    private readonly log: PushLogger | undefined,
  ) {
    // The actors' pushes (`push.<store>.…`, relative to the namespace) and the printer daemons' alarms.
    this.pushPrefix = names(sources.namespace).subject('push.');
    this.wire = wire(sources.namespace);
  }

  /** The subjects to subscribe to (pushes are subscribed per topic, interest.ts). */
  get subjects(): { alarms: string } {
    return { alarms: this.wire.printerAlarms() };
  }

  /** Publishes a delta to a topic's subscribers: one serialisation, one uWS publish. */
  publish(t: TopicState, key: string, v: number, data: unknown): void {
    const name = t.topic.name;
    const msg = t.record((seq) => JSON.stringify({ type: 'delta', topic: name, seq, key, v, data }));
    this.counters.deltas++;
    this.app.publish(t.key, msg, false);
  }

  /** Tells every subscriber of a topic to re-sync (a source restarted or reconnected). */
  broadcastResync(t: TopicState, reason: string): void {
    this.app.publish(
      t.key,
      JSON.stringify({ type: 'resync', topic: t.topic.name, reason } satisfies ServerMessage),
      false,
    );
  }

  /** `<ns>.push.<store>.<kind>[.<id>]`, with `Nats-Msg-Id` `<entity key>:<version>`. */
  onPush(msg: Msg): void {
    this.counters.natsMessages++;
    const parts = msg.subject.slice(this.pushPrefix.length).split('.');
    const store = parts[0];
    const kind = parts[1];
    if (store === undefined || kind === undefined) return;
    const name = kind === 'board' || kind === 'menu' ? kind : `${kind}:${parts[2] ?? ''}`;
    const t = this.topics.get(topicKey(store, name));
    const kitchen = kind === 'order' ? this.topics.kitchensOf(store) : undefined;
    if (t === undefined && kitchen === undefined) return;
    const d = decoded(msg);
    if (!d.ok) return;
    const version = versionOf(msg);
    let key = version.key ?? `${kind}:${parts[2] ?? ''}`;
    const data = d.data as { kind?: unknown; event?: unknown };
    // Board notifications of one order (paid, ready, urge …) are separate facts, not versions of one state.
    if (kind === 'board' && data.kind === 'order') key = `${key}:${String(data.event)}`;
    if (t !== undefined) {
      if (version.key !== null && !t.admit(key, version.v)) this.counters.staleDropped++;
      else this.publish(t, key, version.v, d.data);
    }
    if (kitchen !== undefined) this.orderProgress(store, kitchen, d.data as OrderPush);
  }

  /** `<ns>.alarms.<store>` from a printer daemon, ids `alarm:<store>:<daemon pid>:<n>` (a counter per daemon). */
  onAlarm(msg: Msg): void {
    this.counters.natsMessages++;
    const store = this.wire.storeOfPrinterAlarm(msg.subject);
    const t = store === undefined ? undefined : this.topics.get(topicKey(store, 'printers'));
    if (t === undefined) return;
    const d = decoded(msg);
    if (!d.ok) return;
    const { key, v } = versionOf(msg);
    if (v > 0 && !t.admit(key ?? 'alarm', v)) this.counters.staleDropped++;
    else this.publish(t, key ?? 'alarm', v, d.data);
  }

  /** An order with a ticket on a watched station changed: read its stations and tell those displays. */
  private orderProgress(store: string, kitchens: ReadonlySet<TopicState>, push: OrderPush): void {
    if (!touchesKitchen(push.events)) return;
    let watched = false;
    for (const t of kitchens) if (t.openOrders.has(push.orderId)) watched = true;
    if (!watched) return;
    const key = `${store}/${push.orderId}`;
    const running = this.progressInflight.get(key);
    if (running !== undefined) {
      running.again = true;
      running.v = Math.max(running.v, push.seq);
      return;
    }
    const state = { again: false, v: push.seq };
    this.progressInflight.set(key, state);
    const run = (): void => {
      // The version of what this read answers: the order's own (`OrderDetail.version`), as the
      // kitchen snapshot records it, so a display drops a progress older than its snapshot. A push
      // that arrives while it runs bumps `state.v` and runs another read; that read answers at
      // least the pushed version, so `done` is never lost behind `cooking`.
      const pushed = state.v;
      readOrderStations(this.sources, store, push.orderId).then(
        (detail) => {
          const v = detail?.version ?? pushed;
          for (const t of this.topics.kitchensOf(store) ?? []) {
            if (!t.openOrders.has(push.orderId)) continue;
            const p = detail?.stations.find((x) => x.station === t.topic.id);
            const status = detail?.status ?? 'cancelled';
            const st = p?.state ?? 'void';
            if (isKitchenClosed(status) || (st !== 'queued' && st !== 'cooking')) t.openOrders.delete(push.orderId);
            this.publish(t, `progress:${push.orderId}`, v, {
              kind: 'progress',
              orderId: push.orderId,
              station: t.topic.id,
              state: st,
              status,
            });
          }
          if (state.again) {
            state.again = false;
            run();
          } else this.progressInflight.delete(key);
        },
        (e: unknown) => {
          this.progressInflight.delete(key);
          this.log?.warn({ orderId: push.orderId, err: ensureError(e).message }, 'push: order progress read failed');
        },
      );
    };
    run();
  }
}
