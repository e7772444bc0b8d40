/**
 * A verified platform push, done: a new order sells its stock through the same sale actor every
 * channel uses (all or nothing, idempotent by `<platform>.<platform order id>`), so a platform
 * order and a mini-program order for the last unit meet in the one stock actor and exactly one
 * wins; a short SKU refuses the push in the platform's error shape (never accepted, then
 * cancelled). An accepted order is confirmed back to the platform through the outbox. A cancel
 * gives the stock back; a refund request follows the refund rules (`refundPolicy`, the platform
 * speaking for its customer): in the kitchen it waits for staff, after delivery it is refused.
 */
import {
  ErrorCode as D,
  refundPolicy,
  refundStage,
  saleActorId,
  saleOf,
  stockOf,
  type CommandSender,
} from '@lunchrush/actors';
import { EngineError, ensureError } from '@lunchrush/engine';
import type { Logger } from 'pino';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import type { PlatformMapping } from './mapping.js';
import { ORDER_STATUS_OF, type PlatformOrder, type PlatformOrders } from './orders.js';
import type { PlatformKitchen } from './kitchen.js';
import type { Outbox } from './outbox.js';
import type { OrderSyncStatus, PlatformName, PlatformPush } from './platform.js';

export interface InboundDeps {
  readonly engine: CommandSender;
  readonly mapping: Readonly<Record<PlatformName, PlatformMapping>>;
  readonly orders: PlatformOrders;
  readonly outbox: Outbox;
  readonly log: Logger;
  readonly now?: () => number;
  /** Told after a status is queued for a platform (its sender wakes up). */
  readonly onQueued?: () => void;
  /** Sends an accepted order's kitchen tickets (before the platform hears ok). */
  readonly kitchen?: PlatformKitchen;
}

/** What a staff member may do to a platform order. */
export type StaffAction = 'ready' | 'delivered' | 'refund_agree' | 'refund_refuse';

export class InboundOrders {
  private readonly now: () => number;

  constructor(private readonly d: InboundDeps) {
    this.now = d.now ?? Date.now;
  }

  async handle(platform: PlatformName, push: PlatformPush): Promise<void> {
    switch (push.kind) {
      case 'new':
        return this.sell(platform, push);
      case 'cancel':
        return this.cancel(platform, push.platformOrderId, push.reason);
      case 'refund':
        return this.refundRequested(platform, push.platformOrderId, push.refundId);
      case 'remind':
        // The kitchen's urge is the order actor's; a platform order has none: logged for the board.
        this.d.log.info({ platform, order: push.platformOrderId }, 'platform order reminded');
        await this.known(platform, push.platformOrderId);
        return;
    }
  }

  private async sell(platform: PlatformName, push: Extract<PlatformPush, { kind: 'new' }>): Promise<void> {
    const map = this.d.mapping[platform];
    const store = map.storeOf(push.poi);
    const lines = push.lines.map((l) => ({ skuId: map.ourSku(store, l.sku), qty: l.qty }));
    const ref = `${platform}.${push.platformOrderId}`;
    try {
      await saleOf(this.d.engine, store, saleActorId('delivery', ref)).send({
        type: 'sell',
        channel: 'delivery',
        ref,
        lines,
        at: this.now(),
      });
    } catch (e) {
      throw asPlatformError(e);
    }
    // Again on a repeated push: the kitchen stream's message id keeps it to one ticket.
    await this.d.kitchen?.send({ store, orderId: ref, lines, placedAt: push.at }, this.now());
    if ((await this.d.orders.get(platform, push.platformOrderId)) === undefined) {
      const order: PlatformOrder = {
        platform,
        platformOrderId: push.platformOrderId,
        store,
        lines,
        status: 'accepted',
        at: this.now(),
      };
      await this.d.orders.put(order);
      await this.tell(order, 'confirmed');
    }
  }

  private async known(platform: PlatformName, id: string): Promise<PlatformOrder> {
    const o = await this.d.orders.get(platform, id);
    if (o === undefined) throw new PlatformError(E.UnknownOrder, `订单 ${id} 不存在`);
    return o;
  }

  private async cancel(platform: PlatformName, id: string, reason: string): Promise<void> {
    const o = await this.known(platform, id);
    if (o.status === 'cancelled' || o.status === 'refunded') return;
    await this.giveBack(o, reason === '' ? 'platform cancelled' : reason);
    await this.d.orders.put({ ...o, status: 'cancelled' });
  }

  private async refundRequested(platform: PlatformName, id: string, refundId: string): Promise<void> {
    const o = await this.known(platform, id);
    if (o.status === 'refund_requested' && o.refundId === refundId) return;
    const rule = refundPolicy(refundStage(ORDER_STATUS_OF[o.status]), 'diner', undefined);
    if (!rule.ok) {
      await this.tell(o, 'refund_refused', rule.message);
      return;
    }
    if (rule.approval === 'auto') return this.refund(o, refundId);
    await this.d.orders.put({ ...o, status: 'refund_requested', before: o.status, refundId });
  }

  private async refund(o: PlatformOrder, refundId: string): Promise<void> {
    // Refunds approved at once come before the kitchen starts; a platform order is accepted (and
    // cooking) as it is taken, so its dishes are not put back on sale.
    await this.d.orders.put({ ...o, status: 'refunded', refundId });
    await this.tell(o, 'refund_agreed');
  }

  /** Staff moves a platform order on (ready, delivered) or answers its refund request. */
  async staff(platform: PlatformName, id: string, action: StaffAction): Promise<PlatformOrder> {
    const o = await this.known(platform, id);
    const bad = (): never => {
      throw new PlatformError(E.Refused, `订单 ${id} 当前状态 ${o.status} 不能 ${action}`);
    };
    switch (action) {
      case 'ready':
        if (o.status !== 'accepted') bad();
        return this.move(o, 'ready', 'ready');
      case 'delivered':
        if (o.status !== 'accepted' && o.status !== 'ready') bad();
        return this.move(o, 'delivered', 'delivered');
      case 'refund_agree':
        if (o.status !== 'refund_requested') bad();
        await this.d.orders.put({ ...o, status: 'refunded' });
        await this.tell(o, 'refund_agreed');
        return { ...o, status: 'refunded' };
      case 'refund_refuse':
        if (o.status !== 'refund_requested') bad();
        return this.move({ ...o }, o.before ?? 'accepted', 'refund_refused');
    }
  }

  private async move(o: PlatformOrder, status: PlatformOrder['status'], tell: OrderSyncStatus): Promise<PlatformOrder> {
    const next: PlatformOrder = { ...o, status };
    await this.d.orders.put(next);
    await this.tell(next, tell);
    return next;
  }

  private async giveBack(o: PlatformOrder, reason: string): Promise<void> {
    const ref = `${o.platform}.${o.platformOrderId}`;
    for (const l of o.lines) {
      try {
        await stockOf(this.d.engine, o.store, l.skuId).send({
          type: 'return',
          channel: 'delivery',
          ref,
          reason,
          at: this.now(),
        });
      } catch (e) {
        const err = ensureError(e);
        // Returned before (a repeated cancel): nothing left under the key.
        if (!(err instanceof EngineError && err.reason === D.UnknownReservation)) throw asPlatformError(err);
      }
    }
  }

  private async tell(o: PlatformOrder, status: OrderSyncStatus, reason?: string): Promise<void> {
    const entry = {
      kind: 'order' as const,
      store: o.store,
      platformOrderId: o.platformOrderId,
      status,
      at: this.now(),
    };
    await this.d.outbox.append([{ platform: o.platform, entry: reason === undefined ? entry : { ...entry, reason } }]);
    this.d.onQueued?.();
  }
}

/** The engine's answers as the platform's refusals: sold out and unknown SKUs for good, outages retryable. */
export function asPlatformError(e: unknown): PlatformError {
  if (e instanceof PlatformError) return e;
  const err = ensureError(e);
  if (!(err instanceof EngineError)) return new PlatformError(E.Unavailable, '系统繁忙', { cause: err });
  if (err.reason === D.SoldOut)
    return new PlatformError(E.SoldOut, `商品已售罄: ${err.message}`, { details: err.details });
  if (err.reason === D.UnknownSku) return new PlatformError(E.UnknownSku, `商品不存在: ${err.message}`);
  if (err.retryable) return new PlatformError(E.Unavailable, '系统繁忙', { cause: err });
  return new PlatformError(E.Refused, err.message, { cause: err });
}
