/**
 * One platform's sender: takes calls off the heads of its outbox (`nextBatch`), within the
 * platform's rate limits, signs and sends them, and removes them once acknowledged. A platform
 * that is down or slows us down (5xx, 429, a timeout) gets the same call again after a doubling
 * delay, for as long as it takes, so it hears every change in order once back; a call it refuses
 * for good goes to the dead list. One process sends for a platform at a time (a lease in Redis),
 * or two could reorder its calls.
 *
 * Stock and catalog calls (the sync lane) go out for up to `inFlight` stores at once, one call
 * in flight per store (order matters only within a store), the longest-waiting stores first;
 * each call carries everything its store has waiting (the newest level of each SKU). So the sync
 * lag is about one call's time while the rate limit is not reached, and beyond it grows with the
 * stores waiting, not with the changes made. Order statuses (the orders lane) go one call at a
 * time, in order. Each lane has its own rate limit (the platforms limit each API).
 */
import { catalogOf, type CommandSender } from '@lunchrush/actors';
import { ensureError } from '@lunchrush/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { nextBatch, seqKey, type Batch } from './batch.js';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import { HealthTracker, type PlatformHealth } from './health.js';
import { menuDelta, menuMark } from './menu-delta.js';
import type { PlatformMapping } from './mapping.js';
import { LANES, type Lane, type Outbox } from './outbox.js';
import type { CallReply, MenuItem, PlatformApi, PlatformCall, PlatformView } from './platform.js';
import { TokenBucket, backoffMs } from './rate-limit.js';

export interface SenderSettings {
  /** Calls a second on each lane (the platform's limit for the app's API), and the burst. */
  readonly ratePerS: number;
  readonly burst: number;
  /** SKUs per stock call. */
  readonly maxBatch: number;
  /** Stores with a sync call in flight at once. */
  readonly inFlight: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly timeoutMs: number;
  /** Failing this long, the platform is `down` and the stores' staff are alarmed. */
  readonly downAfterMs: number;
}

export const DEFAULT_SENDER_SETTINGS: SenderSettings = {
  ratePerS: 20,
  burst: 20,
  maxBatch: 100,
  inFlight: 4,
  retryBaseMs: 200,
  retryMaxMs: 10_000,
  timeoutMs: 5_000,
  downAfterMs: 60_000,
};

export interface SenderOptions {
  readonly api: PlatformApi;
  /** Where the platform's API answers (the base the adapter signs for). */
  readonly apiBase: string;
  readonly mapping: PlatformMapping;
  readonly outbox: Outbox;
  readonly engine: CommandSender;
  readonly redis: Redis;
  readonly prefix: string;
  readonly log: Logger;
  readonly settings?: Partial<SenderSettings>;
}

const LEASE_MS = 10_000;
/** How long an idle lane sleeps when nothing wakes it (new entries do). */
const IDLE_MS = 250;
/** Entries read off a store's head: a backlog after an outage is coalesced this many at a time. */
const HEAD_PER_SKU = 10;

type Outcome = 'sent' | 'retry' | 'waited';

export class PlatformSender {
  readonly health: HealthTracker;
  private readonly s: SenderSettings;
  private readonly buckets: Record<Lane, TokenBucket>;
  private readonly owner = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly wakeIdle = new Map<Lane, () => void>();
  /** Woken while not asleep: the next idle sleep is skipped. */
  private readonly kicked = new Set<Lane>();
  /** Per lane: failures in a row, and no new call before `at` (the backoff). */
  private readonly backoff: Record<Lane, { attempt: number; at: number }>;
  private leaseUntil = 0;
  /** What this platform was last sent per SKU (`<store>/<skuId>` → seq): read from Redis when the lease is taken. */
  private sent: Map<string, number> | undefined;

  constructor(private readonly o: SenderOptions) {
    this.s = { ...DEFAULT_SENDER_SETTINGS, ...o.settings };
    this.buckets = {
      sync: new TokenBucket(this.s.ratePerS, this.s.burst),
      orders: new TokenBucket(this.s.ratePerS, this.s.burst),
    };
    this.backoff = { sync: { attempt: 0, at: 0 }, orders: { attempt: 0, at: 0 } };
    this.health = new HealthTracker(o.api.name, this.s.downAfterMs);
  }

  start(): void {
    this.loop ??= Promise.all([this.runSync(), this.runOrders()]).then(() => undefined);
  }

  /** New entries are in the outbox. */
  wake(): void {
    for (const lane of LANES) this.kick(lane);
  }

  private kick(lane: Lane): void {
    const w = this.wakeIdle.get(lane);
    if (w === undefined) this.kicked.add(lane);
    else w();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    await this.o.redis.eval(RELEASE, 1, this.leaseKey(), this.owner).catch(() => undefined);
  }

  async view(): Promise<PlatformHealth> {
    const p = this.o.api.name;
    return this.health.view(Date.now(), await this.o.outbox.length(p), await this.o.outbox.deadLength(p));
  }

  /** One call, signed, sent and read back (reconciliation's reads go through here too). */
  async call(call: PlatformCall): Promise<CallReply> {
    const req = this.o.api.signCall(call, Date.now());
    try {
      const res = await fetch(this.o.apiBase + req.path, {
        method: 'POST',
        headers: { 'content-type': req.contentType },
        body: req.body,
        signal: AbortSignal.timeout(this.s.timeoutMs),
      });
      return this.o.api.readReply({ status: res.status, body: await res.text() }, call);
    } catch (e) {
      return { ok: false, code: E.Unavailable, message: ensureError(e).message };
    }
  }

  /** The platform's view of a store (menu and stock, or orders). */
  async read(op: 'list' | 'orders', poi: string): Promise<PlatformView> {
    let r = await this.call({ op, poi });
    // The same read in the same second is a replay to a platform that signs no nonce: once more, next second.
    if (!r.ok && r.code === E.Replayed) {
      await this.sleep(1_000 - (Date.now() % 1_000) + 5);
      r = await this.call({ op, poi });
    }
    if (!r.ok) throw new PlatformError(r.code, r.message);
    return r.view ?? { items: [], orders: [] };
  }

  private leaseKey(): string {
    return `${this.o.prefix}:platforms:sender:${this.o.api.name}`;
  }

  private async holdLease(): Promise<boolean> {
    if (Date.now() < this.leaseUntil - LEASE_MS / 2) return true;
    const r = await this.o.redis.eval(TAKE, 1, this.leaseKey(), this.owner, LEASE_MS);
    // Another process may have sent in between: what it sent is read again.
    if (Date.now() >= this.leaseUntil) this.sent = undefined;
    if (r === 1) this.leaseUntil = Date.now() + LEASE_MS;
    return r === 1;
  }

  private sleep(ms: number, wakeable?: Lane): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(done, ms);
      const wake = this.wakeIdle;
      function done(): void {
        clearTimeout(t);
        if (wakeable !== undefined && wake.get(wakeable) === done) wake.delete(wakeable);
        r();
      }
      if (wakeable !== undefined) wake.set(wakeable, done);
    });
  }

  /** Sleeps until woken (new entries, a store's call done) or `ms`; at once if woken meanwhile. */
  private idle(lane: Lane, ms = IDLE_MS): Promise<void> {
    if (this.kicked.delete(lane)) return Promise.resolve();
    return this.sleep(ms, lane);
  }

  /** Whether a lane may send now: the lease held and no backoff running (else it waited a while). */
  private async mayCall(lane: Lane): Promise<boolean> {
    if (!(await this.holdLease())) {
      await this.sleep(LEASE_MS / 2, lane);
      return false;
    }
    const wait = this.backoff[lane].at - Date.now();
    if (wait <= 0) return true;
    await this.sleep(wait);
    return false;
  }

  private settle(lane: Lane, r: Outcome): void {
    const b = this.backoff[lane];
    if (r === 'retry') b.at = Date.now() + backoffMs(++b.attempt, this.s.retryBaseMs, this.s.retryMaxMs);
    else if (r === 'sent') b.attempt = 0;
  }

  private failedOnce(lane: Lane, e: unknown): void {
    this.o.log.error({ platform: this.o.api.name, err: ensureError(e).message }, 'platform sender failed; going on');
    this.settle(lane, 'retry');
  }

  /** The sync lane: up to `inFlight` stores at once, one call each, longest waiting first. */
  private async runSync(): Promise<void> {
    const busy = new Map<string, Promise<void>>();
    while (!this.stopping) {
      try {
        if (!(await this.mayCall('sync'))) continue;
        for (const store of await this.o.outbox.waiting(this.o.api.name)) {
          if (busy.size >= this.s.inFlight) break;
          if (busy.has(store)) continue;
          const task = this.sendStore(store)
            .then((r) => this.settle('sync', r))
            .catch((e: unknown) => this.failedOnce('sync', e))
            .finally(() => {
              busy.delete(store);
              this.kick('sync');
            });
          busy.set(store, task);
        }
        await this.idle('sync');
      } catch (e) {
        this.failedOnce('sync', e);
      }
    }
    await Promise.all(busy.values());
  }

  /** The orders lane: one call at a time, in order. */
  private async runOrders(): Promise<void> {
    while (!this.stopping) {
      try {
        if (!(await this.mayCall('orders'))) continue;
        const head = await this.o.outbox.head(this.o.api.name, 'orders', 1);
        const batch = nextBatch(head, new Map(), 1);
        if (batch === undefined) await this.idle('orders');
        else this.settle('orders', await this.deliver('orders', batch));
      } catch (e) {
        this.failedOnce('orders', e);
      }
    }
  }

  /** One call for a store: what it has waiting, coalesced. */
  private async sendStore(store: string): Promise<Outcome> {
    const p = this.o.api.name;
    const head = await this.o.outbox.head(p, 'sync', this.s.maxBatch * HEAD_PER_SKU, store);
    const sent = (this.sent ??= await this.o.outbox.sentSeqs(p));
    const batch = nextBatch(head, sent, this.s.maxBatch);
    // Queued with nothing left (an operator emptied the list): out of the queue, or the lane would spin on it.
    if (batch === undefined) {
      await this.o.outbox.remove(p, 'sync', 0, { store });
      return 'sent';
    }
    if (batch.kind === 'stock' && batch.send.length === 0) {
      await this.o.outbox.remove(p, 'sync', batch.take, { store });
      return 'sent';
    }
    return this.deliver('sync', batch);
  }

  /** Sends a batch within the lane's rate limit; acknowledged, it leaves the outbox. */
  private async deliver(lane: Lane, batch: Batch): Promise<Outcome> {
    for (let wait = this.buckets[lane].take(); wait > 0; wait = this.buckets[lane].take()) await this.sleep(wait);
    const p = this.o.api.name;
    const call = await this.callOf(batch);
    const reply = call === undefined ? ({ ok: true } as const) : await this.call(call);
    const now = Date.now();
    const store = batch.store;
    if (reply.ok) {
      const seqs = new Map<string, number>();
      if (batch.kind === 'stock')
        for (const e of batch.send) if (e.seq !== undefined) seqs.set(seqKey(store, e.skuId), e.seq);
      const sent = this.sent;
      const changes: readonly { at: number; storedAt?: number }[] =
        batch.kind === 'stock'
          ? batch.covered.filter((e) => e.seq === undefined || !((sent?.get(seqKey(store, e.skuId)) ?? -1) >= e.seq))
          : batch.kind === 'catalog'
            ? [batch.entry]
            : [];
      const sentMenu = new Map(call?.op === 'menu' ? call.items.map((i) => [i.sku, menuMark(i)]) : []);
      await this.o.outbox.remove(p, lane, batch.take, { store, sentSeqs: seqs, sentMenu });
      for (const [k, v] of seqs) sent?.set(k, v);
      this.health.synced(
        now,
        changes.map((e) => now - (e.storedAt ?? e.at)),
        changes.map((e) => now - e.at),
      );
      return 'sent';
    }
    // A platform that signs no nonce takes the same call twice in one second for a replay: signed
    // again in the next second (its timestamp's unit), it goes through; not an outage, no backoff.
    if (reply.code === E.Replayed) {
      await this.sleep(1_000 - (now % 1_000) + 5);
      return 'waited';
    }
    this.health.failed(now, `${reply.code}: ${reply.message}`);
    if (reply.code === E.Unavailable || reply.code === E.RateLimited) return 'retry';
    this.o.log.error(
      { platform: p, code: reply.code, err: reply.message },
      'a platform refused a sync call for good; kept on the dead list',
    );
    const head = await this.o.outbox.head(p, lane, batch.take, store);
    await this.o.outbox.remove(p, lane, batch.take, { store, dead: head });
    return 'sent';
  }

  private async callOf(b: Batch): Promise<PlatformCall | undefined> {
    const m = this.o.mapping;
    const poi = m.poiOf(b.store);
    if (poi === undefined) return undefined;
    if (b.kind === 'stock')
      return {
        op: 'stock',
        poi,
        items: b.send.map((e) => ({ sku: m.platformSku(e.store, e.skuId)!, stock: e.stock })),
      };
    const e = b.entry;
    if (e.kind === 'order') {
      const call: PlatformCall = { op: 'order', poi, platformOrderId: e.platformOrderId, status: e.status };
      return e.reason === undefined ? call : { ...call, reason: e.reason };
    }
    const full = b.kind === 'catalog' && b.full;
    const ours = await this.menu(b.store);
    const items = menuDelta(ours, full ? undefined : await this.o.outbox.sentMenu(this.o.api.name, b.store));
    return items.length === 0 ? undefined : { op: 'menu', poi, items };
  }

  /** The store's menu now, in the platform's SKUs. */
  async menu(store: string): Promise<MenuItem[]> {
    const { catalog } = await catalogOf(this.o.engine, store).send({ type: 'get' });
    const items: MenuItem[] = [];
    for (const spu of catalog.spus)
      for (const k of spu.skus) {
        const sku = this.o.mapping.platformSku(store, k.skuId);
        if (sku !== undefined)
          items.push({ sku, name: k.spec === '' ? spu.name : `${spu.name} ${k.spec}`, priceFen: k.priceFen });
      }
    return items;
  }
}

/** Takes or renews the sender's lease: `SET key owner PX ms` if free or already ours. */
const TAKE = `local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
