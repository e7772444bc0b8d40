/**
 * The outbox: one Redis list per platform of what it must be told, in the order it must hear
 * it. The sync feed appends the actors' stock and catalog changes, the inbound side appends order
 * statuses; a platform's sender takes from the head and removes what the platform acknowledged.
 * A platform that is down leaves its list growing and hears all of it, in order, once back;
 * another platform's list is not held up. Changes a platform refused for good go to its dead list
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

export class Outbox {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(p: PlatformName, part: string): string {
    return `${this.prefix}:platforms:${part}:${p}`;
  }

  /** Appends to several platforms' lists in one transaction. */
  async append(entries: readonly { platform: PlatformName; entry: OutboxEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const m = this.redis.multi();
    for (const { platform, entry } of entries) m.rpush(this.key(platform, 'outbox'), JSON.stringify(entry));
    await m.exec();
  }

  async head(p: PlatformName, n: number): Promise<OutboxEntry[]> {
    return (await this.redis.lrange(this.key(p, 'outbox'), 0, n - 1)).map((s) => JSON.parse(s) as OutboxEntry);
  }

  /** Removes the first `n` (acknowledged) entries; `dead` ones are kept on the dead list. */
  async remove(p: PlatformName, n: number, dead: readonly OutboxEntry[] = []): Promise<void> {
    const m = this.redis.multi().ltrim(this.key(p, 'outbox'), n, -1);
    if (dead.length > 0) m.rpush(this.key(p, 'dead'), ...dead.map((e) => JSON.stringify(e)));
    await m.exec();
  }

  length(p: PlatformName): Promise<number> {
    return this.redis.llen(this.key(p, 'outbox'));
  }

  deadLength(p: PlatformName): Promise<number> {
    return this.redis.llen(this.key(p, 'dead'));
  }

  /** The newest stock version each SKU's platform copy was sent (`<store>/<skuId>` → seq). */
  async sentSeqs(p: PlatformName, keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    const v = await this.redis.hmget(this.key(p, 'seq'), ...keys);
    return v.map((x) => (x === null ? undefined : Number(x)));
  }

  async setSentSeqs(p: PlatformName, seqs: ReadonlyMap<string, number>): Promise<void> {
    if (seqs.size > 0) await this.redis.hset(this.key(p, 'seq'), Object.fromEntries(seqs));
  }
}
