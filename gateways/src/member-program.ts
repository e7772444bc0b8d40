/**
 * The chain's member programme as the gateway's card commands, checkouts and placements apply it:
 * one `ProgramReader` per engine handle (the actor read at most every `PROGRAM_CACHE_MS`), shared
 * by every route of a gateway, so a manager's change through this gateway applies at once.
 */
import { ProgramReader } from '@lunchrush/actors/members';
import type { GatewayDeps } from './deps.js';

const readers = new WeakMap<object, ProgramReader>();

export function programReader(deps: Pick<GatewayDeps, 'engine'>): ProgramReader {
  let r = readers.get(deps.engine);
  if (r === undefined) {
    r = new ProgramReader(deps.engine);
    readers.set(deps.engine, r);
  }
  return r;
}
