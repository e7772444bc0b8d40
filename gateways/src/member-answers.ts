/**
 * What the member, coupon and promotion routes answer, as zod schemas for the OpenAPI document
 * (registered in `answerRegistry` like `answers.ts`). The `Same` checks at the end fail the type
 * check when an actor's answer type and its schema part.
 */
import {
  CampaignDefSchema,
  CouponTermsSchema,
  MemberProgramSchema,
  PromotionSchema,
  type CampaignView,
  type CheckoutPlan,
  type ClaimResult,
  type MemberProgramView,
  type MemberResult,
  type PromotionsView,
} from '@lunchrush/actors/members';
import { z } from 'zod';
import { answerRegistry, type Expect, type Same } from './answers.js';

function named<T extends z.ZodType>(id: string, description: string, schema: T): T {
  answerRegistry.add(schema, { id, description });
  return schema;
}

const int = (): z.ZodNumber => z.number().int();

const MemberCouponAnswer = named(
  'MemberCoupon',
  'A coupon on a member card: its terms (copied from its campaign when issued), validity and status',
  z.object({
    couponId: z.string(),
    campaignId: z.string(),
    terms: CouponTermsSchema,
    validFrom: int(),
    validTo: int(),
    status: z.enum(['available', 'held', 'used', 'expired']),
    /** The order holding or having used it. */
    orderId: z.string().optional(),
  }),
);

export const MemberCardAnswer = named(
  'MemberCard',
  'A member card: level, points, stored value (principal and bonus), coupons, check-in streak',
  z.object({
    memberId: z.string(),
    enrolled: z.boolean(),
    level: int(),
    levelName: z.string(),
    yearSpendFen: int(),
    points: int(),
    balanceFen: int(),
    principalFen: int(),
    bonusFen: int(),
    coupons: z.array(MemberCouponAnswer),
    openHolds: int(),
    paidOrders: int(),
    checkIn: z.object({ lastDay: int().nullable(), streak: int() }),
    seq: int(),
    duplicate: z.literal(true).optional(),
    earnedPoints: int().optional(),
    topUpBonusFen: int().optional(),
  }),
);

const campaignShape = {
  campaignId: z.string(),
  defined: z.boolean(),
  name: z.string().nullable(),
  total: int(),
  issued: int(),
  remaining: int(),
  paused: z.boolean(),
  open: z.boolean(),
  def: CampaignDefSchema.nullable(),
};

export const CampaignAnswer = named(
  'Campaign',
  'A coupon campaign: its definition, how many coupons it issued and has left, open for claims or not',
  z.object(campaignShape),
);

export const CampaignListAnswer = named(
  'CampaignList',
  'The coupon centre: the chain’s campaigns',
  z.object({ campaigns: z.array(CampaignAnswer) }),
);

export const ClaimAnswer = named(
  'Claim',
  'A coupon claimed (or issued by staff) and the member card holding it',
  z.object({
    coupon: MemberCouponAnswer.omit({ status: true, orderId: true }),
    campaign: CampaignAnswer,
    card: MemberCardAnswer,
  }),
);

const DiscountLineAnswer = z.object({
  id: z.string(),
  kind: z.enum(['promotion', 'coupon', 'points']),
  label: z.string(),
  reason: z.string(),
  amountFen: int(),
  perLine: z.array(int()),
});

export const CheckoutAnswer = named(
  'Checkout',
  'What an order would cost a member: every discount with its reason, the best coupon suggested, points, stored value and what WeChat Pay collects',
  z.object({
    itemsFen: int(),
    packagingFeeFen: int(),
    deliveryFeeFen: int(),
    subtotalFen: int(),
    discounts: z.array(DiscountLineAnswer),
    discountFen: int(),
    payableFen: int(),
    couponIds: z.array(z.string()),
    suggestedCouponIds: z.array(z.string()),
    points: int(),
    pointsFen: int(),
    balanceFen: int(),
    wechatFen: int(),
    lineNetFen: z.array(int()),
  }),
);

export const PromotionsAnswer = named(
  'Promotions',
  "A store's automatic promotions: member prices, combos, second half price, time of day",
  z.object({ promotions: z.array(PromotionSchema), rev: int() }),
);

export const MemberProgramAnswer = named(
  'MemberProgram',
  "The chain's member programme (the built-in defaults until a manager sets one), who set it and when",
  z.object({
    program: MemberProgramSchema,
    isDefault: z.boolean(),
    setBy: z.string().nullable(),
    setAt: int().nullable(),
    version: int(),
  }),
);

export type _MemberAgreement = [
  Expect<Same<typeof MemberProgramAnswer, MemberProgramView>>,
  Expect<Same<typeof MemberCardAnswer, MemberResult>>,
  Expect<Same<typeof CampaignAnswer, CampaignView>>,
  Expect<Same<typeof CheckoutAnswer, CheckoutPlan>>,
  Expect<Same<typeof PromotionsAnswer, PromotionsView>>,
  Expect<Same<typeof ClaimAnswer.shape.coupon, ClaimResult['coupon']>>,
];
