/**
 * The diner's menu, cached in-process and in Redis, answered with an ETag.
 *
 * A store's menu changes only when its catalog actor records an event, and every
 * such change bumps the catalog's `rev`. The cache entry carries the rev it was
 * built from; the newest rev seen is kept per store (in-process and in Redis), and
 * an entry older than it is never served. Changes are seen two ways:
 *
 * - `events` (default): the catalog actor announces each change on `<ns>.catalog.<store>`
 *   (a side output, published once the change is durable, again after an engine
 *   restart); the gateway subscribes to those only, not to the engine's whole event
 *   stream.
 * - always: a change made through this gateway (catalog import) is announced on
 *   `<ns>.gw.menu.<store>` for the other gateway processes.
 *
 * Diners never see cost prices: `costFen` is dropped when the menu is built.
 */
import { createHash } from 'node:crypto';
import { decode } from '@lunchrush/engine';
import type { CatalogChanged, CatalogDoc } from '@lunchrush/actors';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ErrorCode as DomainCode } from '@lunchrush/actors';
import type { EngineGate } from './engine-gate.js';
import { HttpError } from './errors.js';

export interface MenuEntry {
  readonly store: string;
  readonly rev: number;
  readonly etag: string;
  readonly body: string;
  readonly skuIds: readonly string[];
}

export function dinerMenu(store: string, rev: number, doc: CatalogDoc): unknown {
  const seen = new Set<string>(doc.categories);
  const categories = [...doc.categories];
  for (const s of doc.spus) {
    if (seen.has(s.category)) continue;
    seen.add(s.category);
    categories.push(s.category);
  }
  return {
    store,
    rev,
    currency: doc.currency,
    categories,
    fees: doc.fees ?? null,
    spus: doc.spus.map((s) => ({ ...s, skus: s.skus.map(({ costFen: _cost, ...k }) => k) })),
  };
}

export class MenuCache {
  private readonly local = new Map<string, MenuEntry>();
  private readonly latest = new Map<string, number>();
  private readonly generation = new Map<string, number>();
  private readonly stock = new Map<string, { at: number; levels: unknown }>();
  private readonly stockReads = new Map<string, Promise<unknown>>();
  /** Reads of a store's menu under way, by store and generation (a change starts a new one). */
  private readonly reads = new Map<string, Promise<MenuEntry>>();
  private readonly subs: Subscription[] = [];
  private readonly hits: Counter;

  constructor(
    private readonly engine: EngineGate,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlS: number,
    private readonly stockCacheMs: number,
    private readonly log: Logger,
    registry: Registry,
  ) {
    this.hits = new Counter({
      name: 'lunchrush_gateway_menu_reads_total',
      help: 'Menu reads by where the answer came from',
      labelNames: ['source'],
      registers: [registry],
    });
  }

  private key(store: string): string {
    return `${this.prefix}:menu:${store}`;
  }

  private revKey(store: string): string {
    return `${this.prefix}:menu:rev:${store}`;
  }

  get(store: string): Promise<MenuEntry> {
    const floor = this.latest.get(store) ?? 0;
    const hit = this.local.get(store);
    if (hit !== undefined && hit.rev >= floor) {
      this.hits.inc({ source: 'process' });
      return Promise.resolve(hit);
    }
    // One read (and build) at a time per store: after a change every menu request of a lunch rush
    // missed at once, and each read the catalog, serialised ~30 KB and hashed it again.
    const gen = this.generation.get(store) ?? 0;
    const key = `${store}\u0000${gen}`;
    let reading = this.reads.get(key);
    if (reading === undefined) {
      reading = this.read(store, floor, gen).finally(() => this.reads.delete(key));
      this.reads.set(key, reading);
    } else {
      this.hits.inc({ source: 'shared' });
    }
    return reading;
  }

  private async read(store: string, floor: number, gen: number): Promise<MenuEntry> {
    const [raw = null, rawRev = null] = await this.redis.mget(this.key(store), this.revKey(store));
    const known = Math.max(floor, rawRev === null ? 0 : Number(rawRev));
    if (raw !== null) {
      const e = JSON.parse(raw) as MenuEntry;
      if (e.rev >= known) {
        if ((this.generation.get(store) ?? 0) === gen) this.local.set(store, e);
        this.hits.inc({ source: 'redis' });
        return e;
      }
    }
    const r = await this.engine.catalog(store).send({ type: 'get' });
    if (r.rev === 0) throw new HttpError(DomainCode.StoreNotConfigured, `store ${store} has no menu`);
    const body = JSON.stringify(dinerMenu(store, r.rev, r.catalog));
    const entry: MenuEntry = {
      store,
      rev: r.rev,
      etag: `"m${r.rev}-${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
      body,
      skuIds: r.catalog.spus.flatMap((s) => s.skus.map((k) => k.skuId)),
    };
    this.hits.inc({ source: 'engine' });
    // A change seen while we were reading makes this entry stale: serve it once, keep it nowhere.
    if ((this.generation.get(store) ?? 0) === gen && entry.rev >= (this.latest.get(store) ?? 0)) {
      this.local.set(store, entry);
      await this.redis.set(this.key(store), JSON.stringify(entry), 'EX', this.ttlS);
    }
    return entry;
  }

  /** Drops the store's menu everywhere; `rev` (when known) is the catalog's new revision. */
  invalidate(store: string, rev?: number): void {
    this.generation.set(store, (this.generation.get(store) ?? 0) + 1);
    this.local.delete(store);
    if (rev !== undefined && rev > (this.latest.get(store) ?? 0)) this.latest.set(store, rev);
    const p = this.redis.multi().del(this.key(store));
    if (rev !== undefined) p.set(this.revKey(store), String(rev), 'EX', this.ttlS * 2);
    p.exec().catch((e: unknown) => this.log.warn({ err: e, store }, 'menu invalidation in Redis failed'));
  }

  /**
   * Stock levels of every SKU on the menu, cached for `stockCacheMs`; one read of them at a time per
   * store (every request that found the cache expired used to start its own ~35–60 stock reads).
   */
  stockLevels(store: string): Promise<unknown> {
    const hit = this.stock.get(store);
    const now = Date.now();
    if (hit !== undefined && now - hit.at < this.stockCacheMs) return Promise.resolve(hit.levels);
    let reading = this.stockReads.get(store);
    if (reading === undefined) {
      reading = this.readStockLevels(store, now).finally(() => this.stockReads.delete(store));
      this.stockReads.set(store, reading);
    }
    return reading;
  }

  private async readStockLevels(store: string, now: number): Promise<unknown> {
    const menu = await this.get(store);
    const views = await Promise.all(menu.skuIds.map((skuId) => this.engine.stock(store, skuId).send({ type: 'get' })));
    const levels = {
      store,
      at: now,
      skus: views.map((v) => ({ skuId: v.skuId, level: v.level, available: v.available })),
    };
    this.stock.set(store, { at: now, levels });
    return levels;
  }

  /** Starts listening for catalog changes. */
  watch(nc: NatsConnection, namespace: string, events: boolean): void {
    const announce = nc.subscribe(`${namespace}.gw.menu.*`, {
      callback: (err, msg) => {
        if (err !== null) return;
        const store = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
        const rev = Number(msg.string());
        this.invalidate(store, Number.isFinite(rev) && rev > 0 ? rev : undefined);
      },
    });
    this.subs.push(announce);
    if (!events) return;
    const sub = nc.subscribe(`${namespace}.catalog.*`, {
      callback: (err, msg) => {
        if (err !== null) return;
        const store = msg.subject.slice(msg.subject.lastIndexOf('.') + 1);
        let rev: unknown;
        try {
          rev = decode<Partial<CatalogChanged>>(msg.data).rev;
        } catch {
          rev = undefined;
        }
        this.invalidate(store, typeof rev === 'number' && rev > 0 ? rev : undefined);
      },
    });
    this.subs.push(sub);
  }

  /** Tells the other gateway processes that this store's menu changed. */
  announce(nc: NatsConnection, namespace: string, store: string, rev: number): void {
    this.invalidate(store, rev);
    nc.publish(`${namespace}.gw.menu.${store}`, String(rev));
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
  }
}
