/**
 * The command ids one actor remembers, with their results: a map from id to a
 * position and parallel arrays (ids, times, values, a numeric tag) in FIFO
 * order for eviction, oldest first. An id is forgotten when more than
 * `capacity` newer ones arrived or when it is older than `maxAgeMs` (callers
 * retry within seconds; keeping every id of a busy actor for ever grew the heap
 * without bound and made major GCs the latency tail). A Map alone, evicting its
 * first key on every insert, slows to a crawl at 10,000 entries: V8 skips the
 * deleted slots at its head on every `keys().next()`. Positions and tags are
 * plain numbers rather than a `{ value, tag }` object per id: every command's id
 * outlives the young generation, so each object kept per command is copied by
 * the scavenger and made its pauses the engine's latency tail.
 */
export class IdWindow<V> {
  /** id → absolute position (index into the arrays + `base`). */
  private readonly map = new Map<string, number>();
  private ids: string[] = [];
  private at: number[] = [];
  private vals: V[] = [];
  private tags: number[] = [];
  /** Index of the oldest live id in the arrays. */
  private head = 0;
  /** Absolute position of index 0 of the arrays. */
  private base = 0;

  constructor(
    readonly capacity: number,
    readonly maxAgeMs: number = Infinity,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.map.size;
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  get(id: string): V | undefined {
    const pos = this.map.get(id);
    return pos === undefined ? undefined : this.vals[pos - this.base];
  }

  tag(id: string): number | undefined {
    const pos = this.map.get(id);
    return pos === undefined ? undefined : this.tags[pos - this.base];
  }

  setTag(id: string, tag: number): void {
    const pos = this.map.get(id);
    if (pos !== undefined) this.tags[pos - this.base] = tag;
  }

  set(id: string, v: V, tag = 0): void {
    if (this.capacity <= 0) return;
    const pos = this.map.get(id);
    if (pos !== undefined) {
      this.vals[pos - this.base] = v;
      this.tags[pos - this.base] = tag;
      return;
    }
    const t = this.now();
    this.map.set(id, this.base + this.ids.length);
    this.ids.push(id);
    this.at.push(t);
    this.vals.push(v);
    this.tags.push(tag);
    this.evict(t);
  }

  /** Forgets ids past the count or the age bound. */
  evict(t: number = this.now()): void {
    while (
      this.ids.length - this.head > this.capacity ||
      (this.head < this.ids.length && t - this.at[this.head]! > this.maxAgeMs)
    ) {
      this.map.delete(this.ids[this.head]!);
      this.vals[this.head] = undefined as V;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.at = this.at.slice(this.head);
      this.vals = this.vals.slice(this.head);
      this.tags = this.tags.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  /** The newest `n` entries, oldest first. */
  newest(n: number): [string, V][] {
    return this.newestTagged(n).map(([id, v]) => [id, v]);
  }

  /** The newest `n` entries with their tags, oldest first. */
  newestTagged(n: number): [string, V, number][] {
    const from = Math.max(this.head, this.ids.length - n);
    const out: [string, V, number][] = [];
    for (let i = from; i < this.ids.length; i++) out.push([this.ids[i]!, this.vals[i]!, this.tags[i]!]);
    return out;
  }
}
