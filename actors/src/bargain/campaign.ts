/**
 * A bargain campaign (砍价, actor `bargaining`, id = the campaign id, in the
 * store's partition): the item, its start and floor prices, how many friends'
 * helps reach the floor (K), the time a bargain has, and the anti-abuse limits a
 * helper and a device have per day across every bargain of the campaign. Its
 * bargains read the terms when they start and count each help here in the same
 * transaction, so a day's limits hold however many bargains a helper is asked into.
 */
import { z } from 'zod';
import { defineActor, reject, type Decision, type Rejection } from '@lunchrush/engine';
import { emptyTrie, trieGet, trieSet, type HashTrie } from '../collections.js';
import { ActorTypes, AtSchema, IdSchema, parseCommand } from '../domain.js';
import { FenSchema } from '../money.js';
import { MemberIdSchema } from '../member/commands.js';

export const BARGAINING_ACTOR = ActorTypes.Bargaining;
export const DAY_MS = 86_400_000;
/** Days are counted in the chain's time zone (UTC+8). */
const TZ_OFFSET_MS = 8 * 3_600_000;
export const dayOf = (at: number): number => Math.floor((at + TZ_OFFSET_MS) / DAY_MS);

export const BargainErrorCode = {
  CampaignNotFound: 'bargain_campaign_not_found',
  CampaignExists: 'bargain_campaign_exists',
  CampaignNotOpen: 'bargain_campaign_not_open',
  BargainNotFound: 'bargain_not_found',
  BargainExists: 'bargain_exists',
  SelfHelp: 'bargain_self_help',
  AlreadyHelped: 'bargain_already_helped',
  DeviceAlreadyHelped: 'bargain_device_already_helped',
  HelpLimitReached: 'bargain_help_limit_reached',
  FloorReached: 'bargain_floor_reached',
  BargainClosed: 'bargain_closed',
  AmountMismatch: 'bargain_amount_mismatch',
  UnknownPayment: 'bargain_unknown_payment',
  NothingDue: 'bargain_nothing_due',
} as const;
export type BargainErrorCode = (typeof BargainErrorCode)[keyof typeof BargainErrorCode];
const X = BargainErrorCode;

export const BargainTermsSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(40),
    skuId: IdSchema,
    qty: z.number().int().min(1).max(10),
    startPriceFen: FenSchema.min(1),
    floorPriceFen: FenSchema,
    /** K: the helps that reach the floor (the K-th lands on it exactly). */
    helpersToFloor: z.number().int().min(1).max(200),
    timeLimitMs: z
      .number()
      .int()
      .min(1000)
      .max(7 * DAY_MS),
    /** Helps one identity may give per day across the campaign. */
    helperDailyLimit: z.number().int().min(1).max(100).default(3),
    /** Helps one device may give per day across the campaign (several identities on one phone). */
    deviceDailyLimit: z.number().int().min(1).max(100).default(5),
    openFrom: AtSchema,
    openTo: AtSchema,
  })
  .refine((t) => t.floorPriceFen < t.startPriceFen, { message: 'the floor must be below the start price' })
  .refine((t) => t.openFrom < t.openTo, { message: 'openFrom must be before openTo' });
export type BargainTermsInput = z.input<typeof BargainTermsSchema>;
export type BargainTerms = z.output<typeof BargainTermsSchema>;

const DeviceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const BargainCampaignCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('define'), terms: BargainTermsSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('stop'), at: AtSchema }),
  z.strictObject({ type: z.literal('get'), at: AtSchema.optional() }),
  /** From a bargain, in its transaction: count one help against the day's limits, or refuse it. */
  z.strictObject({ type: z.literal('countHelp'), helperId: MemberIdSchema, deviceId: DeviceIdSchema, at: AtSchema }),
]);
export type BargainCampaignCommand = z.input<typeof BargainCampaignCommandSchema>;
type Parsed = z.output<typeof BargainCampaignCommandSchema>;

export type BargainCampaignEvent =
  | { type: 'BargainCampaignDefined'; terms: BargainTerms; at: number }
  | { type: 'BargainCampaignStopped'; at: number }
  | { type: 'HelpCounted'; helperId: string; deviceId: string; day: number; at: number };

export interface BargainCampaignState {
  readonly campaignId: string;
  readonly terms: BargainTerms | null;
  readonly stopped: boolean;
  /** The day the counts are of; a new day starts them again (so the state stays one day big). */
  readonly day: number;
  readonly helpers: HashTrie<number>;
  readonly devices: HashTrie<number>;
}

export interface BargainCampaignView {
  readonly campaignId: string;
  readonly terms: BargainTerms | null;
  readonly stopped: boolean;
  readonly open: boolean;
}

export function bargainCampaignView(s: BargainCampaignState, at?: number): BargainCampaignView {
  const t = s.terms;
  const open = t !== null && !s.stopped && (at === undefined || (at >= t.openFrom && at < t.openTo));
  return { campaignId: s.campaignId, terms: t, stopped: s.stopped, open };
}

type CampaignDecision = Decision<BargainCampaignEvent, BargainCampaignView, never>;

function done(s: BargainCampaignState, e: BargainCampaignEvent, at: number): CampaignDecision {
  return { events: [e], result: bargainCampaignView(evolveBargainCampaign(s, e), at) };
}

function decideBargainCampaign(s: BargainCampaignState, c: Parsed): CampaignDecision | Rejection {
  if (c.type === 'get') return { result: bargainCampaignView(s, c.at) };
  if (c.type === 'define') {
    if (s.terms === null) return done(s, { type: 'BargainCampaignDefined', terms: c.terms, at: c.at }, c.at);
    if (JSON.stringify(s.terms) === JSON.stringify(c.terms)) return { result: bargainCampaignView(s, c.at) };
    return reject(X.CampaignExists, `bargain campaign ${s.campaignId} is defined already`);
  }
  if (s.terms === null) return reject(X.CampaignNotFound, `no bargain campaign ${s.campaignId}`);
  if (c.type === 'stop')
    return s.stopped
      ? { result: bargainCampaignView(s, c.at) }
      : done(s, { type: 'BargainCampaignStopped', at: c.at }, c.at);
  const day = dayOf(c.at);
  const same = day === s.day;
  const byHelper = same ? (trieGet(s.helpers, c.helperId) ?? 0) : 0;
  const byDevice = same ? (trieGet(s.devices, c.deviceId) ?? 0) : 0;
  if (byHelper >= s.terms.helperDailyLimit)
    return reject(X.HelpLimitReached, `at most ${s.terms.helperDailyLimit} helps a day`, { limit: 'helper' });
  if (byDevice >= s.terms.deviceDailyLimit)
    return reject(X.HelpLimitReached, `at most ${s.terms.deviceDailyLimit} helps a day from one device`, {
      limit: 'device',
    });
  return done(s, { type: 'HelpCounted', helperId: c.helperId, deviceId: c.deviceId, day, at: c.at }, c.at);
}

export function evolveBargainCampaign(s: BargainCampaignState, e: BargainCampaignEvent): BargainCampaignState {
  switch (e.type) {
    case 'BargainCampaignDefined':
      return { ...s, terms: e.terms };
    case 'BargainCampaignStopped':
      return { ...s, stopped: true };
    case 'HelpCounted': {
      // A new day starts the counts again, so the state holds one day's helpers.
      const same = e.day === s.day;
      const h = same ? s.helpers : emptyTrie<number>();
      const d = same ? s.devices : emptyTrie<number>();
      const helpers = trieSet(h, e.helperId, (trieGet(h, e.helperId) ?? 0) + 1);
      const devices = trieSet(d, e.deviceId, (trieGet(d, e.deviceId) ?? 0) + 1);
      return { ...s, day: e.day, helpers, devices };
    }
  }
}

export const bargainCampaignActor = defineActor<
  BargainCampaignState,
  Parsed,
  BargainCampaignEvent,
  BargainCampaignView
>({
  name: BARGAINING_ACTOR,
  initial: (ref) => ({
    campaignId: ref.id,
    terms: null,
    stopped: false,
    day: 0,
    helpers: emptyTrie(),
    devices: emptyTrie(),
  }),
  parse: (command) => parseCommand(BargainCampaignCommandSchema, command),
  decide: decideBargainCampaign,
  evolve: evolveBargainCampaign,
});
