/**
 * Group-buy (拼团): the campaign actor (`groupbuy`) and the group actor (`group`),
 * both in the store's partition, so a group reserves, commits and releases its
 * SKU's stock in the same transaction as its own events.
 */
import { defineActor, type ActorRef } from '@lunchrush/engine';
import { ActorTypes, parseCommand } from '../domain.js';
import { GROUPBUY_ACTOR } from './campaign.js';
import { GroupCommandSchema, type GroupParsed } from './commands.js';
import { decideGroup, type GroupResult } from './decide.js';
import { evolveGroup, initialGroup, type GroupEvent, type GroupState } from './state.js';

export const GROUP_ACTOR = ActorTypes.Group;

export const groupActor = defineActor<GroupState, GroupParsed, GroupEvent, GroupResult>({
  name: GROUP_ACTOR,
  initial: (ref) => initialGroup(ref.store, ref.id),
  parse: (command) => parseCommand(GroupCommandSchema, command),
  decide: decideGroup,
  evolve: evolveGroup,
});

export const groupCampaignRef = (store: string, campaignId: string): ActorRef => ({
  store,
  type: GROUPBUY_ACTOR,
  id: campaignId,
});
export const groupRef = (store: string, groupId: string): ActorRef => ({ store, type: GROUP_ACTOR, id: groupId });

export {
  DEFAULT_SEAT_HOLD_MS,
  GROUPBUY_ACTOR,
  GroupCampaignCommandSchema,
  GroupCampaignIdSchema,
  GroupTermsSchema,
  groupCampaignActor,
  groupCampaignView,
} from './campaign.js';
export type { GroupCampaignCommand, GroupCampaignView, GroupTerms, GroupTermsInput } from './campaign.js';
export { GroupCommandSchema, GroupIdSchema, MAX_SEATS } from './commands.js';
export type { GroupCommand } from './commands.js';
export type { GroupResult } from './decide.js';
export { GROUPBUY_ERRORS, GroupBuyErrorCode } from './errors.js';
export { GROUPBUY_OUTPUT, groupBuySubject, groupCompletedId, groupPushSubject, groupRefundId } from './outputs.js';
export type { GroupCompleted, GroupInstruction, GroupPush, GroupRefundInstruction } from './outputs.js';
export { groupView } from './state.js';
export type { GroupEvent, GroupState, GroupView, GroupViewStatus } from './state.js';
