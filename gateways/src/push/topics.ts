/**
 * Per-topic state of one gateway process: the topic's delta sequence, a short
 * ring of recent deltas (replayed after a snapshot read that raced with them),
 * the latest version of each entity seen (stale and repeated pushes are
 * dropped), and the snapshot read in flight (shared by every socket that asks
 * meanwhile). A topic exists only while a socket is subscribed or subscribing.
 */
import type { Snapshot } from './snapshots.js';
import type { Topic } from './protocol.js';

export const DEFAULT_RING_SIZE = 256;
/** Entities whose versions a topic remembers (a board sees every order of the day). */
const MAX_VERSIONS = 4_096;

export interface RingEntry {
  readonly seq: number;
  readonly msg: string;
}

export interface InflightSnapshot {
  /** The topic's seq when the read started: deltas after it may not be in the snapshot. */
  readonly s0: number;
  readonly promise: Promise<Snapshot>;
}

export class TopicState {
  seq = 0;
  /** Sockets subscribed or subscribing. */
  refs = 0;
  inflight: InflightSnapshot | undefined;
  /** The last snapshot read, reusable while no delta came after it (and it is young). */
  cached: { readonly s0: number; readonly snap: Snapshot; readonly at: number } | undefined;
  /** Kitchen topics: orders with an open ticket here, whose progress the gateway follows. */
  readonly openOrders = new Set<string>();
  private readonly ring: (RingEntry | undefined)[];
  private readonly versions = new Map<string, number>();

  constructor(
    readonly key: string,
    readonly store: string,
    readonly topic: Topic,
    ringSize = DEFAULT_RING_SIZE,
  ) {
    this.ring = new Array<RingEntry | undefined>(ringSize);
  }

  /** False when this version of `key` (or a later one) was already delivered. */
  admit(key: string, v: number): boolean {
    const last = this.versions.get(key);
    if (last !== undefined && v <= last) return false;
    if (last !== undefined) this.versions.delete(key);
    else if (this.versions.size >= MAX_VERSIONS) this.versions.delete(this.versions.keys().next().value!);
    this.versions.set(key, v);
    return true;
  }

  /** Assigns the next seq to a delta and remembers it for replay. */
  record(build: (seq: number) => string): string {
    const seq = ++this.seq;
    const msg = build(seq);
    this.ring[seq % this.ring.length] = { seq, msg };
    return msg;
  }

  /**
   * The deltas after `s0`, in order; null when the ring no longer holds all
   * of them (the topic moved on too far during the snapshot read).
   */
  since(s0: number): RingEntry[] | null {
    if (this.seq - s0 > this.ring.length) return null;
    const out: RingEntry[] = [];
    for (let s = s0 + 1; s <= this.seq; s++) {
      const e = this.ring[s % this.ring.length];
      if (e?.seq !== s) return null;
      out.push(e);
    }
    return out;
  }
}
