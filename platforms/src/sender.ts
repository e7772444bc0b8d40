/**
 * One platform's sender: takes calls off the head of its outbox (`nextBatch`), within the
 * platform's rate limit, signs and sends them, and removes them once acknowledged. A platform
 * that is down or slows us down (5xx, 429, a timeout) gets the same call again after a doubling
 * delay, for as long as it takes, so it hears every change in order once back; a call it refuses
 * for good goes to the dead list. One process sends for a platform at a time (a lease in Redis),
 * or two could reorder its calls; within it the two lanes (stock and catalog; order statuses) each
 * have a call in flight, sharing the rate limit.
 */
import { catalogOf, type CommandSender } from '@lunchrush/actors';
import { ensureError } from '@lunchrush/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { nextBatch, seqKey, type Batch } from './batch.js';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import { HealthTracker, type PlatformHealth } from './health.js';
import type { PlatformMapping } from './mapping.js';
import { LANES, type Lane, type Outbox } from './outbox.js';
import type { CallReply, MenuItem, PlatformApi, PlatformCall, PlatformView } from './platform.js';
import { TokenBucket, backoffMs } from './rate-limit.js';

export interface SenderSettings {
  /** Calls a second (the platform's limit for the app), and the burst. */
  readonly ratePerS: number;
  readonly burst: number;
  /** SKUs per stock call. */
  readonly maxBatch: number;
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

export class PlatformSender {
  readonly health: HealthTracker;
  private readonly s: SenderSettings;
  private readonly bucket: TokenBucket;
  private readonly owner = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private readonly wakeIdle = new Map<Lane, () => void>();
  private leaseUntil = 0;
  /** What this platform was last sent per SKU (`<store>/<skuId>` → seq): read from Redis when the lease is taken. */
  private sent: Map<string, number> | undefined;

  constructor(private readonly o: SenderOptions) {
    this.s = { ...DEFAULT_SENDER_SETTINGS, ...o.settings };
    this.bucket = new TokenBucket(this.s.ratePerS, this.s.burst);
    this.health = new HealthTracker(o.api.name, this.s.downAfterMs);
  }

  start(): void {
    this.loop ??= Promise.all(LANES.map((lane) => this.run(lane))).then(() => undefined);
  }

  /** New entries are in the outbox. */
  wake(): void {
    for (const w of this.wakeIdle.values()) w();
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
      function done(): void {
        clearTimeout(t);
        r();
      }
      if (wakeable !== undefined) this.wakeIdle.set(wakeable, done);
    });
  }

  private async run(lane: Lane): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      try {
        if (!(await this.holdLease())) {
          await this.sleep(LEASE_MS / 2, lane);
          continue;
        }
        const r = await this.once(lane);
        if (r === 'idle') await this.sleep(250, lane);
        if (r === 'retry') await this.sleep(backoffMs(++attempt, this.s.retryBaseMs, this.s.retryMaxMs));
        else attempt = 0;
      } catch (e) {
        this.o.log.error(
          { platform: this.o.api.name, err: ensureError(e).message },
          'platform sender failed; going on',
        );
        await this.sleep(backoffMs(++attempt, this.s.retryBaseMs, this.s.retryMaxMs));
      }
    }
  }

  private async once(lane: Lane): Promise<'idle' | 'sent' | 'retry' | 'waited'> {
    const p = this.o.api.name;
    const head = await this.o.outbox.head(p, lane, this.s.maxBatch);
    if (head.length === 0) return 'idle';
    const sent = (this.sent ??= await this.o.outbox.sentSeqs(p));
    const batch = nextBatch(head, sent, this.s.maxBatch)!;
    if (batch.kind === 'stock' && batch.send.length === 0) {
      await this.o.outbox.remove(p, lane, batch.take);
      return 'sent';
    }
    const wait = this.bucket.take();
    if (wait > 0) {
      await this.sleep(wait);
      return 'waited';
    }
    const call = await this.callOf(batch);
    const reply = call === undefined ? ({ ok: true } as const) : await this.call(call);
    const now = Date.now();
    if (reply.ok) {
      const done = batch.kind === 'stock' ? batch.send : [batch.entry];
      const seqs = new Map(
        done.flatMap((e) => (e.kind === 'stock' && e.seq !== undefined ? [[seqKey(e.store, e.skuId), e.seq]] : [])),
      );
      await this.o.outbox.remove(p, lane, batch.take, [], seqs);
      for (const [k, v] of seqs) sent.set(k, v);
      this.health.synced(
        now,
        done.filter((e) => e.kind !== 'order').map((e) => now - e.at),
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
    await this.o.outbox.remove(p, lane, batch.take, head.slice(0, batch.take));
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
    return { op: 'menu', poi, items: await this.menu(b.store) };
  }

  /** The store's menu now, in the platform's SKUs (a catalog change is sent as the whole menu). */
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
