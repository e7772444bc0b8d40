/**
 * A Bloom filter over strings: "certainly not added" or "maybe added". The actor directory keeps
 * the keys of old generations in these (`directory.ts`): a false positive costs one snapshot read,
 * a false negative would lose an actor, and there are none by construction.
 *
 * Written here rather than taken from npm: the directory needs a filter it can store as raw bytes
 * in a KV value and read back in another process, over ~40 lines of arithmetic; the packages on
 * npm serialise to JSON and bring their own hashing dependencies.
 */
export class Bloom {
  private constructor(
    /** Bits. */
    readonly m: number,
    /** Hash functions. */
    readonly k: number,
    readonly bits: Uint8Array,
  ) {}

  /** A filter sized for `n` keys at false-positive rate `p`. */
  static sized(n: number, p: number): Bloom {
    const m = Math.max(64, Math.ceil((-Math.max(1, n) * Math.log(p)) / (Math.LN2 * Math.LN2)));
    const k = Math.max(1, Math.round((m / Math.max(1, n)) * Math.LN2));
    return new Bloom(m, k, new Uint8Array(Math.ceil(m / 8)));
  }

  /** A filter as `toWire` left it; throws on bytes that cannot be one. */
  static fromWire(w: BloomWire): Bloom {
    if (!Number.isInteger(w.m) || !Number.isInteger(w.k) || w.k < 1 || w.b.length !== Math.ceil(w.m / 8)) {
      throw new Error(`not a Bloom filter: m=${w.m} k=${w.k} bytes=${w.b.length}`);
    }
    return new Bloom(w.m, w.k, w.b);
  }

  toWire(): BloomWire {
    return { m: this.m, k: this.k, b: this.bits };
  }

  add(key: string): void {
    const [h1, h2] = hashes(key);
    for (let i = 0; i < this.k; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0;
      const j = bit % this.m;
      this.bits[j >>> 3]! |= 1 << (j & 7);
    }
  }

  mayHave(key: string): boolean {
    const [h1, h2] = hashes(key);
    for (let i = 0; i < this.k; i++) {
      const j = ((h1 + Math.imul(i, h2)) >>> 0) % this.m;
      if ((this.bits[j >>> 3]! & (1 << (j & 7))) === 0) return false;
    }
    return true;
  }
}

export interface BloomWire {
  m: number;
  k: number;
  b: Uint8Array;
}

/** Two independent 32-bit hashes (FNV-1a and a Murmur3-style mix of it), combined as h1 + i·h2 (Kirsch–Mitzenmacher). */
function hashes(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b ^= b >>> 13;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  // An even step would revisit bits when m is even: keep it odd.
  return [a >>> 0, (b | 1) >>> 0];
}
