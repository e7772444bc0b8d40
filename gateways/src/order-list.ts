/**
 * A diner's recent orders (`GET /v1/diner/orders`): a projection of the engine's event log,
 * not a write on the order path.
 *
 *   <NS>_EVENTS ──ordered consumer, headers only, from the sequence after <prefix>:dol:seq──▶
 *     one gateway process (the one holding the lease <prefix>:dol:lease) ──▶ each batch, one
 *     script call: still the lease holder? ZADD <prefix>:dol:<diner> <placed at> <order id> per
 *     placement tag `dol:<diner>:<order>:<at>` in the records' `Lr-Tags` headers (newest 100
 *     kept), SET <prefix>:dol:seq <last sequence read>
 *
 * Headers only: the order actor tags each placement's record (`Decision.tags`), so the payloads
 * (3-5 KB a record in a lunch rush) are neither sent to this process nor decoded here; decoding
 * every record with a placement was ~10% of a node's CPU. A record from before tags existed (no
 * `Lr-Tags` header at all) is fetched whole and read as before.
 *
 * The position is kept in Redis with the lists, written by the same script, so the two are lost
 * together: a Redis that lost the lists has no position either, and the next holder reads the log
 * from its start and rebuilds them (the engine keeps its events for good). One process projects;
 * every process renews or tries to take the lease every TICK_MS, so when the holder stops (or
 * dies) another takes over within LEASE_MS. A holder that lost the lease (paused past it, or
 * Redis flushed) has its next write refused and stops. Writes are idempotent (sorted set
 * members), so a batch read twice changes nothing.
 *
 * Why not a durable consumer with acks: at 600 orders/s one ack per record cost nats-server
 * ~0.19 ms and the gateway ~0.19 ms of CPU per order (measured, 6 Dec), more than the Redis
 * write this replaces. An ordered consumer has no acks and keeps its state in memory.
 *
 * The list lags the placement by the consumer's delay (milliseconds while the holder keeps up;
 * up to LEASE_MS when the holder dies); the process that placed an order lists it at once all
 * the same (`noteLocal`).
 */
import { randomBytes } from 'node:crypto';
import { ActorTypes, parseDinerOrderTag, type DinerOrderTag } from '@lunchrush/actors';
import { TAGS_HEADER, decode, names, type PartitionRecord } from '@lunchrush/engine';
import { jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { ensureError } from './errors.js';
import { GenerationCache } from './generation-cache.js';

/** Orders kept per diner. */
export const ORDER_LIST_KEEP = 100;
/** How often every process renews or tries to take the projection's lease. */
export const TICK_MS = 5_000;
/** How long a lease lasts unrenewed: the longest the lists stop when their holder dies. */
export const LEASE_MS = 15_000;
/**
 * Records read within this long of a batch's first are written to Redis together (one script call):
 * a lunch rush delivers a few hundred records a second, each in a socket read of its own, and a
 * write per turn of the event loop was a Redis round trip (and a loopback write, ~4% of a node's
 * CPU) per record or two. The lists lag the log by at most this much more; the process that placed
 * an order lists it at once anyway (`noteLocal`). 100 ms rather than 20: in a saturated lunch rush
 * (alternating runs, 8 Dec) the node made +10% orders/s at −10% CPU per order with 100 ms, and
 * 250 ms gained nothing more. A script call then carries ~250 placements (a millisecond of Redis).
 */
export const WRITE_BATCH_MS = 100;
const LIST_TTL_S = 90 * 86_400;
const CREATED = Buffer.from('Created');

// KEYS: the lease, the position, then one list per placement. ARGV: the holder, the sequence
// read up to, how many to keep, the lists' lifetime, then (score, order id) per placement.
// 0 when the caller no longer holds the lease (nothing written), else 1.
const APPLY = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #KEYS do
  local a = 5 + 2 * (i - 3)
  redis.call('ZADD', KEYS[i], ARGV[a], ARGV[a + 1])
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -tonumber(ARGV[3]) - 1)
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

// KEYS[1]: the lease; ARGV: the holder, then PEXPIRE ms (renew) or 0 (release). 1 when it was the holder's.
const LEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;

type WithScripts = Redis & {
  lrOrderListApply(numKeys: number, ...args: (string | number)[]): Promise<number>;
  lrOrderListLease(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

type Placed = DinerOrderTag;

interface CreatedEvent {
  type: string;
  dinerId?: unknown;
  at?: unknown;
}

/** Every order placement in one record of the log. */
export function placementsIn(record: PartitionRecord): Placed[] {
  const out: Placed[] = [];
  if (record.k !== 'b') return out;
  for (const x of record.x) {
    if (x.a[0] !== ActorTypes.Order || x.ev === undefined) continue;
    for (const e of x.ev as CreatedEvent[]) {
      if (e.type === 'Created' && typeof e.dinerId === 'string' && typeof e.at === 'number')
        out.push({ dinerId: e.dinerId, orderId: x.a[2], at: e.at });
    }
  }
  return out;
}

export interface OrderListOptions {
  readonly nc: NatsConnection;
  readonly redis: Redis;
  readonly namespace: string;
  /** Redis key prefix (`<namespace>:gw`). */
  readonly prefix: string;
  readonly log: Logger;
  readonly registry: Registry;
}

export class OrderLists {
  private readonly redis: WithScripts;
  /** This process, as the lease names it. */
  private readonly me = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private leading = false;
  /** Which reading of the log is current: an older loop that is still winding down stops. */
  private run = 0;
  private following: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly applied: Counter;
  private jsm: ReturnType<typeof jetstreamManager> | undefined;
  /** Orders placed through this process, newest last, per diner: listed before the log has them. */
  private readonly local = new GenerationCache<string, Placed[]>(20_000);

  constructor(private readonly o: OrderListOptions) {
    // Defined before any traffic: ioredis breaks an auto-pipeline under way when a command is defined.
    o.redis.defineCommand('lrOrderListApply', { lua: APPLY });
    o.redis.defineCommand('lrOrderListLease', { lua: LEASE });
    this.redis = o.redis as WithScripts;
    this.applied = new Counter({
      name: 'lunchrush_gateway_order_list_placements_total',
      help: "Order placements read from the event log into the diners' order lists (by the process holding the lease)",
      registers: [o.registry],
    });
  }

  listKey(dinerId: string): string {
    return `${this.o.prefix}:dol:${dinerId}`;
  }

  private get leaseKey(): string {
    return `${this.o.prefix}:dol:lease`;
  }

  private get seqKey(): string {
    return `${this.o.prefix}:dol:seq`;
  }

  /** Whether this process projects the log now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Newest first, at most `n`: the projection and what this process placed meanwhile. */
  async recent(dinerId: string, n: number): Promise<string[]> {
    const raw = await this.o.redis.zrevrange(this.listKey(dinerId), 0, n - 1, 'WITHSCORES');
    const local = this.local.get(dinerId);
    if (local === undefined) return raw.filter((_, i) => i % 2 === 0);
    const all = new Map<string, number>();
    for (let i = 0; i < raw.length; i += 2) all.set(raw[i]!, Number(raw[i + 1]));
    for (const p of local) all.set(p.orderId, p.at);
    return [...all]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([id]) => id);
  }

  /** An order this process just placed (`at`: the placement's time, as in its `Created` event). */
  noteLocal(dinerId: string, orderId: string, at: number): void {
    const had = this.local.get(dinerId) ?? [];
    if (had.some((p) => p.orderId === orderId)) return;
    this.local.set(dinerId, [...had.slice(-19), { dinerId, orderId, at }]);
  }

  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.tick().catch((e: unknown) =>
        this.o.log.warn({ err: ensureError(e).message }, 'order lists: could not renew or take the lease'),
      );
    };
    this.timer = setInterval(tick, TICK_MS);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.unfollow();
    // Let another process take over at once rather than after the lease runs out.
    if (this.leading) await this.redis.lrOrderListLease(1, this.leaseKey, this.me, 0).catch(() => 0);
    this.leading = false;
  }

  /**
   * What every process does every TICK_MS: the holder renews the lease (and stops if it lost it);
   * a process without it takes it when it is free and starts reading the log where the lists
   * say they are (from the start when they are gone). True when this process holds it after.
   */
  async tick(): Promise<boolean> {
    if (this.stopping) return false;
    if (this.leading && (await this.redis.lrOrderListLease(1, this.leaseKey, this.me, LEASE_MS)) !== 1) {
      this.o.log.warn('order lists: lost the lease; another process projects the log');
      await this.unfollow();
    }
    if (!this.leading && (await this.o.redis.set(this.leaseKey, this.me, 'PX', LEASE_MS, 'NX')) === 'OK') {
      await this.following; // a reading that stopped on its own finishes first
      this.leading = true;
      this.following = this.follow(++this.run);
    }
    return this.leading;
  }

  private async unfollow(): Promise<void> {
    this.leading = false;
    this.run++;
    await this.messages?.close().catch(() => undefined);
    await this.following;
  }

  /** Reads the log into the lists while this process holds the lease (and `run` is the current reading). */
  private async follow(run: number): Promise<void> {
    const stream = names(this.o.namespace).stream;
    const current = (): boolean => this.leading && !this.stopping && this.run === run;
    while (current()) {
      try {
        const from = Number((await this.o.redis.get(this.seqKey)) ?? '0') + 1;
        if (from === 1) this.o.log.info({ stream }, 'order lists: reading the event log from its start');
        // Headers only: the placements are in each record's tags; the payloads never cross.
        const consumer = await jetstream(this.o.nc).consumers.get(stream, { opt_start_seq: from, headers_only: true });
        const messages = await consumer.consume({ max_messages: 1_000 });
        this.messages = messages;
        // Closed before it is read, the iteration below ends at once (`close()` resolves only then).
        if (!current()) void messages.close().catch(() => undefined);
        let batch: JsMsg[] = [];
        let writing: Promise<void> = Promise.resolve();
        for await (const m of messages) {
          batch.push(m);
          if (batch.length > 1) continue;
          // The first of a batch: written with what arrives in the next WRITE_BATCH_MS, and after
          // the batch before (one script call per batch, in log order).
          writing = writing.then(
            () =>
              new Promise<void>((resolve) =>
                setTimeout(() => {
                  const taken = batch;
                  batch = [];
                  this.apply(taken).then(
                    (held) => {
                      if (!held && current()) {
                        this.o.log.warn('order lists: the lease is gone; stopping');
                        this.leading = false;
                        void messages.close();
                      }
                      resolve();
                    },
                    (e: unknown) => {
                      // Not written: read again from the position Redis has.
                      this.o.log.warn({ err: ensureError(e).message }, 'order lists: write failed; reading again');
                      void messages.close();
                      resolve();
                    },
                  );
                }, WRITE_BATCH_MS),
              ),
          );
        }
        await writing;
      } catch (e) {
        if (current())
          this.o.log.warn({ err: ensureError(e).message }, 'order lists: consumer failed; opening it again');
      }
      if (current()) await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  /**
   * The placements a record holds, from its tags (undefined when it has no `Lr-Tags` header: a
   * record from before tags, which `placementsOfWhole` reads).
   */
  private placementsOf(m: JsMsg): readonly DinerOrderTag[] | undefined {
    const tags = m.headers?.get(TAGS_HEADER);
    if (m.headers?.has(TAGS_HEADER) !== true) return undefined;
    if (tags === undefined || tags === '') return [];
    const out: DinerOrderTag[] = [];
    for (const t of tags.split(' ')) {
      const x = parseDinerOrderTag(t);
      if (x !== undefined) out.push(x);
    }
    return out;
  }

  /** A record written before the engine tagged records: read whole, its `Created` events looked at. */
  private async placementsOfWhole(seq: number): Promise<readonly DinerOrderTag[]> {
    this.jsm ??= jetstreamManager(this.o.nc);
    const whole = await (await this.jsm).streams.getMessage(names(this.o.namespace).stream, { seq });
    if (whole === null) return [];
    // Most records hold no order's `Created` (stock, tables, payments): skip them undecoded.
    const data = whole.data;
    if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(CREATED) < 0) return [];
    return placementsIn(decode<PartitionRecord>(data));
  }

  /** Writes the placements of `msgs` and the position after them; false when this process no longer holds the lease. */
  private async apply(msgs: readonly JsMsg[]): Promise<boolean> {
    const keys: string[] = [this.leaseKey, this.seqKey];
    const args: (string | number)[] = [this.me, msgs[msgs.length - 1]!.seq, ORDER_LIST_KEEP, LIST_TTL_S];
    for (const m of msgs) {
      for (const x of this.placementsOf(m) ?? (await this.placementsOfWhole(m.seq))) {
        keys.push(this.listKey(x.dinerId));
        args.push(x.at, x.orderId);
      }
    }
    const held = await this.redis.lrOrderListApply(keys.length, ...keys, ...args);
    if (held === 1) this.applied.inc(keys.length - 2);
    return held === 1;
  }
}
