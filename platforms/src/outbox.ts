/**
 * The outbox: one Redis list per platform of what it must be told, in the order it must hear
 * it. The sync feed appends the actors' stock and catalog changes, the inbound side appends order
 * statuses; a platform's sender takes from the head and removes what the platform acknowledged.
 * A platform that is down leaves its list growing and hears all of it, in order, once back;
 * another platform's list is not held up. Each platform has two lanes: `sync` (stock and catalog,
 * in store order) and `orders` (order statuses), sent side by side, so a lunch rush's stream of
 * confirmations never splits or delays the stock batches. Changes a platform refused for good go to its dead list
 * (kept for a person, never retried by themselves).
 */
import type { Redis } from 'ioredis';
import type { OrderSyncStatus, PlatformName } from './platform.js';

export type OutboxEntry =
  | {
      readonly kind: 'stock';
      readonly store: string;
      readonly skuId: string;
      /** What the platform shows: 0 is sold out. */
      readonly stock: number;
      /** The stock actor's version; absent on a repair, which is always sent. */
      readonly seq?: number;
      readonly at: number;
    }
  | { readonly kind: 'catalog'; readonly store: string; readonly rev: number; readonly at: number }
  | {
      readonly kind: 'order';
      readonly store: string;
      readonly platformOrderId: string;
      readonly status: OrderSyncStatus;
      readonly reason?: string;
      readonly at: number;
    };

/** `sync`: stock and catalog changes; `orders`: order statuses. */
export type Lane = 'sync' | 'orders';
export const LANES: readonly Lane[] = ['sync', 'orders'];
export const laneOf = (e: OutboxEntry): Lane => (e.kind === 'order' ? 'orders' : 'sync');

export class Outbox {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(p: PlatformName, part: string): string {
    return `${this.prefix}:platforms:${part}:${p}`;
  }

  private list(p: PlatformName, lane: Lane): string {
    return this.key(p, lane === 'sync' ? 'outbox' : 'outbox-orders');
  }

  /** Appends to several platforms' lists in one transaction. */
  async append(entries: readonly { platform: PlatformName; entry: OutboxEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const m = this.redis.multi();
    for (const { platform, entry } of entries) m.rpush(this.list(platform, laneOf(entry)), JSON.stringify(entry));
    await m.exec();
  }

  async head(p: PlatformName, lane: Lane, n: number): Promise<OutboxEntry[]> {
    return (await this.redis.lrange(this.list(p, lane), 0, n - 1)).map((s) => JSON.parse(s) as OutboxEntry);
  }

  /**
   * Removes the first `n` (acknowledged) entries, and records what was sent per SKU, in one
   * transaction; `dead` ones are kept on the dead list.
   */
  async remove(
    p: PlatformName,
    lane: Lane,
    n: number,
    dead: readonly OutboxEntry[] = [],
    sentSeqs: ReadonlyMap<string, number> = new Map(),
  ): Promise<void> {
    const m = this.redis.multi().ltrim(this.list(p, lane), n, -1);
    if (dead.length > 0) m.rpush(this.key(p, 'dead'), ...dead.map((e) => JSON.stringify(e)));
    if (sentSeqs.size > 0) m.hset(this.key(p, 'seq'), Object.fromEntries(sentSeqs));
    await m.exec();
  }

  /** What waits in both lanes. */
  async length(p: PlatformName): Promise<number> {
    const [a, b] = await Promise.all(LANES.map((l) => this.redis.llen(this.list(p, l))));
    return a! + b!;
  }

  deadLength(p: PlatformName): Promise<number> {
    return this.redis.llen(this.key(p, 'dead'));
  }

  /** The newest stock version each SKU's platform copy was sent (`<store>/<skuId>` → seq). */
  async sentSeqs(p: PlatformName): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.key(p, 'seq'));
    return new Map(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }
}
