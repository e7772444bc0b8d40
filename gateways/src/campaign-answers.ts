/**
 * What the group-buy, bargain and lottery routes answer, as zod schemas for the OpenAPI
 * document (registered in `answerRegistry` like `answers.ts`). The `Same` checks at the end
 * fail the type check when an actor's answer type and its schema part.
 */
import {
  BargainTermsSchema,
  GroupTermsSchema,
  type BargainCampaignView,
  type BargainView,
  type GroupCampaignView,
  type GroupView,
  type LotteryView,
} from '@lunchrush/actors/campaigns';
import { z } from 'zod';
import { answerRegistry, type Expect, type Same } from './answers.js';

function named<T extends z.ZodType>(id: string, description: string, schema: T): T {
  answerRegistry.add(schema, { id, description });
  return schema;
}

const int = (): z.ZodNumber => z.number().int();

/** A campaign's page (group-buy or bargain): its terms (null before it is defined), stopped, open now. */
function campaignAnswer<T extends z.ZodType>(id: string, description: string, terms: T) {
  return named(
    id,
    description,
    z.object({ campaignId: z.string(), terms: terms.nullable(), stopped: z.boolean(), open: z.boolean() }),
  );
}

export const GroupCampaignAnswer = campaignAnswer(
  'GroupCampaign',
  'A group-buy campaign (拼团): its terms, whether it is stopped, whether groups may open now',
  GroupTermsSchema,
);

export const GroupCampaignListAnswer = named(
  'GroupCampaignList',
  "A store's group-buy campaigns (stopped ones too), by id",
  z.object({ campaigns: z.array(GroupCampaignAnswer) }),
);

const GroupStatus = z.enum(['none', 'forming', 'open', 'completed', 'refunding', 'refunded']);

/** What staff and diners both see of a group's progress. */
const groupProgress = {
  size: int(),
  members: int(),
  paid: int(),
  priceFen: int(),
  deadline: int(),
  failure: z.enum(['expired', 'dissolved', 'leader_unpaid']).nullable(),
};

export const GroupAnswer = named(
  'Group',
  "A group as staff see it: status, size, its members' seats (held until paid), refunds pending",
  z.object({
    groupId: z.string(),
    store: z.string(),
    campaignId: z.string().nullable(),
    status: GroupStatus,
    leader: z.string().nullable(),
    ...groupProgress,
    seats: z.array(
      z.object({
        n: int(),
        memberId: z.string(),
        status: z.enum(['held', 'paid', 'released']),
        inviter: z.string().nullable(),
      }),
    ),
    refundsPending: int(),
    version: int(),
  }),
);

export const ShareAnswer = named(
  'Share',
  'A share code (分享码, sealed: campaign, group or bargain, inviter, expiry) and the mini-program page it opens',
  z.object({ code: z.string(), path: z.string(), url: z.string(), expiresAt: int() }),
);

export const ShareLinkAnswer = named(
  'ShareLink',
  'What a printed share QR names: the kind, store, campaign and group or bargain, and the page that opens it',
  z.object({
    kind: z.enum(['group', 'bargain', 'lottery']),
    store: z.string(),
    campaignId: z.string(),
    targetId: z.string(),
    expiresAt: int(),
    path: z.string(),
  }),
);

export const DinerGroupAnswer = named(
  'DinerGroup',
  "A group as a diner sees it: the live member count and the diner's own seat (members' ids are not shown)",
  z.object({
    groupId: z.string(),
    campaignId: z.string().nullable(),
    status: GroupStatus,
    ...groupProgress,
    /** The diner's seat: held until they pay, then paid; null when they hold none. */
    mine: z.object({ status: z.enum(['held', 'paid']), leader: z.boolean() }).nullable(),
    version: int(),
    /** For a member of a group still forming or open: the code to invite friends with. */
    share: ShareAnswer.optional(),
  }),
);

export const GroupListAnswer = named(
  'GroupList',
  "A campaign's groups, newest first",
  z.object({ groups: z.array(GroupAnswer) }),
);

export const BargainCampaignAnswer = campaignAnswer(
  'BargainCampaign',
  'A bargain campaign (砍价): its terms, whether it is stopped, whether bargains may start now',
  BargainTermsSchema,
);

export const BargainAnswer = named(
  'Bargain',
  "A bargain: the price reached, who helped and by how much, its deadline; the initiator's share code",
  z.object({
    bargainId: z.string(),
    campaignId: z.string().nullable(),
    status: z.enum(['none', 'active', 'locked', 'bought', 'expired']),
    initiator: z.string().nullable(),
    startPriceFen: int(),
    floorPriceFen: int(),
    priceFen: int(),
    helpers: z.array(z.object({ helperId: z.string(), cutFen: int() })),
    deadline: int(),
    duplicate: z.boolean().optional(),
    share: ShareAnswer.optional(),
  }),
);

const DrawAnswer = z.object({
  drawId: z.string(),
  memberId: z.string(),
  prizeId: z.string().nullable(),
  outcome: z.enum(['won', 'none', 'exhausted']),
  redeemed: z.boolean(),
});

export const LotteryAnswer = named(
  'Lottery',
  'A lottery (抽奖): its prizes and how many are left, draws so far; after a draw, what it gave',
  z.object({
    lotteryId: z.string(),
    name: z.string().nullable(),
    entry: z.enum(['order', 'points', 'free']).nullable(),
    pointsCost: int().nullable(),
    prizes: z.array(z.object({ prizeId: z.string(), name: z.string(), quantity: int(), left: int(), oddsBp: int() })),
    drawn: int(),
    draw: DrawAnswer.optional(),
    duplicate: z.boolean().optional(),
  }),
);

export const CampaignsAnswer = named(
  'Campaigns',
  "A store's group-buys and bargains open now, and its lotteries",
  z.object({
    groupBuys: z.array(GroupCampaignAnswer),
    bargains: z.array(BargainCampaignAnswer),
    lotteries: z.array(LotteryAnswer),
  }),
);

export type _CampaignAgreement = [
  Expect<Same<typeof GroupCampaignAnswer, GroupCampaignView>>,
  Expect<Same<typeof GroupAnswer, GroupView>>,
  Expect<Same<typeof BargainCampaignAnswer, BargainCampaignView>>,
  Expect<Same<typeof BargainAnswer, BargainView>>,
  Expect<Same<typeof LotteryAnswer, LotteryView>>,
];
