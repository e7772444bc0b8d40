/**
 * Placing an order a member's card pays part of (`POST /v1/diner/orders` with `pay`). The card
 * lives in a partition of its own, so the placement is two steps, each idempotent by the order id:
 *
 * 1. the plan (`checkout`: the catalog's quote, the store's promotions, the card's coupons, points
 *    and stored value as `pay` asks) and the card's `hold` of exactly what the plan uses;
 * 2. the order's placement with what the card held (`place.member`): the order prices again in its
 *    own transaction with the stock reservation and refuses when the held amounts no longer fit.
 *
 * A refused placement releases the hold. (Were the order placed after all — a timeout whose command
 * went through — its payment has the card take the hold again, `orderPaid.expects`.) An order the card
 * pays in full is paid at once, with no WeChat Pay step. From then on the order tells the card what
 * becomes of it (the member forwarder).
 */
import {
  ErrorCode as D,
  orderIdFor,
  orderOf,
  type OrderDetail,
  type OrderMember,
  type QuoteLine,
} from '@lunchrush/actors';
import {
  checkout,
  memberOf,
  promotionsOf,
  type CheckoutChoice,
  type CheckoutInput,
  type CheckoutMember,
  type CheckoutPlan,
  type MemberCoupon,
} from '@lunchrush/actors/members';
import { EngineError } from '@lunchrush/engine';
import type { z } from 'zod';
import type { GatewayDeps } from '../../deps.js';
import { ErrorCode, HttpError } from '../../errors.js';
import type { RequestInfo } from '../../http.js';
import { programReader } from '../../member-program.js';
import type { PlaceOrderBody } from '../../schemas.js';
import { seated, session } from './common.js';
import type { Place } from './place.js';
import { cartLines } from './table-cart.js';

type Body = z.output<typeof PlaceOrderBody>;

/** What spending a card (coupons, points, stored value) can be refused with, at checkout and placement. */
export const CARD_SPEND_ERRORS = [
  D.CouponUnavailable,
  D.CouponNotApplicable,
  D.CouponExpired,
  D.CouponStacking,
  D.InsufficientPoints,
  D.InsufficientBalance,
] as const;

export const MEMBER_PLACE_ERRORS = [D.NotEnrolled, ...CARD_SPEND_ERRORS] as const;

/** A card's coupon as its terms (without its status on the card). */
export function bareCoupon(c: MemberCoupon & { status?: unknown; orderId?: unknown }): MemberCoupon {
  return { couponId: c.couponId, campaignId: c.campaignId, terms: c.terms, validFrom: c.validFrom, validTo: c.validTo };
}

/** Where the order goes and its lines (the table's cart for a dine-in order without lines). */
export async function storeAndLines(
  deps: GatewayDeps,
  req: RequestInfo,
  body: { channel?: Body['channel']; lines?: QuoteLine[] | undefined; store?: string | undefined },
): Promise<{ store: string; lines: QuoteLine[] }> {
  if ((body.channel ?? 'dine_in') === 'dine_in') {
    const t = seated(req);
    if (body.lines !== undefined) return { store: t.store, lines: body.lines };
    return { store: t.store, lines: await cartLines(deps, t.store, t.tableId) };
  }
  const store = body.store ?? session(req).store;
  if (store === undefined) throw new HttpError(ErrorCode.NoTable, 'scan a table, or name the store');
  if (body.lines === undefined)
    throw new HttpError(ErrorCode.ValidationFailed, 'takeaway and delivery list their lines');
  return { store, lines: body.lines };
}

/** Coupons, points and stored value a diner asks for (each absent when not asked for). */
export function choiceOf(c: {
  couponIds?: CheckoutChoice['couponIds'] | undefined;
  points?: CheckoutChoice['points'] | undefined;
  balanceFen?: CheckoutChoice['balanceFen'] | undefined;
}): CheckoutChoice {
  return {
    ...(c.couponIds === undefined ? {} : { couponIds: c.couponIds }),
    ...(c.points === undefined ? {} : { points: c.points }),
    ...(c.balanceFen === undefined ? {} : { balanceFen: c.balanceFen }),
  };
}

/**
 * What the diner's card would pay of these lines (`checkout`'s plan, refused with its code): the
 * catalog's quote, the store's promotions and the card read together. A diner without a card is
 * planned without one, unless `cardRequired` names why one is needed.
 */
export async function planCheckout(
  deps: GatewayDeps,
  o: {
    dinerId: string;
    store: string;
    channel: CheckoutInput['channel'];
    lines: QuoteLine[];
    choice: CheckoutChoice;
    at: number;
    cardRequired?: string;
  },
): Promise<{ plan: CheckoutPlan; member: CheckoutMember | null; program: CheckoutInput['program'] }> {
  const { engine } = deps;
  const { store, channel, at } = o;
  const program = await programReader(deps).get();
  const [quote, promos, card] = await Promise.all([
    engine.catalog(store).send({ type: 'quote', channel, lines: o.lines, at }),
    promotionsOf(engine, store).send({ type: 'get' }),
    memberOf(engine, o.dinerId).send({ type: 'get', at, program }),
  ]);
  if (!card.enrolled && o.cardRequired !== undefined) throw new HttpError(D.NotEnrolled, o.cardRequired);
  const member = card.enrolled
    ? {
        level: card.level,
        paidOrders: card.paidOrders,
        points: card.points,
        balanceFen: card.balanceFen,
        coupons: card.coupons.filter((c) => c.status === 'available').map(bareCoupon),
      }
    : null;
  const out = checkout({
    store,
    channel,
    at,
    tzOffsetMin: program.tzOffsetMin,
    lines: quote.lines,
    packagingFeeFen: quote.packagingFeeFen,
    deliveryFeeFen: quote.deliveryFeeFen,
    promotions: promos.promotions,
    member,
    choice: o.choice,
    program,
  });
  if (!out.ok) throw new HttpError(out.code, out.message);
  return { plan: out.plan, member, program };
}

/** The plan for this order and what the card must hold for it. */
async function planFor(
  deps: GatewayDeps,
  req: RequestInfo,
  body: Body,
  at: number,
): Promise<{ store: string; member: OrderMember }> {
  const dinerId = session(req).dinerId;
  const { store, lines } = await storeAndLines(deps, req, body);
  const pay = body.pay!;
  const { plan, member, program } = await planCheckout(deps, {
    dinerId,
    store,
    channel: body.channel ?? 'dine_in',
    lines,
    choice: { ...choiceOf(pay), couponIds: pay.couponIds ?? 'best' },
    at,
    cardRequired: 'paying with the member card needs a card: enrol first',
  });
  const card = member!; // never null: `cardRequired`
  return {
    store,
    member: {
      memberId: dinerId,
      level: card.level,
      paidOrders: card.paidOrders,
      coupons: card.coupons.filter((c) => plan.couponIds.includes(c.couponId)),
      points: plan.points,
      balanceFen: plan.balanceFen,
      // The order prices again with the same programme (points' worth and share).
      program,
    },
  };
}

export async function placeWithCard(
  deps: GatewayDeps,
  place: Place,
  req: RequestInfo,
  body: Body,
  key: string,
  at: number,
): Promise<OrderDetail> {
  const { store, member } = await planFor(deps, req, body, at);
  const orderId = orderIdFor(store, member.memberId, key);
  const card = memberOf(deps.engine, member.memberId);
  const couponIds = member.coupons.map((c) => c.couponId);
  // Only a hold this request took is released when the placement is refused: a repeat's hold is
  // its first placement's (the same order id), which a refused repeat must not give back.
  let heldNow = false;
  try {
    const r = await card.send({
      type: 'hold',
      orderId,
      points: member.points,
      balanceFen: member.balanceFen,
      couponIds,
      at,
    });
    heldNow = r.duplicate !== true;
  } catch (e) {
    // A repeat of a placement that went through: the order answers it (its request digest decides).
    const repeat = e instanceof EngineError && (e.reason === D.HoldSettled || e.reason === D.IdempotencyConflict);
    if (!repeat) throw e;
  }
  let order: OrderDetail;
  try {
    order = await place(req, body, key, at, member);
  } catch (e) {
    if (heldNow) await card.send({ type: 'release', orderId, reason: 'failed', at: Date.now() }).catch(() => undefined);
    throw e;
  }
  if (order.status === 'pending_payment' && order.totalFen === (order.member?.balanceFen ?? -1)) {
    // The card pays it all: nothing for WeChat Pay.
    await orderOf(deps.engine, store, orderId).send(
      { type: 'confirmPayment', paymentId: `card-${orderId}`, amountFen: 0, paidAt: at, at: Date.now() },
      { id: `pay:card-${orderId}` },
    );
    return {
      ...(await orderOf(deps.engine, store, orderId).send({ type: 'get' })),
      ...(order.duplicate ? { duplicate: true } : {}),
    };
  }
  return order;
}
