/**
 * Typed handles of the chain's member-side lists (both in the chain's partition `000`): its coupon
 * campaigns (`campaign-directory`) and its member programme (`member-program`).
 */
import {
  CAMPAIGN_DIRECTORY_ACTOR,
  CAMPAIGN_DIRECTORY_ID,
  type CampaignDirectoryCommand,
} from './campaign-directory.js';
import { CHAIN_STORE_ID } from './domain.js';
import { ActorHandle, type CommandSender } from './handles.js';
import {
  MEMBER_PROGRAM_ACTOR,
  MEMBER_PROGRAM_ID,
  type MemberProgramCommand,
  type MemberProgramView,
} from './loyalty-program.js';

export type CampaignDirectoryReplies = {
  readonly add: { readonly listed: boolean };
  readonly list: { readonly campaignIds: readonly string[] };
};
export type MemberProgramReplies = { readonly set: MemberProgramView; readonly get: MemberProgramView };
export type CampaignDirectoryHandle = ActorHandle<CampaignDirectoryCommand, CampaignDirectoryReplies>;
export type MemberProgramHandle = ActorHandle<MemberProgramCommand, MemberProgramReplies>;

/** The chain's list of coupon campaigns. */
export const campaignDirectoryOf = (sender: CommandSender): CampaignDirectoryHandle =>
  new ActorHandle(sender, CHAIN_STORE_ID, CAMPAIGN_DIRECTORY_ACTOR, CAMPAIGN_DIRECTORY_ID);
/** The chain's member programme. */
export const memberProgramOf = (sender: CommandSender): MemberProgramHandle =>
  new ActorHandle(sender, CHAIN_STORE_ID, MEMBER_PROGRAM_ACTOR, MEMBER_PROGRAM_ID);
