import { Bloom, type BloomWire } from './bloom.js';
import { decode, encode } from './codec.js';

/**
 * A partition's directory of actors: every actor key that has ever had a record in the
 * partition's log. An actor it does not know is brand new (a fresh order, a first sale): it starts
 * from its initial state without a snapshot read, so a new order costs no KV round trip and does
 * not hold up its partition's queue while one is in flight (DESIGN, engine invariant 2).
 *
 * Recent keys are kept exactly; once there are `FREEZE_KEYS` of them they are frozen into a Bloom
 * filter (written once, never again), so memory and the checkpoint stay bounded over months of
 * orders. A key in a filter is "maybe": the actor is read from its snapshot as before. An
 * incomplete directory (a partition whose checkpoint was written before directories existed)
 * says "maybe" for every key until it is completed (`complete`).
 *
 * Persisted with the partition's checkpoint (`checkpoint.ts`): the head names the layers, and
 * every layer is written before the head that names it. A layer's key carries the writer's lease
 * epoch, so an owner that lost its lease and still writes cannot overwrite a layer the new owner's
 * head names. Invariant: the layers a head names hold every key with a record at or before the
 * head's `ls`; recovery adds the keys of the records it replays (after `wm` ≤ `ls` + 1).
 */
export interface DirectoryHead {
  /** Layers of exact keys (each a msgpack array of keys), in the order written. */
  l: string[];
  /** Frozen Bloom filters. */
  f: string[];
}

/** Exact keys past which they are frozen into a filter (~60 KB at `BLOOM_FP`). */
export const FREEZE_KEYS = 32_768;
/** False-positive rate of a frozen filter: a new actor read needlessly this often per filter. */
export const BLOOM_FP = 0.001;
/** Delta layers before they are folded into a whole new list. */
export const MAX_DELTA_LAYERS = 32;
/** Keys per layer: a value stays well under the server's default max_payload (1 MB). */
const KEYS_PER_LAYER = 16_384;
/** Keys per frozen filter: ~470 KB at `BLOOM_FP` (a directory completed from a large bucket freezes in several). */
const KEYS_PER_FILTER = 262_144;

export class ActorDirectory {
  private readonly exact = new Set<string>();
  private readonly blooms: Bloom[] = [];
  /** Keys added since the last checkpoint took them, oldest first. */
  private added: string[] = [];

  constructor(public complete: boolean) {}

  /** True only when the key certainly has no record: complete, not exact, in no filter. */
  isNew(key: string): boolean {
    if (!this.complete || this.exact.has(key)) return false;
    for (const b of this.blooms) if (b.mayHave(key)) return false;
    return true;
  }

  /** A key whose record is now durable (or replayed). */
  add(key: string): void {
    if (this.exact.has(key)) return;
    this.exact.add(key);
    this.added.push(key);
  }

  /** Keys known exactly (not frozen). */
  get size(): number {
    return this.exact.size;
  }

  get filters(): number {
    return this.blooms.length;
  }

  /** What was added since the last call, for a checkpoint; give it back with `restoreAdded` if that fails. */
  takeAdded(): string[] {
    const a = this.added;
    this.added = [];
    return a;
  }

  restoreAdded(a: string[]): void {
    this.added = a.concat(this.added);
  }

  get pendingAdds(): number {
    return this.added.length;
  }

  exactKeys(): string[] {
    return [...this.exact];
  }

  /** A filter holding `keys` (a copy of the exact keys taken earlier), not yet part of the directory. */
  static frozen(keys: readonly string[]): Bloom {
    const b = Bloom.sized(keys.length, BLOOM_FP);
    for (const k of keys) b.add(k);
    return b;
  }

  /** The filter of `keys` is durable: the keys leave the exact set for it. */
  adoptFrozen(bloom: Bloom, keys: readonly string[]): void {
    this.blooms.push(bloom);
    for (const k of keys) this.exact.delete(k);
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

  /** Loads what a checkpoint's layers hold (before the replayed keys are added). */
  restore(layers: { keys: string[][]; blooms: BloomWire[] }): void {
    for (const w of layers.blooms) this.blooms.push(Bloom.fromWire(w));
    for (const l of layers.keys) for (const k of l) this.exact.add(k);
  }
}

/** Reads the layers `head` names; throws when one is missing (the checkpoint is then not trusted for it). */
export async function readDirectory(
  head: DirectoryHead,
  get: (key: string) => Promise<Uint8Array | undefined>,
): Promise<{ keys: string[][]; blooms: BloomWire[] }> {
  const value = async (k: string): Promise<Uint8Array> => {
    const v = await get(k);
    if (v === undefined) throw new Error(`actor directory layer ${k} is missing`);
    return v;
  };
  const [keys, blooms] = await Promise.all([
    Promise.all(head.l.map(async (k) => decode<string[]>(await value(k)))),
    Promise.all(head.f.map(async (k) => decode<BloomWire>(await value(k)))),
  ]);
  return { keys, blooms };
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

  private async freeze(dir: ActorDirectory, added: string[]): Promise<PreparedDirectory> {
    const keys = dir.exactKeys();
    const frozen: { bloom: Bloom; keys: string[] }[] = [];
    const f: string[] = [];
    for (let i = 0; i < keys.length; i += KEYS_PER_FILTER) {
      const slice = keys.slice(i, i + KEYS_PER_FILTER);
      const bloom = ActorDirectory.frozen(slice);
      const key = this.layerKey('f');
      await this.put(key, encode(bloom.toWire()));
      frozen.push({ bloom, keys: slice });
      f.push(key);
    }
    const prepared = this.prepared(dir, added, { l: [], f: [...this.head.f, ...f] }, this.head.l);
    return {
      ...prepared,
      applied: () => {
        prepared.applied();
        for (const x of frozen) dir.adoptFrozen(x.bloom, x.keys);
      },
    };
  }

  private async rewrite(dir: ActorDirectory, added: string[]): Promise<PreparedDirectory> {
    return this.prepared(dir, added, { l: await this.writeKeys(dir.exactKeys()), f: this.head.f }, this.head.l);
  }

  /** `keys` in layers of at most `KEYS_PER_LAYER`; their layer keys. */
  private async writeKeys(keys: readonly string[]): Promise<string[]> {
    const l: string[] = [];
    for (let i = 0; i < keys.length || i === 0; i += KEYS_PER_LAYER) {
      const key = this.layerKey('a');
      await this.put(key, encode(keys.slice(i, i + KEYS_PER_LAYER)));
      l.push(key);
    }
    return l;
  }

  private prepared(
    dir: ActorDirectory,
    added: string[],
    head: DirectoryHead,
    superseded: readonly string[],
  ): PreparedDirectory {
    return {
      head,
      applied: () => {
        this.head = head;
        // Best effort: a layer left behind is garbage, never read (no head names it).
        for (const k of superseded) void this.remove(k).catch(() => undefined);
      },
      failed: () => dir.restoreAdded(added),
    };
  }

  private layerKey(kind: 'a' | 'f'): string {
    return `${this.prefix}.${kind}.${this.epoch}.${++this.n}`;
  }
}
