/**
 * Request schemas of the group-buy, bargain and lottery routes (`routes/diner/groupbuy.ts`,
 * `routes/diner/bargain.ts`, `routes/staff/groupbuy.ts`): strict, so an unknown key is refused by
 * name. Definitions are the actors' own schemas.
 */
import { OrderIdSchema, StoreIdSchema } from '@lunchrush/actors';
import {
  BargainTermsSchema,
  GroupCampaignIdSchema,
  GroupIdSchema,
  GroupTermsSchema,
  LotteryDefSchema,
} from '@lunchrush/actors/campaigns';
import { z } from 'zod';

const IdRe = /^[A-Za-z0-9_-]{1,40}$/;
const CampaignId = z.string().regex(IdRe, 'expected 1–40 of A–Z a–z 0–9 _ -');
/** A share code as `sealShareCode` writes it (`s1.<key>.<nonce>.<sealed>`); opening checks the rest. */
const ShareCodeSchema = z.string().min(1).max(600);

export const StoreGroupCampaignParams = z.strictObject({ store: StoreIdSchema, campaignId: GroupCampaignIdSchema });
export const StoreGroupParams = z.strictObject({ store: StoreIdSchema, groupId: GroupIdSchema });
export const StoreBargainCampaignParams = z.strictObject({ store: StoreIdSchema, campaignId: CampaignId });
export const StoreBargainParams = z.strictObject({ store: StoreIdSchema, bargainId: CampaignId });
export const StoreLotteryParams = z.strictObject({ store: StoreIdSchema, lotteryId: CampaignId });

export const GroupTermsBody = GroupTermsSchema;
export const BargainTermsBody = BargainTermsSchema;
export const LotteryDefBody = LotteryDefSchema;

/** Join a group through the code a member shared. */
export const JoinBody = z.strictObject({ shareCode: ShareCodeSchema });
/** Help a friend's bargain through the code they shared. */
export const HelpBody = z.strictObject({ shareCode: ShareCodeSchema });
export const DissolveBody = z.strictObject({ reason: z.string().trim().min(1).max(200) });
/**
 * A draw's entry: a paid order of the diner's in this store, the lottery's points cost taken from
 * the diner's member card, or nothing (a free lottery).
 */
export const DrawBody = z.strictObject({
  entry: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('order'), orderId: OrderIdSchema }),
    z.strictObject({ kind: z.literal('points') }),
    z.strictObject({ kind: z.literal('free') }),
  ]),
});
export const LiveGroupsQuery = z.strictObject({
  /** `live` (default): groups still forming or open, or refunding; `all`: the latest 200. */
  which: z.enum(['live', 'all']).default('live'),
});
