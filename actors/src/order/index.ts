/**
 * One order (`order` actor, id `o_…`): its state machine, the placement saga
 * and the refund rules. Every transition is an event.
 *
 *   (none)
 *     │ place: the saga (store.admit → catalog.quote → stock.reserve per SKU, all or nothing)
 *     ▼
 *   created ─▶ pending_payment ──paymentTimeout / cancel──▶ cancelled (stock released)
 *     │ confirmPayment, paid inside the window              │ payment arrives anyway: revived and paid if it
 *     ▼ (stock committed)                                   ▼ was inside the window and the stock is there, else refunded
 *   paid ──cancel (diner or store)──▶ cancelled ──▶ refund_requested ──refundCompleted──▶ refunded
 *     │ accept (staff): one kitchen ticket per station        ▲ requestRefund (full) per refund.ts;
 *     ▼                                                       │ rejectRefund goes back where it was
 *   accepted ─▶ sent_to_kitchen ─startStation─▶ cooking       │
 *     │ finishStation (every station), or serve               │
 *     ▼                                                       │
 *   ready ─serve─▶ served ─complete (or 30 min)─▶ completed ─review─▶ reviewed
 *
 * The placement saga runs in one engine transaction: `place` asks the store to
 * admit the order, the catalog to price the lines (prices never come from the
 * client), then every SKU actor to reserve its quantity; if any SKU is short the
 * order refuses and the engine discards every reservation made so far. Payment
 * inside the window commits the reservations; the timeout or a cancel releases
 * them. On acceptance one kitchen ticket per station goes out with a stable id.
 *
 * Where things are: `commands.ts` (schemas, timers), `events.ts`, `evolve.ts` (state,
 * `evolveOrder`), `detail.ts` (answers), `decision.ts` (how a decision is put together:
 * the order push and tag, board pushes, calls to stock and table), `place.ts` (the saga),
 * `payment.ts` (payment against the timeout, cancel), `kitchen.ts`, `refunds.ts`, and
 * `decide.ts` (one command to its rule).
 */
import { defineActor } from '@lunchrush/engine';
import { ActorTypes, parseCommand } from '../domain.js';
import { OrderCommandSchema, type OrderCommand } from './commands.js';
import { decideParsedOrder } from './decide.js';
import type { OrderResult } from './detail.js';
import type { OrderEvent } from './events.js';
import { evolveOrder, initialOrder, type OrderState } from './evolve.js';

export type { OrderStatus } from '../refund.js';
export {
  COMPLETE_TIMER,
  DEFAULT_AUTO_COMPLETE_MS,
  DEFAULT_URGE_INTERVAL_MS,
  DeliverySchema,
  OrderCommandSchema,
  PAYMENT_TIMER,
  OrderMemberSchema,
  PlaceOrderSchema,
  RefundLineSchema,
} from './commands.js';
export type { Delivery, OrderCommand, OrderMember, PlaceOrderCommand } from './commands.js';
export type { HeldSku, MemberPayment, OrderDiscount, OrderEvent, Payment, Refund, StationProgress } from './events.js';
export { dueFen, memberInstructionId, memberSubject } from './member.js';
export type { MemberInstruction } from './member.js';
export { evolveOrder, initialOrder } from './evolve.js';
export type { OrderState } from './evolve.js';
export { detailOf, summaryOf } from './detail.js';
export type { OrderDetail, OrderResult, OrderSummary } from './detail.js';
export { decideOrder } from './decide.js';

/** One `order` actor per order, id `o_…`, in its store's partition. */
export const orderActor = defineActor<OrderState, OrderCommand, OrderEvent, OrderResult>({
  name: ActorTypes.Order,
  initial: (ref) => initialOrder(ref.store, ref.id),
  parse: (command) => parseCommand(OrderCommandSchema, command),
  decide: decideParsedOrder,
  evolve: evolveOrder,
});
