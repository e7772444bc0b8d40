/**
 * The order's side of members and promotions: pricing a placement with the
 * store's promotions and what the member's card set aside for it, the amount
 * WeChat Pay still has to collect, and the instructions to the member's card
 * (in another partition) when the order is paid or will never be.
 *
 * The card holds coupons, points and stored value for the order before the
 * placement (`member.hold`, keyed by the order id). The order prices with
 * exactly those and refuses when they no longer fit (the gateway then releases
 * the hold). From then on the order tells the card what became of it through
 * durable side outputs on `members.<memberId>` (JetStream, one id per step), so
 * a crash between the order's record and the card's never loses the step: the
 * card's commands are idempotent by order id.
 */
import type { DecideContext, Rejection, SideOutput } from '@lunchrush/engine';
import { NO_INSTRUMENTS, checkout, refundShares, type Instruments } from '../checkout.js';
import type { ScopeLine } from '../coupon.js';
import { ActorTypes } from '../domain.js';
import { refuse } from '../errors.js';
import { DEFAULT_TZ_OFFSET_MIN } from '../hours.js';
import type { ReleaseReason } from '../member/commands.js';
import { DEFAULT_MEMBER_PROGRAM } from '../member/program.js';
import type { Fen } from '../money.js';
import type { Quote } from '../pricing.js';
import { PROMOTIONS_ACTOR_ID, type PromotionsView } from '../store-promotions.js';
import type { Parsed } from './commands.js';
import type { MemberPayment, OrderDiscount, OrderEvent, Refund } from './events.js';
import type { OrderState } from './evolve.js';

/** What a placement adds to its `Created` event: the totals, and the discounts and member parts when any. */
export interface MemberPricing {
  readonly discountFen: Fen;
  readonly totalFen: Fen;
  readonly discounts?: OrderDiscount[];
  readonly lineNetFen?: Fen[];
  readonly member?: MemberPayment;
}

/** The store's promotions; none when the store has no promotions actor. */
function promotionsOf(ctx: DecideContext): PromotionsView['promotions'] {
  const r = ctx.call<PromotionsView>(ActorTypes.Promotions, PROMOTIONS_ACTOR_ID, { type: 'get' });
  return r.ok ? r.result.promotions : [];
}

/** Prices a placement with the store's promotions and the member's held coupons, points and stored value. */
export function priceWithMember(
  c: Extract<Parsed, { type: 'place' }>,
  quote: Quote,
  ctx: DecideContext,
): MemberPricing | Rejection {
  const promotions = promotionsOf(ctx);
  const m = c.member;
  if (promotions.length === 0 && m === undefined) return { discountFen: quote.discountFen, totalFen: quote.totalFen };
  const lines: ScopeLine[] = quote.lines.map((l) => {
    const line = { lineNo: l.lineNo, skuId: l.skuId, qty: l.qty, unitPriceFen: l.unitPriceFen, amountFen: l.amountFen };
    // The category too: category-scoped coupons and promotions match on it.
    return l.category === undefined ? line : { ...line, category: l.category };
  });
  const out = checkout({
    store: ctx.self.store,
    channel: c.channel,
    at: c.at,
    tzOffsetMin: DEFAULT_TZ_OFFSET_MIN,
    lines,
    packagingFeeFen: quote.packagingFeeFen,
    deliveryFeeFen: quote.deliveryFeeFen,
    promotions,
    member:
      m === undefined
        ? null
        : { level: m.level, paidOrders: m.paidOrders, points: m.points, balanceFen: m.balanceFen, coupons: m.coupons },
    // Exactly what the card set aside: the order must use all of it or refuse.
    choice: {
      couponIds: m?.coupons.map((x) => x.couponId) ?? [],
      points: m?.points ?? 0,
      balanceFen: m?.balanceFen ?? 0,
    },
    program: m?.program ?? DEFAULT_MEMBER_PROGRAM,
  });
  if (!out.ok) return refuse(out.code, out.message);
  const p = out.plan;
  const priced: MemberPricing = {
    discountFen: p.discountFen,
    totalFen: p.payableFen,
    discounts: p.discounts.map(({ id, kind, label, reason, amountFen }) => ({ id, kind, label, reason, amountFen })),
    lineNetFen: [...p.lineNetFen],
  };
  if (m === undefined) return priced;
  return {
    ...priced,
    member: {
      memberId: m.memberId,
      couponIds: p.couponIds,
      points: p.points,
      pointsFen: p.pointsFen,
      balanceFen: p.balanceFen,
    },
  };
}

/** What WeChat Pay collects: the total less the member's stored value. */
export function dueFen(s: OrderState): Fen {
  return s.totalFen - (s.member?.balanceFen ?? 0);
}

export const memberSubject = (memberId: string): string => `members.${memberId}`;
export const memberInstructionId = (orderId: string, step: string): string => `member:${orderId}:${step}`;

/** A command for a member's card, as the order sends it (the forwarder hands `command` on as it is). */
export interface MemberInstruction {
  readonly memberId: string;
  readonly orderId: string;
  readonly command:
    | {
        type: 'orderPaid';
        orderId: string;
        paidFen: Fen;
        /** What the hold held (the card takes it again when the hold is gone). */
        expects?: { points: number; balanceFen: Fen; couponIds: string[] };
        at: number;
      }
    | { type: 'release'; orderId: string; reason: ReleaseReason; at: number }
    /** A lottery's points entry: the hold keyed `orderId` is spent (`lottery.ts`). */
    | { type: 'spendHold'; orderId: string; points: number; at: number }
    | {
        type: 'refund';
        orderId: string;
        refundId: string;
        points: number;
        balanceFen: Fen;
        /** What the refund gives back of what earned points (WeChat Pay and stored value; absent before it was sent). */
        paidFen?: Fen;
        at: number;
      };
}

function instruction(
  m: MemberPayment,
  orderId: string,
  step: string,
  command: MemberInstruction['command'],
): SideOutput {
  const data: MemberInstruction = { memberId: m.memberId, orderId, command };
  return { subject: memberSubject(m.memberId), id: memberInstructionId(orderId, step), data, jetstream: true };
}

/**
 * The card's instructions a decision's events call for: paid → `orderPaid` (the hold is spent, the
 * amount earns points); cancelled or timed out before payment → `release`; a refund approved →
 * `refund` of its stored value and points, and of what it gives back of the paid amount (the points
 * earned on it are taken back).
 */
export function memberOutputs(s: OrderState, events: readonly OrderEvent[], at: number): SideOutput[] {
  const m = s.member;
  if (m === undefined) return [];
  const out: SideOutput[] = [];
  const expects = { points: m.points, balanceFen: m.balanceFen, couponIds: [...m.couponIds] };
  for (const e of events) {
    if (e.type === 'Paid') {
      const paid = { type: 'orderPaid' as const, orderId: s.orderId, paidFen: s.totalFen, expects, at };
      out.push(instruction(m, s.orderId, 'paid', paid));
    } else if (e.type === 'RefundApproved') {
      const r =
        s.refunds.find((x) => x.refundId === e.refundId) ??
        events.find(
          (x): x is Extract<OrderEvent, { type: 'RefundRequested' }> =>
            x.type === 'RefundRequested' && x.refund.refundId === e.refundId,
        )?.refund;
      const i = r === undefined ? undefined : refundInstruction(s, m, r, at);
      if (i !== undefined) out.push(i);
    } else if (e.type === 'Cancelled' && s.payment === null && !events.some((x) => x.type === 'Paid')) {
      const reason: ReleaseReason = e.reason === 'payment_timeout' ? 'timeout' : 'cancelled';
      out.push(instruction(m, s.orderId, 'release', { type: 'release', orderId: s.orderId, reason, at }));
    }
  }
  return out;
}

/** What the order was paid with, and what refunds (not rejected) gave back, per instrument. */
export function instrumentsOf(s: OrderState): { paid: Instruments; refunded: Instruments } {
  const m = s.member;
  const wechatFen = s.payment?.amountFen ?? 0;
  const paid: Instruments =
    m === undefined || s.payment === null
      ? { wechatFen, balanceFen: 0, pointsFen: 0 }
      : { wechatFen, balanceFen: m.balanceFen, pointsFen: m.pointsFen };
  let refunded: Instruments = NO_INSTRUMENTS;
  for (const r of s.refunds) {
    if (r.status === 'rejected') continue;
    refunded = {
      wechatFen: refunded.wechatFen + r.amountFen,
      balanceFen: refunded.balanceFen + (r.balanceFen ?? 0),
      pointsFen: refunded.pointsFen + (r.pointsFen ?? 0),
    };
  }
  return { paid, refunded };
}

/** Everything still refundable, over every instrument. */
export function leftToRefundFen(s: OrderState): Fen {
  const { paid, refunded } = instrumentsOf(s);
  return (
    Math.max(0, paid.wechatFen - refunded.wechatFen) +
    Math.max(0, paid.balanceFen - refunded.balanceFen) +
    Math.max(0, paid.pointsFen - refunded.pointsFen)
  );
}

/** What `qty` units of a line are worth back: its net amount's share (after its discounts) and its packaging. */
export function netLineRefundFen(s: OrderState, lineNo: number, qty: number): Fen {
  const i = s.lines.findIndex((l) => l.lineNo === lineNo);
  const line = s.lines[i]!;
  const net = s.lineNetFen?.[i] ?? line.amountFen;
  return Math.floor((net * qty) / line.qty) + Math.floor((line.packagingFeeFen * qty) / line.qty);
}

/**
 * A member order's refund per instrument: a share of WeChat Pay, stored value and points in
 * proportion to what paid the order, never more than is left of each; a full refund all that is left.
 */
export function memberRefundParts(
  s: OrderState,
  full: boolean,
  valueFen: Fen,
): { amountFen: Fen; balanceFen: Fen; pointsFen: Fen } {
  const { paid, refunded } = instrumentsOf(s);
  const x = refundShares(paid, refunded, valueFen, full);
  return { amountFen: x.wechatFen, balanceFen: x.balanceFen, pointsFen: x.pointsFen };
}

/** Points worth `pointsFen`, at the rate the order used them. */
function pointsFor(m: MemberPayment, pointsFen: Fen): number {
  return m.pointsFen === 0 ? 0 : (pointsFen * m.points) / m.pointsFen;
}

function refundInstruction(s: OrderState, m: MemberPayment, r: Refund, at: number): SideOutput | undefined {
  const balanceFen = r.balanceFen ?? 0;
  const points = pointsFor(m, r.pointsFen ?? 0);
  // The WeChat Pay part too: the points the order earned on it go back (a cash-only refund tells the card).
  const paidFen = r.amountFen + balanceFen;
  if (balanceFen === 0 && points === 0 && paidFen === 0) return undefined;
  return instruction(m, s.orderId, `refund:${r.refundId}`, {
    type: 'refund',
    orderId: s.orderId,
    refundId: r.refundId,
    points,
    balanceFen,
    paidFen,
    at,
  });
}
