/**
 * A coupon campaign (`campaign` actor, id = the campaign id): a template's terms,
 * a total, a per-member limit, a claim window and how long an issued coupon is
 * valid. It issues coupons one at a time in its own mailbox, so a drop of N
 * coupons taken by a crowd issues exactly N: `issued ≤ total` is checked before
 * every `CouponIssued` and never after.
 *
 * Campaigns live in partitions of their own (`campaignRef`, keyed by the
 * campaign), like member cards. A claim answers the coupon it issued (a copy of
 * the terms, `MemberCoupon`), and the grant follows from it durably: the same
 * decision emits `grantCoupon` for the member's card on `members.<memberId>`
 * (JetStream, id `coupon-grant:<couponId>`, written with the `CouponIssued`
 * record), which the member forwarder hands to the card. The caller grants it
 * too, for an answer that shows the card with it (the same coupon twice is one),
 * so a caller gone between the claim and the grant leaves no coupon ungranted. A
 * claim repeated with the same command id answers the same coupon (the engine's
 * idempotency), so a retry after a lost answer never takes a second one.
 */
import { z } from 'zod';
import { defineActor, type ActorRef, type Decision, type Rejection, type SideOutput } from '@lunchrush/engine';
import { emptyTrie, trieGet, trieSet, type HashTrie } from './collections.js';
import { CouponTermsSchema, type MemberCoupon } from './coupon.js';
import { ActorTypes, AtSchema, parseCommand } from './domain.js';
import { ErrorCode, refuse } from './errors.js';
import { MemberIdSchema } from './member/commands.js';
import { DAY_MS } from './member/program.js';
import { memberSubject } from './order/member.js';

/** Campaign ids leave room for `-<n>` in coupon ids (64 characters in all). */
export const CampaignIdSchema = z.string().regex(/^[A-Za-z0-9_]{1,40}$/, 'expected 1–40 of A–Z a–z 0–9 _');
export const MAX_CAMPAIGN_TOTAL = 10_000_000;

const ValiditySchema = z.union([
  z.strictObject({ from: AtSchema, to: AtSchema }).refine((v) => v.from < v.to, { message: 'from must be before to' }),
  z.strictObject({ days: z.number().int().min(1).max(3660) }),
]);

export const CampaignDefSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(40),
    terms: CouponTermsSchema,
    total: z.number().int().min(1).max(MAX_CAMPAIGN_TOTAL),
    perMemberLimit: z.number().int().min(1).max(100).default(1),
    claimFrom: AtSchema,
    claimTo: AtSchema,
    validity: ValiditySchema,
  })
  .refine((d) => d.claimFrom < d.claimTo, { message: 'claimFrom must be before claimTo' });
export type CampaignDefInput = z.input<typeof CampaignDefSchema>;
export type CampaignDef = z.output<typeof CampaignDefSchema>;

export const CampaignCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('define'), campaign: CampaignDefSchema, at: AtSchema }),
  /** Raise or lower the total; never below what was issued. */
  z.strictObject({ type: z.literal('setTotal'), total: z.number().int().min(1).max(MAX_CAMPAIGN_TOTAL), at: AtSchema }),
  z.strictObject({ type: z.literal('pause'), paused: z.boolean(), at: AtSchema }),
  /** A diner takes a coupon in the coupon centre (`via: claim`), or staff issue one to a member (`issue`). */
  z.strictObject({
    type: z.literal('claim'),
    memberId: MemberIdSchema,
    via: z.enum(['claim', 'issue']).default('claim'),
    at: AtSchema,
  }),
  z.strictObject({ type: z.literal('get'), at: AtSchema.optional() }),
]);
export type CampaignCommand = z.input<typeof CampaignCommandSchema>;
type Parsed = z.output<typeof CampaignCommandSchema>;

export type CampaignEvent =
  | { type: 'CampaignDefined'; campaign: CampaignDef; at: number }
  | { type: 'TotalSet'; total: number; at: number }
  | { type: 'CampaignPaused'; paused: boolean; at: number }
  | {
      type: 'CouponIssued';
      couponId: string;
      memberId: string;
      n: number;
      via: 'claim' | 'issue';
      validFrom: number;
      validTo: number;
      at: number;
    };

export interface CampaignState {
  readonly campaignId: string;
  readonly def: CampaignDef | null;
  readonly issued: number;
  readonly paused: boolean;
  /** Coupons issued per member. */
  readonly claims: HashTrie<number>;
  readonly seq: number;
}

export interface CampaignView {
  readonly campaignId: string;
  readonly defined: boolean;
  readonly name: string | null;
  readonly total: number;
  readonly issued: number;
  readonly remaining: number;
  readonly paused: boolean;
  /** Open for claims at the command's `at` (when it has one). */
  readonly open: boolean;
  readonly def: CampaignDef | null;
}

export interface ClaimResult extends CampaignView {
  readonly coupon: MemberCoupon;
  /** How many coupons of this campaign the member holds now. */
  readonly memberClaims: number;
}

export type CampaignResult = CampaignView | ClaimResult;

/** A coupon for a member's card, as its campaign sends it (the member forwarder hands `command` on). */
export interface CouponGrantInstruction {
  readonly memberId: string;
  readonly couponId: string;
  readonly command: { readonly type: 'grantCoupon'; readonly coupon: MemberCoupon; readonly at: number };
}

/** The id of a coupon's grant: its side output's and the card command's (the gateway grants under it too). */
export const couponGrantId = (couponId: string): string => `coupon-grant:${couponId}`;

function grantOutput(memberId: string, coupon: MemberCoupon, at: number): SideOutput {
  const data: CouponGrantInstruction = {
    memberId,
    couponId: coupon.couponId,
    command: { type: 'grantCoupon', coupon, at },
  };
  return { subject: memberSubject(memberId), id: couponGrantId(coupon.couponId), data, jetstream: true };
}

export const campaignPartitionKey = (campaignId: string): string => `c-${campaignId}`;
export const campaignRef = (campaignId: string): ActorRef => ({
  store: campaignPartitionKey(campaignId),
  type: ActorTypes.Campaign,
  id: campaignId,
});

export function initialCampaign(campaignId: string): CampaignState {
  return { campaignId, def: null, issued: 0, paused: false, claims: emptyTrie(), seq: 0 };
}

export function campaignView(s: CampaignState, at?: number): CampaignView {
  const d = s.def;
  const total = d?.total ?? 0;
  const open =
    d !== null && !s.paused && s.issued < total && (at === undefined || (at >= d.claimFrom && at < d.claimTo));
  return {
    campaignId: s.campaignId,
    defined: d !== null,
    name: d?.name ?? null,
    total,
    issued: s.issued,
    remaining: Math.max(0, total - s.issued),
    paused: s.paused,
    open,
    def: d,
  };
}

type CampaignDecision = Decision<CampaignEvent, CampaignResult, never>;

export function decideCampaign(s: CampaignState, command: CampaignCommand): CampaignDecision | Rejection {
  const p = parseCommand(CampaignCommandSchema, command);
  return p.ok ? decideParsedCampaign(s, p.value) : p.rejection;
}

function decideParsedCampaign(s: CampaignState, c: Parsed): CampaignDecision | Rejection {
  if (c.type === 'get') return { result: campaignView(s, c.at) };
  if (c.type === 'define') {
    if (s.def !== null) {
      if (JSON.stringify(s.def) === JSON.stringify(c.campaign)) return { result: campaignView(s, c.at) };
      return refuse(ErrorCode.CampaignExists, `campaign ${s.campaignId} is defined already`);
    }
    return done(s, [{ type: 'CampaignDefined', campaign: c.campaign, at: c.at }], c.at);
  }
  if (s.def === null) return refuse(ErrorCode.CampaignNotDefined, `no campaign ${s.campaignId}`);
  switch (c.type) {
    case 'setTotal':
      if (c.total < s.issued)
        return refuse(ErrorCode.InvalidQuantity, `${s.issued} coupons are issued already`, { issued: s.issued });
      return done(s, [{ type: 'TotalSet', total: c.total, at: c.at }], c.at);
    case 'pause':
      return done(s, [{ type: 'CampaignPaused', paused: c.paused, at: c.at }], c.at);
    case 'claim':
      return claim(s, s.def, c);
  }
}

function done(s: CampaignState, events: CampaignEvent[], at: number): CampaignDecision {
  let next = s;
  for (const e of events) next = evolveCampaign(next, e);
  return { events, result: campaignView(next, at) };
}

function claim(s: CampaignState, d: CampaignDef, c: Extract<Parsed, { type: 'claim' }>): CampaignDecision | Rejection {
  if (c.via === 'claim') {
    if (s.paused) return refuse(ErrorCode.CampaignNotOpen, `${d.name} is paused`);
    if (c.at < d.claimFrom)
      return refuse(ErrorCode.CampaignNotOpen, `${d.name} opens later`, { claimFrom: d.claimFrom });
    if (c.at >= d.claimTo) return refuse(ErrorCode.CampaignNotOpen, `${d.name} has ended`, { claimTo: d.claimTo });
  }
  if (s.issued >= d.total) return refuse(ErrorCode.CampaignExhausted, `${d.name}: all ${d.total} coupons are taken`);
  const had = trieGet(s.claims, c.memberId) ?? 0;
  if (had >= d.perMemberLimit)
    return refuse(ErrorCode.ClaimLimitReached, `${d.name}: at most ${d.perMemberLimit} a member`, { held: had });
  const n = s.issued + 1;
  const [validFrom, validTo] =
    'days' in d.validity ? [c.at, c.at + d.validity.days * DAY_MS] : [d.validity.from, d.validity.to];
  const e: CampaignEvent = {
    type: 'CouponIssued',
    couponId: `${s.campaignId}-${n}`,
    memberId: c.memberId,
    n,
    via: c.via,
    validFrom,
    validTo,
    at: c.at,
  };
  const next = evolveCampaign(s, e);
  const coupon: MemberCoupon = { couponId: e.couponId, campaignId: s.campaignId, terms: d.terms, validFrom, validTo };
  return {
    events: [e],
    result: { ...campaignView(next, c.at), coupon, memberClaims: had + 1 },
    outputs: [grantOutput(c.memberId, coupon, c.at)],
  };
}

export function evolveCampaign(s: CampaignState, e: CampaignEvent): CampaignState {
  const seq = s.seq + 1;
  switch (e.type) {
    case 'CampaignDefined':
      return { ...s, seq, def: e.campaign };
    case 'TotalSet':
      return s.def === null ? { ...s, seq } : { ...s, seq, def: { ...s.def, total: e.total } };
    case 'CampaignPaused':
      return { ...s, seq, paused: e.paused };
    case 'CouponIssued':
      return {
        ...s,
        seq,
        issued: s.issued + 1,
        claims: trieSet(s.claims, e.memberId, (trieGet(s.claims, e.memberId) ?? 0) + 1),
      };
  }
}

export const campaignActor = defineActor<CampaignState, Parsed, CampaignEvent, CampaignResult>({
  name: ActorTypes.Campaign,
  initial: (ref) => initialCampaign(ref.id),
  parse: (command) => parseCommand(CampaignCommandSchema, command),
  decide: decideParsedCampaign,
  evolve: evolveCampaign,
});
