/**
 * A diner's recent orders (`GET /v1/diner/orders`): a projection of the engine's event log,
 * not a write on the order path.
 *
 *   <NS>_EVENTS ──durable consumer `gw-diner-orders` (every gateway process shares it)──▶
 *     each record: an order actor's `Created` event ──▶ ZADD <prefix>:dol:<diner> <placed at> <order id>
 *     (newest 100 kept) ──▶ ack
 *
 * A write is idempotent (a sorted set member), so a record delivered twice changes nothing.
 * The list lags the placement by the consumer's delay (milliseconds when the gateways keep up);
 * the process that placed an order lists it at once all the same (`noteLocal`). If Redis loses
 * the lists (flushed, a new instance), the marker key `<prefix>:dol:built` goes with them; the
 * first process to notice (every CHECK_MS) recreates the consumer from the start of the log,
 * so the lists are rebuilt from the events, which the engine keeps for good.
 */
import { ActorTypes } from '@lunchrush/actors';
import { decode, names, type PartitionRecord } from '@lunchrush/engine';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { ensureError } from './errors.js';
import { GenerationCache } from './generation-cache.js';

export const ORDER_LIST_CONSUMER = 'gw-diner-orders';
/** Orders kept per diner. */
export const ORDER_LIST_KEEP = 100;
/** How often a process checks that the lists are still there. */
export const CHECK_MS = 5_000;
const LIST_TTL_S = 90 * 86_400;
const CREATED = Buffer.from('Created');

interface Placed {
  readonly dinerId: string;
  readonly orderId: string;
  readonly at: number;
}

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
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly applied: Counter;
  /** Orders placed through this process, newest last, per diner: listed before the log has them. */
  private readonly local = new GenerationCache<string, Placed[]>(20_000);

  constructor(private readonly o: OrderListOptions) {
    this.applied = new Counter({
      name: 'lunchrush_gateway_order_list_placements_total',
      help: "Order placements read from the event log into the diners' order lists",
      registers: [o.registry],
    });
  }

  private get stream(): string {
    return names(this.o.namespace).stream;
  }

  listKey(dinerId: string): string {
    return `${this.o.prefix}:dol:${dinerId}`;
  }

  private get marker(): string {
    return `${this.o.prefix}:dol:built`;
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

  /** Consumes in the background (the engine makes the stream, so it may not be there yet) and checks the store. */
  start(): void {
    if (this.loop !== undefined) return;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.run();
        } catch (e) {
          if (!this.stopping)
            this.o.log.warn({ err: ensureError(e).message }, 'order list consumer failed; opening it again');
        }
        if (!this.stopping) await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
    this.timer = setInterval(() => {
      this.checkStore().catch((e: unknown) =>
        this.o.log.warn({ err: ensureError(e).message }, 'could not check the order lists'),
      );
    }, CHECK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.messages?.close().catch(() => undefined);
    await this.loop;
  }

  /**
   * Whether the lists were lost (the marker is gone): then this process, the one that put the
   * marker back, has the consumer read the log again from its start. True when it did.
   */
  async checkStore(): Promise<boolean> {
    if ((await this.o.redis.set(this.marker, String(Date.now()), 'NX')) !== 'OK') return false;
    const jsm = await jetstreamManager(this.o.nc);
    const info = await jsm.consumers.info(this.stream, ORDER_LIST_CONSUMER).catch(() => undefined);
    if (info === undefined || info.delivered.stream_seq === 0) return false; // nothing read yet: nothing lost
    this.o.log.warn(
      { consumer: ORDER_LIST_CONSUMER },
      'the order lists are gone from Redis: rebuilding them from the log',
    );
    await jsm.consumers.delete(this.stream, ORDER_LIST_CONSUMER).catch(() => undefined);
    await this.ensureConsumer();
    await this.messages?.close().catch(() => undefined); // this process's loop opens the new one
    return true;
  }

  private async ensureConsumer(): Promise<void> {
    const jsm = await jetstreamManager(this.o.nc);
    await jsm.consumers
      .add(this.stream, {
        durable_name: ORDER_LIST_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: 30_000_000_000,
        max_deliver: -1,
        max_ack_pending: 20_000,
      })
      .catch(async (e: unknown) => {
        // Another gateway made it at the same moment.
        await jsm.consumers.info(this.stream, ORDER_LIST_CONSUMER).catch(() => {
          throw e;
        });
      });
  }

  private async run(): Promise<void> {
    const jsm = await jetstreamManager(this.o.nc);
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        await jsm.streams.info(this.stream);
        break;
      } catch {
        if (attempt === 0) this.o.log.info({ stream: this.stream }, 'event stream not there yet, waiting');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (this.stopping) return;
    await this.checkStore();
    const known = await jsm.consumers.info(this.stream, ORDER_LIST_CONSUMER).catch(() => undefined);
    if (known === undefined) await this.ensureConsumer();
    const consumer = await jetstream(this.o.nc).consumers.get(this.stream, ORDER_LIST_CONSUMER);
    const messages = await consumer.consume({ max_messages: 1_000, abort_on_missing_resource: true });
    this.messages = messages;
    if (this.stopping) await messages.close();
    let batch: JsMsg[] = [];
    let flushing: Promise<void> = Promise.resolve();
    for await (const m of messages) {
      batch.push(m);
      // One Redis round trip for what arrived in this turn of the event loop.
      if (batch.length === 1) {
        flushing = flushing.then(
          () =>
            new Promise<void>((resolve) =>
              setImmediate(() => {
                const taken = batch;
                batch = [];
                this.apply(taken).then(resolve, (e: unknown) => {
                  this.o.log.warn({ err: ensureError(e).message }, 'order list write failed; redelivered later');
                  for (const x of taken) x.nak(1_000);
                  resolve();
                });
              }),
            ),
        );
      }
    }
    await flushing;
  }

  /** Writes the placements of `msgs` to their lists, then acks them. */
  private async apply(msgs: readonly JsMsg[]): Promise<void> {
    const p = this.o.redis.pipeline();
    let n = 0;
    for (const m of msgs) {
      // Most records hold no order's `Created` (stock, tables, payments): skip them undecoded.
      if (Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).indexOf(CREATED) < 0) continue;
      for (const x of placementsIn(decode<PartitionRecord>(m.data))) {
        const key = this.listKey(x.dinerId);
        p.zadd(key, x.at, x.orderId);
        p.zremrangebyrank(key, 0, -ORDER_LIST_KEEP - 1);
        p.expire(key, LIST_TTL_S);
        n++;
      }
    }
    if (n > 0) {
      const results = await p.exec();
      const failed = results?.find(([err]) => err !== null)?.[0];
      if (failed) throw failed;
      this.applied.inc(n);
    }
    for (const m of msgs) m.ack();
  }
}
