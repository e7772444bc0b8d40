/**
 * A bargain (砍价, actor `bargain`, id = the bargain id, in the store's
 * partition): the initiator starts it, friends help once each (never the
 * initiator, never twice from one identity or device, within the campaign's
 * daily limits), each help cutting an amount decided by `cuts.ts` from the
 * bargain's seed, until the floor. Before the deadline the initiator checks out
 * at the reached price (the price locks and the stock is reserved) and pays it;
 * the deadline releases an unpaid checkout's stock. Money that arrives for a
 * bargain that cannot take it (unlocked, already bought, late) is refunded at
 * once, so the initiator never pays twice.
 */
import { z } from 'zod';
import {
  defineActor,
  reject,
  type ActorRef,
  type DecideContext,
  type Decision,
  type Rejection,
  type SideOutput,
} from '@lunchrush/engine';
import { ActorTypes, AtSchema, parseCommand } from '../domain.js';
import { FenSchema } from '../money.js';
import { MemberIdSchema } from '../member/commands.js';
import type { StockResult } from '../stock.js';
import { groupBuySubject } from '../groupbuy/outputs.js';
import { BARGAINING_ACTOR, BargainErrorCode as X, type BargainCampaignView, type BargainTerms } from './campaign.js';
import { cutFen } from './cuts.js';

export const BARGAIN_ACTOR = ActorTypes.Bargain;
const IdRe = /^[A-Za-z0-9_-]{1,40}$/;
const PaymentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const BargainCommandSchema = z.discriminatedUnion('type', [
  /** `seed`: drawn by the gateway at the start; it decides every cut, reproducibly. */
  z.strictObject({
    type: z.literal('start'),
    campaignId: z.string().regex(IdRe),
    initiator: MemberIdSchema,
    seed: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
    at: AtSchema,
  }),
  z.strictObject({
    type: z.literal('help'),
    helperId: MemberIdSchema,
    deviceId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    at: AtSchema,
  }),
  /** The initiator buys at the price reached: it locks and the stock is reserved. */
  z.strictObject({ type: z.literal('checkout'), at: AtSchema }),
  z.strictObject({
    type: z.literal('pay'),
    paymentId: PaymentIdSchema,
    amountFen: FenSchema,
    paidAt: AtSchema,
    at: AtSchema,
  }),
  z.strictObject({ type: z.literal('deadline'), at: AtSchema }),
  z.strictObject({ type: z.literal('refundCompleted'), paymentId: PaymentIdSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('get') }),
]);
export type BargainCommand = z.input<typeof BargainCommandSchema>;
type Parsed = z.output<typeof BargainCommandSchema>;

export type BargainStatus = 'none' | 'active' | 'locked' | 'bought' | 'expired';

export interface Help {
  readonly helperId: string;
  readonly deviceId: string;
  readonly cutFen: number;
  readonly at: number;
}

export interface BargainState {
  readonly bargainId: string;
  readonly store: string;
  readonly status: BargainStatus;
  readonly campaignId: string | null;
  readonly terms: BargainTerms | null;
  readonly initiator: string | null;
  readonly seed: string;
  readonly deadline: number;
  readonly priceFen: number;
  readonly helps: readonly Help[];
  readonly paymentId: string | null;
  /** Payments refunded (or being refunded): id → done. */
  readonly refunds: readonly { paymentId: string; amountFen: number; reason: string; done: boolean }[];
}

export type BargainEvent =
  | {
      type: 'BargainStarted';
      campaignId: string;
      terms: BargainTerms;
      initiator: string;
      seed: string;
      deadline: number;
      at: number;
    }
  | { type: 'Helped'; helperId: string; deviceId: string; cutFen: number; priceFen: number; at: number }
  | { type: 'BargainLocked'; priceFen: number; at: number }
  | { type: 'BargainBought'; paymentId: string; amountFen: number; at: number }
  | { type: 'BargainExpired'; at: number }
  | { type: 'BargainRefundStarted'; paymentId: string; amountFen: number; reason: string; at: number }
  | { type: 'BargainRefundCompleted'; paymentId: string; at: number };

export interface BargainView {
  readonly bargainId: string;
  readonly campaignId: string | null;
  readonly status: BargainStatus;
  readonly initiator: string | null;
  readonly startPriceFen: number;
  readonly floorPriceFen: number;
  readonly priceFen: number;
  readonly helpers: readonly { helperId: string; cutFen: number }[];
  readonly deadline: number;
  readonly duplicate?: boolean;
}

export function initialBargain(store: string, bargainId: string): BargainState {
  return {
    bargainId,
    store,
    status: 'none',
    campaignId: null,
    terms: null,
    initiator: null,
    seed: '',
    deadline: 0,
    priceFen: 0,
    helps: [],
    paymentId: null,
    refunds: [],
  };
}

export function bargainView(s: BargainState): BargainView {
  return {
    bargainId: s.bargainId,
    campaignId: s.campaignId,
    status: s.status,
    initiator: s.initiator,
    startPriceFen: s.terms?.startPriceFen ?? 0,
    floorPriceFen: s.terms?.floorPriceFen ?? 0,
    priceFen: s.priceFen,
    helpers: s.helps.map((h) => ({ helperId: h.helperId, cutFen: h.cutFen })),
    deadline: s.deadline,
  };
}

export function evolveBargain(s: BargainState, e: BargainEvent): BargainState {
  switch (e.type) {
    case 'BargainStarted':
      return {
        ...s,
        status: 'active',
        campaignId: e.campaignId,
        terms: e.terms,
        initiator: e.initiator,
        seed: e.seed,
        deadline: e.deadline,
        priceFen: e.terms.startPriceFen,
      };
    case 'Helped':
      return {
        ...s,
        priceFen: e.priceFen,
        helps: [...s.helps, { helperId: e.helperId, deviceId: e.deviceId, cutFen: e.cutFen, at: e.at }],
      };
    case 'BargainLocked':
      return { ...s, status: 'locked', priceFen: e.priceFen };
    case 'BargainBought':
      return { ...s, status: 'bought', paymentId: e.paymentId };
    case 'BargainExpired':
      return { ...s, status: 'expired' };
    case 'BargainRefundStarted':
      return {
        ...s,
        refunds: [...s.refunds, { paymentId: e.paymentId, amountFen: e.amountFen, reason: e.reason, done: false }],
      };
    case 'BargainRefundCompleted':
      return { ...s, refunds: s.refunds.map((r) => (r.paymentId === e.paymentId ? { ...r, done: true } : r)) };
  }
}

type BargainDecision = Decision<BargainEvent, BargainView, BargainCommand>;

function emit(s: BargainState, events: BargainEvent[], extra: Partial<BargainDecision> = {}): BargainDecision {
  let next = s;
  for (const e of events) next = evolveBargain(next, e);
  return { ...extra, events, result: bargainView(next) };
}

const stockRefOf = (s: BargainState): string => `b.${s.bargainId}`;
function stock(ctx: DecideContext, s: BargainState, terms: BargainTerms, command: Record<string, unknown>) {
  return ctx.call<StockResult>(ActorTypes.Stock, terms.skuId, {
    ...command,
    channel: 'miniprogram',
    ref: stockRefOf(s),
  });
}

function decideBargain(s: BargainState, c: Parsed, ctx: DecideContext): BargainDecision | Rejection {
  if (c.type === 'start') return start(s, c, ctx);
  if (s.terms === null) return reject(X.BargainNotFound, `no bargain ${s.bargainId}`);
  const terms = s.terms;
  switch (c.type) {
    case 'get':
      return { result: bargainView(s) };
    case 'help':
      return help(s, terms, c, ctx);
    case 'checkout': {
      if (s.status === 'locked' || s.status === 'bought') return { result: { ...bargainView(s), duplicate: true } };
      if (s.status !== 'active' || c.at >= s.deadline) return reject(X.BargainClosed, `bargain ${s.bargainId} ended`);
      const held = stock(ctx, s, terms, { type: 'reserve', qty: terms.qty, at: c.at });
      if (!held.ok) return reject(held.code, held.message, held.details);
      return emit(s, [{ type: 'BargainLocked', priceFen: s.priceFen, at: c.at }]);
    }
    case 'pay':
      return pay(s, terms, c, ctx);
    case 'deadline': {
      if (s.status !== 'active' && s.status !== 'locked')
        return reject(X.NothingDue, `bargain ${s.bargainId} is ${s.status}`);
      if (s.status === 'locked') stock(ctx, s, terms, { type: 'release', reason: 'bargain expired', at: c.at });
      return emit(s, [{ type: 'BargainExpired', at: c.at }]);
    }
    case 'refundCompleted': {
      const r = s.refunds.find((x) => x.paymentId === c.paymentId);
      if (r === undefined) return reject(X.UnknownPayment, `no refund of ${c.paymentId}`);
      if (r.done) return { result: { ...bargainView(s), duplicate: true } };
      return emit(s, [{ type: 'BargainRefundCompleted', paymentId: c.paymentId, at: c.at }]);
    }
  }
}

function start(s: BargainState, c: Extract<Parsed, { type: 'start' }>, ctx: DecideContext) {
  if (s.status !== 'none') {
    if (s.initiator === c.initiator && s.campaignId === c.campaignId)
      return { result: { ...bargainView(s), duplicate: true } };
    return reject(X.BargainExists, `bargain ${s.bargainId} exists`);
  }
  const camp = ctx.call<BargainCampaignView>(BARGAINING_ACTOR, c.campaignId, { type: 'get', at: c.at });
  if (!camp.ok) return reject(camp.code, camp.message, camp.details);
  const terms = camp.result.terms;
  if (terms === null) return reject(X.CampaignNotFound, `no bargain campaign ${c.campaignId}`);
  if (!camp.result.open) return reject(X.CampaignNotOpen, `${terms.name} is not open`);
  const deadline = c.at + terms.timeLimitMs;
  const e: BargainEvent = {
    type: 'BargainStarted',
    campaignId: c.campaignId,
    terms,
    initiator: c.initiator,
    seed: c.seed,
    deadline,
    at: c.at,
  };
  return emit(s, [e], { timers: [{ key: 'deadline', at: deadline, command: { type: 'deadline', at: deadline } }] });
}

function help(s: BargainState, terms: BargainTerms, c: Extract<Parsed, { type: 'help' }>, ctx: DecideContext) {
  if (s.status !== 'active' || c.at >= s.deadline) return reject(X.BargainClosed, `bargain ${s.bargainId} is closed`);
  if (c.helperId === s.initiator) return reject(X.SelfHelp, 'a bargain cannot be helped by its own initiator');
  if (s.helps.some((h) => h.helperId === c.helperId)) return reject(X.AlreadyHelped, 'you helped this bargain already');
  if (s.helps.some((h) => h.deviceId === c.deviceId))
    return reject(X.DeviceAlreadyHelped, 'this device helped this bargain already');
  const remaining = s.priceFen - terms.floorPriceFen;
  if (remaining <= 0) return reject(X.FloorReached, 'the floor price is reached');
  const counted = ctx.call(BARGAINING_ACTOR, s.campaignId!, {
    type: 'countHelp',
    helperId: c.helperId,
    deviceId: c.deviceId,
    at: c.at,
  });
  if (!counted.ok) return reject(counted.code, counted.message, counted.details);
  const cut = cutFen(s.seed, s.helps.length + 1, remaining, terms.helpersToFloor);
  const e: BargainEvent = {
    type: 'Helped',
    helperId: c.helperId,
    deviceId: c.deviceId,
    cutFen: cut,
    priceFen: s.priceFen - cut,
    at: c.at,
  };
  return emit(s, [e]);
}

function pay(s: BargainState, terms: BargainTerms, c: Extract<Parsed, { type: 'pay' }>, ctx: DecideContext) {
  if (s.paymentId === c.paymentId || s.refunds.some((r) => r.paymentId === c.paymentId))
    return { result: { ...bargainView(s), duplicate: true } };
  const inTime = s.status === 'locked' && c.paidAt <= s.deadline;
  if (inTime && c.amountFen !== s.priceFen)
    return reject(X.AmountMismatch, `paid ${c.amountFen} fen for a price of ${s.priceFen} fen`, {
      expected: s.priceFen,
      paid: c.amountFen,
    });
  if (inTime) {
    stock(ctx, s, terms, { type: 'commit', at: c.at });
    const data = {
      kind: 'bargain-bought',
      store: s.store,
      bargainId: s.bargainId,
      memberId: s.initiator,
      skuId: terms.skuId,
      qty: terms.qty,
      paymentId: c.paymentId,
      amountFen: c.amountFen,
      // The units were sold under the bargain's reference: a refund of its order returns them there.
      stockRef: stockRefOf(s),
      at: c.at,
    };
    const out: SideOutput = {
      subject: groupBuySubject(s.store),
      id: `bargain-bought:${s.bargainId}`,
      data,
      jetstream: true,
    };
    return emit(s, [{ type: 'BargainBought', paymentId: c.paymentId, amountFen: c.amountFen, at: c.at }], {
      cancelTimers: ['deadline'],
      outputs: [out],
    });
  }
  const reason =
    s.status === 'bought' ? 'already_bought' : s.status === 'locked' ? 'after_deadline' : `bargain_${s.status}`;
  const data = {
    kind: 'bargain-refund',
    store: s.store,
    bargainId: s.bargainId,
    memberId: s.initiator,
    paymentId: c.paymentId,
    amountFen: c.amountFen,
    reason,
    at: c.at,
  };
  const out: SideOutput = {
    subject: groupBuySubject(s.store),
    id: `bargain-refund:${s.bargainId}:${c.paymentId}`,
    data,
    jetstream: true,
  };
  const e: BargainEvent = {
    type: 'BargainRefundStarted',
    paymentId: c.paymentId,
    amountFen: c.amountFen,
    reason,
    at: c.at,
  };
  return emit(s, [e], { outputs: [out] });
}

export const bargainActor = defineActor<BargainState, Parsed, BargainEvent, BargainView>({
  name: BARGAIN_ACTOR,
  initial: (ref) => initialBargain(ref.store, ref.id),
  parse: (command) => parseCommand(BargainCommandSchema, command),
  decide: decideBargain,
  evolve: evolveBargain,
});

export const bargainRef = (store: string, bargainId: string): ActorRef => ({
  store,
  type: BARGAIN_ACTOR,
  id: bargainId,
});
export const bargainCampaignRef = (store: string, campaignId: string): ActorRef => ({
  store,
  type: BARGAINING_ACTOR,
  id: campaignId,
});

export { BARGAINING_ACTOR, BargainErrorCode, BargainTermsSchema, bargainCampaignActor, dayOf } from './campaign.js';
export type { BargainTerms, BargainTermsInput } from './campaign.js';
export { cutFen } from './cuts.js';
