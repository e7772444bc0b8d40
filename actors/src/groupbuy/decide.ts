/**
 * The group's rules. Every path ends in one of two places and nowhere between:
 *
 *   completed  the N-th payment lands inside the deadline and its seat's window:
 *              every seat's stock is committed in the same transaction, and the
 *              deadline timer is cancelled with it;
 *   failed     the deadline fires first (or staff dissolve it, or the leader
 *              never pays): every held seat's stock is released and every kept
 *              payment is refunded, in the same transaction.
 *
 * One mailbox decides both, so whichever of the N-th payment and the deadline
 * the group handles first wins and the other finds a closed group: a payment
 * then is refunded, a deadline is spent. The provider's `paidAt` (not the
 * arrival order) says whether a payment was in time. A payment that finds no
 * seat of its member to pay (a second payment, a released seat, a closed group)
 * is refunded at once, so no member ever pays twice.
 */
import {
  reject,
  type CallOutcome,
  type DecideContext,
  type Decision,
  type Rejection,
  type SideOutput,
  type TimerSpec,
} from '@lunchrush/engine';
import { ActorTypes } from '../domain.js';
import type { StockResult } from '../stock.js';
import { GROUPBUY_ACTOR, type GroupCampaignView, type GroupTerms } from './campaign.js';
import { DEADLINE_TIMER, MAX_SEATS, seatTimer, type GroupCommand, type GroupParsed } from './commands.js';
import { GroupBuyErrorCode as X } from './errors.js';
import {
  groupBuySubject,
  groupCompletedId,
  groupPushSubject,
  groupRefundId,
  type GroupCompleted,
  type GroupPush,
  type GroupRefundInstruction,
} from './outputs.js';
import {
  activeSeats,
  evolveGroup,
  groupView,
  paidSeats,
  seatOf,
  type FailReason,
  type GroupEvent,
  type GroupPayment,
  type GroupState,
  type GroupView,
  type Seat,
} from './state.js';

export interface GroupResult extends GroupView {
  readonly duplicate?: boolean;
  /** `pay` only: what became of this payment (`kept`, or `refunding` with its reason). */
  readonly payment?: { readonly paymentId: string; readonly status: string; readonly reason: string | null };
}

type GroupDecision = Decision<GroupEvent, GroupResult, GroupCommand>;

interface Fx {
  readonly outputs: SideOutput[];
  readonly timers: TimerSpec<GroupCommand>[];
  readonly cancelTimers: string[];
}
const fx = (): Fx => ({ outputs: [], timers: [], cancelTimers: [] });

/** The stock reference of a seat: `g.<groupId>.<n>`, so a seat given up and taken again is a new hold. */
export const seatRef = (groupId: string, n: number): string => `g.${groupId}.${n}`;

function stock(ctx: DecideContext, s: GroupState, terms: GroupTerms, command: Record<string, unknown>, n: number) {
  return ctx.call<StockResult>(ActorTypes.Stock, terms.skuId, {
    ...command,
    channel: 'miniprogram',
    ref: seatRef(s.groupId, n),
  });
}

/** Counts a member's seat on the campaign (its per-member limit), or frees one, in the same transaction. */
function countSeat(ctx: DecideContext, campaignId: string, memberId: string, taken: boolean, at: number) {
  return ctx.call(GROUPBUY_ACTOR, campaignId, { type: taken ? 'seatTaken' : 'seatFreed', memberId, at });
}

/** Folds the events, pushes the live count, answers with the new view. */
function emit(s: GroupState, events: GroupEvent[], at: number, f: Fx, paymentId?: string): GroupDecision {
  let next = s;
  for (const e of events) next = evolveGroup(next, e);
  const view = groupView(next);
  const push: GroupPush = {
    kind: 'group',
    groupId: s.groupId,
    status: view.status,
    members: view.members,
    paid: view.paid,
    size: view.size,
    seq: next.seq,
    at,
  };
  const outputs = [{ subject: groupPushSubject(s.store, s.groupId), id: `group:${s.groupId}:${next.seq}`, data: push }];
  const p = paymentId === undefined ? undefined : next.payments.find((x) => x.paymentId === paymentId);
  const result: GroupResult =
    p === undefined ? view : { ...view, payment: { paymentId: p.paymentId, status: p.status, reason: p.reason } };
  const d: { -readonly [K in keyof GroupDecision]: GroupDecision[K] } = {
    events,
    result,
    outputs: [...outputs, ...f.outputs],
  };
  if (f.timers.length > 0) d.timers = f.timers;
  if (f.cancelTimers.length > 0) d.cancelTimers = f.cancelTimers;
  return d;
}

const unchanged = (s: GroupState): GroupDecision => ({ result: { ...groupView(s), duplicate: true } });
const closed = (s: GroupState): boolean => s.status === 'completed' || s.status === 'failed';

function refund(s: GroupState, p: GroupPayment, reason: string, at: number, events: GroupEvent[], f: Fx): void {
  events.push({ type: 'RefundStarted', paymentId: p.paymentId, reason, at });
  const data: { -readonly [K in keyof GroupRefundInstruction]: GroupRefundInstruction[K] } = {
    kind: 'group-refund',
    store: s.store,
    groupId: s.groupId,
    memberId: p.memberId,
    paymentId: p.paymentId,
    amountFen: p.amountFen,
    reason,
    at,
  };
  if (p.outTradeNo !== undefined) data.outTradeNo = p.outTradeNo;
  f.outputs.push({
    subject: groupBuySubject(s.store),
    id: groupRefundId(s.groupId, p.paymentId),
    data,
    jetstream: true,
  });
}

function seatTimerSpec(n: number, holdUntil: number): TimerSpec<GroupCommand> {
  return { key: seatTimer(n), at: holdUntil, command: { type: 'seatTimeout', n, at: holdUntil } };
}

export function decideGroup(s: GroupState, c: GroupParsed, ctx: DecideContext): GroupDecision | Rejection {
  if (c.type === 'open') return open(s, c, ctx);
  if (s.status === 'none' || s.terms === null) return reject(X.GroupNotFound, `no group ${s.groupId}`);
  const terms = s.terms;
  switch (c.type) {
    case 'get':
      return { result: groupView(s) };
    case 'join':
      return join(s, terms, c, ctx);
    case 'pay':
      return pay(s, terms, c, ctx);
    case 'leave':
      return leave(s, terms, c, ctx);
    case 'dissolve':
      if (closed(s)) return reject(X.GroupClosed, `group ${s.groupId} is ${s.status}`);
      return fail(s, terms, 'dissolved', c.at, ctx, [], fx());
    case 'seatTimeout':
      return seatTimeout(s, terms, c, ctx);
    case 'deadline':
      if (closed(s)) return reject(X.NothingDue, `group ${s.groupId} is ${s.status}`);
      // Auto-fill completes an open group someone paid in (everyone who paid may have left).
      if (terms.autoFill && s.status === 'open' && paidSeats(s).length > 0) return autoFill(s, terms, c.at, ctx);
      return fail(s, terms, 'expired', c.at, ctx, [], fx());
    case 'refundCompleted': {
      const p = s.payments.find((x) => x.paymentId === c.paymentId);
      if (p === undefined || p.status === 'kept')
        return reject(X.UnknownPayment, `no refund of ${c.paymentId} in group ${s.groupId}`);
      if (p.status === 'refunded') return unchanged(s);
      return emit(s, [{ type: 'RefundCompleted', paymentId: c.paymentId, at: c.at }], c.at, fx());
    }
  }
}

function open(s: GroupState, c: Extract<GroupParsed, { type: 'open' }>, ctx: DecideContext): GroupDecision | Rejection {
  if (s.status !== 'none') {
    if (s.leader === c.leader && s.campaignId === c.campaignId) return unchanged(s);
    return reject(X.GroupExists, `group ${s.groupId} exists`);
  }
  const camp = ctx.call<GroupCampaignView>(GROUPBUY_ACTOR, c.campaignId, { type: 'get', at: c.at });
  if (!camp.ok) return reject(camp.code, camp.message, camp.details);
  const terms = camp.result.terms;
  if (terms === null) return reject(X.CampaignNotFound, `no group-buy campaign ${c.campaignId}`);
  if (!camp.result.open) return reject(X.CampaignNotOpen, `${terms.name} is not open for new groups`);
  const deadline = c.at + terms.timeLimitMs;
  const held = stock(ctx, s, terms, { type: 'reserve', qty: terms.qty, at: c.at }, 1);
  if (!held.ok) return refused(held);
  const counted = countSeat(ctx, c.campaignId, c.leader, true, c.at);
  if (!counted.ok) return refused(counted);
  const holdUntil = Math.min(c.at + terms.seatHoldMs, deadline);
  const events: GroupEvent[] = [
    { type: 'GroupOpened', campaignId: c.campaignId, terms, leader: c.leader, deadline, at: c.at },
    { type: 'SeatHeld', n: 1, memberId: c.leader, inviter: null, holdUntil, at: c.at },
  ];
  const f = fx();
  f.timers.push(
    { key: DEADLINE_TIMER, at: deadline, command: { type: 'deadline', at: deadline } },
    seatTimerSpec(1, holdUntil),
  );
  return emit(s, events, c.at, f);
}

const refused = (o: Extract<CallOutcome, { ok: false }>): Rejection => reject(o.code, o.message, o.details);

function join(
  s: GroupState,
  terms: GroupTerms,
  c: Extract<GroupParsed, { type: 'join' }>,
  ctx: DecideContext,
): GroupDecision | Rejection {
  if (closed(s)) return reject(X.GroupClosed, `group ${s.groupId} is ${s.status}`);
  if (seatOf(s, c.memberId) !== undefined) return unchanged(s);
  if (s.status === 'forming') return reject(X.GroupNotOpen, `the leader of group ${s.groupId} has not paid yet`);
  if (c.at >= s.deadline) return reject(X.GroupExpired, `group ${s.groupId} ran out of time`, { deadline: s.deadline });
  if (activeSeats(s).length >= terms.size || s.seats.length >= MAX_SEATS)
    return reject(X.GroupFull, `group ${s.groupId} is full`, { size: terms.size });
  const n = s.seats.length + 1;
  const held = stock(ctx, s, terms, { type: 'reserve', qty: terms.qty, at: c.at }, n);
  if (!held.ok) return refused(held);
  const counted = countSeat(ctx, s.campaignId!, c.memberId, true, c.at);
  if (!counted.ok) return refused(counted);
  const holdUntil = Math.min(c.at + terms.seatHoldMs, s.deadline);
  const f = fx();
  f.timers.push(seatTimerSpec(n, holdUntil));
  const e: GroupEvent = { type: 'SeatHeld', n, memberId: c.memberId, inviter: c.inviter ?? null, holdUntil, at: c.at };
  return emit(s, [e], c.at, f);
}

/** Why a payment cannot pay for a seat, or null when it does. */
function lateOrSpare(s: GroupState, seat: Seat | undefined, paidAt: number): string | null {
  if (closed(s)) return 'group_closed';
  if (seat === undefined) return 'no_seat';
  if (seat.status === 'paid') return 'already_paid';
  if (paidAt > s.deadline) return 'after_deadline';
  if (paidAt > seat.holdUntil) return 'seat_expired';
  return null;
}

function pay(
  s: GroupState,
  terms: GroupTerms,
  c: Extract<GroupParsed, { type: 'pay' }>,
  ctx: DecideContext,
): GroupDecision | Rejection {
  if (s.payments.some((p) => p.paymentId === c.paymentId)) return unchanged(s);
  if (c.amountFen !== terms.groupPriceFen)
    return reject(X.AmountMismatch, `paid ${c.amountFen} fen for a group price of ${terms.groupPriceFen} fen`, {
      expected: terms.groupPriceFen,
      paid: c.amountFen,
    });
  const received: { -readonly [K in keyof GroupPayment]: GroupPayment[K] } = {
    paymentId: c.paymentId,
    memberId: c.memberId,
    amountFen: c.amountFen,
    paidAt: c.paidAt,
    status: 'kept',
    reason: null,
  };
  const event: Extract<GroupEvent, { type: 'PaymentReceived' }> = {
    type: 'PaymentReceived',
    paymentId: c.paymentId,
    memberId: c.memberId,
    amountFen: c.amountFen,
    paidAt: c.paidAt,
    at: c.at,
  };
  if (c.outTradeNo !== undefined) {
    received.outTradeNo = c.outTradeNo;
    event.outTradeNo = c.outTradeNo;
  }
  const events: GroupEvent[] = [event];
  const f = fx();
  const seat = seatOf(s, c.memberId);
  const why = lateOrSpare(s, seat, c.paidAt);
  if (why !== null || seat === undefined) {
    refund(s, received, why ?? 'no_seat', c.at, events, f);
    return emit(s, events, c.at, f, c.paymentId);
  }
  events.push({ type: 'SeatPaid', n: seat.n, paymentId: c.paymentId, at: c.at });
  f.cancelTimers.push(seatTimer(seat.n));
  if (paidSeats(s).length + 1 === terms.size) {
    const paid = paidSeats(s).map((x) => ({ seat: x, paymentId: x.paymentId! }));
    complete(s, terms, [...paid, { seat, paymentId: c.paymentId }], c.at, ctx, events, f, received);
  }
  return emit(s, events, c.at, f, c.paymentId);
}

/** Completes the group with these paid seats: their stock committed, the completion sent out. */
function complete(
  s: GroupState,
  terms: GroupTerms,
  paid: readonly { seat: Seat; paymentId: string }[],
  at: number,
  ctx: DecideContext,
  events: GroupEvent[],
  f: Fx,
  /** The payment that completes the group (not in `s.payments` yet). */
  last?: GroupPayment,
): void {
  const members: GroupCompleted['members'][number][] = [];
  for (const { seat, paymentId } of paid) {
    // Only the group moves its seats' holds, so a commit cannot find one gone.
    stock(ctx, s, terms, { type: 'commit', at }, seat.n);
    const m: { -readonly [K in keyof GroupCompleted['members'][number]]: GroupCompleted['members'][number][K] } = {
      memberId: seat.memberId,
      paymentId,
      amountFen: terms.groupPriceFen,
      stockRef: seatRef(s.groupId, seat.n),
    };
    const payment =
      s.payments.find((x) => x.paymentId === paymentId) ?? (last?.paymentId === paymentId ? last : undefined);
    if (payment?.outTradeNo !== undefined) m.outTradeNo = payment.outTradeNo;
    members.push(m);
  }
  const filled = terms.size - paid.length;
  events.push(filled > 0 ? { type: 'GroupCompleted', filled, at } : { type: 'GroupCompleted', at });
  f.cancelTimers.push(DEADLINE_TIMER);
  const data: GroupCompleted = {
    kind: 'group-completed',
    store: s.store,
    groupId: s.groupId,
    campaignId: s.campaignId!,
    skuId: terms.skuId,
    qty: terms.qty,
    priceFen: terms.groupPriceFen,
    members,
    filled,
    at,
  };
  f.outputs.push({ subject: groupBuySubject(s.store), id: groupCompletedId(s.groupId), data, jetstream: true });
}

/**
 * The deadline of an auto-filled campaign (成团): the store takes the missing places, so an open group
 * completes with the members who paid; seats still waiting for payment are released.
 */
function autoFill(s: GroupState, terms: GroupTerms, at: number, ctx: DecideContext): GroupDecision {
  const events: GroupEvent[] = [];
  const f = fx();
  for (const seat of activeSeats(s).filter((x) => x.status === 'held')) {
    events.push(release(s, terms, seat, 'unpaid_at_deadline', at, ctx));
    f.cancelTimers.push(seatTimer(seat.n));
  }
  const paid = paidSeats(s).map((seat) => ({ seat, paymentId: seat.paymentId! }));
  complete(s, terms, paid, at, ctx, events, f);
  return emit(s, events, at, f);
}

/** Ends the group short of N: every seat's stock released, every kept payment refunded, every timer cancelled. */
function fail(
  s: GroupState,
  terms: GroupTerms,
  reason: FailReason,
  at: number,
  ctx: DecideContext,
  events: GroupEvent[],
  f: Fx,
): GroupDecision {
  let next = s;
  for (const e of events) next = evolveGroup(next, e);
  for (const seat of activeSeats(next)) {
    stock(ctx, s, terms, { type: 'release', reason: `group ${reason}`, at }, seat.n);
    countSeat(ctx, s.campaignId!, seat.memberId, false, at);
    events.push({ type: 'SeatReleased', n: seat.n, reason: 'group_failed', at });
    f.cancelTimers.push(seatTimer(seat.n));
  }
  for (const p of next.payments) if (p.status === 'kept') refund(s, p, reason, at, events, f);
  events.push({ type: 'GroupFailed', reason, at });
  f.cancelTimers.push(DEADLINE_TIMER);
  return emit(s, events, at, f);
}

function release(
  s: GroupState,
  terms: GroupTerms,
  seat: Seat,
  why: 'hold_expired' | 'left' | 'unpaid_at_deadline',
  at: number,
  ctx: DecideContext,
) {
  stock(ctx, s, terms, { type: 'release', reason: why, at }, seat.n);
  countSeat(ctx, s.campaignId!, seat.memberId, false, at);
  return { type: 'SeatReleased', n: seat.n, reason: why, at } satisfies GroupEvent;
}

function leave(
  s: GroupState,
  terms: GroupTerms,
  c: Extract<GroupParsed, { type: 'leave' }>,
  ctx: DecideContext,
): GroupDecision | Rejection {
  if (closed(s)) return reject(X.GroupClosed, `group ${s.groupId} is ${s.status}`);
  const seat = seatOf(s, c.memberId);
  if (seat === undefined) return reject(X.NotAMember, `${c.memberId} holds no place in group ${s.groupId}`);
  const events: GroupEvent[] = [release(s, terms, seat, 'left', c.at, ctx)];
  const f = fx();
  f.cancelTimers.push(seatTimer(seat.n));
  const p = s.payments.find((x) => x.paymentId === seat.paymentId);
  if (p !== undefined && p.status === 'kept') refund(s, p, 'left', c.at, events, f);
  // A leader who leaves before paying leaves a group nobody can join.
  if (s.status === 'forming') return fail(s, terms, 'leader_unpaid', c.at, ctx, events, f);
  return emit(s, events, c.at, f);
}

function seatTimeout(
  s: GroupState,
  terms: GroupTerms,
  c: Extract<GroupParsed, { type: 'seatTimeout' }>,
  ctx: DecideContext,
): GroupDecision | Rejection {
  const seat = s.seats.find((x) => x.n === c.n);
  if (closed(s) || seat === undefined || seat.status !== 'held')
    return reject(X.NothingDue, `seat ${c.n} of group ${s.groupId} is not waiting for payment`);
  const events: GroupEvent[] = [release(s, terms, seat, 'hold_expired', c.at, ctx)];
  if (s.status === 'forming') return fail(s, terms, 'leader_unpaid', c.at, ctx, events, fx());
  return emit(s, events, c.at, fx());
}
