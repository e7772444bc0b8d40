/**
 * What the hub keeps per socket (its principal and subscriptions), its counters,
 * and how it writes to one socket: never past the backpressure bound (a socket
 * past it is marked overflowed and re-syncs every topic once drained).
 */
import type { WebSocket } from '@trufflesuite/uws-js-unofficial';
import type { PushPrincipal, ServerMessage, Topic } from './protocol.js';
import type { TopicRegistry } from './topics.js';

/** One topic a socket follows. */
export interface Sub {
  readonly topic: Topic;
  /** The uWS topic and topic state key (`topicKey`). */
  readonly key: string;
  /** Its snapshot was sent: deltas reach it through the uWS topic. */
  live: boolean;
  /** Bumped by each snapshot read for it, so only the latest read's answer is sent. */
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

export type WS = WebSocket<SocketData>;

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

/** The counters the hub's parts add to; `PushStats` adds what is counted on demand. */
export type PushCounters = Omit<PushStats, 'sockets' | 'topics' | 'subscriptions'>;

export function newCounters(): PushCounters {
  return {
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
}

/** Writes to one socket at a time, never queueing past `bound` bytes. */
export class SocketWriter {
  /** Below this a drained socket that overflowed re-syncs. */
  readonly lowWater: number;

  constructor(
    readonly bound: number,
    private readonly counters: PushCounters,
  ) {
    this.lowWater = Math.floor(bound / 4);
  }

  /** True when the socket may be written to; otherwise the send is counted as dropped and the socket overflowed. */
  room(ws: WS, ud: SocketData): boolean {
    if (ws.getBufferedAmount() <= this.bound) return true;
    this.counters.droppedSends++;
    ud.overflowed = true;
    return false;
  }

  send(ws: WS, m: ServerMessage): void {
    const ud = ws.getUserData();
    if (ud.closed || !this.room(ws, ud)) return;
    ws.send(JSON.stringify(m));
    this.notePeak(ws.getBufferedAmount());
  }

  notePeak(b: number): void {
    if (b > this.counters.peakBufferedBytes) this.counters.peakBufferedBytes = b;
  }
}

/** What the hub's parts share: its topics, its way of writing to a socket, its counters. */
export interface HubParts {
  readonly topics: TopicRegistry;
  readonly writer: SocketWriter;
  readonly counters: PushCounters;
}

/** Ends one subscription of a socket: off the uWS topic, and the topic released. */
export function endSubscription(ws: WS, ud: SocketData, s: Sub, topics: TopicRegistry): void {
  ud.subs.delete(s.topic.name);
  if (!ud.closed && ws.isSubscribed(s.key)) ws.unsubscribe(s.key);
  topics.release(s.key);
}
