/**
 * Request schemas of the member, coupon and promotion routes (`routes/diner/member.ts`,
 * `routes/staff/campaigns.ts`): strict, so an unknown key is refused by name.
 */
import { FenSchema, QuoteLineSchema, StoreIdSchema } from '@lunchrush/actors';
import {
  CampaignDefSchema,
  CampaignIdSchema,
  MemberIdSchema,
  MemberProgramSchema,
  PromotionSchema,
} from '@lunchrush/actors/members';
import { z } from 'zod';
import { DinerChannelSchema } from './schemas.js';

export const CampaignParams = z.strictObject({ campaignId: CampaignIdSchema });
export const StoreCampaignParams = z.strictObject({ store: StoreIdSchema, campaignId: CampaignIdSchema });

export const EnrollBody = z.strictObject({
  /** MM-DD, for the birthday gift. */
  birthday: z
    .string()
    .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'expected MM-DD')
    .optional(),
});

export const CheckoutBody = z.strictObject({
  channel: DinerChannelSchema.default('dine_in'),
  /** Absent: the table's shared cart (dine-in). */
  lines: z.array(QuoteLineSchema).min(1).max(50).optional(),
  /** Needed when the diner has not scanned a table. */
  store: StoreIdSchema.optional(),
  /** The coupons to use, or `best` (the default): the ones that save the most. */
  couponIds: z.union([z.literal('best'), z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).max(2)]).optional(),
  /** Points to use, or `max`; none by default. */
  points: z.union([z.literal('max'), z.number().int().min(0).max(1_000_000_000)]).optional(),
  /** Stored value to pay with, or `max`; none by default. */
  balanceFen: z.union([z.literal('max'), FenSchema]).optional(),
});

export const CampaignDefBody = CampaignDefSchema;
export const PauseBody = z.strictObject({ paused: z.boolean() });
export const IssueBody = z.strictObject({ memberId: MemberIdSchema });
export const PromotionsBody = z.strictObject({ promotions: z.array(PromotionSchema).max(50) });
/** A top-up through WeChat Pay: 1 to 5,000 yuan. */
export const TopUpBody = z.strictObject({ amountFen: z.number().int().min(100).max(500_000) });
/** The chain's member programme, whole (strict: a misspelt rule is refused by name). */
export const MemberProgramBody = MemberProgramSchema;
