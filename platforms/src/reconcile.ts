/**
 * Reconciliation: each platform's view of each store it sells (menu, stock, orders) against
 * ours, reported, and repaired through the outbox (the platform is told our state again, after
 * whatever is already queued for it). Stock drifts when the platform shows a dish sold out that
 * we have, or more than we have (it would sell what we cannot make); the menu when a name or
 * price differs or a dish is missing; an order when the platform holds one we never took (it
 * must have missed our refusal) or its status is behind ours. Daily at `dailyAtMin` (minutes
 * after midnight, China time) and on demand.
 */
import { stockOf, type CommandSender } from '@lunchrush/actors';
import { ensureError } from '@lunchrush/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PlatformMapping } from './mapping.js';
import type { PlatformOrders, PlatformOrderStatus } from './orders.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { OrderSyncStatus, PlatformName } from './platform.js';
import type { PlatformSender } from './sender.js';

export interface StoreDrift {
  readonly platform: PlatformName;
  readonly store: string;
  readonly stock: readonly { readonly skuId: string; readonly ours: number; readonly theirs: number | null }[];
  readonly menu: readonly { readonly skuId: string; readonly ours: string; readonly theirs: string | null }[];
  readonly orders: readonly {
    readonly platformOrderId: string;
    readonly ours: string | null;
    readonly theirs: string;
  }[];
  readonly repaired: number;
  readonly error?: string;
}

export interface ReconcileReport {
  readonly at: number;
  readonly drifted: number;
  readonly stores: readonly StoreDrift[];
}

/** What the platform should show for each of our statuses. */
const SHOWN: Partial<Record<PlatformOrderStatus, OrderSyncStatus>> = {
  accepted: 'confirmed',
  ready: 'ready',
  delivered: 'delivered',
  cancelled: 'cancelled',
  refunded: 'refund_agreed',
};

export interface ReconcilerDeps {
  readonly senders: Readonly<Record<PlatformName, PlatformSender>>;
  readonly mapping: Readonly<Record<PlatformName, PlatformMapping>>;
  readonly engine: CommandSender;
  readonly orders: PlatformOrders;
  readonly outbox: Outbox;
  readonly redis: Redis;
  readonly prefix: string;
  readonly log: Logger;
  readonly onRepair?: () => void;
}

const shown = (stock: { available: number; level: string }): number => (stock.level === 'out' ? 0 : stock.available);

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly d: ReconcilerDeps) {}

  /** Runs daily at `dailyAtMin` minutes after midnight in UTC+8. */
  startDaily(dailyAtMin: number): void {
    const day = 86_400_000;
    const offset = 8 * 3_600_000;
    const now = Date.now();
    let next = Math.floor((now + offset) / day) * day - offset + dailyAtMin * 60_000;
    if (next <= now) next += day;
    this.timer = setTimeout(() => {
      this.run().catch((e: unknown) =>
        this.d.log.error({ err: ensureError(e).message }, 'daily reconciliation failed'),
      );
      this.startDaily(dailyAtMin);
    }, next - now);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  async last(): Promise<ReconcileReport | null> {
    const v = await this.d.redis.get(`${this.d.prefix}:platforms:reconcile:last`);
    return v === null ? null : (JSON.parse(v) as ReconcileReport);
  }

  async run(): Promise<ReconcileReport> {
    const stores: StoreDrift[] = [];
    for (const platform of Object.keys(this.d.senders) as PlatformName[])
      for (const store of this.d.mapping[platform].stores()) stores.push(await this.store(platform, store));
    const drifted = stores.filter(
      (s) => s.stock.length + s.menu.length + s.orders.length > 0 || s.error !== undefined,
    ).length;
    const report: ReconcileReport = { at: Date.now(), drifted, stores };
    await this.d.redis.set(`${this.d.prefix}:platforms:reconcile:last`, JSON.stringify(report));
    if (drifted > 0) this.d.log.warn({ drifted }, 'platform reconciliation found drift and queued repairs');
    return report;
  }

  private async store(platform: PlatformName, store: string): Promise<StoreDrift> {
    const map = this.d.mapping[platform];
    const sender = this.d.senders[platform];
    const poi = map.poiOf(store)!;
    const base = { platform, store, stock: [], menu: [], orders: [], repaired: 0 };
    try {
      const view = await sender.read('list', poi);
      const theirs = new Map(view.items.map((i) => [i.sku, i]));
      const repairs: OutboxEntry[] = [];
      const stock: StoreDrift['stock'][number][] = [];
      const menu: StoreDrift['menu'][number][] = [];
      const now = Date.now();
      for (const item of await sender.menu(store)) {
        const skuId = map.ourSku(store, item.sku);
        const t = theirs.get(item.sku);
        const label = `${item.name} ¥${(item.priceFen / 100).toFixed(2)}`;
        if (t === undefined || t.name !== item.name || t.priceFen !== item.priceFen)
          menu.push({
            skuId,
            ours: label,
            theirs: t === undefined ? null : `${t.name} ¥${(t.priceFen / 100).toFixed(2)}`,
          });
        const ours = shown(await stockOf(this.d.engine, store, skuId).send({ type: 'get' }));
        const th = t?.stock ?? null;
        if (th === null || (th === 0) !== (ours === 0) || th > ours) {
          stock.push({ skuId, ours, theirs: th });
          repairs.push({ kind: 'stock', store, skuId, stock: ours, at: now });
        }
      }
      // The menu first: a dish the platform lacks must exist before its stock is set.
      if (menu.length > 0) repairs.unshift({ kind: 'catalog', store, rev: 0, at: now, full: true });
      const orders = await this.orders(platform, store, poi, repairs);
      await this.d.outbox.append(repairs.map((entry) => ({ platform, entry })));
      if (repairs.length > 0) this.d.onRepair?.();
      return { ...base, stock, menu, orders, repaired: repairs.length };
    } catch (e) {
      return { ...base, error: ensureError(e).message };
    }
  }

  private async orders(
    platform: PlatformName,
    store: string,
    poi: string,
    repairs: OutboxEntry[],
  ): Promise<StoreDrift['orders'][number][]> {
    const view = await this.d.senders[platform].read('orders', poi);
    const drift: StoreDrift['orders'][number][] = [];
    for (const o of view.orders) {
      const ours = await this.d.orders.get(platform, o.platformOrderId);
      if (ours === undefined) {
        drift.push({ platformOrderId: o.platformOrderId, ours: null, theirs: o.status });
        continue;
      }
      const want = SHOWN[ours.status];
      if (want !== undefined && want !== o.status) {
        drift.push({ platformOrderId: o.platformOrderId, ours: ours.status, theirs: o.status });
        repairs.push({ kind: 'order', store, platformOrderId: o.platformOrderId, status: want, at: Date.now() });
      }
    }
    return drift;
  }
}
