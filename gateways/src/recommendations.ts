/**
 * Recommendations served from memory. The models come from analytics' training
 * job through the KV bucket `recoBucket(ns)` (one key per store and one for
 * the chain): a watch keeps the newest of each in a map, so a retrained model
 * is served as soon as it is published, by every gateway. What a table may be
 * shown is decided here, per request, from what is already in memory:
 *
 * - the store's menu (MenuCache: switched-off dishes, channels, availability
 *   windows in the catalog's time zone), parsed once per catalog revision, with
 *   content neighbours from the live catalog, so a dish added after the model
 *   was trained is still recommended by its attributes;
 * - stock: the menu's stock levels (MenuCache, refreshed every
 *   `GATEWAY_STOCK_CACHE_MS`) with the stock actors' level pushes
 *   (`<ns>.push.<store>.menu`) laid over them as they arrive, the newer of the
 *   two winning: a sold-out SKU is never recommended;
 * - the A/B switch: `GATEWAY_RECO_SHARE_PERCENT` of tables (a hash of the table
 *   id, stable for a table) get the blend, the others the hour's hot list.
 */
import { createHash } from 'node:crypto';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { decode, encode, type BatchRecord } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import {
  catalogFeatures,
  contentNeighbours,
  ErrorCode as D,
  isWithin,
  RECO_EVENT_SUBJECTS,
  RECO_EVENTS_STREAM,
  recoEventSubject,
  recommend,
  recoHourOf,
  recoPeriodOf,
  type CatalogDoc,
  type RecoDinerHistory,
  type RecoEvent,
  type RecoModel,
  type RecoWeights,
  type Recommendation,
  type StockLevelPush,
  type TimeWindow,
} from '@lunchrush/actors';
import { recoBucket, recoDinerKey } from '@lunchrush/actors/wire';
import { HttpError } from './errors.js';
import type { MenuCache, MenuEntry } from './menu.js';

/**
 * A store's stock levels are read again at most this often (or every GATEWAY_STOCK_CACHE_MS when
 * longer; on every request when that is 0). The level pushes carry every change in between; the
 * re-read is the net for a push lost on core NATS. Re-reading every second (the /stock cache's
 * period) was 20 stores × 60 stock reads a second inside the node, and the bench's p99 went from
 * 160 ms to 15 ms when it stopped.
 */
const STOCK_REREAD_MS = 10_000;

/** Diners' histories kept in memory at most, and how long one is trusted before it is read again. */
const DINER_HISTORIES = 10_000;
const DINER_HISTORY_TTL_MS = 5 * 60_000;

/** The control arm of the A/B switch: popularity of the hour, nothing personal. */
const HOT_ONLY: RecoWeights = { cf: 0, slope: 0, hot: 1, content: 0, again: 0 };

interface MenuSku {
  readonly skuId: string;
  readonly spuId: string;
  readonly name: string;
  readonly spec: string;
  readonly priceFen: number;
  readonly image: string | null;
  readonly available: boolean;
  readonly channels: readonly string[];
  readonly windows: readonly TimeWindow[];
}

interface StockSnapshot {
  readonly at: number;
  readonly levels: ReadonlyMap<string, string>;
}

/** A menu revision as recommendations need it. */
interface MenuView {
  readonly skus: ReadonlyMap<string, MenuSku>;
  readonly content: ReadonlyMap<string, [string, number][]>;
  readonly tzOffsetMin: number;
}

export interface RecoQuery {
  readonly context: 'menu' | 'cart';
  readonly cart: readonly string[];
  readonly table?: string | undefined;
  readonly channel: 'dine_in' | 'takeaway' | 'delivery';
  readonly party?: number | undefined;
  readonly limit: number;
}

export interface RecoItem extends Recommendation {
  readonly spuId: string;
  readonly name: string;
  readonly spec: string;
  readonly priceFen: number;
  readonly image: string | null;
}

export interface RecoAnswer {
  readonly store: string;
  readonly context: 'menu' | 'cart';
  readonly variant: 'reco' | 'control';
  readonly period: string;
  readonly hour: number;
  readonly model: { readonly builtAt: number; readonly trainedTo: string; readonly scope: string } | null;
  readonly items: RecoItem[];
  readonly hot: RecoItem[];
}

function viewOf(m: MenuEntry): MenuView {
  const doc = JSON.parse(m.body) as CatalogDoc;
  const skus = new Map<string, MenuSku>();
  for (const s of doc.spus)
    for (const k of s.skus)
      skus.set(k.skuId, {
        skuId: k.skuId,
        spuId: s.spuId,
        name: s.name,
        spec: k.spec,
        priceFen: k.priceFen,
        image: s.images[0] ?? null,
        available: s.available,
        channels: s.channels,
        windows: s.windows,
      });
  return { skus, content: contentNeighbours(catalogFeatures(doc)), tzOffsetMin: doc.tzOffsetMin ?? 480 };
}

export class Recommendations {
  private readonly models = new Map<string, RecoModel>();
  private readonly views = new WeakMap<MenuEntry, MenuView>();
  /** Level pushes per store and SKU, laid over the stock snapshot when newer. */
  private readonly pushed = new Map<string, Map<string, { level: string; at: number }>>();
  private readonly stock = new Map<string, StockSnapshot>();
  private readonly reading = new Map<string, Promise<StockSnapshot>>();
  /** Returning diners' purchase counts (`diner.<id>` in the bucket), least recently read first. */
  private readonly histories = new Map<
    string,
    { at: number; counts: Promise<ReadonlyMap<string, number> | undefined> }
  >();
  private kv: KV | undefined;
  private js: JetStreamClient | undefined;
  private sub: Subscription | undefined;
  private readonly watching: { stop(): void }[] = [];
  private stopped = false;

  constructor(
    private readonly o: {
      nc: NatsConnection;
      namespace: string;
      menu: MenuCache;
      sharePercent: number;
      /** How old a stock read may be before the next request starts another (GATEWAY_STOCK_CACHE_MS). */
      stockCacheMs: number;
      log: Logger;
    },
  ) {}

  /** Subscribes to level pushes and starts watching the models (the bucket is made when missing). */
  async start(): Promise<void> {
    const prefix = names(this.o.namespace).subject('push.');
    this.sub = this.o.nc.subscribe(`${prefix}*.menu`, {
      callback: (err, msg) => {
        if (err !== null) return;
        try {
          const p = decode<StockLevelPush>(msg.data);
          if (p.kind !== 'stock') return;
          const store = msg.subject.slice(prefix.length, msg.subject.lastIndexOf('.'));
          let m = this.pushed.get(store);
          if (m === undefined) this.pushed.set(store, (m = new Map<string, { level: string; at: number }>()));
          const seen = m.get(p.skuId);
          if (seen === undefined || seen.at <= p.at) m.set(p.skuId, { level: p.level, at: p.at });
        } catch {
          // not a level push: nothing to lay over
        }
      },
    });
    await this.ensureEventStream();
    const kvm = new Kvm(this.o.nc);
    const bucket = recoBucket(this.o.namespace);
    // Made here when the job has not run yet; a bucket made otherwise (replicas) is used as it is.
    this.kv = await kvm.create(bucket, { history: 1 }).catch(() => kvm.open(bucket));
    // Models only: `diner.<id>` keys (thousands) are read one by one when a diner asks. Two watches,
    // as nats-server 2.9 takes one filter subject per consumer.
    for (const key of ['store.*', 'chain']) {
      const watch = await this.kv.watch({ key });
      this.watching.push(watch);
      void this.follow(watch);
    }
  }

  private async follow(watch: AsyncIterable<KvEntry>): Promise<void> {
    for await (const e of watch) {
      if (this.stopped) break;
      const scope = e.key === 'chain' ? '*' : e.key.slice('store.'.length);
      if (e.operation !== 'PUT') this.models.delete(scope);
      else
        try {
          this.models.set(scope, e.json<RecoModel>());
        } catch (err) {
          this.o.log.warn({ err, key: e.key }, 'recommendation model unreadable');
        }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watching) w.stop();
    this.sub?.unsubscribe();
  }

  /** The stream impressions and clicks go to (made here: the gateways are its writers). */
  private async ensureEventStream(): Promise<void> {
    const n = names(this.o.namespace);
    const name = n.outputStream(RECO_EVENTS_STREAM);
    const jsm = await jetstreamManager(this.o.nc);
    try {
      await jsm.streams.info(name);
    } catch {
      await jsm.streams
        .add({
          name,
          subjects: [n.subject(RECO_EVENT_SUBJECTS)],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          max_age: 180 * 86_400 * 1e9,
        })
        .catch(() => jsm.streams.info(name)); // another gateway made it meanwhile
    }
    this.js = jetstream(this.o.nc);
  }

  /** Appends a table's impressions and clicks as one record; resolves once JetStream stored it. */
  async record(store: string, events: readonly RecoEvent[]): Promise<void> {
    if (events.length === 0 || this.js === undefined) return;
    const record: BatchRecord = {
      k: 'b',
      e: 0,
      o: 'gateway',
      x: [{ a: ['reco', store, events[0]!.tableId ?? '-'], ev: [...events] }],
    };
    await this.js.publish(names(this.o.namespace).subject(recoEventSubject(store)), encode(record));
  }

  /**
   * A logged-in diner's own purchase counts from the last training (none for a new diner),
   * read from the bucket once and kept a few minutes (at most DINER_HISTORIES diners).
   */
  historyOf(dinerId: string): Promise<ReadonlyMap<string, number> | undefined> {
    const now = Date.now();
    const hit = this.histories.get(dinerId);
    if (hit !== undefined && now - hit.at < DINER_HISTORY_TTL_MS) {
      this.histories.delete(dinerId);
      this.histories.set(dinerId, hit);
      return hit.counts;
    }
    const counts = (async () => {
      const e = await this.kv?.get(recoDinerKey(dinerId));
      if (e === undefined || e === null || e.operation !== 'PUT') return undefined;
      return new Map(e.json<RecoDinerHistory>().skus);
    })().catch(() => undefined);
    this.histories.delete(dinerId);
    this.histories.set(dinerId, { at: now, counts });
    if (this.histories.size > DINER_HISTORIES) this.histories.delete(this.histories.keys().next().value!);
    return counts;
  }

  /** The model of a scope (`*` the chain) as this gateway holds it now. */
  model(scope: string): RecoModel | undefined {
    return this.models.get(scope);
  }

  /** `reco` for the configured share of tables (stable per table), `control` for the rest. */
  variantOf(store: string, table: string | undefined): 'reco' | 'control' {
    if (this.o.sharePercent >= 100 || table === undefined) return 'reco';
    const h = createHash('sha256').update(`${store}/${table}`).digest().readUInt32BE(0) % 100;
    return h < this.o.sharePercent ? 'reco' : 'control';
  }

  /**
   * The store's stock levels as last read, refreshed once at a time per store: a read older
   * than STOCK_REREAD_MS is answered while a new one runs (the level pushes keep it current
   * meanwhile); with no read yet, or `stockCacheMs` 0, the answer waits for a fresh one.
   */
  private async levels(store: string): Promise<StockSnapshot> {
    const have = this.stock.get(store);
    const every = this.o.stockCacheMs === 0 ? 0 : Math.max(this.o.stockCacheMs, STOCK_REREAD_MS);
    if (have !== undefined && Date.now() - have.at < every) return have;
    let running = this.reading.get(store);
    if (running === undefined) {
      running = (this.o.menu.stockLevels(store) as Promise<{ at: number; skus: { skuId: string; level: string }[] }>)
        .then((snap) => {
          const s: StockSnapshot = { at: snap.at, levels: new Map(snap.skus.map((k) => [k.skuId, k.level])) };
          this.stock.set(store, s);
          return s;
        })
        .finally(() => this.reading.delete(store));
      this.reading.set(store, running);
    }
    if (have === undefined || this.o.stockCacheMs === 0) return running;
    running.catch(() => undefined);
    return have;
  }

  private async outOfStock(store: string): Promise<(skuId: string) => boolean> {
    const snap = await this.levels(store);
    const pushed = this.pushed.get(store);
    return (skuId) => {
      const p = pushed?.get(skuId);
      const level = p !== undefined && p.at > snap.at ? p.level : snap.levels.get(skuId);
      return level === 'out';
    };
  }

  async answer(
    store: string,
    q: RecoQuery,
    history?: ReadonlyMap<string, number>,
    now = Date.now(),
  ): Promise<RecoAnswer> {
    const entry = await this.o.menu.get(store);
    let view = this.views.get(entry);
    if (view === undefined) this.views.set(entry, (view = viewOf(entry)));
    const menu = view;
    const unknown = q.cart.filter((s) => !menu.skus.has(s));
    if (unknown.length > 0)
      throw new HttpError(D.UnknownSku, `not on this menu: ${unknown.join(', ')}`, { details: { skus: unknown } });
    const out = await this.outOfStock(store);
    const cartSpus = new Set(q.cart.map((s) => menu.skus.get(s)!.spuId));
    const eligible = (skuId: string): boolean => {
      const k = menu.skus.get(skuId);
      return (
        k !== undefined &&
        k.available &&
        !cartSpus.has(k.spuId) &&
        k.channels.includes(q.channel) &&
        isWithin(k.windows, now, menu.tzOffsetMin) &&
        !out(skuId)
      );
    };
    const variant = this.variantOf(store, q.table);
    const storeModel = this.models.get(store);
    const chain = this.models.get('*');
    const base = {
      store: storeModel,
      chain,
      period: recoPeriodOf(now, menu.tzOffsetMin),
      hour: recoHourOf(now, menu.tzOffsetMin),
      party: q.party,
      content: menu.content,
      history: variant === 'control' ? undefined : history,
      eligible,
      limit: q.limit,
    };
    const item = (r: Recommendation): RecoItem => {
      const k = menu.skus.get(r.skuId)!;
      return { ...r, spuId: k.spuId, name: k.name, spec: k.spec, priceFen: k.priceFen, image: k.image };
    };
    const model = storeModel ?? chain;
    return {
      store,
      context: q.context,
      variant,
      period: base.period,
      hour: base.hour,
      model: model === undefined ? null : { builtAt: model.builtAt, trainedTo: model.trainedTo, scope: model.scope },
      items: recommend({ ...base, cart: q.cart, weights: variant === 'control' ? HOT_ONLY : undefined }).map(item),
      hot: recommend({ ...base, cart: [], weights: HOT_ONLY }).map(item),
    };
  }
}
