/** What the saga tests share: an order's placement and payment commands, and reading an order and its tickets. */
import type { KitchenTicket, OrderCommand, OrderState } from '@lunchrush/actors';
import { orderRef } from '@lunchrush/actors';
import { MIN, STORE, T0, type setupStore } from './helpers.js';

export const DEADLINE = T0 + 15 * MIN;

export function place(
  lines: { skuId: string; qty: number; options?: { group: string; choice: string }[] }[],
  extra: Partial<OrderCommand> = {},
): OrderCommand {
  return { type: 'place', channel: 'dine_in', dinerId: 'd1', lines, at: T0, ...extra } as OrderCommand;
}
export const spicy = [{ group: 'spice', choice: 'hot' }];
export const pay = (amountFen: number, paidAt: number, at = paidAt, paymentId = 'wx-1'): OrderCommand => ({
  type: 'confirmPayment',
  paymentId,
  amountFen,
  paidAt,
  at,
});
export const orderState = (rt: ReturnType<typeof setupStore>, id: string): OrderState =>
  rt.state<OrderState>(orderRef(STORE, id));
export const tickets = (rt: ReturnType<typeof setupStore>): KitchenTicket[] =>
  rt.outputs.filter((o) => o.subject.startsWith(`kitchen.${STORE}.`)).map((o) => o.data as KitchenTicket);
