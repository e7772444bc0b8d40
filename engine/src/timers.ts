import type { ActorRef } from './decider.js';

export interface PendingTimer {
  readonly ref: ActorRef;
  readonly actorKey: string;
  readonly key: string;
  readonly at: number;
  readonly command: unknown;
  /** A firing is on its way through the mailbox; do not fire it again meanwhile. */
  firing: boolean;
}

/** A partition's durable timers: a map for exact lookups and a binary min-heap (lazy deletion) for due ones. */
export class TimerIndex {
  private readonly byId = new Map<string, PendingTimer>();
  private heap: { at: number; id: string; t: PendingTimer }[] = [];

  get size(): number {
    return this.byId.size;
  }

  set(ref: ActorRef, actorKey: string, key: string, at: number, command: unknown): void {
    const id = `${actorKey}\u0000${key}`;
    const t: PendingTimer = { ref, actorKey, key, at, command, firing: false };
    this.byId.set(id, t);
    this.push({ at, id, t });
  }

  cancel(actorKey: string, key: string): void {
    this.byId.delete(`${actorKey}\u0000${key}`);
  }

  /** A firing became durable: the timer is spent (unless it was re-set to another time meanwhile). */
  fired(actorKey: string, key: string, at: number): void {
    const id = `${actorKey}\u0000${key}`;
    if (this.byId.get(id)?.at === at) this.byId.delete(id);
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

  list(): PendingTimer[] {
    return [...this.byId.values()];
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
