import { decode, encode } from './codec.js';

/**
 * A partition's directory of actors: every actor key that has ever had a record in the
 * partition's log, and where its latest snapshot is. An actor it does not know is brand new (a
 * fresh order, a first sale): it starts from its initial state without a snapshot read, so a new
 * order costs no KV round trip and does not hold up its partition's queue while one is in flight
 * (DESIGN, engine invariant 2). An actor snapshotted into the log (idle actors, many in one
 * append) is found by the sequence of that record.
 *
 * Recent keys are kept exactly; once there are `FREEZE_KEYS` of them they are frozen into a
 * location table (each key's 32-bit hash and place, written once, never again), so memory and the
 * checkpoint stay bounded over months of orders. A key whose hash a table holds is "maybe": it is
 * looked for where the table says, as an actor with records. An incomplete directory (a partition
 * whose checkpoint was written before directories existed) says "maybe" for every key until it is
 * completed (`complete`).
 *
 * Persisted with the partition's checkpoint (`checkpoint.ts`): the head names the layers, and
 * every layer is written before the head that names it. A layer's key carries the writer's lease
 * epoch, so an owner that lost its lease and still writes cannot overwrite a layer the new owner's
 * head names. Invariant: the layers a head names hold every key with a record at or before the
 * head's `ls`, and the place of every snapshot in a record at or before it; recovery adds what the
 * records it replays (after `wm` ≤ `ls` + 1) say.
 */
export interface DirectoryHead {
  /** Layers of exact entries (each a msgpack array of `LayerEntry`), in the order written: later ones win. */
  l: string[];
  /** Frozen location tables. */
  f: string[];
}

/** Exact keys past which they are frozen into a location table (~384 KB). */
export const FREEZE_KEYS = 32_768;
/** Delta layers before they are folded into a whole new list. */
export const MAX_DELTA_LAYERS = 32;
/** Entries per layer: a value stays well under the server's default max_payload (1 MB). */
const KEYS_PER_LAYER = 8_192;
/** Keys per frozen table: 12 bytes a key, ~780 KB (a directory completed from a large bucket freezes in several). */
const KEYS_PER_TABLE = 65_536;

/**
 * Where an actor's latest state is: 0 its snapshot in the snapshot bucket (or it has none yet), S > 0
 * the log sequence of the record that holds its snapshot (`LogEntry.sn`: idle actors are
 * snapshotted into the log, many in one append), -S its latest record, whose entries and those
 * they name back (`LogEntry.p`) fold into its state: a chain (`partition/chain.ts`).
 */
export type Place = number;

/** A layer entry: a key whose snapshot is in the bucket (or none), or a key and the record holding it. */
export type LayerEntry = string | [string, number];

export class ActorDirectory {
  private readonly exact = new Map<string, Place>();
  private readonly tables: LocationTable[] = [];
  /** Entries added or moved since the last checkpoint took them, oldest first. */
  private added: LayerEntry[] = [];

  constructor(public complete: boolean) {}

  /** True only when the key certainly has no record: complete, not exact, in no table. */
  isNew(key: string): boolean {
    if (!this.complete || this.exact.has(key)) return false;
    const h = hash32(key);
    for (const t of this.tables) if (t.has(h)) return false;
    return true;
  }

  /**
   * Where to look for the key's latest snapshot, most likely first: its exact place, else the places
   * the frozen tables give for its hash, newest table first (a hash shared by another key gives a
   * place that does not hold this one: the reader goes on to the next). Empty when it has none.
   */
  places(key: string): Place[] {
    const p = this.exact.get(key);
    if (p !== undefined) return [p];
    const h = hash32(key);
    const out: Place[] = [];
    for (let i = this.tables.length - 1; i >= 0; i--) this.tables[i]!.placesOf(h, out);
    return out;
  }

  /** A key whose first record is now durable (or replayed). */
  add(key: string): void {
    if (this.exact.has(key)) return;
    this.exact.set(key, 0);
    this.added.push(key);
  }

  /** The key's latest snapshot is now at `place` (durable). */
  locate(key: string, place: Place): void {
    if (this.exact.get(key) === place) return;
    this.exact.set(key, place);
    this.added.push(place === 0 ? key : [key, place]);
  }

  /** Keys known exactly (not frozen). */
  get size(): number {
    return this.exact.size;
  }

  /** What was added since the last call, for a checkpoint; give it back with `restoreAdded` if that fails. */
  takeAdded(): LayerEntry[] {
    const a = this.added;
    this.added = [];
    return a;
  }

  restoreAdded(a: LayerEntry[]): void {
    this.added = a.concat(this.added);
  }

  get pendingAdds(): number {
    return this.added.length;
  }

  /** Every exact entry, as a layer holds it. */
  exactEntries(): LayerEntry[] {
    const out: LayerEntry[] = [];
    for (const [k, p] of this.exact) out.push(p === 0 ? k : [k, p]);
    return out;
  }

  /** The table of `entries` is durable: they leave the exact map for it, unless moved since. */
  adoptFrozen(table: LocationTable, entries: readonly LayerEntry[]): void {
    this.tables.push(table);
    for (const e of entries) {
      const [k, p] = typeof e === 'string' ? [e, 0] : e;
      if (this.exact.get(k) === p) this.exact.delete(k);
    }
  }

  /**
   * Completes an incomplete directory with every actor key that has a snapshot (listed from the
   * bucket after recovery read the checkpoint): with the keys replayed and committed since, that is
   * every actor with a record. They are written with the next checkpoint.
   */
  completeWith(keys: Iterable<string>): void {
    for (const k of keys) this.add(k);
    this.complete = true;
  }

  /** Loads what a checkpoint's layers hold (before the replayed keys are added); later layers win. */
  restore(layers: { keys: LayerEntry[][]; tables: LocationTableWire[] }): void {
    for (const w of layers.tables) this.tables.push(LocationTable.fromWire(w));
    for (const l of layers.keys) {
      for (const e of l) {
        if (typeof e === 'string') this.exact.set(e, 0);
        else this.exact.set(e[0], e[1]);
      }
    }
  }
}

export interface LocationTableWire {
  /** Hashes, little-endian uint32, ascending. */
  h: Uint8Array;
  /** Places, little-endian float64, in the hashes' order. */
  q: Uint8Array;
}

/**
 * Frozen keys: each key's 32-bit hash and its snapshot's place, sorted by hash. As a membership test
 * it says "maybe" for a key it does not hold once in ~2^32 / n; 12 bytes a key.
 */
export class LocationTable {
  private constructor(
    private readonly hashes: Uint32Array,
    private readonly where: Float64Array,
  ) {}

  static of(entries: readonly LayerEntry[]): LocationTable {
    const rows = entries.map((e): [number, number] => (typeof e === 'string' ? [hash32(e), 0] : [hash32(e[0]), e[1]]));
    rows.sort((a, b) => a[0] - b[0]);
    return new LocationTable(
      Uint32Array.from(rows, (r) => r[0]),
      Float64Array.from(rows, (r) => r[1]),
    );
  }

  static fromWire(w: LocationTableWire): LocationTable {
    if (w.h.length % 4 !== 0 || w.q.length !== w.h.length * 2) {
      throw new Error(`not a location table: ${w.h.length} hash bytes, ${w.q.length} place bytes`);
    }
    const h = new Uint32Array(w.h.length / 4);
    const q = new Float64Array(w.h.length / 4);
    const hv = new DataView(w.h.buffer, w.h.byteOffset, w.h.byteLength);
    const qv = new DataView(w.q.buffer, w.q.byteOffset, w.q.byteLength);
    for (let i = 0; i < h.length; i++) {
      h[i] = hv.getUint32(i * 4, true);
      q[i] = qv.getFloat64(i * 8, true);
    }
    return new LocationTable(h, q);
  }

  toWire(): LocationTableWire {
    const h = new Uint8Array(this.hashes.length * 4);
    const q = new Uint8Array(this.hashes.length * 8);
    const hv = new DataView(h.buffer);
    const qv = new DataView(q.buffer);
    for (let i = 0; i < this.hashes.length; i++) {
      hv.setUint32(i * 4, this.hashes[i]!, true);
      qv.setFloat64(i * 8, this.where[i]!, true);
    }
    return { h, q };
  }

  has(h: number): boolean {
    const i = this.first(h);
    return i < this.hashes.length && this.hashes[i] === h;
  }

  /** Appends the places of every entry with hash `h`. */
  placesOf(h: number, out: Place[]): void {
    for (let i = this.first(h); i < this.hashes.length && this.hashes[i] === h; i++) out.push(this.where[i]!);
  }

  /** The first index whose hash is ≥ h. */
  private first(h: number): number {
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** FNV-1a with a Murmur3 finaliser: 32 bits, stable across processes. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Reads the layers `head` names; throws when one is missing (the checkpoint is then not trusted for it). */
export async function readDirectory(
  head: DirectoryHead,
  get: (key: string) => Promise<Uint8Array | undefined>,
): Promise<{ keys: LayerEntry[][]; tables: LocationTableWire[] }> {
  const value = async (k: string): Promise<Uint8Array> => {
    const v = await get(k);
    if (v === undefined) throw new Error(`actor directory layer ${k} is missing`);
    return v;
  };
  const [keys, tables] = await Promise.all([
    Promise.all(head.l.map(async (k) => decode<LayerEntry[]>(await value(k)))),
    Promise.all(head.f.map(async (k) => decode<LocationTableWire>(await value(k)))),
  ]);
  return { keys, tables };
}

/** A directory write prepared (its layers durable), applied once the head that names it is. */
export interface PreparedDirectory {
  readonly head: DirectoryHead;
  /** Called after the head is durable. */
  applied(): void;
  /** Called when the layers or the head failed: the next checkpoint writes the added keys again. */
  failed(): void;
}

/**
 * Writes a directory's layers for one checkpoint: the keys added since the last one as a delta;
 * every exact key in a whole new list once there are `MAX_DELTA_LAYERS` deltas; the exact keys
 * frozen into a filter once there are `FREEZE_KEYS`. Layer keys are `<head>.a.<epoch>.<n>` and
 * `<head>.f.<epoch>.<n>`, `n` counting up per writer; superseded layers are deleted once the new
 * head is durable.
 */
export class DirectoryWriter {
  private head: DirectoryHead = { l: [], f: [] };
  private n = 0;
  private readonly freezeKeys: number;
  private readonly maxDeltaLayers: number;

  constructor(
    private readonly prefix: string,
    private readonly epoch: number,
    private readonly put: (key: string, data: Uint8Array) => Promise<void>,
    private readonly remove: (key: string) => Promise<void>,
    limits: { freezeKeys?: number; maxDeltaLayers?: number } = {},
  ) {
    this.freezeKeys = limits.freezeKeys ?? FREEZE_KEYS;
    this.maxDeltaLayers = limits.maxDeltaLayers ?? MAX_DELTA_LAYERS;
  }

  /** The next checkpoint has directory work to write. */
  due(dir: ActorDirectory): boolean {
    return dir.complete && (dir.pendingAdds > 0 || dir.size >= this.freezeKeys);
  }

  /** After recovery from a checkpoint whose head named `head`. */
  adopt(head: DirectoryHead): void {
    this.head = { l: [...head.l], f: [...head.f] };
  }

  /** The head as last written (what a checkpoint names when nothing was added). */
  get current(): DirectoryHead {
    return this.head;
  }

  async prepare(dir: ActorDirectory): Promise<PreparedDirectory> {
    const added = dir.takeAdded();
    try {
      if (dir.size >= this.freezeKeys) return await this.freeze(dir, added);
      if (added.length === 0) return this.unchanged();
      if (this.head.l.length >= this.maxDeltaLayers) return await this.rewrite(dir, added);
      const l = await this.writeKeys(added);
      return this.prepared(dir, added, { l: [...this.head.l, ...l], f: this.head.f }, []);
    } catch (err) {
      dir.restoreAdded(added);
      throw err;
    }
  }

  private unchanged(): PreparedDirectory {
    return { head: this.head, applied: () => undefined, failed: () => undefined };
  }

  private async freeze(dir: ActorDirectory, added: LayerEntry[]): Promise<PreparedDirectory> {
    const entries = dir.exactEntries();
    const frozen: { table: LocationTable; entries: LayerEntry[] }[] = [];
    const f: string[] = [];
    for (let i = 0; i < entries.length; i += KEYS_PER_TABLE) {
      const slice = entries.slice(i, i + KEYS_PER_TABLE);
      const table = LocationTable.of(slice);
      const key = this.layerKey('f');
      await this.put(key, encode(table.toWire()));
      frozen.push({ table, entries: slice });
      f.push(key);
    }
    const prepared = this.prepared(dir, added, { l: [], f: [...this.head.f, ...f] }, this.head.l);
    return {
      ...prepared,
      applied: () => {
        prepared.applied();
        for (const x of frozen) dir.adoptFrozen(x.table, x.entries);
      },
    };
  }

  private async rewrite(dir: ActorDirectory, added: LayerEntry[]): Promise<PreparedDirectory> {
    return this.prepared(dir, added, { l: await this.writeKeys(dir.exactEntries()), f: this.head.f }, this.head.l);
  }

  /** `entries` in layers of at most `KEYS_PER_LAYER`; their layer keys. */
  private async writeKeys(entries: readonly LayerEntry[]): Promise<string[]> {
    const l: string[] = [];
    for (let i = 0; i < entries.length || i === 0; i += KEYS_PER_LAYER) {
      const key = this.layerKey('a');
      await this.put(key, encode(entries.slice(i, i + KEYS_PER_LAYER)));
      l.push(key);
    }
    return l;
  }

  private prepared(
    dir: ActorDirectory,
    added: LayerEntry[],
    head: DirectoryHead,
    superseded: readonly string[],
  ): PreparedDirectory {
    return {
      head,
      applied: () => {
        this.head = head;
        // Best effort: a layer left behind is garbage, never read (no head names it). Only this
        // owner's own: an owner that lost its lease may still write a head naming its layers (its
        // replay then covers everything written since), and those must still be there.
        for (const k of superseded) if (this.ownLayer(k)) void this.remove(k).catch(() => undefined);
      },
      failed: () => dir.restoreAdded(added),
    };
  }

  private ownLayer(key: string): boolean {
    return key.startsWith(`${this.prefix}.a.${this.epoch}.`);
  }

  private layerKey(kind: 'a' | 'f'): string {
    return `${this.prefix}.${kind}.${this.epoch}.${++this.n}`;
  }
}
