/**
 * The member actor's commands: what a gateway, the placement saga or the payment
 * worker may ask of a member card, validated at the edge. Amounts in fen.
 */
import { z } from 'zod';
import { AtSchema, IdSchema, OrderIdSchema } from '../domain.js';
import { MemberCouponSchema } from '../coupon.js';
import { FenSchema } from '../money.js';
import { MemberProgramSchema } from './program.js';

/** Members are keyed by the diner's identity (`d_…`): short enough to prefix a partition key. */
export const MemberIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,60}$/, 'expected 1–60 of A–Z a–z 0–9 _ -');
const BirthdaySchema = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected MM-DD');
const PointsSchema = z.number().int().min(0).max(1_000_000_000);
const ProgramField = { program: MemberProgramSchema.optional() };

export const ReleaseReasonSchema = z.enum(['cancelled', 'timeout', 'failed', 'refused']);
export type ReleaseReason = z.infer<typeof ReleaseReasonSchema>;

export const MemberCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('enroll'), birthday: BirthdaySchema.optional(), at: AtSchema, ...ProgramField }),
  z.strictObject({ type: z.literal('checkIn'), at: AtSchema, ...ProgramField }),
  z.strictObject({ type: z.literal('birthdayGift'), at: AtSchema, ...ProgramField }),
  /** After WeChat Pay confirmed `paymentId`: the amount goes to the balance, with the bonus of its tier. */
  z.strictObject({
    type: z.literal('topUp'),
    paymentId: IdSchema,
    amountFen: FenSchema.min(1),
    at: AtSchema,
    ...ProgramField,
  }),
  /** A coupon its campaign issued to this member (the same coupon twice is one). */
  z.strictObject({ type: z.literal('grantCoupon'), coupon: MemberCouponSchema, at: AtSchema }),
  /** Placement: points, balance and coupons set aside for an order until it is paid or released. */
  z.strictObject({
    type: z.literal('hold'),
    orderId: OrderIdSchema,
    points: PointsSchema,
    balanceFen: FenSchema,
    couponIds: z.array(IdSchema).max(2),
    at: AtSchema,
  }),
  /** The order was paid: its hold is spent, `paidFen` (cash and stored value) earns points and counts as spend. */
  z.strictObject({
    type: z.literal('orderPaid'),
    orderId: OrderIdSchema,
    paidFen: FenSchema,
    /**
     * What the order's hold held. When the hold is gone (released at a payment timeout, and the
     * order then revived by a payment inside its window) the card takes it again, or records the
     * shortfall (`PaymentShortfall`) when it no longer has it.
     */
    expects: z
      .strictObject({ points: PointsSchema, balanceFen: FenSchema, couponIds: z.array(IdSchema).max(2) })
      .optional(),
    at: AtSchema,
    ...ProgramField,
  }),
  /**
   * Points held for something other than an order (a lottery's points entry, the hold keyed like an
   * order id) are spent: the draw they paid for happened. Earns nothing and counts as no order. When
   * the hold went back by itself first, the card takes the points again, or records the shortfall.
   */
  z.strictObject({ type: z.literal('spendHold'), orderId: OrderIdSchema, points: PointsSchema, at: AtSchema }),
  /** The order was cancelled, timed out or never placed: its hold goes back. */
  z.strictObject({ type: z.literal('release'), orderId: OrderIdSchema, reason: ReleaseReasonSchema, at: AtSchema }),
  /**
   * A refund of a paid order gives back `points` and `balanceFen` (never more than the order spent of
   * each). `paidFen` is the refund's share of what earned points (WeChat Pay and stored value): the
   * card takes back the points the order earned on it. Absent (instructions from before it was sent):
   * nothing is taken back.
   */
  z.strictObject({
    type: z.literal('refund'),
    orderId: OrderIdSchema,
    refundId: IdSchema,
    points: PointsSchema,
    balanceFen: FenSchema,
    paidFen: FenSchema.optional(),
    at: AtSchema,
    ...ProgramField,
  }),
  z.strictObject({ type: z.literal('expirePoints'), at: AtSchema }),
  z.strictObject({ type: z.literal('get'), at: AtSchema.optional(), ...ProgramField }),
]);
export type MemberCommand = z.input<typeof MemberCommandSchema>;
export type ParsedMemberCommand = z.output<typeof MemberCommandSchema>;
