/**
 * The command ids one actor remembers, with their results: a map for lookups
 * and a ring of ids for eviction, oldest first. (A Map alone, evicting its first
 * key on every insert, slows to a crawl at 10,000 entries: V8 skips the deleted
 * slots at its head on every `keys().next()`.) The ring grows to `capacity`
 * on demand, so a quiet actor costs a few slots, not 10,000.
 */
export class IdWindow<V> {
  private readonly map = new Map<string, V>();
  private readonly ring: string[] = [];
  /** Next slot to overwrite once the ring is full. */
  private head = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): V | undefined {
    return this.map.get(id);
  }

  set(id: string, v: V): void {
    if (this.capacity <= 0) return;
    if (this.map.has(id)) {
      this.map.set(id, v);
      return;
    }
    if (this.ring.length < this.capacity) {
      this.ring.push(id);
    } else {
      this.map.delete(this.ring[this.head]!);
      this.ring[this.head] = id;
      this.head = (this.head + 1) % this.capacity;
    }
    this.map.set(id, v);
  }

  /** The newest `n` entries, oldest first. */
  newest(n: number): [string, V][] {
    const len = this.ring.length;
    const count = Math.min(n, len);
    const out: [string, V][] = [];
    // Oldest slot is `head` when the ring is full, 0 while it grows.
    const oldest = len < this.capacity ? 0 : this.head;
    for (let i = len - count; i < len; i++) {
      const id = this.ring[(oldest + i) % len]!;
      out.push([id, this.map.get(id)!]);
    }
    return out;
  }
}
