/**
 * A group-buy campaign (拼团, actor `groupbuy`, id = the campaign id, in the
 * store's partition): one SKU at a group price for groups of N diners who all
 * pay within T. Its groups read the terms from it when they open (a call inside
 * the store's partition), so a leader's request never carries a price.
 */
import { z } from 'zod';
import { defineActor, reject, type Decision, type Rejection } from '@lunchrush/engine';
import { emptyTrie, trieGet, trieSet, type HashTrie } from '../collections.js';
import { ActorTypes, AtSchema, IdSchema, parseCommand } from '../domain.js';
import { MemberIdSchema } from '../member/commands.js';
import { FenSchema } from '../money.js';
import { GroupBuyErrorCode as X } from './errors.js';

export const GROUPBUY_ACTOR = ActorTypes.GroupBuy;

export const GroupCampaignIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected 1–40 of A–Z a–z 0–9 _ -');
export const DEFAULT_SEAT_HOLD_MS = 5 * 60_000;
const MAX_TIME_LIMIT_MS = 7 * 24 * 3_600_000;

export const GroupTermsSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(40),
    skuId: IdSchema,
    /** Units of the SKU each member buys. */
    qty: z.number().int().min(1).max(10),
    /** What each member pays for `qty` units. */
    groupPriceFen: FenSchema.min(1),
    /** N: the group completes when N members have paid. */
    size: z.number().int().min(2).max(50),
    /** T: how long a group has from its opening to fill. */
    timeLimitMs: z.number().int().min(1000).max(MAX_TIME_LIMIT_MS),
    /** How long a joined seat (and its stock) waits for that member's payment. */
    seatHoldMs: z.number().int().min(1000).max(MAX_TIME_LIMIT_MS).default(DEFAULT_SEAT_HOLD_MS),
    /** 成团: at the deadline an open group completes with the members who paid, the store filling the rest. */
    autoFill: z.boolean().default(false),
    /** Seats one member may hold or have bought in the campaign's groups at once (held, paid, completed). */
    perMemberLimit: z.number().int().min(1).max(20).default(1),
    /** Groups may open in [openFrom, openTo). */
    openFrom: AtSchema,
    openTo: AtSchema,
  })
  .refine((t) => t.openFrom < t.openTo, { message: 'openFrom must be before openTo' });
export type GroupTermsInput = z.input<typeof GroupTermsSchema>;
export type GroupTerms = z.output<typeof GroupTermsSchema>;

export const GroupCampaignCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('define'), terms: GroupTermsSchema, at: AtSchema }),
  /** No new groups; groups already open run to their end. */
  z.strictObject({ type: z.literal('stop'), at: AtSchema }),
  z.strictObject({ type: z.literal('get'), at: AtSchema.optional() }),
  /** From a group, in its transaction: a member takes a seat (refused past the per-member limit) or frees one. */
  z.strictObject({ type: z.literal('seatTaken'), memberId: MemberIdSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('seatFreed'), memberId: MemberIdSchema, at: AtSchema }),
]);
export type GroupCampaignCommand = z.input<typeof GroupCampaignCommandSchema>;
type Parsed = z.output<typeof GroupCampaignCommandSchema>;

export type GroupCampaignEvent =
  | { type: 'GroupCampaignDefined'; terms: GroupTerms; at: number }
  | { type: 'GroupCampaignStopped'; at: number }
  | { type: 'MemberSeats'; memberId: string; seats: number; at: number };

export interface GroupCampaignState {
  readonly campaignId: string;
  readonly terms: GroupTerms | null;
  readonly stopped: boolean;
  /** Seats each member holds or bought across the campaign's groups. */
  readonly seats: HashTrie<number>;
}

export interface GroupCampaignView {
  readonly campaignId: string;
  readonly terms: GroupTerms | null;
  readonly stopped: boolean;
  /** Groups may open now (at the command's `at`, when it has one). */
  readonly open: boolean;
}

export function groupCampaignView(s: GroupCampaignState, at?: number): GroupCampaignView {
  const t = s.terms;
  const open = t !== null && !s.stopped && (at === undefined || (at >= t.openFrom && at < t.openTo));
  return { campaignId: s.campaignId, terms: t, stopped: s.stopped, open };
}

type CampaignDecision = Decision<GroupCampaignEvent, GroupCampaignView, never>;

function decideGroupCampaign(s: GroupCampaignState, c: Parsed): CampaignDecision | Rejection {
  switch (c.type) {
    case 'get':
      return { result: groupCampaignView(s, c.at) };
    case 'define': {
      if (s.terms !== null) {
        if (JSON.stringify(s.terms) === JSON.stringify(c.terms)) return { result: groupCampaignView(s, c.at) };
        return reject(X.CampaignExists, `group-buy campaign ${s.campaignId} is defined already`);
      }
      const e: GroupCampaignEvent = { type: 'GroupCampaignDefined', terms: c.terms, at: c.at };
      return { events: [e], result: groupCampaignView(evolveGroupCampaign(s, e), c.at) };
    }
    case 'seatTaken':
    case 'seatFreed': {
      if (s.terms === null) return reject(X.CampaignNotFound, `no group-buy campaign ${s.campaignId}`);
      const had = trieGet(s.seats, c.memberId) ?? 0;
      if (c.type === 'seatTaken' && had >= s.terms.perMemberLimit)
        return reject(X.MemberLimit, `at most ${s.terms.perMemberLimit} of ${s.terms.name} a member`, { held: had });
      const seats = c.type === 'seatTaken' ? had + 1 : Math.max(0, had - 1);
      const e: GroupCampaignEvent = { type: 'MemberSeats', memberId: c.memberId, seats, at: c.at };
      return { events: [e], result: groupCampaignView(evolveGroupCampaign(s, e), c.at) };
    }
    case 'stop': {
      if (s.terms === null) return reject(X.CampaignNotFound, `no group-buy campaign ${s.campaignId}`);
      if (s.stopped) return { result: groupCampaignView(s, c.at) };
      const e: GroupCampaignEvent = { type: 'GroupCampaignStopped', at: c.at };
      return { events: [e], result: groupCampaignView(evolveGroupCampaign(s, e), c.at) };
    }
  }
}

export function evolveGroupCampaign(s: GroupCampaignState, e: GroupCampaignEvent): GroupCampaignState {
  switch (e.type) {
    case 'GroupCampaignDefined':
      return { ...s, terms: e.terms };
    case 'GroupCampaignStopped':
      return { ...s, stopped: true };
    case 'MemberSeats':
      return { ...s, seats: trieSet(s.seats, e.memberId, e.seats) };
  }
}

export const groupCampaignActor = defineActor<GroupCampaignState, Parsed, GroupCampaignEvent, GroupCampaignView>({
  name: GROUPBUY_ACTOR,
  initial: (ref) => ({ campaignId: ref.id, terms: null, stopped: false, seats: emptyTrie() }),
  parse: (command) => parseCommand(GroupCampaignCommandSchema, command),
  decide: decideGroupCampaign,
  evolve: evolveGroupCampaign,
});
