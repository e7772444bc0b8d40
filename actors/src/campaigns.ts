/**
 * `@lunchrush/actors/campaigns`: group-buy (拼团), bargains (砍价), lotteries (抽奖) and the share
 * codes that spread them — their command schemas, views, error codes, output subjects and typed
 * handles. The actor types are registered with the rest (`restaurantActors`).
 */
export {
  DEFAULT_SEAT_HOLD_MS,
  GROUPBUY_ERRORS,
  GROUPBUY_OUTPUT,
  GroupBuyErrorCode,
  GroupCampaignCommandSchema,
  GroupCampaignIdSchema,
  GroupCommandSchema,
  GroupIdSchema,
  GroupTermsSchema,
  MAX_SEATS,
  groupBuySubject,
  groupCampaignRef,
  groupCompletedId,
  groupPushSubject,
  groupRef,
  groupRefundId,
  groupView,
} from './groupbuy/index.js';
export type {
  GroupCampaignCommand,
  GroupCampaignView,
  GroupCommand,
  GroupCompleted,
  GroupInstruction,
  GroupPush,
  GroupRefundInstruction,
  GroupResult,
  GroupState,
  GroupTerms,
  GroupTermsInput,
  GroupView,
  GroupViewStatus,
} from './groupbuy/index.js';
export {
  BargainCampaignCommandSchema,
  BargainErrorCode,
  BargainTermsSchema,
  bargainCampaignView,
} from './bargain/campaign.js';
export type {
  BargainCampaignCommand,
  BargainCampaignView,
  BargainTerms,
  BargainTermsInput,
} from './bargain/campaign.js';
export { BargainCommandSchema, bargainCampaignRef, bargainRef, bargainView } from './bargain/index.js';
export type { BargainCommand, BargainStatus, BargainView } from './bargain/index.js';
export {
  LotteryCommandSchema,
  LotteryDefSchema,
  LotteryErrorCode,
  RAND_MAX,
  lotteryRef,
  pickPrize,
} from './lottery.js';
export type { DrawOutcome, DrawRecord, LotteryCommand, LotteryDef, LotteryDefInput, LotteryView } from './lottery.js';
export {
  SHARE_CODE_ERRORS,
  ShareCodeError,
  ShareCodeErrorCode,
  ShareKindSchema,
  openShareCode,
  readShareCode,
  sealShareCode,
} from './share-code.js';
export type { ShareClaims, ShareExpectation, ShareKeyRing, ShareKind } from './share-code.js';
export { bargainCampaignOf, bargainOf, groupCampaignOf, groupOf, lotteryOf } from './handles.js';
export type {
  BargainCampaignHandle,
  BargainCampaignReplies,
  BargainHandle,
  BargainReplies,
  GroupCampaignHandle,
  GroupCampaignReplies,
  GroupHandle,
  GroupReplies,
  LotteryHandle,
  LotteryReplies,
} from './handles.js';
