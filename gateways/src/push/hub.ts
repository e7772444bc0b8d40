/**
 * The push hub of one gateway process: one core NATS subscription on
 * `<ns>.push.>` (and, while a kitchen display is connected, one ordered
 * JetStream consumer on `<ns>.kitchen.>`), fanned out to WebSockets with uWS
 * topics. Each delta is decoded and serialised once per topic, whatever the
 * number of sockets; sockets are never looped over on the hot path.
 */
import { DeliverPolicy, jetstream, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type {
  HttpRequest,
  HttpResponse,
  TemplatedApp,
  WebSocket,
  us_socket_context_t,
} from '@trufflesuite/uws-js-unofficial';
import { decode, ensureError, type EngineClient } from '@lunchrush/engine';
import type { KitchenTicket, OrderPush } from '@lunchrush/actors';
import {
  PushErrorCode,
  parseClientMessage,
  parseTopic,
  topicKey,
  type ClientMessage,
  type PushAuthRequest,
  type PushPrincipal,
  type ServerMessage,
  type StaffAction,
  type Topic,
} from './protocol.js';
import {
  SnapshotNotFound,
  isKitchenClosed,
  kitchenStream,
  readOrderStations,
  readSnapshot,
  type KitchenSnapshot,
  type Snapshot,
  type SnapshotSources,
} from './snapshots.js';
import { DEFAULT_RING_SIZE, TopicState } from './topics.js';

export const DEFAULT_PUSH_PATH = '/ws';
/** Bytes a socket may have queued before deltas to it are dropped (it re-syncs once drained). */
export const DEFAULT_MAX_BACKPRESSURE_BYTES = 256 * 1024;
/** Largest client frame; a larger one closes the socket. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024;
export const DEFAULT_IDLE_TIMEOUT_S = 120;
export const DEFAULT_MAX_SUBSCRIPTIONS = 32;
export const DEFAULT_KITCHEN_WINDOW_MS = 12 * 60 * 60_000;
const MAX_SNAPSHOT_ATTEMPTS = 5;
/**
 * A snapshot stays reusable this long while its topic has no newer delta: a
 * thousand phones joining one table or menu cost one read, and a push lost on
 * the way (core NATS) cannot pin a stale view for longer than this.
 */
export const SNAPSHOT_REUSE_MS = 2_000;
/**
 * Topics whose every change comes with a delta. Not the board (accepting an order
 * pushes nothing to it) nor the printers (a daemon starting up raises no alarm).
 */
const REUSABLE: ReadonlySet<string> = new Set(['table', 'order', 'menu']);
const KITCHEN_RETRY_MS = 1_000;

export interface PushLogger {
  warn(obj: object, msg: string): void;
}

export interface PushDeps {
  readonly nc: NatsConnection;
  /** The engine namespace (`lr`): pushes arrive on `<namespace>.push.>`. */
  readonly namespace: string;
  readonly engine: EngineClient;
  /** Who is connecting; null refuses the upgrade with 401. Called once per connection. */
  authenticate(req: PushAuthRequest): Promise<PushPrincipal | null>;
  /** Overrides the default subscription rules (see `defaultAuthorize`). */
  authorize?: (p: PushPrincipal, topic: Topic) => boolean;
  /** The store's table ids, for the staff board snapshot. */
  listTables?: (store: string) => Promise<readonly string[]>;
  readonly path?: string;
  readonly maxBackpressureBytes?: number;
  readonly maxPayloadBytes?: number;
  readonly idleTimeoutSeconds?: number;
  readonly maxSubscriptions?: number;
  readonly kitchenWindowMs?: number;
  readonly ringSize?: number;
  readonly log?: PushLogger;
}

export interface PushStats {
  sockets: number;
  topics: number;
  subscriptions: number;
  natsMessages: number;
  deltas: number;
  staleDropped: number;
  /** Snapshots sent. */
  snapshots: number;
  /** Snapshot reads from the engine (shared by concurrent subscribers, reused while current). */
  snapshotReads: number;
  snapshotErrors: number;
  /** Sends skipped because the socket was past the bound. */
  droppedSends: number;
  /** `resync` notices sent to sockets that overflowed. */
  resyncNotices: number;
  resyncRequests: number;
  heads: number;
  refusedUpgrades: number;
  /** Largest buffered amount seen on any socket (sampled on drain and after direct sends). */
  peakBufferedBytes: number;
}

interface Sub {
  readonly topic: Topic;
  readonly key: string;
  live: boolean;
  gen: number;
}

export interface SocketData {
  readonly principal: PushPrincipal;
  readonly subs: Map<string, Sub>;
  closed: boolean;
  /** Went past the bound: deltas may have been dropped, every topic re-syncs once drained. */
  overflowed: boolean;
  lastHeads: string;
}

type WS = WebSocket<SocketData>;

/**
 * Default rules: staff see every topic of their store; diners their own table,
 * orders of their table (checked against the order's snapshot) and the menu.
 */
export function defaultAuthorize(p: PushPrincipal, topic: Topic): boolean {
  if (p.kind === 'staff') return true;
  switch (topic.kind) {
    case 'table':
      return p.tableId !== undefined && topic.id === p.tableId;
    case 'order':
    case 'menu':
      return true;
    default:
      return false;
  }
}

const ORDER_KITCHEN_EVENTS: ReadonlySet<string> = new Set([
  'StationStarted',
  'StationDone',
  'Ready',
  'Served',
  'StationsVoided',
  'Cancelled',
  'RefundApproved',
  'Completed',
]);

function copyRequest(req: HttpRequest, res: HttpResponse): PushAuthRequest {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => (headers[k] = v));
  const query = req.getQuery() ?? '';
  return {
    url: req.getUrl(),
    query,
    params: new URLSearchParams(query),
    headers,
    ip: Buffer.from(res.getRemoteAddressAsText()).toString(),
  };
}

export class PushHub {
  private readonly topics = new Map<string, TopicState>();
  /** Kitchen topics by store, for progress deltas. */
  private readonly kitchens = new Map<string, Set<TopicState>>();
  private readonly sockets = new Set<WS>();
  private readonly sources: SnapshotSources;
  private readonly js: JetStreamClient;
  private readonly bound: number;
  private readonly lowWater: number;
  private readonly maxSubs: number;
  private readonly ringSize: number;
  private readonly authorize: (p: PushPrincipal, topic: Topic) => boolean;
  private readonly prefix: string;
  private sub: Subscription | undefined;
  private alarmSub: Subscription | undefined;
  private kitchenFeed: Promise<ConsumerMessages> | undefined;
  private readonly snapshotTexts = new WeakMap<Snapshot, { s0: number; text: string }>();
  private readonly progressInflight = new Map<string, { again: boolean; v: number }>();
  private closed = false;
  readonly counters: Omit<PushStats, 'sockets' | 'topics' | 'subscriptions'> = {
    natsMessages: 0,
    deltas: 0,
    staleDropped: 0,
    snapshots: 0,
    snapshotReads: 0,
    snapshotErrors: 0,
    droppedSends: 0,
    resyncNotices: 0,
    resyncRequests: 0,
    heads: 0,
    refusedUpgrades: 0,
    peakBufferedBytes: 0,
  };

  constructor(
    private readonly app: TemplatedApp,
    private readonly deps: PushDeps,
  ) {
    this.js = jetstream(deps.nc);
    this.sources = {
      engine: deps.engine,
      nc: deps.nc,
      namespace: deps.namespace,
      listTables: deps.listTables,
      js: this.js,
      kitchenWindowMs: deps.kitchenWindowMs ?? DEFAULT_KITCHEN_WINDOW_MS,
    };
    this.bound = deps.maxBackpressureBytes ?? DEFAULT_MAX_BACKPRESSURE_BYTES;
    this.lowWater = Math.floor(this.bound / 4);
    this.maxSubs = deps.maxSubscriptions ?? DEFAULT_MAX_SUBSCRIPTIONS;
    this.ringSize = deps.ringSize ?? DEFAULT_RING_SIZE;
    this.authorize = deps.authorize ?? defaultAuthorize;
    this.prefix = `${deps.namespace}.push.`;
  }

  /** Registers the WebSocket route and subscribes to the engine's pushes. */
  mount(): this {
    this.app.ws<SocketData>(this.deps.path ?? DEFAULT_PUSH_PATH, {
      maxPayloadLength: this.deps.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
      maxBackpressure: this.bound,
      closeOnBackpressureLimit: 0,
      idleTimeout: this.deps.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_S,
      sendPingsAutomatically: true,
      upgrade: (res, req, ctx) => this.upgrade(res, req, ctx),
      open: (ws) => this.open(ws),
      message: (ws, m) => this.message(ws, Buffer.from(m).toString('utf8')),
      drain: (ws) => this.drain(ws),
      close: (ws) => this.close(ws),
    });
    this.sub = this.deps.nc.subscribe(`${this.prefix}>`, {
      callback: (err, msg) => {
        if (err === null) this.onPush(msg);
      },
    });
    // The printer daemon's alarms (core NATS, `<ns>.alarms.<store>`) feed each store's `printers` topic.
    this.alarmSub = this.deps.nc.subscribe(`${this.deps.namespace}.alarms.>`, {
      callback: (err, msg) => {
        if (err === null) this.onAlarm(msg);
      },
    });
    void this.watchStatus();
    return this;
  }

  /** Stops the subscriptions and closes every socket (the app's listen socket is its owner's). */
  async stop(): Promise<void> {
    this.closed = true;
    this.sub?.unsubscribe();
    this.alarmSub?.unsubscribe();
    const feed = this.kitchenFeed;
    this.kitchenFeed = undefined;
    if (feed !== undefined) await feed.then((m) => m.close()).catch(() => undefined);
    for (const ws of [...this.sockets]) ws.end(1001, 'server shutting down');
  }

  stats(): PushStats {
    let subscriptions = 0;
    for (const t of this.topics.values()) subscriptions += t.refs;
    return { sockets: this.sockets.size, topics: this.topics.size, subscriptions, ...this.counters };
  }

  /** Bytes buffered per socket right now (tests and /metrics; loops over sockets, not for the hot path). */
  bufferedBytes(): number[] {
    return [...this.sockets].map((ws) => ws.getBufferedAmount());
  }

  // ---------------------------------------------------------------- sockets

  private upgrade(res: HttpResponse, req: HttpRequest, ctx: us_socket_context_t): void {
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const r = copyRequest(req, res);
    let aborted = false;
    res.onAborted(() => (aborted = true));
    this.deps.authenticate(r).then(
      (principal) => {
        if (aborted) return;
        res.cork(() => {
          if (principal === null) {
            this.counters.refusedUpgrades++;
            res
              .writeStatus('401 Unauthorized')
              .writeHeader('content-type', 'application/json')
              .end(JSON.stringify({ code: PushErrorCode.Unauthorized, message: 'a valid token is required' }));
            return;
          }
          const data: SocketData = { principal, subs: new Map(), closed: false, overflowed: false, lastHeads: '' };
          res.upgrade(data, key, protocol, extensions, ctx);
        });
      },
      (e: unknown) => {
        if (aborted) return;
        this.counters.refusedUpgrades++;
        this.deps.log?.warn({ err: ensureError(e).message }, 'push: authenticate failed');
        res.cork(() => res.writeStatus('401 Unauthorized').end());
      },
    );
  }

  private open(ws: WS): void {
    this.sockets.add(ws);
    const p = ws.getUserData().principal;
    this.send(ws, {
      type: 'welcome',
      kind: p.kind,
      store: p.store,
      role: p.role ?? null,
      tableId: p.tableId ?? null,
      maxSubscriptions: this.maxSubs,
    });
  }

  private close(ws: WS): void {
    this.sockets.delete(ws);
    const ud = ws.getUserData();
    ud.closed = true;
    for (const s of ud.subs.values()) this.release(s.key);
    ud.subs.clear();
  }

  private message(ws: WS, text: string): void {
    const m = parseClientMessage(text);
    if (m === null) {
      this.send(ws, { type: 'error', code: PushErrorCode.BadMessage, message: 'not a push protocol message' });
      return;
    }
    this.handle(ws, m);
  }

  private handle(ws: WS, m: ClientMessage): void {
    const ud = ws.getUserData();
    if (m.type === 'action') {
      this.action(ws, ud, m.ref, m.action, m.orderId, m.station);
      return;
    }
    const topic = parseTopic(m.topic);
    if (topic === null) {
      this.send(ws, { type: 'error', code: PushErrorCode.UnknownTopic, message: 'unknown topic', topic: m.topic });
      return;
    }
    const existing = ud.subs.get(topic.name);
    switch (m.type) {
      case 'subscribe':
        if (existing !== undefined) {
          this.sync(ws, ud, existing, 0);
          return;
        }
        if (!this.authorize(ud.principal, topic)) {
          this.send(ws, { type: 'error', code: PushErrorCode.Forbidden, message: 'not your topic', topic: topic.name });
          return;
        }
        if (ud.subs.size >= this.maxSubs) {
          this.send(ws, {
            type: 'error',
            code: PushErrorCode.TooManySubscriptions,
            message: `at most ${this.maxSubs} topics per connection`,
            topic: topic.name,
          });
          return;
        }
        this.subscribe(ws, ud, topic);
        return;
      case 'unsubscribe':
        if (existing !== undefined) this.drop(ws, ud, existing);
        this.send(ws, { type: 'unsubscribed', topic: topic.name });
        return;
      case 'resync':
        this.counters.resyncRequests++;
        if (existing === undefined) {
          this.send(ws, { type: 'error', code: PushErrorCode.NotFound, message: 'not subscribed', topic: topic.name });
          return;
        }
        this.sync(ws, ud, existing, 0);
        return;
    }
  }

  private subscribe(ws: WS, ud: SocketData, topic: Topic): void {
    const key = topicKey(ud.principal.store, topic.name);
    const s: Sub = { topic, key, live: false, gen: 0 };
    ud.subs.set(topic.name, s);
    this.acquire(key, ud.principal.store, topic);
    this.sync(ws, ud, s, 0);
  }

  /** Ends one subscription of a socket. */
  private drop(ws: WS, ud: SocketData, s: Sub): void {
    ud.subs.delete(s.topic.name);
    if (!ud.closed && ws.isSubscribed(s.key)) ws.unsubscribe(s.key);
    this.release(s.key);
  }

  /** Reads a snapshot (shared with concurrent readers of the topic) and sends it, then the deltas after it. */
  private sync(ws: WS, ud: SocketData, s: Sub, attempt: number): void {
    const t = this.topics.get(s.key);
    if (t === undefined) return;
    const gen = ++s.gen;
    const { s0, promise } = this.snapshot(t);
    promise.then(
      (snap) => {
        if (ud.closed || ud.subs.get(s.topic.name) !== s || s.gen !== gen) return;
        this.deliver(ws, ud, s, t, snap, s0, attempt);
      },
      (e: unknown) => {
        if (ud.closed || ud.subs.get(s.topic.name) !== s || s.gen !== gen) return;
        this.counters.snapshotErrors++;
        const notFound = e instanceof SnapshotNotFound;
        if (notFound) this.drop(ws, ud, s);
        else this.deps.log?.warn({ topic: s.key, err: ensureError(e).message }, 'push: snapshot failed');
        this.send(ws, {
          type: 'error',
          code: notFound ? PushErrorCode.NotFound : PushErrorCode.SnapshotFailed,
          message: ensureError(e).message,
          topic: s.topic.name,
        });
      },
    );
  }

  private deliver(ws: WS, ud: SocketData, s: Sub, t: TopicState, snap: Snapshot, s0: number, attempt: number): void {
    const p = ud.principal;
    if (p.kind === 'diner' && s.topic.kind === 'order') {
      const tableId = (snap.data as { tableId?: unknown }).tableId;
      if (p.tableId === undefined || tableId !== p.tableId) {
        this.drop(ws, ud, s);
        this.send(ws, { type: 'error', code: PushErrorCode.Forbidden, message: 'not your order', topic: s.topic.name });
        return;
      }
    }
    if (s.topic.kind === 'kitchen') {
      for (const x of (snap.data as KitchenSnapshot).tickets) t.openOrders.add(x.ticket.orderId);
    }
    const replay = t.since(s0);
    if (replay === null) {
      // The topic moved on further than the ring holds while we read: read again.
      if (attempt + 1 < MAX_SNAPSHOT_ATTEMPTS) this.sync(ws, ud, s, attempt + 1);
      else this.send(ws, { type: 'resync', topic: s.topic.name, reason: 'topic_too_busy' });
      return;
    }
    if (ws.getBufferedAmount() > this.bound) {
      // Never queue past the bound: the socket re-syncs once it drained.
      this.counters.droppedSends++;
      ud.overflowed = true;
      return;
    }
    const text = this.snapshotText(s.topic.name, s0, snap);
    ws.cork(() => {
      ws.send(text);
      for (const r of replay) ws.send(r.msg);
    });
    this.counters.snapshots++;
    this.notePeak(ws.getBufferedAmount());
    if (!ws.isSubscribed(s.key)) ws.subscribe(s.key);
    s.live = true;
  }

  /** A snapshot shared by many sockets is serialised once. */
  private snapshotText(topic: string, s0: number, snap: Snapshot): string {
    const hit = this.snapshotTexts.get(snap);
    if (hit?.s0 === s0) return hit.text;
    const msg: ServerMessage = { type: 'snapshot', topic, seq: s0, versions: snap.versions, data: snap.data };
    const text = JSON.stringify(msg);
    this.snapshotTexts.set(snap, { s0, text });
    return text;
  }

  private drain(ws: WS): void {
    const ud = ws.getUserData();
    const b = ws.getBufferedAmount();
    this.notePeak(b);
    if (b > this.bound) {
      ud.overflowed = true;
      return;
    }
    if (b > this.lowWater) return;
    if (ud.overflowed) {
      ud.overflowed = false;
      ud.lastHeads = '';
      ws.cork(() => {
        for (const s of ud.subs.values()) {
          this.counters.resyncNotices++;
          s.live = false;
          ws.send(
            JSON.stringify({ type: 'resync', topic: s.topic.name, reason: 'backpressure' } satisfies ServerMessage),
          );
        }
      });
      return;
    }
    // uWS skips a topic's subscribers that are past maxBackpressure without telling
    // anyone: say where each topic is, so a socket that missed its last delta notices.
    const seqs: Record<string, number> = {};
    for (const s of ud.subs.values()) {
      const t = this.topics.get(s.key);
      if (s.live && t !== undefined) seqs[s.topic.name] = t.seq;
    }
    const sig = JSON.stringify(seqs);
    if (sig === ud.lastHeads || sig === '{}') return;
    ud.lastHeads = sig;
    this.counters.heads++;
    ws.send(`{"type":"heads","seqs":${sig}}`);
  }

  private send(ws: WS, m: ServerMessage): void {
    const ud = ws.getUserData();
    if (ud.closed) return;
    if (ws.getBufferedAmount() > this.bound) {
      this.counters.droppedSends++;
      ud.overflowed = true;
      return;
    }
    ws.send(JSON.stringify(m));
    this.notePeak(ws.getBufferedAmount());
  }

  private notePeak(b: number): void {
    if (b > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = b;
  }

  // ---------------------------------------------------------------- staff actions

  private action(ws: WS, ud: SocketData, ref: string, action: StaffAction, orderId: string, station?: string): void {
    const p = ud.principal;
    if (p.kind !== 'staff') {
      this.send(ws, { type: 'error', code: PushErrorCode.Forbidden, message: 'staff only', ref });
      return;
    }
    const stationAction = action === 'start' || action === 'finish';
    // The staff API's rule: only the kitchen (and managers) start and bump stations.
    if (stationAction && p.role !== undefined && p.role !== 'kitchen' && p.role !== 'manager') {
      this.send(ws, { type: 'error', code: PushErrorCode.Forbidden, message: 'kitchen staff only', ref });
      return;
    }
    if (stationAction && station === undefined) {
      this.send(ws, { type: 'error', code: PushErrorCode.BadMessage, message: 'station required', ref });
      return;
    }
    const at = Date.now();
    const by = { role: p.role === 'manager' ? 'manager' : 'staff', id: p.id ?? p.role ?? 'staff' };
    const cmd =
      action === 'accept'
        ? { type: 'accept', by, at }
        : action === 'serve'
          ? { type: 'serve', by, at }
          : { type: action === 'start' ? 'startStation' : 'finishStation', station, at };
    const ud0 = ud;
    this.deps.engine.send(p.store, 'order', orderId, cmd, { id: `push:${p.store}:${ref}` }).then(
      (result) => {
        if (!ud0.closed) ws.cork(() => this.send(ws, { type: 'ack', ref, result }));
      },
      (e: unknown) => {
        if (ud0.closed) return;
        const err = e as { reason?: string; code?: string };
        ws.cork(() =>
          this.send(ws, {
            type: 'error',
            code: PushErrorCode.CommandFailed,
            message: `${err.reason ?? err.code ?? 'error'}: ${ensureError(e).message}`,
            ref,
          }),
        );
      },
    );
  }

  // ---------------------------------------------------------------- topics

  private acquire(key: string, store: string, topic: Topic): TopicState {
    let t = this.topics.get(key);
    if (t === undefined) {
      t = new TopicState(key, store, topic, this.ringSize);
      this.topics.set(key, t);
      if (topic.kind === 'kitchen') {
        let set = this.kitchens.get(store);
        if (set === undefined) this.kitchens.set(store, (set = new Set()));
        set.add(t);
      }
    }
    t.refs++;
    return t;
  }

  private release(key: string): void {
    const t = this.topics.get(key);
    if (t === undefined || --t.refs > 0) return;
    this.topics.delete(key);
    if (t.topic.kind === 'kitchen') {
      const set = this.kitchens.get(t.store);
      set?.delete(t);
      if (set?.size === 0) this.kitchens.delete(t.store);
    }
  }

  private snapshot(t: TopicState): { s0: number; promise: Promise<Snapshot> } {
    if (t.inflight !== undefined) return t.inflight;
    const c = t.cached;
    if (
      c !== undefined &&
      c.s0 === t.seq &&
      performance.now() - c.at < SNAPSHOT_REUSE_MS &&
      REUSABLE.has(t.topic.kind)
    ) {
      return { s0: c.s0, promise: Promise.resolve(c.snap) };
    }
    const s0 = t.seq;
    this.counters.snapshotReads++;
    const ready = t.topic.kind === 'kitchen' ? this.ensureKitchenFeed().then(() => undefined) : Promise.resolve();
    const promise = ready.then(() => readSnapshot(this.sources, t.store, t.topic));
    const inflight = { s0, promise };
    t.inflight = inflight;
    const clear = (): void => {
      if (t.inflight === inflight) t.inflight = undefined;
    };
    promise.then((snap) => {
      clear();
      t.cached = { s0, snap, at: performance.now() };
    }, clear);
    return inflight;
  }

  /** Publishes a delta to a topic's subscribers: one serialisation, one uWS publish. */
  private publish(t: TopicState, key: string, v: number, data: unknown): void {
    const name = t.topic.name;
    const msg = t.record((seq) => JSON.stringify({ type: 'delta', topic: name, seq, key, v, data }));
    this.counters.deltas++;
    this.app.publish(t.key, msg, false);
  }

  // ---------------------------------------------------------------- sources

  private onPush(msg: Msg): void {
    this.counters.natsMessages++;
    const parts = msg.subject.slice(this.prefix.length).split('.');
    const store = parts[0];
    const kind = parts[1];
    if (store === undefined || kind === undefined) return;
    const name = kind === 'board' || kind === 'menu' ? kind : `${kind}:${parts[2] ?? ''}`;
    const t = this.topics.get(topicKey(store, name));
    const kitchen = kind === 'order' ? this.kitchens.get(store) : undefined;
    if (t === undefined && kitchen === undefined) return;
    let data: unknown;
    try {
      data = decode(msg.data);
    } catch {
      return;
    }
    const id = msg.headers?.get('Nats-Msg-Id') ?? '';
    const i = id.lastIndexOf(':');
    let key = i < 0 ? `${kind}:${parts[2] ?? ''}` : id.slice(0, i);
    const v = i < 0 ? 0 : Number(id.slice(i + 1)) || 0;
    const d = data as { kind?: unknown; event?: unknown };
    // Board notifications of one order (paid, ready, urge …) are separate facts, not versions of one state.
    if (kind === 'board' && d.kind === 'order') key = `${key}:${String(d.event)}`;
    if (t !== undefined) {
      if (i >= 0 && !t.admit(key, v)) this.counters.staleDropped++;
      else this.publish(t, key, v, data);
    }
    if (kitchen !== undefined) this.orderProgress(store, kitchen, data as OrderPush);
  }

  private onAlarm(msg: Msg): void {
    this.counters.natsMessages++;
    const store = msg.subject.slice(this.deps.namespace.length + '.alarms.'.length);
    const t = this.topics.get(topicKey(store, 'printers'));
    if (t === undefined) return;
    let data: unknown;
    try {
      data = decode(msg.data);
    } catch {
      return;
    }
    // `alarm:<store>:<daemon pid>:<n>`: one counter per daemon process.
    const id = msg.headers?.get('Nats-Msg-Id') ?? '';
    const i = id.lastIndexOf(':');
    const key = i < 0 ? 'alarm' : id.slice(0, i);
    const v = i < 0 ? 0 : Number(id.slice(i + 1)) || 0;
    if (v > 0 && !t.admit(key, v)) this.counters.staleDropped++;
    else this.publish(t, key, v, data);
  }

  /** An order with a ticket on a watched station changed: read its stations and tell those displays. */
  private orderProgress(store: string, kitchens: Set<TopicState>, push: OrderPush): void {
    if (!push.events.some((e) => ORDER_KITCHEN_EVENTS.has(e))) return;
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
      // The version this read answers for: a push that arrives while it runs bumps `state.v` and
      // runs another read, which must not find its own version already used by this older answer
      // (clients drop a delta whose version they have seen, so `done` would be lost behind `cooking`).
      const v = state.v;
      readOrderStations(this.sources, store, push.orderId).then(
        (detail) => {
          for (const t of this.kitchens.get(store) ?? []) {
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
          this.deps.log?.warn(
            { orderId: push.orderId, err: ensureError(e).message },
            'push: order progress read failed',
          );
        },
      );
    };
    run();
  }

  /** One ordered consumer per process on every store's kitchen subjects, from now on. */
  private ensureKitchenFeed(): Promise<ConsumerMessages> {
    if (this.kitchenFeed !== undefined) return this.kitchenFeed;
    const ns = this.deps.namespace;
    const feed = this.js.consumers
      .get(kitchenStream(ns), { filter_subjects: `${ns}.kitchen.>`, deliver_policy: DeliverPolicy.New })
      .then((c) => c.consume({ max_messages: 256 }));
    this.kitchenFeed = feed;
    feed.then(
      (msgs) => void this.readKitchenFeed(msgs),
      (e: unknown) => {
        this.deps.log?.warn({ err: ensureError(e).message }, 'push: kitchen feed not available');
        // Let the next kitchen subscription try again.
        if (this.kitchenFeed === feed) this.kitchenFeed = undefined;
      },
    );
    return feed;
  }

  private async readKitchenFeed(msgs: ConsumerMessages): Promise<void> {
    const base = `${this.deps.namespace}.kitchen.`;
    try {
      for await (const m of msgs) {
        const [store, station] = m.subject.slice(base.length).split('.');
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
        this.publish(t, ticket.ticketId, m.seq, { kind: 'ticket', ticket });
      }
    } catch (e) {
      this.deps.log?.warn({ err: ensureError(e).message }, 'push: kitchen feed stopped');
    }
    if (this.closed) return;
    // Restarted from "new": whatever came meanwhile is only in a fresh snapshot.
    this.kitchenFeed = undefined;
    setTimeout(() => {
      if (this.closed || this.kitchens.size === 0) return;
      void this.ensureKitchenFeed().then(() => {
        for (const set of this.kitchens.values())
          for (const t of set) {
            t.cached = undefined;
            this.broadcastResync(t, 'source_restarted');
          }
      });
    }, KITCHEN_RETRY_MS);
  }

  private broadcastResync(t: TopicState, reason: string): void {
    this.app.publish(
      t.key,
      JSON.stringify({ type: 'resync', topic: t.topic.name, reason } satisfies ServerMessage),
      false,
    );
  }

  /** After a NATS reconnect pushes may have been lost: every topic re-syncs. */
  private async watchStatus(): Promise<void> {
    for await (const s of this.deps.nc.status()) {
      if (this.closed) return;
      if (s.type !== 'reconnect') continue;
      for (const t of this.topics.values()) {
        t.cached = undefined;
        this.broadcastResync(t, 'source_reconnected');
      }
    }
  }
}
