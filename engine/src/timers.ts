import type { ActorRef } from './decider.js';

export interface PendingTimer {
  readonly ref: ActorRef;
  readonly actorKey: string;
  readonly key: string;
  readonly at: number;
  readonly command: unknown;
  /** A firing is on its way through the mailbox; do not fire it again meanwhile. */
  firing: boolean;
  /** Cancelled or fired: no longer pending (a timer set again is a new object). */
  removed: boolean;
}

/**
 * A timer as checkpoints store it: `[type, store, id, key, at, command]` sets it,
 * `[type, store, id, key]` removes it (a cancel or a durable firing).
 */
export type TimerRow = [string, string, string, string, number, unknown] | [string, string, string, string];

/**
 * Timers changed since the last checkpoint, keyed like `byId`: the latest object of each, pending
 * or `removed`. Rows are built only when a checkpoint writes them, not on every set and cancel.
 */
export type TimerChanges = Map<string, PendingTimer>;

const setRow = (t: PendingTimer): TimerRow => [t.ref.type, t.ref.store, t.ref.id, t.key, t.at, t.command];

/** The rows a checkpoint writes for `changes`. */
export function changeRows(changes: TimerChanges): TimerRow[] {
  const out: TimerRow[] = [];
  for (const t of changes.values()) out.push(t.removed ? [t.ref.type, t.ref.store, t.ref.id, t.key] : setRow(t));
  return out;
}

/**
 * A partition's durable timers: a map for exact lookups, a binary min-heap (lazy deletion) for due
 * ones, and a journal of what changed since the last checkpoint, so a checkpoint writes the changes
 * and not every pending timer (a lunch rush holds a 15-minute payment timer per unpaid order).
 */
export class TimerIndex {
  private readonly byId = new Map<string, PendingTimer>();
  private heap: { at: number; id: string; t: PendingTimer }[] = [];
  private changes: TimerChanges = new Map();

  get size(): number {
    return this.byId.size;
  }

  /** Entries in the due-heap, cancelled ones not yet dropped included. */
  get queued(): number {
    return this.heap.length;
  }

  set(ref: ActorRef, actorKey: string, key: string, at: number, command: unknown): void {
    const id = `${actorKey}\u0000${key}`;
    const old = this.byId.get(id);
    if (old !== undefined) old.removed = true;
    const t: PendingTimer = { ref, actorKey, key, at, command, firing: false, removed: false };
    this.byId.set(id, t);
    this.changes.set(id, t);
    this.push({ at, id, t });
    this.compactIfStale(); // a timer set again leaves its earlier entry behind
  }

  cancel(actorKey: string, key: string): void {
    const id = `${actorKey}\u0000${key}`;
    const t = this.byId.get(id);
    if (t === undefined) return;
    this.byId.delete(id);
    t.removed = true;
    this.changes.set(id, t);
    this.compactIfStale();
  }

  /** A firing became durable: the timer is spent (unless it was re-set to another time meanwhile). */
  fired(actorKey: string, key: string, at: number): void {
    const id = `${actorKey}\u0000${key}`;
    const t = this.byId.get(id);
    if (t?.at !== at) return;
    this.byId.delete(id);
    t.removed = true;
    this.changes.set(id, t);
    this.compactIfStale();
  }

  /**
   * Drops heap entries of timers no longer pending once they outnumber the live ones. Without
   * this a paid order's cancelled 15-minute payment timer stayed in the heap (with its command)
   * until its time came, so the heap held every order of the last 15 minutes.
   */
  private compactIfStale(): void {
    if (this.heap.length <= 2 * this.byId.size + 1024) return;
    // A sorted array is a valid min-heap; entries keep their own times (a retry's later one too).
    this.heap = this.heap.filter((e) => this.byId.get(e.id) === e.t).sort((a, b) => a.at - b.at);
  }

  /** When the timer `key` of an actor is due, if it is pending. */
  atOf(actorKey: string, key: string): number | undefined {
    return this.byId.get(`${actorKey}\u0000${key}`)?.at;
  }

  /** Applies a row read from a checkpoint. */
  apply(row: TimerRow, actorKey: string): void {
    if (row.length === 6) this.set({ type: row[0], store: row[1], id: row[2] }, actorKey, row[3], row[4], row[5]);
    else this.cancel(actorKey, row[3]);
  }

  /** Every pending timer, as rows. */
  rows(): TimerRow[] {
    const out: TimerRow[] = [];
    for (const t of this.byId.values()) out.push(setRow(t));
    return out;
  }

  /** The changes since the last call; they start again empty. */
  takeChanges(): TimerChanges {
    const c = this.changes;
    this.changes = new Map();
    return c;
  }

  /** Gives back changes a failed checkpoint took: newer changes of the same timers win. */
  restoreChanges(c: TimerChanges): void {
    for (const [id, t] of c) if (!this.changes.has(id)) this.changes.set(id, t);
  }

  /** Pops timers due at or before `now` that are not already firing. */
  due(now: number, max = 1000): PendingTimer[] {
    const out: PendingTimer[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now && out.length < max) {
      const top = this.pop()!;
      const live = this.byId.get(top.id);
      if (live !== top.t || live.firing) continue;
      out.push(live);
    }
    return out;
  }

  /** Puts a timer back in the heap (e.g. its firing failed and must be retried at `at`). */
  retryAt(t: PendingTimer, at: number): void {
    t.firing = false;
    const id = `${t.actorKey}\u0000${t.key}`;
    if (this.byId.get(id) === t) this.push({ at, id, t });
  }

  private push(n: { at: number; id: string; t: PendingTimer }): void {
    const h = this.heap;
    h.push(n);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= h[i]!.at) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  private pop(): { at: number; id: string; t: PendingTimer } | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
