/**
 * Delivery (actor `delivery`, id = the order id, in the store's partition): a delivery
 * order's trip from the kitchen's `Ready` to the door, through a courier platform's riders
 * (the courier worker in `@lunchrush/couriers` talks to the platform) or the store's staff.
 */
import { defineActor, type ActorRef } from '@lunchrush/engine';
import { ActorTypes, parseCommand } from '../domain.js';
import { DeliveryCommandSchema, type DeliveryParsed } from './commands.js';
import { decideDelivery } from './decide.js';
import { evolveDelivery, initialDelivery, type DeliveryEvent, type DeliveryState, type DeliveryView } from './state.js';

export const deliveryActor = defineActor<DeliveryState, DeliveryParsed, DeliveryEvent, DeliveryView>({
  name: ActorTypes.Delivery,
  initial: (ref) => initialDelivery(ref.store, ref.id),
  parse: (command) => parseCommand(DeliveryCommandSchema, command),
  decide: decideDelivery,
  evolve: evolveDelivery,
});

export const deliveryRef = (store: string, orderId: string): ActorRef => ({
  store,
  type: ActorTypes.Delivery,
  id: orderId,
});

export { ACCEPT_TIMER, ARRIVE_TIMER, decideDelivery } from './decide.js';
export {
  CourierStatusSchema,
  DeliveryCommandSchema,
  DispatchPolicySchema,
  type CourierStatus,
  type DeliveryCommand,
  type DispatchPolicy,
} from './commands.js';
export { DELIVERY_ERRORS, DeliveryErrorCode } from './errors.js';
export {
  COURIER_OUTPUT,
  courierInstructionId,
  courierSubject,
  parseShopOrderId,
  shopOrderId,
  type CourierBoardPush,
  type CourierCancel,
  type CourierCreate,
  type CourierInstruction,
  type CourierItem,
  type CourierPush,
  type CourierTip,
  type RiderInfo,
} from './outputs.js';
export { deliveryView, evolveDelivery, initialDelivery } from './state.js';
export type { DeliveryEvent, DeliveryState, DeliveryStatus, DeliveryView } from './state.js';
export { deliveryOf, type DeliveryHandle } from './handle.js';
