/**
 * The order's side of dispatch: when a delivery order's food is ready, the order opens its
 * delivery in the same atomic append as its `Ready` (`ctx.call`), so a crash can never leave a
 * ready delivery order with nobody asked to carry it.
 */
import type { DecideContext } from '@lunchrush/engine';
import { ActorTypes } from '../domain.js';
import type { OrderState } from '../order/evolve.js';
import type { DeliveryCommand } from './commands.js';

export function openDeliveryOnReady(ctx: DecideContext, s: OrderState, at: number): void {
  if (s.channel !== 'delivery') return;
  const open: DeliveryCommand = {
    type: 'open',
    orderId: s.orderId,
    totalFen: s.totalFen,
    items: s.lines.map((l) => ({ name: l.name.slice(0, 80), qty: l.qty })),
    at,
  };
  ctx.call(ActorTypes.Delivery, s.orderId, open);
}
