/**
 * How much each friend's help cuts from a bargain's price (砍一刀). Decided on the
 * server and reproducible: the bargain's seed (drawn by the gateway when the
 * bargain starts, recorded in its first event) and the helper's number give the
 * same cut on every replay. The remaining distance to the floor is shared among
 * the helpers still expected (K − helped), each taking between half and one and a
 * half shares, so the K-th helper always lands exactly on the floor and no cut is
 * ever less than 1 fen or past the floor.
 */
import { createHash } from 'node:crypto';

/** A number in [0, 1) from the seed and the helper's number: SHA-256, its first 48 bits. */
export function unit(seed: string, n: number): number {
  const h = createHash('sha256').update(seed).update('\0').update(String(n)).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The cut of the `n`-th helper (1-based) when `remainingFen` separates the price from the floor
 * and `helpersToFloor` (K) helpers are meant to reach it.
 */
export function cutFen(seed: string, n: number, remainingFen: number, helpersToFloor: number): number {
  if (remainingFen <= 0) return 0;
  const left = helpersToFloor - (n - 1);
  if (left <= 1) return remainingFen;
  const share = remainingFen / left;
  const cut = Math.floor(share * (0.5 + unit(seed, n)));
  return Math.min(remainingFen, Math.max(1, cut));
}
