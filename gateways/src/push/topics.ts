/**
 * Per-topic state of one gateway process: the topic's delta sequence, a short
 * ring of recent deltas (replayed after a snapshot read that raced with them),
 * the latest version of each entity seen (stale and repeated pushes are
 * dropped), and the snapshot read in flight (shared by every socket that asks
 * meanwhile). A topic exists only while a socket is subscribed or subscribing
 * (`TopicRegistry`).
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
  /** Resolves once this process listens to the topic's pushes (see `TopicHooks`). */
  ready: Promise<void> = Promise.resolve();
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

/** Called when a topic is made (its first subscriber) and when it goes (its last one left). */
export interface TopicHooks {
  /** Returns when the topic's pushes reach this process (`TopicState.ready`). */
  created(t: TopicState): Promise<void>;
  removed(t: TopicState): void;
}

/** The topics this process serves, by key, and its kitchen topics by store (for progress deltas). */
export class TopicRegistry {
  private readonly byKey = new Map<string, TopicState>();
  private readonly kitchens = new Map<string, Set<TopicState>>();

  constructor(
    private readonly ringSize = DEFAULT_RING_SIZE,
    private readonly hooks?: TopicHooks,
  ) {}

  get(key: string): TopicState | undefined {
    return this.byKey.get(key);
  }

  get size(): number {
    return this.byKey.size;
  }

  values(): IterableIterator<TopicState> {
    return this.byKey.values();
  }

  /** Sockets subscribed or subscribing, over every topic. */
  subscriptions(): number {
    let n = 0;
    for (const t of this.byKey.values()) n += t.refs;
    return n;
  }

  /** The kitchen topics of a store; undefined when it has none. */
  kitchensOf(store: string): ReadonlySet<TopicState> | undefined {
    return this.kitchens.get(store);
  }

  /** Every kitchen topic of every store. */
  *allKitchens(): IterableIterator<TopicState> {
    for (const set of this.kitchens.values()) yield* set;
  }

  get hasKitchens(): boolean {
    return this.kitchens.size > 0;
  }

  /** A socket subscribes: the topic is made on its first subscriber. */
  acquire(key: string, store: string, topic: Topic): TopicState {
    let t = this.byKey.get(key);
    if (t === undefined) {
      t = new TopicState(key, store, topic, this.ringSize);
      this.byKey.set(key, t);
      if (this.hooks !== undefined) t.ready = this.hooks.created(t);
      if (topic.kind === 'kitchen') {
        let set = this.kitchens.get(store);
        if (set === undefined) this.kitchens.set(store, (set = new Set()));
        set.add(t);
      }
    }
    t.refs++;
    return t;
  }

  /** A socket leaves: the topic goes with its last subscriber. */
  release(key: string): void {
    const t = this.byKey.get(key);
    if (t === undefined || --t.refs > 0) return;
    this.byKey.delete(key);
    this.hooks?.removed(t);
    if (t.topic.kind === 'kitchen') {
      const set = this.kitchens.get(t.store);
      set?.delete(t);
      if (set?.size === 0) this.kitchens.delete(t.store);
    }
  }
}
