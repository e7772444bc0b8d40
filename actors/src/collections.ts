/**
 * Immutable keyed collections for hot actors. Actor states are never mutated,
 * so a plain record would be copied whole on every event: a hot SKU with ten
 * thousand open reservations would copy ten thousand entries per deduction.
 * A persistent hash trie copies three 32-slot arrays and one tiny leaf instead,
 * and stays plain arrays and objects, so the engine's msgpack snapshots and
 * replay need nothing special.
 */

/**
 * A persistent hash map: a hash array mapped trie over 32-bit FNV-1a hashes,
 * five bits a level. A node is `[bitmap, ...children]`, one child per set bit in
 * slot order: another node (its first element is a number) or a leaf
 * `[key, value]` (keys of one full hash share a leaf `[key, value, key, value, …]`).
 * Only slots in use take room and a set copies one short array per level, so a
 * SKU with a few open reservations holds a few small arrays, not 32-slot ones.
 *
 * Until 2 Dec the trie had a fixed depth of three 32-slot arrays: ~390 bytes of
 * heap per open reservation (a 272-byte bottom array for nearly every key) and a
 * 96-slot copy per event. Snapshots written then are read through `upgradeTrie`.
 */
export interface HashTrie<V> {
  readonly root: TrieNode | null;
  readonly size: number;
  /** Phantom: keeps the value type. */
  readonly _v?: V;
}
export type TrieNode = readonly unknown[];

const BITS = 5;
const MASK = (1 << BITS) - 1;

function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const slot = (h: number, level: number): number => (h >>> (level * BITS)) & MASK;
const isNode = (x: TrieNode): boolean => typeof x[0] === 'number';

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function keyIndex(leaf: TrieNode, key: string): number {
  for (let k = 0; k < leaf.length; k += 2) if (leaf[k] === key) return k;
  return -1;
}

/** `arr` with `item` at `i` (replacing when `replace`, else inserted). */
function withItem(arr: TrieNode, i: number, item: unknown, replace: boolean): unknown[] {
  const n = arr.length;
  const out = new Array<unknown>(replace ? n : n + 1);
  for (let j = 0; j < i; j++) out[j] = arr[j];
  out[i] = item;
  for (let j = replace ? i + 1 : i; j < n; j++) out[replace ? j : j + 1] = arr[j];
  return out;
}

function without(arr: TrieNode, i: number, count: number): unknown[] {
  const out: unknown[] = [];
  for (let j = 0; j < arr.length; j++) if (j < i || j >= i + count) out.push(arr[j]);
  return out;
}

export function emptyTrie<V>(): HashTrie<V> {
  return { root: null, size: 0 };
}

/** The leaf that holds `key` if the trie has it, else null. */
function leafOf(t: HashTrie<unknown>, key: string): TrieNode | null {
  let node = t.root;
  if (node === null) return null;
  const h = hash(key);
  for (let level = 0; ; level++) {
    const bitmap = node[0] as number;
    const bit = 1 << slot(h, level);
    if ((bitmap & bit) === 0) return null;
    const child: TrieNode = node[1 + popcount(bitmap & (bit - 1))] as TrieNode;
    if (!isNode(child)) return child;
    node = child;
  }
}

export function trieGet<V>(t: HashTrie<V>, key: string): V | undefined {
  const leaf = leafOf(t, key);
  const k = leaf === null ? -1 : keyIndex(leaf, key);
  return k < 0 ? undefined : (leaf![k + 1] as V);
}

export function trieHas<V>(t: HashTrie<V>, key: string): boolean {
  const leaf = leafOf(t, key);
  return leaf !== null && keyIndex(leaf, key) >= 0;
}

/** `node` with `key` set; `added` tells whether the key is new. */
function setIn(node: TrieNode, h: number, key: string, value: unknown, level: number, added: { v: boolean }): TrieNode {
  const bitmap = node[0] as number;
  const bit = 1 << slot(h, level);
  const i = 1 + popcount(bitmap & (bit - 1));
  if ((bitmap & bit) === 0) {
    added.v = true;
    const next = withItem(node, i, [key, value], false);
    next[0] = bitmap | bit;
    return next;
  }
  const child = node[i] as TrieNode;
  let replaced: TrieNode;
  if (isNode(child)) {
    replaced = setIn(child, h, key, value, level + 1, added);
  } else {
    const k = keyIndex(child, key);
    if (k >= 0) {
      replaced = withItem(child, k + 1, value, true);
    } else {
      const h0 = hash(child[0] as string);
      if (h0 === h) {
        added.v = true;
        replaced = [...child, key, value];
      } else {
        // Two hashes in one slot: a node one level down holds the leaf there, and the key goes in beside it.
        replaced = setIn([1 << slot(h0, level + 1), child], h, key, value, level + 1, added);
      }
    }
  }
  return withItem(node, i, replaced, true);
}

export function trieSet<V>(t: HashTrie<V>, key: string, value: V): HashTrie<V> {
  const added = { v: false };
  const root = setIn(t.root ?? [0], hash(key), key, value, 0, added);
  return { root, size: added.v ? t.size + 1 : t.size };
}

/** `node` without `key` (the same node when it is absent; null when nothing is left). */
function deleteIn(node: TrieNode, h: number, key: string, level: number): TrieNode | null {
  const bitmap = node[0] as number;
  const bit = 1 << slot(h, level);
  if ((bitmap & bit) === 0) return node;
  const i = 1 + popcount(bitmap & (bit - 1));
  const child = node[i] as TrieNode;
  let replaced: TrieNode | null;
  if (isNode(child)) {
    replaced = deleteIn(child, h, key, level + 1);
    if (replaced === child) return node;
    // A node left with one leaf is that leaf: the trie stays as shallow as its keys need.
    if (replaced !== null && replaced.length === 2 && !isNode(replaced[1] as TrieNode))
      replaced = replaced[1] as TrieNode;
  } else {
    const k = keyIndex(child, key);
    if (k < 0) return node;
    replaced = child.length === 2 ? null : without(child, k, 2);
  }
  if (replaced !== null) return withItem(node, i, replaced, true);
  if (bitmap === bit) return null;
  const next = without(node, i, 1);
  next[0] = bitmap & ~bit;
  return next;
}

export function trieDelete<V>(t: HashTrie<V>, key: string): HashTrie<V> {
  if (t.root === null) return t;
  const root = deleteIn(t.root, hash(key), key, 0);
  if (root === t.root) return t;
  return { root, size: t.size - 1 };
}

export function trieEntries<V>(t: HashTrie<V>): [string, V][] {
  const out: [string, V][] = [];
  const walk = (node: TrieNode): void => {
    for (let j = 1; j < node.length; j++) {
      const child = node[j] as TrieNode;
      if (isNode(child)) walk(child);
      else for (let k = 0; k < child.length; k += 2) out.push([child[k] as string, child[k + 1] as V]);
    }
  };
  if (t.root !== null) walk(t.root);
  return out;
}

/** Depth of the trie layout before 2 Dec: three levels of 32-slot arrays, then leaves of pairs. */
const LEGACY_DEPTH = 3;

/**
 * A trie as this module reads it: one from a snapshot written before 2 Dec (a 32-slot root whose
 * first element is not a number) is rebuilt in the current layout; any other is returned as it is.
 */
export function upgradeTrie<V>(t: HashTrie<V>): HashTrie<V> {
  if (t.root === null || isNode(t.root)) return t;
  let out = emptyTrie<V>();
  const walk = (node: TrieNode | null, level: number): void => {
    if (node === null) return;
    if (level === LEGACY_DEPTH) {
      for (let k = 0; k < node.length; k += 2) out = trieSet(out, node[k] as string, node[k + 1] as V);
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

/** A RecentMap as this module reads it (see `upgradeTrie`). */
export function upgradeRecentMap<V>(m: RecentMap<V>): RecentMap<V> {
  return { cur: upgradeTrie(m.cur), prev: upgradeTrie(m.prev) };
}

export function rmSet<V>(m: RecentMap<V>, key: string, value: V, limit = RECENT_LIMIT): RecentMap<V> {
  if (trieHas(m.cur, key) || m.cur.size < limit) return { cur: trieSet(m.cur, key, value), prev: m.prev };
  return { cur: trieSet(emptyTrie(), key, value), prev: m.cur };
}
