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
import { checkout } from '../checkout.js';
import type { ScopeLine } from '../coupon.js';
import { ActorTypes } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import { DEFAULT_TZ_OFFSET_MIN } from '../hours.js';
import type { ReleaseReason } from '../member/commands.js';
import { DEFAULT_MEMBER_PROGRAM } from '../member/program.js';
import type { Fen } from '../money.js';
import type { Quote } from '../pricing.js';
import { PROMOTIONS_ACTOR_ID, type PromotionsView } from '../store-promotions.js';
import type { Parsed } from './commands.js';
import type { MemberPayment, OrderDiscount, OrderEvent } from './events.js';
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
  const lines: ScopeLine[] = quote.lines.map((l) => ({
    lineNo: l.lineNo,
    skuId: l.skuId,
    qty: l.qty,
    unitPriceFen: l.unitPriceFen,
    amountFen: l.amountFen,
  }));
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
    | { type: 'orderPaid'; orderId: string; paidFen: Fen; at: number }
    | { type: 'release'; orderId: string; reason: ReleaseReason; at: number }
    | { type: 'refund'; orderId: string; refundId: string; points: number; balanceFen: Fen; at: number };
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
 * amount earns points); cancelled or timed out before payment → `release`.
 */
export function memberOutputs(s: OrderState, events: readonly OrderEvent[], at: number): SideOutput[] {
  const m = s.member;
  if (m === undefined) return [];
  const out: SideOutput[] = [];
  for (const e of events) {
    if (e.type === 'Paid') {
      out.push(instruction(m, s.orderId, 'paid', { type: 'orderPaid', orderId: s.orderId, paidFen: s.totalFen, at }));
    } else if (e.type === 'Cancelled' && s.payment === null && !events.some((x) => x.type === 'Paid')) {
      const reason: ReleaseReason = e.reason === 'payment_timeout' ? 'timeout' : 'cancelled';
      out.push(instruction(m, s.orderId, 'release', { type: 'release', orderId: s.orderId, reason, at }));
    }
  }
  return out;
}

/** A refusal for what this order cannot do yet with a member's stored value or points in it. */
export function memberRefundGuard(s: OrderState): Rejection | undefined {
  const m = s.member;
  if (m === undefined || (m.balanceFen === 0 && m.points === 0)) return undefined;
  return refuse(
    ErrorCode.RefundNotAllowed,
    `order ${s.orderId} was paid with stored value or points: staff refund it from the member's card`,
  );
}
