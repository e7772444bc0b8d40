/**
 * A service's whole-number variable, read the one way every `parse…Config(env)` of the stack reads
 * it: unset or empty is the default; anything but digits, or a number outside the range, fails at
 * start-up with a message naming the variable (in the caller's own configuration error).
 */
import { ConfigError } from './config.js';

export function envWholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  range: { readonly dflt: number; readonly min: number; readonly max: number },
  error: (message: string) => Error = (m) => new ConfigError(m),
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return range.dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < range.min || n > range.max)
    throw error(`${name} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`);
  return n;
}
