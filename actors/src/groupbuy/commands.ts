/**
 * A group's commands (actor `group`, id = the group id, in the store's
 * partition): what a gateway, the payment callback, the payment worker and the
 * group's own timers may ask of it, validated at the edge.
 */
import { z } from 'zod';
import { ActorSchema, AtSchema } from '../domain.js';
import { FenSchema } from '../money.js';
import { MemberIdSchema } from '../member/commands.js';
import { GroupCampaignIdSchema } from './campaign.js';

/** Group ids leave room for a seat number in stock references (`g.<groupId>.<n>`, 80 characters at most). */
export const GroupIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected 1–40 of A–Z a–z 0–9 _ -');
/** Seats ever held in one group (joins, leaves and re-joins); past it the group is full. */
export const MAX_SEATS = 500;
export const DEADLINE_TIMER = 'deadline';
export const seatTimer = (n: number): string => `seat-${n}`;

const PaymentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1–64 of A–Z a–z 0–9 _ -');

export const GroupCommandSchema = z.discriminatedUnion('type', [
  /** The leader opens the group: the first seat is held (stock reserved) until the leader pays. */
  z.strictObject({ type: z.literal('open'), campaignId: GroupCampaignIdSchema, leader: MemberIdSchema, at: AtSchema }),
  /** A member takes a seat through a share code (the gateway opened it): stock reserved until they pay. */
  z.strictObject({
    type: z.literal('join'),
    memberId: MemberIdSchema,
    inviter: MemberIdSchema.optional(),
    at: AtSchema,
  }),
  /** From the payment callback: `paidAt` is the provider's success time, which decides races with timers. */
  z.strictObject({
    type: z.literal('pay'),
    memberId: MemberIdSchema,
    paymentId: PaymentIdSchema,
    amountFen: FenSchema,
    /**
     * WeChat Pay's out_trade_no the member paid under (one per seat): refunds of this payment go
     * back against it. Absent in payments recorded before 6 Dec 2026 (then derived as before).
     */
    outTradeNo: z
      .string()
      .regex(/^[A-Za-z0-9_*-]{6,32}$/)
      .optional(),
    paidAt: AtSchema,
    at: AtSchema,
  }),
  /** A member gives their seat up before the group completes; a paid seat is refunded. */
  z.strictObject({ type: z.literal('leave'), memberId: MemberIdSchema, at: AtSchema }),
  /** Staff end a group before its time (a stopped campaign): everyone refunded, stock released. */
  z.strictObject({
    type: z.literal('dissolve'),
    by: ActorSchema,
    reason: z.string().trim().min(1).max(200),
    at: AtSchema,
  }),
  /** Timer: a held seat's payment window ended. */
  z.strictObject({ type: z.literal('seatTimeout'), n: z.number().int().min(1).max(MAX_SEATS), at: AtSchema }),
  /** Timer: the group's time limit T passed. */
  z.strictObject({ type: z.literal('deadline'), at: AtSchema }),
  /** From the payment worker once the provider confirms a refund. */
  z.strictObject({ type: z.literal('refundCompleted'), paymentId: PaymentIdSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('get') }),
]);
export type GroupCommand = z.input<typeof GroupCommandSchema>;
export type GroupParsed = z.output<typeof GroupCommandSchema>;
