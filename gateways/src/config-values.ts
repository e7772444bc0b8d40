/**
 * How the gateway reads one configuration variable and checks it: whole numbers in a range,
 * booleans, one of a list, URLs, key rings, store lists. A bad value is a `ConfigError` naming the
 * variable, so a process fails at start-up with a message saying what to fix.
 */

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface KeyRing {
  /** The key id new tokens are signed with (the first listed). */
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export type Reader = (name: string) => string | undefined;

export function int(read: Reader, name: string, dflt: number, min: number, max: number): number {
  const raw = read(name);
  if (raw === undefined) return dflt;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function bool(read: Reader, name: string, dflt: boolean): boolean {
  const raw = read(name);
  if (raw === undefined) return dflt;
  if (!/^(1|0|true|false|yes|no)$/i.test(raw))
    throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
  return /^(1|true|yes)$/i.test(raw);
}

export function oneOf<T extends string>(read: Reader, name: string, options: readonly T[], dflt: T): T {
  const raw = read(name);
  if (raw === undefined) return dflt;
  if (!(options as readonly string[]).includes(raw))
    throw new ConfigError(`${name} must be one of ${options.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/**
 * `id:base64,id:base64`: the first key signs (or encrypts), every listed key verifies
 * (or decrypts). Rotation: prepend the new key, keep the old one until what it signed
 * has expired or been reprinted, then drop it.
 */
export function parseKeyRing(name: string, raw: string, exactBytes?: number): KeyRing {
  const keys = new Map<string, Buffer>();
  let current = '';
  for (const part of raw.split(',').map((s) => s.trim())) {
    const m = /^([A-Za-z0-9_-]{1,16}):([A-Za-z0-9+/=_-]+)$/.exec(part);
    if (m === null)
      throw new ConfigError(`${name}: expected id:base64key[,id:base64key…], got ${JSON.stringify(part)}`);
    const key = Buffer.from(m[2]!, 'base64');
    if (exactBytes !== undefined && key.length !== exactBytes)
      throw new ConfigError(`${name}: key ${m[1]} must be ${exactBytes} bytes, got ${key.length}`);
    if (exactBytes === undefined && key.length < 16)
      throw new ConfigError(`${name}: key ${m[1]} must be at least 16 bytes, got ${key.length}`);
    if (keys.has(m[1]!)) throw new ConfigError(`${name}: key id ${m[1]} appears twice`);
    keys.set(m[1]!, key);
    if (current === '') current = m[1]!;
  }
  return { current, keys };
}

export function url(name: string, raw: string): string {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    return raw.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
}

/** A comma-separated list of 3-digit store ids, each once. */
export function storeList(read: Reader, name: string): string[] {
  const ids = (read(name) ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  const bad = ids.find((x) => !/^\d{3}$/.test(x));
  if (bad !== undefined) throw new ConfigError(`${name}: expected 3-digit store ids, got ${JSON.stringify(bad)}`);
  return [...new Set(ids)];
}
