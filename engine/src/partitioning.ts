/** Default number of partitions; fixed for the life of a deployment. */
export const DEFAULT_PARTITIONS = 64;

const ID_RE = /^(?!__proto__$)[A-Za-z0-9_-]{1,64}$/;
const TYPE_RE = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Ids become parts of NATS subjects and KV keys, so they are kept to a safe alphabet; `__proto__` is
 * refused, as msgpack readers rename that key and plain objects treat it as the prototype.
 */
export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_RE.test(id);
}

export function isValidTypeName(name: unknown): name is string {
  return typeof name === 'string' && TYPE_RE.test(name);
}

/** FNV-1a, 32 bit: stable across processes, versions and languages. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function partitionOf(store: string, partitions: number): number {
  return fnv1a(store) % partitions;
}

// The names of the namespace's resources are the wire contract; names.ts owns them.
export { names, type Names } from './names.js';

export function actorKey(store: string, type: string, id: string): string {
  return `${type}.${store}.${id}`;
}
