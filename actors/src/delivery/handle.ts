/** The typed handle on a delivery: its commands in, its view out. */
import { ActorTypes } from '../domain.js';
import { ActorHandle, type CommandSender } from '../handles.js';
import type { DeliveryCommand } from './commands.js';
import type { DeliveryView } from './state.js';

type DeliveryReplies = { readonly [K in DeliveryCommand['type']]: DeliveryView };
export type DeliveryHandle = ActorHandle<DeliveryCommand, DeliveryReplies>;

export const deliveryOf = (sender: CommandSender, store: string, orderId: string): DeliveryHandle =>
  new ActorHandle(sender, store, ActorTypes.Delivery, orderId);
