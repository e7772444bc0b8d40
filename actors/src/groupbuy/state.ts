/**
 * A group's events, state and view. Seats and payments are kept apart: a seat is
 * a place in the group with its stock held (`held` until its member pays, then
 * `paid`, or `released`), a payment is money that arrived (`kept`, or
 * `refunding` then `refunded`). A payment that finds no seat to pay for (late,
 * a second one, a closed group) is refunded at once, so money is never kept
 * without a seat and a seat is never paid twice.
 */
import type { GroupTerms } from './campaign.js';

export type GroupStatus = 'none' | 'forming' | 'open' | 'completed' | 'failed';
export type SeatStatus = 'held' | 'paid' | 'released';
export type PaymentStatus = 'kept' | 'refunding' | 'refunded';
export type FailReason = 'expired' | 'dissolved' | 'leader_unpaid';

export interface Seat {
  readonly n: number;
  readonly memberId: string;
  readonly inviter: string | null;
  readonly status: SeatStatus;
  readonly holdUntil: number;
  readonly paymentId: string | null;
}

export interface GroupPayment {
  readonly paymentId: string;
  readonly memberId: string;
  readonly amountFen: number;
  readonly paidAt: number;
  readonly status: PaymentStatus;
  readonly reason: string | null;
  /** The trade it was paid under (absent for payments recorded before it was kept). */
  readonly outTradeNo?: string;
}

export interface GroupState {
  readonly groupId: string;
  readonly store: string;
  readonly status: GroupStatus;
  readonly campaignId: string | null;
  readonly terms: GroupTerms | null;
  readonly leader: string | null;
  readonly openedAt: number;
  readonly deadline: number;
  readonly seats: readonly Seat[];
  readonly payments: readonly GroupPayment[];
  readonly failure: FailReason | null;
  readonly closedAt: number | null;
  readonly seq: number;
}

export type GroupEvent =
  | { type: 'GroupOpened'; campaignId: string; terms: GroupTerms; leader: string; deadline: number; at: number }
  | { type: 'SeatHeld'; n: number; memberId: string; inviter: string | null; holdUntil: number; at: number }
  | {
      type: 'PaymentReceived';
      paymentId: string;
      memberId: string;
      amountFen: number;
      paidAt: number;
      outTradeNo?: string;
      at: number;
    }
  | { type: 'SeatPaid'; n: number; paymentId: string; at: number }
  | {
      type: 'SeatReleased';
      n: number;
      reason: 'hold_expired' | 'left' | 'group_failed' | 'unpaid_at_deadline';
      at: number;
    }
  | { type: 'RefundStarted'; paymentId: string; reason: string; at: number }
  /** `filled`: places the store took at the deadline of an auto-filled campaign. */
  | { type: 'GroupCompleted'; filled?: number; at: number }
  | { type: 'GroupFailed'; reason: FailReason; at: number }
  | { type: 'RefundCompleted'; paymentId: string; at: number };

export function initialGroup(store: string, groupId: string): GroupState {
  return {
    groupId,
    store,
    status: 'none',
    campaignId: null,
    terms: null,
    leader: null,
    openedAt: 0,
    deadline: 0,
    seats: [],
    payments: [],
    failure: null,
    closedAt: null,
    seq: 0,
  };
}

const setSeat = (seats: readonly Seat[], n: number, f: (s: Seat) => Seat): Seat[] =>
  seats.map((s) => (s.n === n ? f(s) : s));
const setPayment = (ps: readonly GroupPayment[], id: string, f: (p: GroupPayment) => GroupPayment): GroupPayment[] =>
  ps.map((p) => (p.paymentId === id ? f(p) : p));

export function evolveGroup(s: GroupState, e: GroupEvent): GroupState {
  const seq = s.seq + 1;
  switch (e.type) {
    case 'GroupOpened':
      return {
        ...s,
        seq,
        status: 'forming',
        campaignId: e.campaignId,
        terms: e.terms,
        leader: e.leader,
        openedAt: e.at,
        deadline: e.deadline,
      };
    case 'SeatHeld': {
      const seat: Seat = {
        n: e.n,
        memberId: e.memberId,
        inviter: e.inviter,
        status: 'held',
        holdUntil: e.holdUntil,
        paymentId: null,
      };
      return { ...s, seq, seats: [...s.seats, seat] };
    }
    case 'PaymentReceived': {
      const p: { -readonly [K in keyof GroupPayment]: GroupPayment[K] } = {
        paymentId: e.paymentId,
        memberId: e.memberId,
        amountFen: e.amountFen,
        paidAt: e.paidAt,
        status: 'kept',
        reason: null,
      };
      if (e.outTradeNo !== undefined) p.outTradeNo = e.outTradeNo;
      return { ...s, seq, payments: [...s.payments, p] };
    }
    case 'SeatPaid': {
      const seats = setSeat(s.seats, e.n, (x) => ({ ...x, status: 'paid', paymentId: e.paymentId }));
      const leaderPaid = s.status === 'forming' && seats.some((x) => x.memberId === s.leader && x.status === 'paid');
      return { ...s, seq, seats, status: leaderPaid ? 'open' : s.status };
    }
    case 'SeatReleased':
      return { ...s, seq, seats: setSeat(s.seats, e.n, (x) => ({ ...x, status: 'released' })) };
    case 'RefundStarted':
      return {
        ...s,
        seq,
        payments: setPayment(s.payments, e.paymentId, (p) => ({ ...p, status: 'refunding', reason: e.reason })),
      };
    case 'GroupCompleted':
      return { ...s, seq, status: 'completed', closedAt: e.at };
    case 'GroupFailed':
      return { ...s, seq, status: 'failed', failure: e.reason, closedAt: e.at };
    case 'RefundCompleted':
      return { ...s, seq, payments: setPayment(s.payments, e.paymentId, (p) => ({ ...p, status: 'refunded' })) };
  }
}

/** Seats that count against the group's size: held or paid. */
export const activeSeats = (s: GroupState): Seat[] => s.seats.filter((x) => x.status !== 'released');
export const paidSeats = (s: GroupState): Seat[] => s.seats.filter((x) => x.status === 'paid');
export const seatOf = (s: GroupState, memberId: string): Seat | undefined =>
  s.seats.find((x) => x.memberId === memberId && x.status !== 'released');

/** What a diner's page and the staff see. `refunding` / `refunded` are a failed group's two stages. */
export type GroupViewStatus = 'none' | 'forming' | 'open' | 'completed' | 'refunding' | 'refunded';

export interface GroupView {
  readonly groupId: string;
  readonly store: string;
  readonly campaignId: string | null;
  readonly status: GroupViewStatus;
  readonly leader: string | null;
  readonly size: number;
  /** Seats taken (held or paid): what the live member count shows. */
  readonly members: number;
  readonly paid: number;
  readonly priceFen: number;
  readonly deadline: number;
  readonly failure: FailReason | null;
  /** The seats taken, by number (`n`: a member who left and joined again has a new one). */
  readonly seats: readonly { n: number; memberId: string; status: SeatStatus; inviter: string | null }[];
  /** Refunds started and not yet confirmed by the payment worker. */
  readonly refundsPending: number;
  readonly version: number;
}

export function viewStatus(s: GroupState): GroupViewStatus {
  if (s.status !== 'failed') return s.status;
  return s.payments.some((p) => p.status === 'refunding') ? 'refunding' : 'refunded';
}

export function groupView(s: GroupState): GroupView {
  return {
    groupId: s.groupId,
    store: s.store,
    campaignId: s.campaignId,
    status: viewStatus(s),
    leader: s.leader,
    size: s.terms?.size ?? 0,
    members: activeSeats(s).length,
    paid: paidSeats(s).length,
    priceFen: s.terms?.groupPriceFen ?? 0,
    deadline: s.deadline,
    failure: s.failure,
    seats: activeSeats(s).map((x) => ({ n: x.n, memberId: x.memberId, status: x.status, inviter: x.inviter })),
    refundsPending: s.payments.filter((p) => p.status === 'refunding').length,
    version: s.seq,
  };
}
