/**
 * The order's commands and their schemas: what a gateway, a table, a timer or
 * the payment worker may ask of an order, validated at the edge.
 */
import { z } from 'zod';
import { ActorSchema, AtSchema, IdSchema, ServiceChannelSchema } from '../domain.js';
import { FenSchema } from '../money.js';
import { MemberCouponSchema } from '../coupon.js';
import { MemberIdSchema } from '../member/commands.js';
import { MemberProgramSchema } from '../member/program.js';
import { QuoteLineSchema } from '../pricing.js';
import { RoutingNoteSchema } from '../routing/note.js';
import { PlaceCampaignSchema } from './campaign-command.js';

/** A diner may urge (催单) once per interval. */
export const DEFAULT_URGE_INTERVAL_MS = 5 * 60_000;
/** A served order completes by itself after this long (diners rarely press "done"). */
export const DEFAULT_AUTO_COMPLETE_MS = 30 * 60_000;
export const PAYMENT_TIMER = 'payment-timeout';
export const COMPLETE_TIMER = 'auto-complete';

const TableIdSchema = z.string().regex(/^\d{13}$/, 'expected a 13-digit table code');
const StationSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/);
const ReasonSchema = z.string().trim().min(1).max(200);
const RefundIdSchema = IdSchema;

export const DeliverySchema = z.strictObject({
  address: z.string().trim().min(1).max(200),
  contact: z.string().trim().min(1).max(40),
  phone: z.string().regex(/^[0-9+\- ]{5,20}$/),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const RefundLineSchema = z.strictObject({
  lineNo: z.number().int().min(1).max(50),
  qty: z.number().int().min(1).max(99),
});

const RequestHashSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/**
 * What a member's card set aside for this order (its `hold`, made before the placement: the card
 * lives in another partition): the coupons, points and stored value the order must use, exactly,
 * and the level and order count its promotions and new-customer coupons look at. The gateway builds
 * it from the card's answer to the hold; a diner's request never carries it.
 */
export const OrderMemberSchema = z.strictObject({
  memberId: MemberIdSchema,
  level: z.number().int().min(0).max(20),
  paidOrders: z.number().int().min(0),
  coupons: z.array(MemberCouponSchema).max(2),
  points: z.number().int().min(0).max(1_000_000_000),
  balanceFen: FenSchema,
  /** The chain's programme (what a point is worth, the share points may pay); the default when absent. */
  program: MemberProgramSchema.optional(),
});
export type OrderMember = z.infer<typeof OrderMemberSchema>;

export const PlaceOrderSchema = z
  .object({
    type: z.literal('place'),
    channel: ServiceChannelSchema,
    lines: z.array(QuoteLineSchema).min(1).max(50),
    dinerId: z.string().min(1).max(64),
    tableId: TableIdSchema.optional(),
    tableLabel: z.string().max(40).optional(),
    sessionId: IdSchema.optional(),
    delivery: DeliverySchema.optional(),
    /**
     * A digest of the request that chose this order id (the gateway's Idempotency-Key body): a
     * repeat with the same digest is the same order, another digest is 422, whatever the lines.
     */
    requestHash: RequestHashSchema.optional(),
    member: OrderMemberSchema.optional(),
    /** Set by a routed placement (`placeRouted`): where the store ranked and its scores. */
    routing: RoutingNoteSchema.optional(),
    at: AtSchema,
  })
  .superRefine((c, ctx) => {
    if (c.channel === 'delivery' && c.delivery === undefined)
      ctx.addIssue({ code: 'custom', path: ['delivery'], message: 'delivery orders need an address' });
  });

export const OrderCommandSchema = z.discriminatedUnion('type', [
  PlaceOrderSchema,
  /** A group-buy member's or a bargain's purchase, placed already paid (campaign-order.ts). */
  PlaceCampaignSchema,
  /** From the payment callback: `paidAt` is the provider's success time, which decides the race with the timeout. */
  z.object({
    type: z.literal('confirmPayment'),
    paymentId: z.string().min(1).max(64),
    amountFen: FenSchema,
    paidAt: AtSchema,
    at: AtSchema,
  }),
  /** The durable timer set at placement; refused (and so spent) unless the order still awaits payment. */
  z.object({ type: z.literal('paymentTimeout'), at: AtSchema }),
  z.object({ type: z.literal('cancel'), by: ActorSchema, reason: ReasonSchema.optional(), at: AtSchema }),
  z.object({ type: z.literal('accept'), by: ActorSchema, at: AtSchema }),
  z.object({ type: z.literal('startStation'), station: StationSchema, at: AtSchema }),
  z.object({ type: z.literal('finishStation'), station: StationSchema, at: AtSchema }),
  z.object({ type: z.literal('serve'), by: ActorSchema, at: AtSchema }),
  z.object({ type: z.literal('complete'), at: AtSchema }),
  z.object({
    type: z.literal('review'),
    rating: z.number().int().min(1).max(5),
    comment: z.string().max(500).optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('urge'), by: ActorSchema, at: AtSchema }),
  /** Full refund without `lines`; single-item refunds name lines and quantities. */
  z.object({
    type: z.literal('requestRefund'),
    refundId: RefundIdSchema,
    lines: z.array(RefundLineSchema).min(1).max(50).optional(),
    reason: ReasonSchema,
    by: ActorSchema,
    overrideReason: ReasonSchema.optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('approveRefund'), refundId: RefundIdSchema, by: ActorSchema, at: AtSchema }),
  z.object({
    type: z.literal('rejectRefund'),
    refundId: RefundIdSchema,
    by: ActorSchema,
    reason: ReasonSchema,
    at: AtSchema,
  }),
  /** From the payment worker once the provider confirms the refund. */
  z.object({ type: z.literal('refundCompleted'), refundId: RefundIdSchema, at: AtSchema }),
  /** From the table actor when the diners move (transfer) or join another table (merge). */
  z.object({
    type: z.literal('relocate'),
    tableId: TableIdSchema,
    tableLabel: z.string().max(40).optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('get') }),
  /**
   * A repeat of a placement that already happened (the table found the order in its session):
   * the order as a duplicate when `requestHash` is the one it was placed with (or it kept none),
   * 422 `idempotency_conflict` when another request chose the same id. Changes nothing.
   */
  z.object({ type: z.literal('replay'), requestHash: RequestHashSchema.optional() }),
]);
export type OrderCommand = z.input<typeof OrderCommandSchema>;
export type PlaceOrderCommand = z.input<typeof PlaceOrderSchema>;
/** A command as the decider sees it, parsed (defaults filled in). */
export type Parsed = z.output<typeof OrderCommandSchema>;
