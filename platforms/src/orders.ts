/**
 * What we keep of each platform order beside its sale actor (which holds the stock side): its
 * store, lines in our SKUs, and where it is in its life, which the refund rules read. Redis hash
 * per order, kept 30 days.
 */
import type { Redis } from 'ioredis';
import type { OrderStatus } from '@lunchrush/actors';
import type { PlatformName } from './platform.js';

export type PlatformOrderStatus = 'accepted' | 'ready' | 'delivered' | 'cancelled' | 'refund_requested' | 'refunded';

export interface PlatformOrder {
  readonly platform: PlatformName;
  readonly platformOrderId: string;
  readonly store: string;
  readonly lines: readonly { readonly skuId: string; readonly qty: number }[];
  readonly status: PlatformOrderStatus;
  /** The status before a refund request, which a refused refund goes back to. */
  readonly before?: PlatformOrderStatus;
  readonly refundId?: string;
  readonly at: number;
}

/** The order actor's status each platform status is like, for `refundStage`. */
export const ORDER_STATUS_OF: Readonly<Record<PlatformOrderStatus, OrderStatus>> = {
  accepted: 'accepted',
  ready: 'ready',
  delivered: 'completed',
  cancelled: 'cancelled',
  refund_requested: 'refund_requested',
  refunded: 'refunded',
};

const TTL_S = 30 * 86_400;

export class PlatformOrders {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(p: PlatformName, id: string): string {
    return `${this.prefix}:platforms:order:${p}:${id}`;
  }

  async get(p: PlatformName, id: string): Promise<PlatformOrder | undefined> {
    const v = await this.redis.get(this.key(p, id));
    return v === null ? undefined : (JSON.parse(v) as PlatformOrder);
  }

  async put(o: PlatformOrder): Promise<void> {
    await this.redis.set(this.key(o.platform, o.platformOrderId), JSON.stringify(o), 'EX', TTL_S);
    await this.redis.zadd(`${this.prefix}:platforms:orders:${o.platform}:${o.store}`, o.at, o.platformOrderId);
  }

  /** A store's platform orders since `sinceMs` (reconciliation). */
  async idsSince(p: PlatformName, store: string, sinceMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(`${this.prefix}:platforms:orders:${p}:${store}`, sinceMs, '+inf');
  }
}
