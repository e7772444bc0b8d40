/**
 * The push hub of one gateway process: a core NATS subscription per push subject
 * a socket here follows (interest.ts; `<ns>.alarms.>` always, and while a kitchen
 * display is connected, one ordered JetStream consumer on `<ns>.kitchen.>`), fanned out to WebSockets with uWS
 * topics. Each delta is decoded and serialised once per topic, whatever the
 * number of sockets; sockets are never looped over on the hot path.
 *
 * This file puts the parts together and owns the WebSocket route:
 *
 * - socket-auth.ts — who a socket is (the upgrade) and what it may follow;
 * - subscriptions.ts — subscribe, unsubscribe and resync frames;
 * - snapshot-sync.ts — snapshots (shared, reused while current), replay, backpressure resync;
 * - interest.ts — which push subjects this process listens to (those of its topics);
 * - fanout.ts, kitchen-feed.ts — NATS pushes, alarms and kitchen tickets become deltas;
 * - staff-actions.ts — accept, start, bump and serve sent on a socket;
 * - topics.ts, sockets.ts — per-topic and per-socket state.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { TemplatedApp } from '@trufflesuite/uws-js-unofficial';
import type { StoreView } from '@lunchrush/actors';
import type { EngineClient } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import type { PushEngine, PushLogger } from './deps.js';
import { Fanout } from './fanout.js';
import { PushInterest } from './interest.js';
import { KitchenFeed } from './kitchen-feed.js';
import { PushErrorCode, parseClientMessage, type PushAuthRequest, type PushPrincipal, type Topic } from './protocol.js';
import { defaultAuthorize, upgradeSocket } from './socket-auth.js';
import { SnapshotSync } from './snapshot-sync.js';
import { staffAction } from './staff-actions.js';
import { SocketWriter, newCounters, type PushCounters, type PushStats, type SocketData, type WS } from './sockets.js';
import { Subscriptions } from './subscriptions.js';
import { DEFAULT_RING_SIZE, TopicRegistry } from './topics.js';

export { defaultAuthorize } from './socket-auth.js';
export type { PushEngine, PushLogger } from './deps.js';
export type { PushStats, SocketData } from './sockets.js';

export const DEFAULT_PUSH_PATH = '/ws';
/** Bytes a socket may have queued before deltas to it are dropped (it re-syncs once drained). */
export const DEFAULT_MAX_BACKPRESSURE_BYTES = 256 * 1024;
/** Largest client frame; a larger one closes the socket. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024;
export const DEFAULT_IDLE_TIMEOUT_S = 120;
export const DEFAULT_MAX_SUBSCRIPTIONS = 32;
export const DEFAULT_KITCHEN_WINDOW_MS = 12 * 60 * 60_000;

export interface PushDeps {
  readonly nc: NatsConnection;
  /** The engine namespace (`lr`): pushes arrive on `<namespace>.push.<store>.…`. */
  readonly namespace: string;
  /**
   * Snapshot reads and staff actions go here: the gateway's `EngineGate`, so they count against
   * the same in-flight limit (and deadline) as its HTTP routes. A bare `EngineClient` has no limit.
   */
  readonly engine: PushEngine | EngineClient;
  /** Who is connecting; null refuses the upgrade with 401. Called once per connection. */
  authenticate(req: PushAuthRequest): Promise<PushPrincipal | null>;
  /** Overrides the default subscription rules (see `defaultAuthorize`). */
  authorize?: (p: PushPrincipal, topic: Topic) => boolean;
  /**
   * The store's view with its table list, for the staff board snapshot (the gateway's `StoreTables`,
   * which moves a list the gateway kept before stores did); without it the store actor is read.
   */
  readStore?: (store: string, at: number) => Promise<StoreView>;
  readonly path?: string;
  readonly maxBackpressureBytes?: number;
  readonly maxPayloadBytes?: number;
  readonly idleTimeoutSeconds?: number;
  readonly maxSubscriptions?: number;
  readonly kitchenWindowMs?: number;
  readonly ringSize?: number;
  readonly log?: PushLogger;
}

export class PushHub {
  readonly counters: PushCounters = newCounters();
  private readonly sockets = new Set<WS>();
  private readonly topics: TopicRegistry;
  private readonly engine: PushEngine;
  private readonly writer: SocketWriter;
  private readonly fanout: Fanout;
  private readonly kitchenFeed: KitchenFeed;
  private readonly sync: SnapshotSync;
  private readonly subscriptions: Subscriptions;
  private readonly maxSubs: number;
  private readonly interest: PushInterest;
  private alarmSub: Subscription | undefined;
  private closed = false;

  constructor(
    private readonly app: TemplatedApp,
    private readonly deps: PushDeps,
  ) {
    const js = jetstream(deps.nc);
    const log = deps.log;
    this.engine = deps.engine;
    // A topic's first subscriber starts listening to its pushes, its last one stops (interest.ts).
    this.topics = new TopicRegistry(deps.ringSize ?? DEFAULT_RING_SIZE, {
      created: (t) => {
        const subject = this.interest.subjectOf(t.store, t.topic);
        return subject === undefined ? Promise.resolve() : this.interest.acquire(subject);
      },
      removed: (t) => {
        const subject = this.interest.subjectOf(t.store, t.topic);
        if (subject !== undefined) this.interest.release(subject);
      },
    });
    this.maxSubs = deps.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS;
    this.writer = new SocketWriter(deps.maxBackpressureBytes ?? DEFAULT_MAX_BACKPRESSURE_BYTES, this.counters);
    const sources = {
      engine: this.engine,
      nc: deps.nc,
      namespace: deps.namespace,
      readStore: deps.readStore,
      js,
      kitchenWindowMs: deps.kitchenWindowMs ?? DEFAULT_KITCHEN_WINDOW_MS,
    };
    this.fanout = new Fanout(app, this.topics, this.counters, sources, log);
    const n = names(deps.namespace);
    this.interest = new PushInterest(
      deps.nc,
      (relative) => n.subject(relative),
      (m) => this.fanout.onPush(m),
    );
    this.kitchenFeed = new KitchenFeed(js, deps.namespace, this.topics, this.fanout, this.counters, log);
    this.sync = new SnapshotSync({
      topics: this.topics,
      writer: this.writer,
      counters: this.counters,
      sources,
      kitchenFeedReady: () => this.kitchenFeed.ensure(),
      log,
    });
    this.subscriptions = new Subscriptions({
      topics: this.topics,
      writer: this.writer,
      sync: this.sync,
      counters: this.counters,
      authorize: deps.authorize ?? defaultAuthorize,
      maxSubscriptions: this.maxSubs,
    });
  }

  /** Registers the WebSocket route and subscribes to the printer daemons' alarms (pushes: per topic, interest.ts). */
  mount(): this {
    this.app.ws<SocketData>(this.deps.path ?? DEFAULT_PUSH_PATH, {
      maxPayloadLength: this.deps.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      maxBackpressure: this.writer.bound,
      closeOnBackpressureLimit: 0,
      idleTimeout: this.deps.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_S,
      sendPingsAutomatically: true,
      upgrade: (res, req, ctx) =>
        upgradeSocket(res, req, ctx, (r) => this.deps.authenticate(r), this.counters, this.deps.log),
      open: (ws) => this.open(ws),
      message: (ws, m) => this.message(ws, Buffer.from(m).toString('utf8')),
      drain: (ws) => this.sync.drain(ws),
      close: (ws) => {
        this.sockets.delete(ws);
        this.subscriptions.closed(ws.getUserData());
      },
    });
    const { alarms } = this.fanout.subjects;
    // The printer daemon's alarms (core NATS, `<ns>.alarms.<store>`) feed each store's `printers` topic.
    this.alarmSub = this.deps.nc.subscribe(alarms, {
      callback: (err, msg) => {
        if (err === null) this.fanout.onAlarm(msg);
      },
    });
    void this.watchStatus();
    return this;
  }

  /** Stops the subscriptions and closes every socket (the app's listen socket is its owner's). */
  async stop(): Promise<void> {
    this.closed = true;
    this.interest.close();
    this.alarmSub?.unsubscribe();
    await this.kitchenFeed.stop();
    for (const ws of [...this.sockets]) ws.end(1001, 'server shutting down');
  }

  stats(): PushStats {
    return {
      sockets: this.sockets.size,
      topics: this.topics.size,
      subscriptions: this.topics.subscriptions(),
      ...this.counters,
    };
  }

  /**
   * Closes every socket whose principal `revoked` names (1008, the reason in the frame): e.g. a
   * staff account switched off. Loops over the sockets: for rare events, not the hot path.
   */
  closeWhere(revoked: (p: PushPrincipal) => boolean, reason: string): number {
    let n = 0;
    for (const ws of [...this.sockets])
      if (revoked(ws.getUserData().principal)) {
        ws.end(1008, reason);
        n++;
      }
    return n;
  }

  /** Bytes buffered per socket right now (tests and /metrics; loops over sockets, not for the hot path). */
  bufferedBytes(): number[] {
    return [...this.sockets].map((ws) => ws.getBufferedAmount());
  }

  private open(ws: WS): void {
    this.sockets.add(ws);
    const p = ws.getUserData().principal;
    this.writer.send(ws, {
      type: 'welcome',
      kind: p.kind,
      store: p.store,
      role: p.role ?? null,
      tableId: p.tableId ?? null,
      maxSubscriptions: this.maxSubs,
    });
  }

  private message(ws: WS, text: string): void {
    const m = parseClientMessage(text);
    if (m === null)
      this.writer.send(ws, { type: 'error', code: PushErrorCode.BadMessage, message: 'not a push protocol message' });
    else if (m.type === 'action') staffAction(this.engine, this.writer, ws, ws.getUserData(), m);
    else this.subscriptions.handle(ws, ws.getUserData(), m);
  }

  /** After a NATS reconnect pushes may have been lost: every topic re-syncs. */
  private async watchStatus(): Promise<void> {
    for await (const s of this.deps.nc.status()) {
      if (this.closed) return;
      if (s.type !== 'reconnect') continue;
      for (const t of this.topics.values()) {
        t.cached = undefined;
        this.fanout.broadcastResync(t, 'source_reconnected');
      }
    }
  }
}
