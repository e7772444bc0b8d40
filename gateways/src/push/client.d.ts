/** Types of ./client.js: the push protocol client for browsers and Node. */

import type { ServerMessage } from './protocol.js';
import type { SequencerStats, TopicState } from './topic-sequencer.js';

/** The server's frames the client hands on, as the protocol defines them. */
export type DeltaMessage = Extract<ServerMessage, { type: 'delta' }>;
export type SnapshotMessage = Extract<ServerMessage, { type: 'snapshot' }>;
export type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

export interface TopicHandlers {
  snapshot?(data: any, msg: SnapshotMessage): void;
  delta?(data: any, msg: DeltaMessage): void;
  error?(msg: ErrorMessage): void;
}

/** A followed topic as ./topic-sequencer.js keeps it. */
export interface TopicView extends TopicState {
  /** Snapshot reads that failed in a row (retried with backoff). */
  failures?: number;
  readonly handlers: TopicHandlers | undefined;
}

export type PushClientStats = SequencerStats;

export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface PushClientOptions {
  /** A WebSocket constructor (the `ws` package in Node); default `globalThis.WebSocket`. */
  WebSocket?: new (url: string) => WebSocketLike;
  reconnect?: boolean;
  backoffMs?: number;
  maxBackoffMs?: number;
  onStatus?(status: 'open' | 'closed' | 'welcome', detail?: unknown): void;
  onError?(msg: ErrorMessage): void;
}

export class PushClient {
  constructor(url: string, opts?: PushClientOptions);
  readonly url: string;
  readonly topics: Map<string, TopicView>;
  readonly stats: PushClientStats;
  readonly welcome: { kind: string; store: string; role: string | null; tableId: string | null } | null;
  readonly socket: WebSocketLike | null;
  subscribe(topic: string, handlers?: TopicHandlers): TopicView;
  unsubscribe(topic: string): void;
  action(action: 'accept' | 'start' | 'finish' | 'serve', orderId: string, station?: string): Promise<unknown>;
  resync(topic: string): void;
  close(): void;
}
