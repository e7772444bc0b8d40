/**
 * A lottery (抽奖, actor `lottery`, id = the lottery id, in the store's
 * partition): a prize pool with quantities and odds (what the odds leave is "no
 * prize"), an entry rule (a paid order, a points cost the gateway held on the
 * card, or free) and a daily limit per member. The random number arrives in the
 * command (the gateway draws it) and is recorded in the `Drawn` event with what
 * it gave, so the log is the audit trail: anyone can recompute every draw from
 * it (`pickPrize`). A prize is never awarded past its quantity: a draw that lands
 * on a prize that is gone gives no prize (`exhausted`). Item prizes are redeemed
 * by staff; coupon prizes go out on `groupbuy.<store>` for the coupon worker.
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
import { emptyTrie, trieGet, trieSet, type HashTrie } from './collections.js';
import { ActorSchema, ActorTypes, AtSchema, IdSchema, OrderIdSchema, parseCommand } from './domain.js';
import type { OrderDetail } from './order/detail.js';
import { MemberIdSchema } from './member/commands.js';
import { dayOf } from './bargain/campaign.js';
import { groupBuySubject } from './groupbuy/outputs.js';
import { memberInstructionId, memberSubject, type MemberInstruction } from './order/member.js';

export const LOTTERY_ACTOR = ActorTypes.Lottery;
/** Odds are in basis points of 10,000. */
export const ODDS_SCALE = 10_000;
export const RAND_MAX = 2 ** 32;

export const LotteryErrorCode = {
  NotFound: 'lottery_not_found',
  Exists: 'lottery_exists',
  NotOpen: 'lottery_not_open',
  WrongEntry: 'lottery_wrong_entry',
  EntryUsed: 'lottery_entry_used',
  /** An order entry names an order that is not the member's, or not paid (or refunded since). */
  EntryNotPaid: 'lottery_entry_not_paid',
  DailyLimitReached: 'lottery_daily_limit_reached',
  UnknownDraw: 'lottery_unknown_draw',
  NothingToRedeem: 'lottery_nothing_to_redeem',
} as const;
const X = LotteryErrorCode;

const PrizeSchema = z.strictObject({
  prizeId: IdSchema,
  name: z.string().trim().min(1).max(40),
  kind: z.enum(['coupon', 'item']),
  /** The coupon campaign a coupon prize is issued from. */
  couponCampaignId: IdSchema.optional(),
  quantity: z.number().int().min(1).max(1_000_000),
  oddsBp: z.number().int().min(1).max(ODDS_SCALE),
});
export type Prize = z.infer<typeof PrizeSchema>;

export const LotteryDefSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(40),
    prizes: z.array(PrizeSchema).min(1).max(20),
    entry: z.enum(['order', 'points', 'free']),
    pointsCost: z.number().int().min(1).max(1_000_000).optional(),
    dailyLimit: z.number().int().min(1).max(100),
    openFrom: AtSchema,
    openTo: AtSchema,
  })
  .refine((d) => d.prizes.reduce((a, p) => a + p.oddsBp, 0) <= ODDS_SCALE, { message: 'the odds add up past 100%' })
  .refine((d) => new Set(d.prizes.map((p) => p.prizeId)).size === d.prizes.length, { message: 'a prize id twice' })
  .refine((d) => d.openFrom < d.openTo, { message: 'openFrom must be before openTo' })
  .refine((d) => (d.entry === 'points') === (d.pointsCost !== undefined), {
    message: 'pointsCost goes with entry points',
  })
  .refine((d) => d.prizes.every((p) => (p.kind === 'coupon') === (p.couponCampaignId !== undefined)), {
    message: 'a coupon prize names its coupon campaign, an item prize none',
  });
export type LotteryDefInput = z.input<typeof LotteryDefSchema>;
export type LotteryDef = z.output<typeof LotteryDefSchema>;

const EntrySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('order'), orderId: OrderIdSchema }),
  /**
   * The gateway held `points` on the member's card under `holdId` (a key shaped like an order id)
   * before the draw; the draw spends them (`members.<memberId>`, in the draw's transaction).
   */
  z.strictObject({ kind: z.literal('points'), holdId: OrderIdSchema, points: z.number().int().min(1).max(1_000_000) }),
  z.strictObject({ kind: z.literal('free') }),
]);

export const LotteryCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('define'), lottery: LotteryDefSchema, at: AtSchema }),
  z.strictObject({
    type: z.literal('draw'),
    drawId: IdSchema,
    memberId: MemberIdSchema,
    entry: EntrySchema,
    /** Drawn by the gateway (crypto random), 0 ≤ rand < 2^32; recorded for the audit. */
    rand: z
      .number()
      .int()
      .min(0)
      .max(RAND_MAX - 1),
    at: AtSchema,
  }),
  z.strictObject({ type: z.literal('redeem'), drawId: IdSchema, by: ActorSchema, at: AtSchema }),
  z.strictObject({ type: z.literal('get') }),
]);
export type LotteryCommand = z.input<typeof LotteryCommandSchema>;
type Parsed = z.output<typeof LotteryCommandSchema>;

export type DrawOutcome = 'won' | 'none' | 'exhausted';

export type LotteryEvent =
  | { type: 'LotteryDefined'; lottery: LotteryDef; at: number }
  | {
      type: 'Drawn';
      drawId: string;
      memberId: string;
      entryKey: string;
      rand: number;
      prizeId: string | null;
      outcome: DrawOutcome;
      day: number;
      at: number;
    }
  | { type: 'PrizeRedeemed'; drawId: string; by: string; at: number };

export interface DrawRecord {
  readonly drawId: string;
  readonly memberId: string;
  readonly prizeId: string | null;
  readonly outcome: DrawOutcome;
  readonly redeemed: boolean;
}

export interface LotteryState {
  readonly lotteryId: string;
  readonly store: string;
  readonly def: LotteryDef | null;
  readonly awarded: Readonly<Record<string, number>>;
  readonly draws: HashTrie<DrawRecord>;
  readonly entries: HashTrie<string>;
  readonly day: number;
  readonly today: HashTrie<number>;
  readonly drawn: number;
}

export interface LotteryView {
  readonly lotteryId: string;
  readonly name: string | null;
  /** How a draw is entered (null before the lottery is defined), and what a points entry costs. */
  readonly entry: 'order' | 'points' | 'free' | null;
  readonly pointsCost: number | null;
  readonly prizes: readonly { prizeId: string; name: string; quantity: number; left: number; oddsBp: number }[];
  readonly drawn: number;
  readonly draw?: DrawRecord;
  readonly duplicate?: boolean;
}

/** What a random number gives against the pool as it stands: the audit recomputes every draw with it. */
export function pickPrize(
  def: LotteryDef,
  awarded: Readonly<Record<string, number>>,
  rand: number,
): { prizeId: string | null; outcome: DrawOutcome } {
  const r = Math.floor((rand * ODDS_SCALE) / RAND_MAX);
  let acc = 0;
  for (const p of def.prizes) {
    acc += p.oddsBp;
    if (r < acc)
      return (awarded[p.prizeId] ?? 0) < p.quantity
        ? { prizeId: p.prizeId, outcome: 'won' }
        : { prizeId: p.prizeId, outcome: 'exhausted' };
  }
  return { prizeId: null, outcome: 'none' };
}

export function lotteryView(s: LotteryState, draw?: DrawRecord, duplicate = false): LotteryView {
  const v: { -readonly [K in keyof LotteryView]: LotteryView[K] } = {
    lotteryId: s.lotteryId,
    name: s.def?.name ?? null,
    entry: s.def?.entry ?? null,
    pointsCost: s.def?.pointsCost ?? null,
    prizes: (s.def?.prizes ?? []).map((p) => ({
      prizeId: p.prizeId,
      name: p.name,
      quantity: p.quantity,
      left: p.quantity - (s.awarded[p.prizeId] ?? 0),
      oddsBp: p.oddsBp,
    })),
    drawn: s.drawn,
  };
  if (draw !== undefined) v.draw = draw;
  if (duplicate) v.duplicate = true;
  return v;
}

const entryKeyOf = (e: z.output<typeof EntrySchema>): string =>
  e.kind === 'order' ? `order:${e.orderId}` : e.kind === 'points' ? `points:${e.holdId}` : 'free';

type LotteryDecision = Decision<LotteryEvent, LotteryView, never>;

/** Orders that were paid and are not being given back. */
const UNPAID: ReadonlySet<string> = new Set(['pending_payment', 'cancelled', 'refund_requested', 'refunded']);

/** An order entry: the member's own order, paid (the order lives in this store's partition). */
function checkOrder(ctx: DecideContext, memberId: string, orderId: string): Rejection | undefined {
  const o = ctx.call<OrderDetail>(ActorTypes.Order, orderId, { type: 'get' });
  if (!o.ok || o.result.dinerId !== memberId || UNPAID.has(o.result.status))
    return reject(X.EntryNotPaid, `order ${orderId} is not a paid order of ${memberId}`);
  return undefined;
}

/**
 * The card spends the points held for a draw: published with the draw (JetStream, once the draw is
 * durable), carried to the card by the member forwarder, so a draw that happened is always paid
 * for and one that did not never is (the gateway releases the hold; a hold nobody settles goes
 * back by itself).
 */
function spendPoints(memberId: string, holdId: string, points: number, at: number): SideOutput {
  const data: MemberInstruction = {
    memberId,
    orderId: holdId,
    command: { type: 'spendHold', orderId: holdId, points, at },
  };
  return { subject: memberSubject(memberId), id: memberInstructionId(holdId, 'spent'), data, jetstream: true };
}

function draw(
  s: LotteryState,
  def: LotteryDef,
  c: Extract<Parsed, { type: 'draw' }>,
  ctx: DecideContext,
): LotteryDecision | Rejection {
  const known = trieGet(s.draws, c.drawId);
  if (known !== undefined) return { result: lotteryView(s, known, true) };
  if (c.at < def.openFrom || c.at >= def.openTo) return reject(X.NotOpen, `${def.name} is not open`);
  if (c.entry.kind !== def.entry) return reject(X.WrongEntry, `${def.name} is entered by ${def.entry}`);
  const entryKey = entryKeyOf(c.entry);
  if (entryKey !== 'free' && trieGet(s.entries, entryKey) !== undefined)
    return reject(X.EntryUsed, `this ${c.entry.kind} has drawn already`);
  const notPaid = c.entry.kind === 'order' ? checkOrder(ctx, c.memberId, c.entry.orderId) : undefined;
  if (notPaid !== undefined) return notPaid;
  if (c.entry.kind === 'points' && c.entry.points !== def.pointsCost)
    return reject(X.WrongEntry, `${def.name} costs ${def.pointsCost} points, not ${c.entry.points}`, {
      pointsCost: def.pointsCost,
    });
  const day = dayOf(c.at);
  const today = day === s.day ? (trieGet(s.today, c.memberId) ?? 0) : 0;
  if (today >= def.dailyLimit) return reject(X.DailyLimitReached, `at most ${def.dailyLimit} draws a day`);
  const pick = pickPrize(def, s.awarded, c.rand);
  const e: LotteryEvent = {
    type: 'Drawn',
    drawId: c.drawId,
    memberId: c.memberId,
    entryKey,
    rand: c.rand,
    ...pick,
    day,
    at: c.at,
  };
  const next = evolveLottery(s, e);
  const prize = def.prizes.find((p) => p.prizeId === pick.prizeId);
  const outputs: SideOutput[] = [];
  if (pick.outcome === 'won' && prize?.kind === 'coupon')
    outputs.push({
      subject: groupBuySubject(s.store),
      id: `lottery-prize:${s.lotteryId}:${c.drawId}`,
      data: {
        kind: 'lottery-coupon',
        store: s.store,
        lotteryId: s.lotteryId,
        drawId: c.drawId,
        memberId: c.memberId,
        couponCampaignId: prize.couponCampaignId,
        at: c.at,
      },
      jetstream: true,
    });
  if (c.entry.kind === 'points') outputs.push(spendPoints(c.memberId, c.entry.holdId, c.entry.points, c.at));
  return { events: [e], result: lotteryView(next, trieGet(next.draws, c.drawId)), outputs };
}

function decideLottery(s: LotteryState, c: Parsed, ctx: DecideContext): LotteryDecision | Rejection {
  if (c.type === 'define') {
    if (s.def === null) {
      const e: LotteryEvent = { type: 'LotteryDefined', lottery: c.lottery, at: c.at };
      return { events: [e], result: lotteryView(evolveLottery(s, e)) };
    }
    if (JSON.stringify(s.def) === JSON.stringify(c.lottery)) return { result: lotteryView(s, undefined, true) };
    return reject(X.Exists, `lottery ${s.lotteryId} is defined already`);
  }
  if (s.def === null) return reject(X.NotFound, `no lottery ${s.lotteryId}`);
  switch (c.type) {
    case 'get':
      return { result: lotteryView(s) };
    case 'draw':
      return draw(s, s.def, c, ctx);
    case 'redeem': {
      const d = trieGet(s.draws, c.drawId);
      if (d === undefined) return reject(X.UnknownDraw, `no draw ${c.drawId}`);
      const prize = s.def.prizes.find((p) => p.prizeId === d.prizeId);
      if (d.outcome !== 'won' || prize?.kind !== 'item') return reject(X.NothingToRedeem, 'this draw won no item');
      if (d.redeemed) return { result: lotteryView(s, d, true) };
      const e: LotteryEvent = { type: 'PrizeRedeemed', drawId: c.drawId, by: c.by.id, at: c.at };
      const next = evolveLottery(s, e);
      return { events: [e], result: lotteryView(next, trieGet(next.draws, c.drawId)) };
    }
  }
}

export function evolveLottery(s: LotteryState, e: LotteryEvent): LotteryState {
  switch (e.type) {
    case 'LotteryDefined':
      return { ...s, def: e.lottery };
    case 'Drawn': {
      const rec: DrawRecord = {
        drawId: e.drawId,
        memberId: e.memberId,
        prizeId: e.prizeId,
        outcome: e.outcome,
        redeemed: false,
      };
      const base = e.day === s.day ? s.today : emptyTrie<number>();
      const awarded =
        e.outcome === 'won' && e.prizeId !== null
          ? { ...s.awarded, [e.prizeId]: (s.awarded[e.prizeId] ?? 0) + 1 }
          : s.awarded;
      return {
        ...s,
        awarded,
        draws: trieSet(s.draws, e.drawId, rec),
        entries: e.entryKey === 'free' ? s.entries : trieSet(s.entries, e.entryKey, e.drawId),
        day: e.day,
        today: trieSet(base, e.memberId, (trieGet(base, e.memberId) ?? 0) + 1),
        drawn: s.drawn + 1,
      };
    }
    case 'PrizeRedeemed': {
      const d = trieGet(s.draws, e.drawId);
      return d === undefined ? s : { ...s, draws: trieSet(s.draws, e.drawId, { ...d, redeemed: true }) };
    }
  }
}

export function initialLottery(store: string, lotteryId: string): LotteryState {
  return {
    lotteryId,
    store,
    def: null,
    awarded: {},
    draws: emptyTrie(),
    entries: emptyTrie(),
    day: 0,
    today: emptyTrie(),
    drawn: 0,
  };
}

export const lotteryActor = defineActor<LotteryState, Parsed, LotteryEvent, LotteryView>({
  name: LOTTERY_ACTOR,
  initial: (ref) => initialLottery(ref.store, ref.id),
  parse: (command) => parseCommand(LotteryCommandSchema, command),
  decide: decideLottery,
  evolve: evolveLottery,
});

export const lotteryRef = (store: string, lotteryId: string): ActorRef => ({
  store,
  type: LOTTERY_ACTOR,
  id: lotteryId,
});
