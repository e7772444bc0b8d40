/**
 * The platforms service of one process, assembled: the push callbacks (inbound orders), the sync
 * feed (side output → outboxes), one sender per platform, reconciliation, health. `main.ts` runs
 * it as a process of the stack; tests open it in their own process on a real stack.
 */
import type { CommandSender } from '@lunchrush/actors';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { HealthAlarms } from './alarms.js';
import { SyncFeed } from './feed.js';
import type { PlatformHealth } from './health.js';
import { InboundOrders } from './inbound.js';
import { PlatformKitchen } from './kitchen.js';
import { mappings, type MappingFile } from './mapping.js';
import { PlatformOrders } from './orders.js';
import { Outbox } from './outbox.js';
import { PLATFORMS, type PlatformApi, type PlatformName } from './platform.js';
import { PushServer } from './push-server.js';
import { Reconciler } from './reconcile.js';
import { RedisSeenSignatures } from './seen.js';
import { PlatformSender, type SenderSettings } from './sender.js';

export interface PlatformsOptions {
  readonly nc: NatsConnection;
  readonly redis: Redis;
  readonly namespace: string;
  /** Redis key prefix. */
  readonly prefix: string;
  readonly engine: CommandSender;
  readonly mapping: MappingFile;
  /** Each platform's adapter and where its API answers. */
  readonly platforms: Readonly<Record<PlatformName, { readonly api: PlatformApi; readonly apiBase: string }>>;
  readonly port: number;
  readonly host?: string;
  readonly opsToken: string;
  readonly toleranceS: number;
  readonly sender?: Partial<SenderSettings>;
  /** Minutes after midnight (UTC+8) of the daily reconciliation; undefined: on demand only. */
  readonly reconcileDailyAtMin?: number;
  readonly log: Logger;
}

export interface Platforms {
  readonly url: string;
  readonly inbound: InboundOrders;
  readonly senders: Readonly<Record<PlatformName, PlatformSender>>;
  readonly reconciler: Reconciler;
  readonly outbox: Outbox;
  health(): Promise<{ platforms: PlatformHealth[] }>;
  /** What is still to be told to the platforms: changes not yet read from the stream, and the outboxes. */
  backlog(): Promise<number>;
  close(): Promise<void>;
}

export async function openPlatforms(o: PlatformsOptions): Promise<Platforms> {
  const mapping = mappings(o.mapping);
  const outbox = new Outbox(o.redis, o.prefix);
  const orders = new PlatformOrders(o.redis, o.prefix);
  const senders = {} as Record<PlatformName, PlatformSender>;
  for (const p of PLATFORMS)
    senders[p] = new PlatformSender({
      api: o.platforms[p].api,
      apiBase: o.platforms[p].apiBase,
      mapping: mapping[p],
      outbox,
      engine: o.engine,
      redis: o.redis,
      prefix: o.prefix,
      log: o.log,
      ...(o.sender === undefined ? {} : { settings: o.sender }),
    });
  const wake = (): void => PLATFORMS.forEach((p) => senders[p].wake());
  const kitchen = new PlatformKitchen({ nc: o.nc, namespace: o.namespace, engine: o.engine });
  const inbound = new InboundOrders({ engine: o.engine, mapping, orders, outbox, log: o.log, onQueued: wake, kitchen });
  const feed = new SyncFeed({ nc: o.nc, namespace: o.namespace, mapping, outbox, log: o.log, onAppended: wake });
  const reconciler = new Reconciler({
    senders,
    mapping,
    engine: o.engine,
    orders,
    outbox,
    redis: o.redis,
    prefix: o.prefix,
    log: o.log,
    onRepair: wake,
  });
  const health = async (): Promise<{ platforms: PlatformHealth[] }> => ({
    platforms: await Promise.all(PLATFORMS.map((p) => senders[p].view())),
  });
  const apis = { meituan: o.platforms.meituan.api, eleme: o.platforms.eleme.api };
  const server = await PushServer.start(
    {
      apis,
      inbound,
      seen: new RedisSeenSignatures(o.redis, o.prefix),
      toleranceS: o.toleranceS,
      opsToken: o.opsToken,
      health: async () => ({ ...(await health()), reconciliation: await reconciler.last() }),
      reconcile: () => reconciler.run(),
      log: o.log,
    },
    o.port,
    o.host,
  );
  const alarms = new HealthAlarms({ nc: o.nc, namespace: o.namespace, mapping, health, log: o.log });
  feed.start();
  PLATFORMS.forEach((p) => senders[p].start());
  alarms.start();
  if (o.reconcileDailyAtMin !== undefined) reconciler.startDaily(o.reconcileDailyAtMin);
  return {
    url: server.url,
    inbound,
    senders,
    reconciler,
    outbox,
    health,
    async backlog() {
      const queued = await Promise.all(PLATFORMS.map((p) => outbox.length(p)));
      return (await feed.backlog()) + queued.reduce((a, b) => a + b, 0);
    },
    async close() {
      reconciler.stop();
      alarms.stop();
      await server.close();
      await feed.stop();
      await Promise.all(PLATFORMS.map((p) => senders[p].stop()));
    },
  };
}
