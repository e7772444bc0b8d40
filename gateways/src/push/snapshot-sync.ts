/**
 * Snapshots and resync: a socket starts (and starts again after a gap) from a
 * snapshot of its topic, then the deltas recorded after the read began. One read
 * is shared by every socket that asks meanwhile and reused while the topic has no
 * newer delta; a socket that drained after overflowing re-syncs every topic, and
 * one that drained otherwise is told where each topic is (`heads`).
 */
import { ensureError } from '@lunchrush/engine';
import type { PushLogger } from './deps.js';
import { PushErrorCode, type PushPrincipal, type ServerMessage } from './protocol.js';
import {
  SnapshotNotFound,
  readSnapshot,
  type KitchenSnapshot,
  type Snapshot,
  type SnapshotSources,
} from './snapshots.js';
import { endSubscription, type HubParts, type SocketData, type Sub, type WS } from './sockets.js';
import type { InflightSnapshot, TopicState } from './topics.js';

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

export interface SyncParts extends HubParts {
  readonly sources: SnapshotSources;
  /** Resolves once the kitchen feed runs: a kitchen snapshot is read after it, so no ticket falls between. */
  readonly kitchenFeedReady: () => Promise<unknown>;
  readonly log: PushLogger | undefined;
}

/**
 * A diner follows an order of the table they sit at, or one they placed themselves (a delivery
 * order has no table: its diner, not seated, follows it by the id the session names).
 */
function dinersOrder(p: PushPrincipal, data: unknown): boolean {
  const o = data as { tableId?: unknown; dinerId?: unknown };
  if (p.tableId !== undefined && o.tableId === p.tableId) return true;
  return p.id !== undefined && o.dinerId === p.id;
}

export class SnapshotSync {
  private readonly snapshotTexts = new WeakMap<Snapshot, { s0: number; text: string }>();

  constructor(private readonly p: SyncParts) {}

  /** Reads a snapshot (shared with concurrent readers of the topic) and sends it, then the deltas after it. */
  sync(ws: WS, ud: SocketData, s: Sub, attempt = 0): void {
    const t = this.p.topics.get(s.key);
    if (t === undefined) return;
    const gen = ++s.gen;
    const { s0, promise } = this.snapshot(t);
    const current = (): boolean => !ud.closed && ud.subs.get(s.topic.name) === s && s.gen === gen;
    promise.then(
      (snap) => {
        if (current()) this.deliver(ws, ud, s, t, snap, s0, attempt);
      },
      (e: unknown) => {
        if (!current()) return;
        this.p.counters.snapshotErrors++;
        const notFound = e instanceof SnapshotNotFound;
        if (notFound) endSubscription(ws, ud, s, this.p.topics);
        else this.p.log?.warn({ topic: s.key, err: ensureError(e).message }, 'push: snapshot failed');
        this.p.writer.send(ws, {
          type: 'error',
          code: notFound ? PushErrorCode.NotFound : PushErrorCode.SnapshotFailed,
          message: ensureError(e).message,
          topic: s.topic.name,
        });
      },
    );
  }

  /** A socket's buffer went down: re-sync it if it overflowed, else tell it where its topics are. */
  drain(ws: WS): void {
    const ud = ws.getUserData();
    const b = ws.getBufferedAmount();
    const w = this.p.writer;
    w.notePeak(b);
    if (b > w.bound) {
      ud.overflowed = true;
      return;
    }
    if (b > w.lowWater) return;
    if (ud.overflowed) {
      ud.overflowed = false;
      ud.lastHeads = '';
      ws.cork(() => {
        for (const s of ud.subs.values()) {
          this.p.counters.resyncNotices++;
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
      const t = this.p.topics.get(s.key);
      if (s.live && t !== undefined) seqs[s.topic.name] = t.seq;
    }
    const sig = JSON.stringify(seqs);
    if (sig === ud.lastHeads || sig === '{}') return;
    ud.lastHeads = sig;
    this.p.counters.heads++;
    ws.send(`{"type":"heads","seqs":${sig}}`);
  }

  private deliver(ws: WS, ud: SocketData, s: Sub, t: TopicState, snap: Snapshot, s0: number, attempt: number): void {
    const p = ud.principal;
    if (p.kind === 'diner' && s.topic.kind === 'order' && !dinersOrder(p, snap.data)) {
      endSubscription(ws, ud, s, this.p.topics);
      this.p.writer.send(ws, {
        type: 'error',
        code: PushErrorCode.Forbidden,
        message: 'not your order',
        topic: s.topic.name,
      });
      return;
    }
    if (s.topic.kind === 'kitchen') {
      for (const x of (snap.data as KitchenSnapshot).tickets) t.openOrders.add(x.ticket.orderId);
    }
    const replay = t.since(s0);
    if (replay === null) {
      // The topic moved on further than the ring holds while we read: read again.
      if (attempt + 1 < MAX_SNAPSHOT_ATTEMPTS) this.sync(ws, ud, s, attempt + 1);
      else this.p.writer.send(ws, { type: 'resync', topic: s.topic.name, reason: 'topic_too_busy' });
      return;
    }
    // Never queue past the bound: the socket re-syncs once it drained.
    if (!this.p.writer.room(ws, ud)) return;
    const text = this.snapshotText(s.topic.name, s0, snap);
    ws.cork(() => {
      ws.send(text);
      for (const r of replay) ws.send(r.msg);
    });
    this.p.counters.snapshots++;
    this.p.writer.notePeak(ws.getBufferedAmount());
    if (!ws.isSubscribed(s.key)) ws.subscribe(s.key);
    s.live = true;
  }

  /** The topic's snapshot: the read under way, a recent one still current, or a new read. */
  private snapshot(t: TopicState): InflightSnapshot {
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
    this.p.counters.snapshotReads++;
    // Read only once this process hears the topic's pushes (and, for a kitchen, its ticket feed).
    const ready = t.topic.kind === 'kitchen' ? Promise.all([t.ready, this.p.kitchenFeedReady()]) : t.ready;
    const promise = ready.then(() => readSnapshot(this.p.sources, t.store, t.topic));
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

  /** A snapshot shared by many sockets is serialised once. */
  private snapshotText(topic: string, s0: number, snap: Snapshot): string {
    const hit = this.snapshotTexts.get(snap);
    if (hit?.s0 === s0) return hit.text;
    const msg: ServerMessage = { type: 'snapshot', topic, seq: s0, versions: snap.versions, data: snap.data };
    const text = JSON.stringify(msg);
    this.snapshotTexts.set(snap, { s0, text });
    return text;
  }
}
