import fc from 'fast-check';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Preencoded, decode, encode } from '@lunchrush/engine/codec';

// What the engine writes to its log and the wire is read by other processes, other versions and
// other languages: plain msgpack, whatever the encoder's options.
describe('codec', () => {
  // JSON values without a `__proto__` key: msgpackr's readers rename that key (below), and ids refuse it.
  const plain = fc
    .jsonValue()
    .map((v) => JSON.stringify(v))
    .filter((json) => !json.includes('"__proto__":'))
    .map((json) => JSON.parse(json) as unknown);

  it('writes plain msgpack that a reader with default settings decodes to the same value', () => {
    fc.assert(
      fc.property(plain, (v) => {
        expect(unpack(encode(v))).toEqual(v);
        expect(decode(encode(v))).toEqual(v);
      }),
    );
  });

  it('reads a `__proto__` key back as `__proto_`, never as a prototype (msgpackr guards against pollution)', () => {
    const v = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    for (const read of [decode(encode(v)), unpack(encode(v))] as Record<string, unknown>[]) {
      expect(read).toEqual({ __proto_: { polluted: true }, a: 1 });
      expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  it('keeps maps of every size, from empty to past 65,535 keys', () => {
    for (const n of [0, 1, 15, 16, 17, 65_535, 65_536]) {
      const o: Record<string, number> = {};
      for (let i = 0; i < n; i++) o[`k${i}`] = i;
      expect(unpack(encode(o))).toEqual(o);
    }
  });

  it('writes a pre-encoded value inline, as the value itself', () => {
    fc.assert(
      fc.property(plain, plain, (inner, beside) => {
        const bytes = encode(inner).slice();
        expect(unpack(encode({ r: new Preencoded(bytes), beside }))).toEqual({ r: inner, beside });
      }),
    );
  });
});
