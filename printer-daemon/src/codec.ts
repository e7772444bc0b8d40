import { Packr } from 'msgpackr';

/**
 * msgpack exactly as the engine writes side outputs (records off, self-describing),
 * so tickets decode here and alarms decode in the gateway.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, encodeUndefinedAsNil: true });

export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decode<T = unknown>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
