/**
 * `@lunchrush/actors/members`: members, stored value, coupons and promotions — the member card
 * (`member`, keyed by the member, a partition of its own), coupon campaigns (`campaign`), a store's
 * automatic promotions (`promotions`), the pure rules (coupon terms, promotions, checkout and refund
 * shares, the programme), what orders tell cards (`MemberInstruction` on `members.<memberId>`) and the
 * typed handles. The actor types are registered with the rest (`restaurantActors`).
 */
export {
  DEFAULT_MEMBER_PROGRAM,
  MemberCommandSchema,
  MemberIdSchema,
  MemberProgramSchema,
  ReleaseReasonSchema,
  decideMember,
  evolveMember,
  initialMember,
  levelFor,
  memberPartitionKey,
  memberRef,
  memberView,
  orderPoints,
  topUpBonus,
} from './member/index.js';
export type {
  CouponStatus,
  EarnReason,
  HeldCoupon,
  HoldTaken,
  MemberCommand,
  MemberCouponView,
  MemberEvent,
  MemberHold,
  MemberProgram,
  MemberProgramInput,
  MemberResult,
  MemberState,
  MemberView,
  PointsLot,
  ReleaseReason,
  SettledOrder,
} from './member/index.js';
export {
  CampaignCommandSchema,
  CampaignDefSchema,
  CampaignIdSchema,
  MAX_CAMPAIGN_TOTAL,
  campaignPartitionKey,
  campaignRef,
  couponGrantId,
  campaignView,
  decideCampaign,
  evolveCampaign,
  initialCampaign,
} from './campaign.js';
export type {
  CampaignCommand,
  CampaignDef,
  CampaignDefInput,
  CampaignEvent,
  CampaignResult,
  CampaignState,
  CampaignView,
  ClaimResult,
  CouponGrantInstruction,
} from './campaign.js';
export { CouponScopeSchema, CouponTermsSchema, MemberCouponSchema } from './coupon.js';
export type { CouponKind, CouponTerms, CouponTermsInput, MemberCoupon, ScopeLine } from './coupon.js';
export { PromotionSchema } from './promotions.js';
export {
  MAX_PROMOTIONS,
  PROMOTIONS_ACTOR_ID,
  PromotionsCommandSchema,
  promotionsActor,
  promotionsRef,
} from './store-promotions.js';
export type { PromotionsCommand, PromotionsEvent, PromotionsState, PromotionsView } from './store-promotions.js';
export type { DiscountLine, Promotion, PromotionInput } from './promotions.js';
export { NO_INSTRUMENTS, checkout, refundShares } from './checkout.js';
export type {
  CheckoutChoice,
  CheckoutInput,
  CheckoutMember,
  CheckoutOutcome,
  CheckoutPlan,
  Instruments,
} from './checkout.js';

// what orders tell members' cards, and what WeChat Pay collects of a member's order
export { dueFen, memberInstructionId, memberSubject } from './order/index.js';
export type { MemberInstruction } from './order/index.js';

// the chain's list of campaigns and its member programme (chain partition), and the programme's reader
export {
  CAMPAIGN_DIRECTORY_ACTOR,
  CampaignDirectoryCommandSchema,
  MAX_LISTED_CAMPAIGNS,
  campaignDirectoryActor,
} from './campaign-directory.js';
export type { CampaignDirectoryCommand, CampaignDirectoryEvent, CampaignDirectoryState } from './campaign-directory.js';
export {
  MEMBER_PROGRAM_ACTOR,
  MemberProgramCommandSchema,
  memberProgramActor,
  memberProgramView,
} from './loyalty-program.js';
export type {
  MemberProgramCommand,
  MemberProgramEvent,
  MemberProgramState,
  MemberProgramView,
} from './loyalty-program.js';
export { campaignDirectoryOf, memberProgramOf } from './member-handles.js';
export type {
  CampaignDirectoryHandle,
  CampaignDirectoryReplies,
  MemberProgramHandle,
  MemberProgramReplies,
} from './member-handles.js';
export { PROGRAM_CACHE_MS, ProgramReader } from './program-reader.js';

// typed handles
export { campaignOf, memberOf, promotionsOf } from './handles.js';
export type {
  CampaignHandle,
  CampaignReplies,
  MemberHandle,
  MemberReplies,
  PromotionsHandle,
  PromotionsReplies,
} from './handles.js';
