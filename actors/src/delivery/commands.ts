/**
 * The delivery actor's commands. `open` comes from the order (in the same append as its
 * `Ready`), `dispatched` and `dispatchFailed` from the courier worker, `courier` from a
 * verified platform callback, the timeouts from the actor's own durable timers, and
 * `staffDelivered` from the store's staff.
 */
import { z } from 'zod';
import { ActorSchema, AtSchema, OrderIdSchema } from '../domain.js';
import { GeoPointSchema } from '../geo/site.js';

/** What the platform reports of a rider, as the adapters translate its codes. */
export const CourierStatusSchema = z.enum(['accepted', 'arrived', 'picked_up', 'delivered', 'cancelled', 'exception']);
export type CourierStatus = z.infer<typeof CourierStatusSchema>;

/**
 * How long to wait and what to try (the courier worker's configuration, recorded with each
 * dispatch so the timers that follow are the ones it asked for).
 */
export const DispatchPolicySchema = z.strictObject({
  /** No rider took it by then: add a tip (or, tips spent, hand it to staff). */
  acceptWithinMs: z.number().int().min(1).max(3_600_000),
  tipStepFen: z.number().int().min(0).max(10_000),
  maxTips: z.number().int().min(0).max(10),
  /** A rider who took it and has not reached the store by then is given up on. */
  arriveWithinMs: z.number().int().min(1).max(7_200_000),
  /** Dispatch attempts before the store's staff take it. */
  maxAttempts: z.number().int().min(1).max(10),
});
export type DispatchPolicy = z.infer<typeof DispatchPolicySchema>;

const AttemptSchema = z.number().int().min(1).max(999);
const RiderSchema = z.strictObject({ name: z.string().min(1).max(40), phone: z.string().min(1).max(20) });
const ItemSchema = z.strictObject({ name: z.string().min(1).max(80), qty: z.number().int().min(1).max(999) });

export const DeliveryCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('open'),
    orderId: OrderIdSchema,
    totalFen: z.number().int().min(0),
    items: z.array(ItemSchema).max(100),
    at: AtSchema,
  }),
  z.strictObject({
    type: z.literal('dispatched'),
    attempt: AttemptSchema,
    platform: z.string().min(1).max(20),
    platformOrderId: z.string().min(1).max(64),
    feeFen: z.number().int().min(0),
    policy: DispatchPolicySchema,
    at: AtSchema,
  }),
  z.strictObject({
    type: z.literal('dispatchFailed'),
    attempt: AttemptSchema,
    reason: z.string().min(1).max(200),
    at: AtSchema,
  }),
  z.strictObject({
    type: z.literal('courier'),
    attempt: AttemptSchema,
    status: CourierStatusSchema,
    /** The platform's time of the step (ms): steps of one attempt only go forward in it. */
    pushAt: AtSchema,
    rider: RiderSchema.optional(),
    position: GeoPointSchema.optional(),
    at: AtSchema,
  }),
  z.strictObject({ type: z.literal('acceptTimeout'), attempt: AttemptSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('arriveTimeout'), attempt: AttemptSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('staffDelivered'), by: ActorSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('get') }),
]);
export type DeliveryCommand = z.input<typeof DeliveryCommandSchema>;
export type DeliveryParsed = z.output<typeof DeliveryCommandSchema>;
