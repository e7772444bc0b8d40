/**
 * The chain's list of its coupon campaigns (`campaign-directory` actor, id `all`, in the chain's
 * partition `000`): what the coupon centre and the console list. Each campaign lives in a partition
 * of its own (`campaignRef`) and cannot call this one inside its own append, so whoever defines a
 * campaign lists it first (`add`, idempotent: the same campaign again is no event); a listed id
 * whose campaign was never defined (a define that failed after the listing) reads as not defined
 * and the readers skip it. The list is in the engine's log like every actor's state: it survives
 * what the gateway's Redis does not (it runs in memory only) and needs no second store to agree.
 */
import { z } from 'zod';
import { defineActor, type Decision, type Rejection } from '@lunchrush/engine';
import { CampaignIdSchema } from './campaign.js';
import { AtSchema, parseCommand } from './domain.js';
import { ErrorCode, refuse } from './errors.js';

export const CAMPAIGN_DIRECTORY_ACTOR = 'campaign-directory';
export const CAMPAIGN_DIRECTORY_ID = 'all';
/** Campaigns a chain lists at most (one snapshot, far below NATS's 1 MB max_payload). */
export const MAX_LISTED_CAMPAIGNS = 5_000;

export const CampaignDirectoryCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('add'), campaignId: CampaignIdSchema, at: AtSchema }),
  /** Every listed campaign id, sorted. */
  z.strictObject({ type: z.literal('list') }),
]);
export type CampaignDirectoryCommand = z.input<typeof CampaignDirectoryCommandSchema>;
type Parsed = z.output<typeof CampaignDirectoryCommandSchema>;

export type CampaignDirectoryEvent = { type: 'CampaignListed'; campaignId: string; at: number };

export interface CampaignDirectoryState {
  /** Listed campaign ids → when they were listed. */
  readonly campaigns: Readonly<Record<string, number>>;
}

export type CampaignDirectoryResult = { readonly campaignIds: readonly string[] } | { readonly listed: boolean };

export function decideCampaignDirectory(
  s: CampaignDirectoryState,
  c: Parsed,
): Decision<CampaignDirectoryEvent, CampaignDirectoryResult, CampaignDirectoryCommand> | Rejection {
  if (c.type === 'list') return { result: { campaignIds: Object.keys(s.campaigns).sort() } };
  if (Object.hasOwn(s.campaigns, c.campaignId)) return { result: { listed: false } };
  if (Object.keys(s.campaigns).length >= MAX_LISTED_CAMPAIGNS)
    return refuse(ErrorCode.InvalidQuantity, `at most ${MAX_LISTED_CAMPAIGNS} campaigns are listed`);
  return { events: [{ type: 'CampaignListed', campaignId: c.campaignId, at: c.at }], result: { listed: true } };
}

export function evolveCampaignDirectory(s: CampaignDirectoryState, e: CampaignDirectoryEvent): CampaignDirectoryState {
  return { campaigns: { ...s.campaigns, [e.campaignId]: e.at } };
}

export const campaignDirectoryActor = defineActor<
  CampaignDirectoryState,
  CampaignDirectoryCommand,
  CampaignDirectoryEvent,
  CampaignDirectoryResult
>({
  name: CAMPAIGN_DIRECTORY_ACTOR,
  initial: () => ({ campaigns: {} }),
  parse: (command) => parseCommand(CampaignDirectoryCommandSchema, command),
  decide: decideCampaignDirectory,
  evolve: evolveCampaignDirectory,
});
