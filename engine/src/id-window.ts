/**
 * The command ids one actor remembers, with their results: a map for lookups
 * and a FIFO of ids for eviction, oldest first. An id is forgotten when more
 * than `capacity` newer ones arrived or when it is older than `maxAgeMs`
 * (callers retry within seconds; keeping every id of a busy actor for ever
 * grew the heap without bound and made major GCs the latency tail). A Map
 * alone, evicting its first key on every insert, slows to a crawl at 10,000
 * entries: V8 skips the deleted slots at its head on every `keys().next()`.
 */
export class IdWindow<V> {
  private readonly map = new Map<string, V>();
  private ids: string[] = [];
  private at: number[] = [];
  /** Index of the oldest live id in `ids`. */
  private head = 0;

  constructor(
    readonly capacity: number,
    readonly maxAgeMs: number = Infinity,
    private readonly now: () => number = () => performance.now(),
  ) {}

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
    const t = this.now();
    this.ids.push(id);
    this.at.push(t);
    this.map.set(id, v);
    this.evict(t);
  }

  /** Forgets ids past the count or the age bound. */
  evict(t: number = this.now()): void {
    while (
      this.ids.length - this.head > this.capacity ||
      (this.head < this.ids.length && t - this.at[this.head]! > this.maxAgeMs)
    ) {
      this.map.delete(this.ids[this.head]!);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.at = this.at.slice(this.head);
      this.head = 0;
    }
  }

  /** The newest `n` entries, oldest first. */
  newest(n: number): [string, V][] {
    const from = Math.max(this.head, this.ids.length - n);
    const out: [string, V][] = [];
    for (let i = from; i < this.ids.length; i++) {
      const id = this.ids[i]!;
      out.push([id, this.map.get(id)!]);
    }
    return out;
  }
}
