import { decode, encode } from './codec.js';

/**
 * The command ids one actor remembers, with their results, oldest first. An id
 * is forgotten when more than `capacity` newer ones arrived or when it is older
 * than `maxAgeMs` (callers retry within seconds).
 *
 * Every command's id and result outlive the young generation, so whatever is
 * kept per command as a JavaScript object (the id string, a Map entry, the
 * result) is copied by every scavenge it survives and then traced by every
 * major GC while it lives: with a Map of strings and a result object per id
 * this window was a third of the engine's CPU at 40k commands/s and its
 * scavenges (13–25 ms) were the latency tail. So nothing here is an object per
 * id: the id's UTF-8 bytes and its result, msgpack-encoded, go into one byte
 * queue; the numbers (time, tag, offsets, hash) into one Float64Array ring;
 * an open-addressing hash table of ring positions into an Int32Array. A
 * lookup compares the bytes, so two ids are never confused.
 *
 * Results come back as msgpack gives them (`undefined` as `null`, a copy and
 * not the object that was stored), which is what a caller gets on the wire
 * anyway. An id that is already remembered keeps its first result (that is
 * what idempotency promises); `set` then only updates its tag.
 *
 * A result larger than `inlineResultBytes` is not kept once its tag (the seq
 * of the log record holding it) is known: the record has it, and a repeat,
 * which is rare, reads it back from there (`outcome` answers the seq). Until
 * then (its append in flight) the window holds on to the bytes it was given.
 * A table's submit answers with the table and the whole order (1–4 KB); kept
 * for a minute at 1,500 orders/s that was a few hundred MB, and up to 2,000
 * of them went into every snapshot of the table.
 */

/** Per entry in `num`: [time, tag, absolute byte offset, hash, id bytes, result bytes (-1: not kept)]. */
const STRIDE = 6;
const AT = 0;
const TAG = 1;
const OFF = 2;
const HASH = 3;
const IDLEN = 4;
const RESLEN = 5;
const FIRST_RING = 8;
const FIRST_BYTES = 512;

/**
 * Where an id is encoded for a lookup, shared by every window (ids are short; a longer one gets a
 * bigger buffer), with the id it holds, its byte length and hash: the same id is looked up several
 * times in a row (has, get or set, then setTag) and encoded once.
 */
let scratch = Buffer.allocUnsafeSlow(1024);
let key: string | undefined;
let keyLen = 0;
let keyHash = 0;

const monotonicNow = (): number => performance.now();
/** `setEncoded`'s stand-in for a result that is only in the log. */
const LOGGED = new Uint8Array(0);

/**
 * The ring of `size` entries and its hash table, views of one buffer: typed arrays live outside
 * the JS heap and each costs a native allocation (2–3 µs), and a new actor's window, and every
 * growth of it, used to make two.
 */
/** What a window holds before its first id: nothing is read from them while it is empty. */
const NO_NUM = new Float64Array(0);
const NO_INDEX = new Int32Array(0);
const NO_BYTES = Buffer.alloc(0);

function ringAndIndex(size: number): { num: Float64Array; index: Int32Array } {
  const buf = new ArrayBuffer(size * STRIDE * 8 + size * 2 * 4);
  return { num: new Float64Array(buf, 0, size * STRIDE), index: new Int32Array(buf, size * STRIDE * 8, size * 2) };
}

export class IdWindow<V = unknown> {
  /** Ring of entries: positions are absolute counts, the slot is `pos & mask`. */
  private num: Float64Array;
  private mask = FIRST_RING - 1;
  /** Absolute position of the oldest live entry and one past the newest. */
  private head = 0;
  private tail = 0;
  /** Hash table of slot + 1 (0: empty), linear probing, at most half full. */
  private index: Int32Array;
  private imask = FIRST_RING * 2 - 1;
  /** Byte queue of [id bytes, result bytes] per entry, in entry order; `bytes[0]` is absolute offset `bBase`. */
  private bytes: Buffer;
  private bBase = 0;
  private bEnd = 0;
  /** Results not kept inline whose tag is not known yet, by absolute position. */
  private held: Map<number, Uint8Array> | undefined;

  constructor(
    readonly capacity: number,
    readonly maxAgeMs: number = Infinity,
    private readonly now: () => number = monotonicNow,
    /** Larger results are not kept once tagged (see above); `Infinity` keeps every result. */
    readonly inlineResultBytes: number = Infinity,
  ) {
    // Allocated at the first id (`allocate`): most actors never get one (an order is placed through its
    // table's command, a SKU reserved through the order's calls), and every new order or sale made
    // two buffers here that the garbage collector had to sweep again.
    this.num = NO_NUM;
    this.index = NO_INDEX;
    this.bytes = NO_BYTES;
  }

  private allocate(): void {
    ({ num: this.num, index: this.index } = ringAndIndex(FIRST_RING));
    this.mask = FIRST_RING - 1;
    this.imask = FIRST_RING * 2 - 1;
    this.bytes = Buffer.allocUnsafeSlow(FIRST_BYTES);
  }

  get size(): number {
    return this.tail - this.head;
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  /** The result of `id`; `undefined` when not remembered, and when the result is only in the log (`outcome`). */
  get(id: string): V | undefined {
    const s = this.find(id);
    if (s < 0) return undefined;
    const r = this.resultAt(s);
    return typeof r === 'number' ? undefined : decode<V>(r);
  }

  /**
   * Where the result of `id` is: its msgpack bytes (a view into this window: use them before the
   * next change to it), or the seq of the log record that holds it; `undefined` when not remembered.
   */
  outcome(id: string): Uint8Array | number | undefined {
    const s = this.find(id);
    return s < 0 ? undefined : this.resultAt(s);
  }

  tag(id: string): number | undefined {
    const s = this.find(id);
    return s < 0 ? undefined : this.num[s * STRIDE + TAG];
  }

  setTag(id: string, tag: number): void {
    const s = this.find(id);
    if (s >= 0) this.tagSlot(s, tag);
  }

  /**
   * Tags an entry by the position `set` returned, without looking its id up again (an entry
   * evicted meanwhile is left alone: positions are never reused).
   */
  setTagAt(pos: number, tag: number): void {
    if (pos >= this.head && pos < this.tail) this.tagSlot(pos & this.mask, tag);
  }

  /** Remembers `id` with its result; returns its position, for `setTagAt` (-1 with capacity 0). */
  set(id: string, v: V, tag = 0): number {
    return this.setEncoded(id, undefined, v, tag);
  }

  /** `set` with the result already msgpack-encoded (as `newestEncoded` gives it): no decode and encode again. */
  setRaw(id: string, result: Uint8Array, tag = 0): number {
    return this.setEncoded(id, result, undefined, tag);
  }

  /** Remembers `id` with its result in the log record `seq` (as `newestEncoded` gives a result not kept). */
  setLogged(id: string, seq: number): number {
    return this.setEncoded(id, LOGGED, undefined, seq);
  }

  private setEncoded(id: string, encoded: Uint8Array | undefined, v: V | undefined, tag: number): number {
    if (this.capacity <= 0) return -1;
    const t = this.now();
    this.evict(t); // an id past its age is new again
    const found = this.find(id);
    if (found >= 0) {
      this.tagSlot(found, tag);
      return this.positionOf(found);
    }
    // Room for one more (the id's bytes stay in `scratch`: nothing below looks another id up).
    this.evict(t, 1);
    if (this.num === NO_NUM) this.allocate();
    else if (this.tail - this.head === this.mask + 1) this.grow();
    const res = encoded ?? encode(v);
    // Not kept inline: in the log once tagged, held until then.
    const logged = res === LOGGED || res.length > this.inlineResultBytes;
    const resLen = logged ? 0 : res.length;
    const idLen = keyLen;
    this.reserve(idLen + resLen);
    const at = this.bEnd - this.bBase;
    // A loop, not `Buffer.copy`: ids are a few dozen bytes, less than a native call costs.
    const bytes = this.bytes;
    for (let i = 0; i < idLen; i++) bytes[at + i] = scratch[i]!;
    if (!logged) this.bytes.set(res, at + idLen);
    const s = this.tail & this.mask;
    const b = s * STRIDE;
    this.num[b + AT] = t;
    this.num[b + TAG] = tag;
    this.num[b + OFF] = this.bEnd;
    this.num[b + HASH] = keyHash;
    this.num[b + IDLEN] = idLen;
    this.num[b + RESLEN] = logged ? -1 : resLen;
    this.bEnd += idLen + resLen;
    this.insertIndex(s, keyHash);
    if (logged && tag <= 0 && res !== LOGGED) (this.held ??= new Map()).set(this.tail, res);
    return this.tail++;
  }

  /**
   * Sets a slot's tag; a result held for want of one is let go (its record has it now). The tag of a
   * result only in the log is where it is, and stays.
   */
  private tagSlot(s: number, tag: number): void {
    const b = s * STRIDE;
    if (this.num[b + RESLEN] === -1) {
      const pos = this.positionOf(s);
      if (this.held?.has(pos) !== true) return;
      if (tag > 0) this.held.delete(pos);
    }
    this.num[b + TAG] = tag;
  }

  /** Forgets ids past the count or the age bound (`room`: make space for that many more). */
  evict(t: number = this.now(), room = 0): void {
    const limit = Math.max(0, this.capacity - room);
    while (
      this.head < this.tail &&
      (this.tail - this.head > limit || t - this.num[(this.head & this.mask) * STRIDE + AT]! > this.maxAgeMs)
    ) {
      const s = this.head & this.mask;
      this.removeIndex(s);
      if (this.held !== undefined && this.num[s * STRIDE + RESLEN] === -1) this.held.delete(this.head);
      this.head++;
    }
    if (this.head === this.tail) {
      this.bBase = this.bEnd;
    }
  }

  /** The newest `n` entries, oldest first. */
  newest(n: number): [string, V][] {
    return this.newestTagged(n).map(([id, v]) => [id, v]);
  }

  /** The newest `n` entries with their tags, oldest first. */
  newestTagged(n: number): [string, V, number][] {
    const out: [string, V, number][] = [];
    for (let pos = Math.max(this.head, this.tail - n); pos < this.tail; pos++) {
      const s = pos & this.mask;
      const b = s * STRIDE;
      const at = this.num[b + OFF]! - this.bBase;
      const id = this.bytes.toString('utf8', at, at + this.num[b + IDLEN]!);
      const r = this.resultAt(s);
      out.push([id, typeof r === 'number' ? (undefined as V) : decode<V>(r), this.num[b + TAG]!]);
    }
    return out;
  }

  /**
   * The newest `n` entries with their results still msgpack-encoded, oldest first; `null` for a
   * result only in the log (at the entry's tag). The bytes are views into this window: use them
   * before the next change to it.
   */
  newestEncoded(n: number): [string, Uint8Array | null, number][] {
    const out: [string, Uint8Array | null, number][] = [];
    for (let pos = Math.max(this.head, this.tail - n); pos < this.tail; pos++) {
      const s = pos & this.mask;
      const b = s * STRIDE;
      const at = this.num[b + OFF]! - this.bBase;
      const r = this.resultAt(s);
      out.push([
        this.bytes.toString('utf8', at, at + this.num[b + IDLEN]!),
        typeof r === 'number' ? null : r,
        this.num[b + TAG]!,
      ]);
    }
    return out;
  }

  // ---- internals ----

  /** The absolute position of the live entry in slot `s`. */
  private positionOf(s: number): number {
    return this.tail - 1 - ((this.tail - 1 - s) & this.mask);
  }

  /** The result bytes of slot `s` (inline or held), or the seq of the record holding it. */
  private resultAt(s: number): Uint8Array | number {
    const b = s * STRIDE;
    const len = this.num[b + RESLEN]!;
    if (len < 0) return this.held?.get(this.positionOf(s)) ?? this.num[b + TAG]!;
    const at = this.num[b + OFF]! - this.bBase + this.num[b + IDLEN]!;
    return this.bytes.subarray(at, at + len);
  }

  /** Puts `id`'s bytes in `scratch` (once per id in a row) and returns its slot, or -1. */
  private find(id: string): number {
    if (key !== id) {
      if (id.length * 3 > scratch.length) scratch = Buffer.allocUnsafeSlow(id.length * 3);
      // FNV-1a over the UTF-8 bytes. Ids are ASCII in practice: their char codes are their bytes,
      // copied in the same loop (a native `Buffer.write` per id was most of this lookup's cost).
      let h = 0x811c9dc5;
      let n = id.length;
      for (let i = 0; i < n; i++) {
        const c = id.charCodeAt(i);
        if (c >= 0x80) {
          n = scratch.write(id, 0, 'utf8');
          h = 0x811c9dc5;
          for (let j = 0; j < n; j++) h = Math.imul(h ^ scratch[j]!, 0x01000193);
          break;
        }
        scratch[i] = c;
        h = Math.imul(h ^ c, 0x01000193);
      }
      key = id;
      keyLen = n;
      keyHash = h >>> 0;
    }
    if (this.head === this.tail) return -1;
    const h = keyHash;
    const n = keyLen;
    const num = this.num;
    for (let i = h & this.imask; ; i = (i + 1) & this.imask) {
      const v = this.index[i]!;
      if (v === 0) return -1;
      const b = (v - 1) * STRIDE;
      if (num[b + HASH] === h && num[b + IDLEN] === n && this.sameBytes(num[b + OFF]! - this.bBase, n)) return v - 1;
    }
  }

  private sameBytes(at: number, n: number): boolean {
    const bytes = this.bytes;
    for (let i = 0; i < n; i++) if (bytes[at + i] !== scratch[i]) return false;
    return true;
  }

  private insertIndex(s: number, h: number): void {
    let i = h & this.imask;
    while (this.index[i] !== 0) i = (i + 1) & this.imask;
    this.index[i] = s + 1;
  }

  /** Removes slot `s` from the hash table, shifting later entries of its cluster back (no tombstones). */
  private removeIndex(s: number): void {
    const index = this.index;
    const m = this.imask;
    let i = this.num[s * STRIDE + HASH]! & m;
    while (index[i] !== s + 1) i = (i + 1) & m;
    index[i] = 0;
    for (let j = (i + 1) & m; index[j] !== 0; j = (j + 1) & m) {
      const home = this.num[(index[j]! - 1) * STRIDE + HASH]! & m;
      // Entry at j may move to the hole at i when its home is not in (i, j] (cyclically).
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        index[i] = index[j]!;
        index[j] = 0;
        i = j;
      }
    }
  }

  /** Doubles the ring and the hash table (positions stay absolute). */
  private grow(): void {
    const size = (this.mask + 1) * 2;
    const { num, index } = ringAndIndex(size);
    for (let pos = this.head; pos < this.tail; pos++) {
      const from = (pos & this.mask) * STRIDE;
      const to = (pos & (size - 1)) * STRIDE;
      for (let k = 0; k < STRIDE; k++) num[to + k] = this.num[from + k]!;
    }
    this.num = num;
    this.mask = size - 1;
    this.index = index;
    this.imask = size * 2 - 1;
    for (let pos = this.head; pos < this.tail; pos++) {
      const s = pos & this.mask;
      this.insertIndex(s, this.num[s * STRIDE + HASH]!);
    }
  }

  /** Room for `n` more bytes at the end of the byte queue: drops the evicted prefix, grows when needed. */
  private reserve(n: number): void {
    if (this.bEnd - this.bBase + n <= this.bytes.length) return;
    const start = this.head < this.tail ? this.num[(this.head & this.mask) * STRIDE + OFF]! : this.bEnd;
    const live = this.bEnd - start;
    let cap = this.bytes.length;
    while (live + n > cap / 2 && cap < (live + n) * 4) cap *= 2;
    const target = cap === this.bytes.length ? this.bytes : Buffer.allocUnsafeSlow(cap);
    this.bytes.copy(target, 0, start - this.bBase, this.bEnd - this.bBase);
    this.bytes = target;
    this.bBase = start;
  }
}
