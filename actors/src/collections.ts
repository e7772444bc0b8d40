/**
 * Immutable keyed collections for hot actors. Actor states are never mutated,
 * so a plain record would be copied whole on every event: a hot SKU with ten
 * thousand open reservations would copy ten thousand entries per deduction.
 * A persistent hash trie copies three 32-slot arrays and one tiny leaf instead,
 * and stays plain arrays and objects, so the engine's msgpack snapshots and
 * replay need nothing special.
 */

/**
 * A persistent hash map: a fixed-depth trie of 32-way arrays over FNV-1a
 * hashes. Leaves are flat `[key, value, key, value, …]` arrays (one or two
 * pairs in practice), which copy faster than records.
 */
export interface HashTrie<V> {
  readonly root: TrieNode | null;
  readonly size: number;
  /** Phantom: keeps the value type. */
  readonly _v?: V;
}
export type TrieNode = readonly unknown[];

const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
/** 32³ = 32,768 leaves: with up to tens of thousands of keys a leaf holds one or two. */
const DEPTH = 3;

function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const slot = (h: number, level: number): number => (h >>> (level * BITS)) & MASK;
const emptyNode = (): unknown[] => new Array<unknown>(WIDTH).fill(null);

export function emptyTrie<V>(): HashTrie<V> {
  return { root: null, size: 0 };
}

function leafOf(t: HashTrie<unknown>, h: number): readonly unknown[] | null {
  let node: TrieNode | null = t.root;
  for (let level = 0; level < DEPTH && node !== null; level++) node = (node[slot(h, level)] ?? null) as TrieNode | null;
  return node;
}

export function trieGet<V>(t: HashTrie<V>, key: string): V | undefined {
  const leaf = leafOf(t, hash(key));
  if (leaf === null) return undefined;
  for (let k = 0; k < leaf.length; k += 2) if (leaf[k] === key) return leaf[k + 1] as V;
  return undefined;
}

export function trieHas<V>(t: HashTrie<V>, key: string): boolean {
  const leaf = leafOf(t, hash(key));
  if (leaf === null) return false;
  for (let k = 0; k < leaf.length; k += 2) if (leaf[k] === key) return true;
  return false;
}

export function trieSet<V>(t: HashTrie<V>, key: string, value: V): HashTrie<V> {
  const h = hash(key);
  const root = t.root === null ? emptyNode() : t.root.slice();
  let cur = root;
  for (let level = 0; level < DEPTH - 1; level++) {
    const i = slot(h, level);
    const child = (cur[i] ?? null) as TrieNode | null;
    const copy = child === null ? emptyNode() : child.slice();
    cur[i] = copy;
    cur = copy;
  }
  const i = slot(h, DEPTH - 1);
  const leaf = (cur[i] ?? null) as TrieNode | null;
  if (leaf === null) {
    cur[i] = [key, value];
    return { root, size: t.size + 1 };
  }
  const next = leaf.slice();
  for (let k = 0; k < next.length; k += 2) {
    if (next[k] === key) {
      next[k + 1] = value;
      cur[i] = next;
      return { root, size: t.size };
    }
  }
  next.push(key, value);
  cur[i] = next;
  return { root, size: t.size + 1 };
}

export function trieDelete<V>(t: HashTrie<V>, key: string): HashTrie<V> {
  if (!trieHas(t, key)) return t;
  const h = hash(key);
  const go = (node: TrieNode, level: number): TrieNode | null => {
    if (level === DEPTH) {
      const next: unknown[] = [];
      for (let k = 0; k < node.length; k += 2) if (node[k] !== key) next.push(node[k], node[k + 1]);
      return next.length === 0 ? null : next;
    }
    const arr = node.slice();
    const i = slot(h, level);
    arr[i] = go(arr[i] as TrieNode, level + 1);
    return arr.every((x) => x === null) ? null : arr;
  };
  return { root: go(t.root!, 0), size: t.size - 1 };
}

export function trieEntries<V>(t: HashTrie<V>): [string, V][] {
  const out: [string, V][] = [];
  const walk = (node: TrieNode | null, level: number): void => {
    if (node === null) return;
    if (level === DEPTH) {
      for (let k = 0; k < node.length; k += 2) out.push([node[k] as string, node[k + 1] as V]);
      return;
    }
    for (const child of node) walk((child ?? null) as TrieNode | null, level + 1);
  };
  walk(t.root, 0);
  return out;
}

/**
 * A bounded memory of recent keys and what became of them, for idempotency by
 * business id (order id, POS sale id, platform order id). Two generations:
 * new keys go into `cur`; when it holds `limit` keys it becomes `prev` and the
 * old `prev` is forgotten. Lookups read `cur` first, so re-setting a key
 * updates it. Remembers at least the last `limit` keys.
 */
export interface RecentMap<V> {
  readonly cur: HashTrie<V>;
  readonly prev: HashTrie<V>;
}

/** Per actor: a day of one dish's orders in one store fits, and a stock snapshot stays under 400 kB (NATS max payload is 1 MB). */
export const RECENT_LIMIT = 4_096;

export function emptyRecentMap<V>(): RecentMap<V> {
  return { cur: emptyTrie(), prev: emptyTrie() };
}

export function rmGet<V>(m: RecentMap<V>, key: string): V | undefined {
  return trieGet(m.cur, key) ?? trieGet(m.prev, key);
}

export function rmSet<V>(m: RecentMap<V>, key: string, value: V, limit = RECENT_LIMIT): RecentMap<V> {
  if (trieHas(m.cur, key) || m.cur.size < limit) return { cur: trieSet(m.cur, key, value), prev: m.prev };
  return { cur: trieSet(emptyTrie(), key, value), prev: m.cur };
}
