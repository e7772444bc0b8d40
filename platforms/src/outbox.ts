/**
 * The outbox: what each platform must be told, in the order it must hear it, in Redis. The sync
 * feed appends the actors' stock and catalog changes, the inbound side appends order statuses,
 * reconciliation its repairs; a platform's sender takes from the heads and removes what the
 * platform acknowledged. A platform that is down leaves its lists growing and hears all of it, in
 * order, once back; another platform's lists are not held up.
 *
 * Two lanes per platform. `sync` (stock and catalog) is one list per store, since order matters
 * only within a store (its calls name one store) and stores are sent side by side; a sorted set queues the
 * stores with something waiting, the longest waiting first. `orders` (order statuses) is one list, sent apart, so a lunch
 * rush's confirmations never split or delay the stock calls. Changes a platform refused for good
 * go to its dead list (kept for a person, never retried by themselves).
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
      /** The change's command time. */
      readonly at: number;
      /** When the change was stored (the side output's message time): the sync lag counts from here. */
      readonly storedAt?: number;
    }
  | {
      readonly kind: 'catalog';
      readonly store: string;
      readonly rev: number;
      readonly at: number;
      readonly storedAt?: number;
      /** Send the whole menu, not what changed since the last sent (a repair of a drifted copy). */
      readonly full?: boolean;
    }
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

  /** A store's sync list, or the platform's order statuses. */
  private list(p: PlatformName, lane: Lane, store: string): string {
    return lane === 'sync' ? `${this.key(p, 'outbox')}:${store}` : this.key(p, 'outbox-orders');
  }

  private stores(p: PlatformName): string {
    return this.key(p, 'outbox-stores');
  }

  /** Appends to several platforms' lists in one transaction. */
  async append(entries: readonly { platform: PlatformName; entry: OutboxEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const m = this.redis.multi();
    for (const { platform, entry } of entries) {
      const lane = laneOf(entry);
      m.rpush(this.list(platform, lane, entry.store), JSON.stringify(entry));
      // NX: a store keeps its place in the queue while it has something waiting.
      if (lane === 'sync') m.zadd(this.stores(platform), 'NX', entry.at, entry.store);
    }
    await m.exec();
  }

  /** The stores with stock or catalog changes waiting for the platform, the longest waiting first. */
  waiting(p: PlatformName): Promise<string[]> {
    return this.redis.zrange(this.stores(p), 0, -1);
  }

  /** The first `n` entries of a lane (`store`: whose sync list; the orders lane has one list). */
  async head(p: PlatformName, lane: Lane, n: number, store = ''): Promise<OutboxEntry[]> {
    return (await this.redis.lrange(this.list(p, lane, store), 0, n - 1)).map((s) => JSON.parse(s) as OutboxEntry);
  }

  /**
   * Removes the first `n` (acknowledged) entries of a lane, and records what was sent per SKU, in
   * one transaction; `dead` ones are kept on the dead list. A store whose list is then empty leaves
   * the waiting queue in the same script (so an append racing it keeps the store there), one
   * with more goes to the back of it: stores take turns.
   */
  async remove(
    p: PlatformName,
    lane: Lane,
    n: number,
    o: {
      store?: string;
      dead?: readonly OutboxEntry[];
      sentSeqs?: ReadonlyMap<string, number>;
      /** The menu items the platform acknowledged for the store (`sku` → `menuMark`). */
      sentMenu?: ReadonlyMap<string, string>;
    } = {},
  ): Promise<void> {
    const store = o.store ?? '';
    const m = this.redis.multi();
    if (lane === 'sync') m.eval(TRIM_STORE, 2, this.list(p, lane, store), this.stores(p), n, store, Date.now());
    else m.ltrim(this.list(p, lane, store), n, -1);
    if (o.dead !== undefined && o.dead.length > 0)
      m.rpush(this.key(p, 'dead'), ...o.dead.map((e) => JSON.stringify(e)));
    if (o.sentSeqs !== undefined && o.sentSeqs.size > 0) m.hset(this.key(p, 'seq'), Object.fromEntries(o.sentSeqs));
    if (o.sentMenu !== undefined && o.sentMenu.size > 0)
      m.hset(`${this.key(p, 'menu')}:${store}`, Object.fromEntries(o.sentMenu));
    await m.exec();
  }

  /** What waits in both lanes, every store. */
  async length(p: PlatformName): Promise<number> {
    const stores = await this.waiting(p);
    const m = this.redis.pipeline().llen(this.list(p, 'orders', ''));
    for (const s of stores) m.llen(this.list(p, 'sync', s));
    const r = (await m.exec()) ?? [];
    return r.reduce((a, [, n]) => a + (typeof n === 'number' ? n : 0), 0);
  }

  deadLength(p: PlatformName): Promise<number> {
    return this.redis.llen(this.key(p, 'dead'));
  }

  /** What the platform was last sent of a store's menu (`sku` → `menuMark`); undefined if never. */
  async sentMenu(p: PlatformName, store: string): Promise<Map<string, string> | undefined> {
    const all = await this.redis.hgetall(`${this.key(p, 'menu')}:${store}`);
    return Object.keys(all).length === 0 ? undefined : new Map(Object.entries(all));
  }

  /** The newest stock version each SKU's platform copy was sent (`<store>/<skuId>` → seq). */
  async sentSeqs(p: PlatformName): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.key(p, 'seq'));
    return new Map(Object.entries(all).map(([k, v]) => [k, Number(v)]));
  }
}

/** LTRIM a store's list past the `n` sent; empty, the store leaves the queue, else it goes to the back. */
const TRIM_STORE = `redis.call('LTRIM', KEYS[1], ARGV[1], -1)
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[2], ARGV[2])
else redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[2]) end
return 0`;
