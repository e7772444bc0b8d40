/**
 * A map for values that never go stale once written (an order's owner, a session's diner), bounded
 * by two generations: a lookup checks both, and the older one is dropped whole when the newer fills.
 * No per-entry bookkeeping, unlike an LRU: the cost of a miss is one Redis read.
 */
export class GenerationCache<K, V> {
  private cur = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly perGeneration = 50_000) {}

  get(key: K): V | undefined {
    return this.cur.get(key) ?? this.old.get(key);
  }

  set(key: K, value: V): void {
    if (this.cur.get(key) === value) return;
    if (this.cur.size >= this.perGeneration) {
      this.old = this.cur;
      this.cur = new Map();
    }
    this.cur.set(key, value);
  }
}
