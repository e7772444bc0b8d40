/**
 * Types of ./topic-sequencer.js: the push protocol's topic sequencing, shared by the screens' client
 * (./client.js) and the mini-program's (miniprogram/src/lib/push.ts).
 *
 * The frames are declared here as far as the sequencing reads them, not imported from ./protocol.ts:
 * the mini-program type-checks this file with its own settings and no Node types. The protocol's
 * frames fit them (gateways/test/push-sequencer.test.ts checks that).
 */

export interface SnapshotFrame {
  readonly type: 'snapshot';
  readonly topic: string;
  readonly seq: number;
  readonly versions?: Readonly<Record<string, number>>;
  readonly data: unknown;
}
export interface DeltaFrame {
  readonly type: 'delta';
  readonly topic: string;
  readonly seq: number;
  readonly key: string;
  readonly v?: number;
  readonly data: unknown;
}
export interface HeadsFrame {
  readonly type: 'heads';
  readonly seqs?: Readonly<Record<string, number>>;
}
export interface ResyncFrame {
  readonly type: 'resync';
  readonly topic: string;
}
export interface ErrorFrame {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
  readonly topic?: string;
}
/** The server frames the sequencing acts on. */
export type SequencedFrame = SnapshotFrame | DeltaFrame | HeadsFrame | ResyncFrame | ErrorFrame;

/** The client frames it sends. */
export interface TopicFrame {
  readonly type: 'subscribe' | 'unsubscribe' | 'resync';
  readonly topic: string;
}

/** What a client is told of a topic it follows. */
export interface SequencedHandlers {
  snapshot?(data: any, frame: SnapshotFrame): void;
  delta?(data: any, frame: DeltaFrame): void;
  error?(frame: ErrorFrame): void;
}

export interface TopicState {
  seq: number;
  versions: Record<string, number>;
  ready: boolean;
  readonly handlers: SequencedHandlers | undefined;
}

export interface SequencerStats {
  snapshots: number;
  deltas: number;
  stale: number;
  gaps: number;
  resyncs: number;
  serverResyncs: number;
  heads: number;
  /** Counted by the transport. */
  reconnects: number;
}

export class TopicSequencer {
  /** `send` writes a client frame on the socket and says false when not connected. */
  constructor(send: (frame: TopicFrame) => boolean);
  readonly topics: Map<string, TopicState>;
  readonly stats: SequencerStats;
  subscribe(topic: string, handlers?: SequencedHandlers): TopicState;
  /** Forgets a topic, telling the server when it was followed; false when it was not. */
  unsubscribe(topic: string): boolean;
  /** Asks for a fresh snapshot of a topic; its deltas are ignored until it comes. */
  resync(topic: string): void;
  isReady(topic: string): boolean;
  /** A connection opened: every topic is subscribed again and waits for its snapshot. */
  opened(): void;
  /** The connection is gone: no topic is whole until its next snapshot. */
  closed(): void;
  /** One parsed server frame (any JSON value); frames it does not sequence are ignored. */
  receive(frame: unknown): void;
}
