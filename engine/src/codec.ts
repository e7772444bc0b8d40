import { Packr } from 'msgpackr';

/**
 * msgpack on the wire and in the log. Records/structures are off so every
 * message is self-describing: any process (or another language) can read it.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: true });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
