/**
 * The member card's rules: one command to its events. Pure: the programme, the
 * time and the ids arrive in the command.
 */
import type { Decision, Rejection } from '@lunchrush/engine';
import { stackingRefusal, type MemberCoupon } from '../coupon.js';
import { ErrorCode, refuse } from '../errors.js';
import type { Fen } from '../money.js';
import type { ParsedMemberCommand } from './commands.js';
import {
  DAY_MS,
  DEFAULT_MEMBER_PROGRAM,
  levelFor,
  levelName,
  localDate,
  localDay,
  orderPoints,
  topUpBonus,
  type MemberProgram,
} from './program.js';
import {
  balanceOf,
  evolveMember,
  livePoints,
  takePoints,
  type CouponStatus,
  type MemberEvent,
  type MemberState,
} from './state.js';

export interface MemberCouponView extends MemberCoupon {
  readonly status: CouponStatus | 'expired';
  readonly orderId?: string;
}

/** The member card as a diner sees it. */
export interface MemberView {
  readonly memberId: string;
  readonly enrolled: boolean;
  readonly level: number;
  readonly levelName: string;
  readonly yearSpendFen: Fen;
  /** Points alive at the command's `at` (every point when it has none). */
  readonly points: number;
  readonly balanceFen: Fen;
  readonly principalFen: Fen;
  readonly bonusFen: Fen;
  readonly coupons: readonly MemberCouponView[];
  readonly openHolds: number;
  readonly paidOrders: number;
  readonly checkIn: { readonly lastDay: number | null; readonly streak: number };
  readonly seq: number;
}

export type MemberResult = MemberView & {
  /** The command was seen before (same business id) and changed nothing. */
  readonly duplicate?: true;
  /** Points this command earned. */
  readonly earnedPoints?: number;
  /** The bonus a top-up gave. */
  readonly topUpBonusFen?: Fen;
};

type MemberDecision = Decision<MemberEvent, MemberResult, ParsedMemberCommand>;

/** How long a hold waits for its order's outcome before it goes back by itself (beyond any payment window). */
export const HOLD_TTL_MS = 2 * 3_600_000;

/** The durable timer that expires the earliest points on their day (an event, not only a view). */
export const POINTS_EXPIRY_TIMER = 'points-expiry';

const earliest = (s: MemberState): number | undefined => s.lots[0]?.expiresAt;

export function memberView(s: MemberState, at: number | undefined, program: MemberProgram): MemberView {
  const coupons = Object.values(s.coupons).map((h): MemberCouponView => {
    const status = h.status === 'available' && at !== undefined && at >= h.coupon.validTo ? 'expired' : h.status;
    return h.orderId === undefined ? { ...h.coupon, status } : { ...h.coupon, status, orderId: h.orderId };
  });
  return {
    memberId: s.memberId,
    enrolled: s.enrolledAt !== null,
    level: s.level,
    levelName: levelName(program, s.level),
    yearSpendFen: s.spendFen,
    points: at === undefined ? s.lots.reduce((n, l) => n + l.points, 0) : livePoints(s, at),
    balanceFen: balanceOf(s),
    principalFen: s.principalFen,
    bonusFen: s.bonusFen,
    coupons,
    openHolds: Object.keys(s.holds).length,
    paidOrders: s.paidOrders,
    checkIn: { lastDay: s.lastCheckInDay, streak: s.streak },
    seq: s.seq,
  };
}

function emit(
  s: MemberState,
  events: MemberEvent[],
  at: number | undefined,
  program: MemberProgram,
  extra: { earnedPoints?: number; topUpBonusFen?: Fen; duplicate?: true } = {},
): MemberDecision {
  let next = s;
  for (const e of events) next = evolveMember(next, e);
  const d: MemberDecision = { events, result: { ...memberView(next, at, program), ...extra } };
  const [before, after] = [earliest(s), earliest(next)];
  if (after === before) return d;
  if (after === undefined) return { ...d, cancelTimers: [POINTS_EXPIRY_TIMER] };
  return { ...d, timers: [{ key: POINTS_EXPIRY_TIMER, at: after, command: { type: 'expirePoints', at: after } }] };
}

const earn = (
  p: MemberProgram,
  points: number,
  reason: 'order' | 'signup' | 'birthday' | 'checkin',
  at: number,
  orderId?: string,
): MemberEvent[] => {
  if (points <= 0) return [];
  const e: Extract<MemberEvent, { type: 'PointsEarned' }> = {
    type: 'PointsEarned',
    points,
    reason,
    expiresAt: at + p.pointsValidDays * DAY_MS,
    at,
  };
  if (orderId !== undefined) e.orderId = orderId;
  return [e];
};

export function decideMember(s: MemberState, c: ParsedMemberCommand): MemberDecision | Rejection {
  const p = 'program' in c && c.program !== undefined ? c.program : DEFAULT_MEMBER_PROGRAM;
  if (c.type === 'get') return { result: memberView(s, c.at, p) };
  if (c.type === 'grantCoupon') return grantCoupon(s, c.coupon, c.at, p);
  if (c.type === 'enroll') {
    if (s.enrolledAt !== null) return refuse(ErrorCode.AlreadyEnrolled, `${s.memberId} is a member already`);
    const events: MemberEvent[] = [{ type: 'Enrolled', birthday: c.birthday ?? null, at: c.at }];
    events.push(...earn(p, p.signUpPoints, 'signup', c.at));
    return emit(s, events, c.at, p, { earnedPoints: p.signUpPoints });
  }
  if (s.enrolledAt === null) return refuse(ErrorCode.NotEnrolled, `${s.memberId} is not a member`);
  switch (c.type) {
    case 'checkIn':
      return checkIn(s, c.at, p);
    case 'birthdayGift':
      return birthdayGift(s, c.at, p);
    case 'topUp':
      return topUp(s, c, p);
    case 'hold':
      return hold(s, c, p);
    case 'orderPaid':
      return orderPaid(s, c, p);
    case 'spendHold':
      return spendHold(s, c, p);
    case 'release':
      return release(s, c, p);
    case 'refund':
      return refund(s, c, p);
    case 'expirePoints': {
      const gone = s.lots.filter((l) => l.expiresAt <= c.at).reduce((n, l) => n + l.points, 0);
      return gone === 0
        ? { result: memberView(s, c.at, p) }
        : emit(s, [{ type: 'PointsExpired', points: gone, at: c.at }], c.at, p);
    }
  }
}

function grantCoupon(s: MemberState, coupon: MemberCoupon, at: number, p: MemberProgram): MemberDecision | Rejection {
  const had = s.coupons[coupon.couponId];
  if (had !== undefined) {
    if (had.coupon.campaignId !== coupon.campaignId)
      return refuse(ErrorCode.IdempotencyConflict, `coupon ${coupon.couponId} is held from another campaign`);
    return { result: { ...memberView(s, at, p), duplicate: true } };
  }
  return emit(s, [{ type: 'CouponGranted', coupon, at }], at, p);
}

function checkIn(s: MemberState, at: number, p: MemberProgram): MemberDecision | Rejection {
  const day = localDay(at, p.tzOffsetMin);
  if (s.lastCheckInDay === day) return refuse(ErrorCode.AlreadyCheckedIn, 'checked in today already');
  const streak = s.lastCheckInDay === day - 1 ? s.streak + 1 : 1;
  const points = p.checkInPoints + (streak % p.streakDays === 0 ? p.streakBonusPoints : 0);
  const events: MemberEvent[] = [{ type: 'CheckedIn', day, streak, at }, ...earn(p, points, 'checkin', at)];
  return emit(s, events, at, p, { earnedPoints: points });
}

function birthdayGift(s: MemberState, at: number, p: MemberProgram): MemberDecision | Rejection {
  const d = localDate(at, p.tzOffsetMin);
  const today = `${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
  if (s.birthday !== today) return refuse(ErrorCode.GiftNotDue, 'the birthday gift is given on the birthday');
  if (s.birthdayYears.includes(d.year)) return refuse(ErrorCode.GiftNotDue, `the ${d.year} birthday gift was given`);
  const events: MemberEvent[] = [
    { type: 'BirthdayGiftGiven', year: d.year, at },
    ...earn(p, p.birthdayPoints, 'birthday', at),
  ];
  return emit(s, events, at, p, { earnedPoints: p.birthdayPoints });
}

function topUp(
  s: MemberState,
  c: Extract<ParsedMemberCommand, { type: 'topUp' }>,
  p: MemberProgram,
): MemberDecision | Rejection {
  const had = s.topUps[c.paymentId];
  if (had !== undefined) {
    if (had.amountFen !== c.amountFen)
      return refuse(ErrorCode.IdempotencyConflict, `payment ${c.paymentId} topped up ${had.amountFen} fen`);
    return { result: { ...memberView(s, c.at, p), duplicate: true, topUpBonusFen: had.bonusFen } };
  }
  const bonusFen = topUpBonus(p, c.amountFen);
  const e: MemberEvent = { type: 'ToppedUp', paymentId: c.paymentId, amountFen: c.amountFen, bonusFen, at: c.at };
  return emit(s, [e], c.at, p, { topUpBonusFen: bonusFen });
}

function couponProblem(s: MemberState, ids: readonly string[], at: number): Rejection | undefined {
  const coupons: MemberCoupon[] = [];
  for (const id of ids) {
    const h = s.coupons[id];
    if (h === undefined) return refuse(ErrorCode.CouponUnavailable, `no coupon ${id} on this card`, { couponId: id });
    if (h.status !== 'available')
      return refuse(ErrorCode.CouponUnavailable, `coupon ${id} is ${h.status}`, { couponId: id, status: h.status });
    if (at >= h.coupon.validTo || at < h.coupon.validFrom)
      return refuse(ErrorCode.CouponExpired, `coupon ${id} is not valid now`, { couponId: id });
    if (h.coupon.terms.newCustomerOnly && s.paidOrders > 0)
      return refuse(ErrorCode.CouponNotApplicable, `coupon ${id} is for new customers only`, { couponId: id });
    coupons.push(h.coupon);
  }
  const stacking = stackingRefusal(coupons);
  return stacking === undefined ? undefined : refuse(ErrorCode.CouponStacking, stacking);
}

function hold(
  s: MemberState,
  c: Extract<ParsedMemberCommand, { type: 'hold' }>,
  p: MemberProgram,
): MemberDecision | Rejection {
  if (s.settled[c.orderId] !== undefined) return refuse(ErrorCode.HoldSettled, `order ${c.orderId} is paid already`);
  const had = s.holds[c.orderId];
  if (had !== undefined) {
    const same =
      had.points === c.points &&
      had.principalFen + had.bonusFen === c.balanceFen &&
      had.couponIds.join() === c.couponIds.join();
    if (!same) return refuse(ErrorCode.IdempotencyConflict, `order ${c.orderId} holds other amounts`);
    return { result: { ...memberView(s, c.at, p), duplicate: true } };
  }
  const live = livePoints(s, c.at);
  if (c.points > live)
    return refuse(ErrorCode.InsufficientPoints, `${live} points, ${c.points} wanted`, {
      available: live,
      requested: c.points,
    });
  const balance = balanceOf(s);
  if (c.balanceFen > balance)
    return refuse(ErrorCode.InsufficientBalance, `balance ${balance} fen, ${c.balanceFen} wanted`, {
      available: balance,
      requested: c.balanceFen,
    });
  const problem = couponProblem(s, c.couponIds, c.at);
  if (problem !== undefined) return problem;
  if (c.points === 0 && c.balanceFen === 0 && c.couponIds.length === 0) return { result: memberView(s, c.at, p) };
  const principalFen = Math.min(c.balanceFen, s.principalFen);
  const e: MemberEvent = {
    type: 'Held',
    orderId: c.orderId,
    points: c.points,
    lots: takePoints(s.lots, c.points, c.at).taken,
    principalFen,
    bonusFen: c.balanceFen - principalFen,
    couponIds: c.couponIds,
    at: c.at,
  };
  // A hold whose order never says what became of it (a gateway gone between the hold and the
  // placement) goes back by itself; an order paid later takes it again (`orderPaid.expects`).
  const at = c.at + HOLD_TTL_MS;
  const d = emit(s, [e], c.at, p);
  const timer = {
    key: `hold-${c.orderId}`,
    at,
    command: { type: 'release' as const, orderId: c.orderId, reason: 'timeout' as const, at },
  };
  return { ...d, timers: [...(d.timers ?? []), timer] };
}

function orderPaid(
  s: MemberState,
  c: Extract<ParsedMemberCommand, { type: 'orderPaid' }>,
  p: MemberProgram,
): MemberDecision | Rejection {
  if (s.settled[c.orderId] !== undefined) return { result: { ...memberView(s, c.at, p), duplicate: true } };
  const events: MemberEvent[] = [...retake(s, c, p)];
  if (s.holds[c.orderId] !== undefined || events.some((e) => e.type === 'Held'))
    events.push({ type: 'HoldSpent', orderId: c.orderId, at: c.at });
  const year = localDate(c.at, p.tzOffsetMin).year;
  events.push({ type: 'OrderSettled', orderId: c.orderId, paidFen: c.paidFen, year, at: c.at });
  const points = orderPoints(p, s.level, c.paidFen);
  events.push(...earn(p, points, 'order', c.at, c.orderId));
  let next = s;
  for (const e of events) next = evolveMember(next, e);
  const to = levelFor(p, next.spendFen, next.lastYearSpendFen);
  if (to !== s.level) events.push({ type: 'LevelChanged', from: s.level, to, orderId: c.orderId, at: c.at });
  return emit(s, events, c.at, p, { earnedPoints: points });
}

/** A lottery's points entry spent (`spendHold`): the hold, or the points again when it went back. */
function spendHold(
  s: MemberState,
  c: Extract<ParsedMemberCommand, { type: 'spendHold' }>,
  p: MemberProgram,
): MemberDecision | Rejection {
  if (s.settled[c.orderId] !== undefined) return { result: { ...memberView(s, c.at, p), duplicate: true } };
  const events: MemberEvent[] = [];
  if (s.holds[c.orderId] === undefined && c.points > 0) {
    const again = hold(
      s,
      { type: 'hold', orderId: c.orderId, points: c.points, balanceFen: 0, couponIds: [], at: c.at },
      p,
    );
    if ('reject' in again || again.events === undefined || again.events.length === 0) {
      const short: MemberEvent = {
        type: 'PaymentShortfall',
        orderId: c.orderId,
        points: c.points,
        balanceFen: 0,
        couponIds: [],
        at: c.at,
      };
      return emit(s, [short], c.at, p);
    }
    events.push(...again.events);
  }
  events.push({ type: 'HoldSpent', orderId: c.orderId, at: c.at });
  return emit(s, events, c.at, p);
}

/** A paid order whose hold is gone: take what it held again, or record what is short. */
function retake(
  s: MemberState,
  c: Extract<ParsedMemberCommand, { type: 'orderPaid' }>,
  p: MemberProgram,
): MemberEvent[] {
  const x = c.expects;
  if (s.holds[c.orderId] !== undefined || x === undefined) return [];
  if (x.points === 0 && x.balanceFen === 0 && x.couponIds.length === 0) return [];
  const again = hold(s, { type: 'hold', orderId: c.orderId, ...x, at: c.at }, p);
  if (!('reject' in again) && again.events !== undefined && again.events.length > 0) return [...again.events];
  return [{ type: 'PaymentShortfall', orderId: c.orderId, ...x, couponIds: [...x.couponIds], at: c.at }];
}

function release(
  s: MemberState,
  c: Extract<ParsedMemberCommand, { type: 'release' }>,
  p: MemberProgram,
): MemberDecision | Rejection {
  if (s.settled[c.orderId] !== undefined)
    return refuse(ErrorCode.HoldSettled, `order ${c.orderId} is paid: refund it instead`);
  if (s.holds[c.orderId] === undefined) return { result: { ...memberView(s, c.at, p), duplicate: true } };
  return emit(s, [{ type: 'HoldReleased', orderId: c.orderId, reason: c.reason, at: c.at }], c.at, p);
}

function refund(
  s: MemberState,
  c: Extract<ParsedMemberCommand, { type: 'refund' }>,
  p: MemberProgram,
): MemberDecision | Rejection {
  const o = s.settled[c.orderId];
  // A refund of WeChat Pay alone for an order the card never heard was paid (a late payment given
  // back, the order cancelled): it earned nothing here, so there is nothing to take back.
  if (o === undefined && c.paidFen !== undefined && c.points === 0 && c.balanceFen === 0)
    return { result: memberView(s, c.at, p) };
  if (o === undefined) return refuse(ErrorCode.OrderNotFound, `no paid order ${c.orderId} on this card`);
  if (o.refunds.includes(c.refundId)) return { result: { ...memberView(s, c.at, p), duplicate: true } };
  const pointsLeft = o.spent.points - o.refundedPoints;
  const principalLeft = o.spent.principalFen - o.refundedPrincipalFen;
  const bonusLeft = o.spent.bonusFen - o.refundedBonusFen;
  const paidLeft = o.paidFen - (o.refundedPaidFen ?? 0);
  if (c.points > pointsLeft || c.balanceFen > principalLeft + bonusLeft || (c.paidFen ?? 0) > paidLeft) {
    return refuse(
      ErrorCode.RefundExceedsPaid,
      `order ${c.orderId} has ${pointsLeft} points, ${principalLeft + bonusLeft} fen of balance and ${paidLeft} fen paid left to refund`,
      { pointsLeft, balanceLeft: principalLeft + bonusLeft, paidLeft },
    );
  }
  // Back to each part of the balance in proportion to what the order took of it.
  const spentBalance = o.spent.principalFen + o.spent.bonusFen;
  let bonusFen =
    spentBalance === 0 ? 0 : Math.min(bonusLeft, Math.floor((c.balanceFen * o.spent.bonusFen) / spentBalance));
  let principalFen = c.balanceFen - bonusFen;
  if (principalFen > principalLeft) [principalFen, bonusFen] = [principalLeft, c.balanceFen - principalLeft];
  const expiresAt = o.spent.lots.reduce((m, l) => Math.max(m, l.expiresAt), c.at);
  const e: Extract<MemberEvent, { type: 'RefundReturned' }> = {
    type: 'RefundReturned',
    orderId: c.orderId,
    refundId: c.refundId,
    points: c.points,
    expiresAt,
    principalFen,
    bonusFen,
    at: c.at,
  };
  if (c.paidFen !== undefined) e.paidFen = c.paidFen;
  return emit(s, [e, ...reversal(evolveMember(s, e), c)], c.at, p);
}

/**
 * The points an order earned on what a refund gives back, taken back: in proportion to the paid
 * amount refunded so far (so steps add up to exactly what a full refund takes), from the live lots
 * after the refund's own points came back; what the card no longer has is recorded as short.
 */
function reversal(s: MemberState, c: Extract<ParsedMemberCommand, { type: 'refund' }>): MemberEvent[] {
  const o = s.settled[c.orderId];
  if (o === undefined || c.paidFen === undefined || o.paidFen === 0) return [];
  const earned = o.earnedPoints ?? 0;
  const due = Math.floor((earned * Math.min(o.paidFen, o.refundedPaidFen ?? 0)) / o.paidFen);
  const owed = due - (o.reversedPoints ?? 0);
  if (owed <= 0) return [];
  const points = Math.min(owed, livePoints(s, c.at));
  const e = { orderId: c.orderId, refundId: c.refundId, points, shortPoints: owed - points, at: c.at };
  return [{ type: 'PointsReversed', ...e }];
}
