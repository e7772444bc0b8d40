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
import { checkout, memberOf, promotionsOf, type MemberCoupon } from '@lunchrush/actors/members';
import { EngineError } from '@lunchrush/engine';
import type { z } from 'zod';
import type { GatewayDeps } from '../../deps.js';
import { ErrorCode, HttpError } from '../../errors.js';
import type { RequestInfo } from '../../http.js';
import { programReader } from '../../member-program.js';
import type { PlaceOrderBody } from '../../schemas.js';
import { seated, session } from './common.js';
import type { Place } from './place.js';

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
    const view = await deps.engine.table(t.store, t.tableId).send({ type: 'get' });
    if (view.cart.length === 0) throw new HttpError(D.EmptyCart, 'the table cart is empty');
    const lines = view.cart.map((l) => ({
      skuId: l.skuId,
      qty: l.qty,
      options: [...l.options],
      ...(l.note === null ? {} : { note: l.note }),
    }));
    return { store: t.store, lines };
  }
  const store = body.store ?? session(req).store;
  if (store === undefined) throw new HttpError(ErrorCode.NoTable, 'scan a table, or name the store');
  if (body.lines === undefined)
    throw new HttpError(ErrorCode.ValidationFailed, 'takeaway and delivery list their lines');
  return { store, lines: body.lines };
}

/** The plan for this order and what the card must hold for it. */
async function planFor(
  deps: GatewayDeps,
  req: RequestInfo,
  body: Body,
  at: number,
): Promise<{ store: string; member: OrderMember }> {
  const { engine } = deps;
  const dinerId = session(req).dinerId;
  const { store, lines } = await storeAndLines(deps, req, body);
  const channel = body.channel ?? 'dine_in';
  const program = await programReader(deps).get();
  const [quote, promos, card] = await Promise.all([
    engine.catalog(store).send({ type: 'quote', channel, lines, at }),
    promotionsOf(engine, store).send({ type: 'get' }),
    memberOf(engine, dinerId).send({ type: 'get', at, program }),
  ]);
  if (!card.enrolled) throw new HttpError(D.NotEnrolled, 'paying with the member card needs a card: enrol first');
  const coupons = card.coupons.filter((c) => c.status === 'available').map(bareCoupon);
  const pay = body.pay!;
  const out = checkout({
    store,
    channel,
    at,
    tzOffsetMin: program.tzOffsetMin,
    lines: quote.lines,
    packagingFeeFen: quote.packagingFeeFen,
    deliveryFeeFen: quote.deliveryFeeFen,
    promotions: promos.promotions,
    member: {
      level: card.level,
      paidOrders: card.paidOrders,
      points: card.points,
      balanceFen: card.balanceFen,
      coupons,
    },
    choice: {
      couponIds: pay.couponIds ?? 'best',
      ...(pay.points === undefined ? {} : { points: pay.points }),
      ...(pay.balanceFen === undefined ? {} : { balanceFen: pay.balanceFen }),
    },
    program,
  });
  if (!out.ok) throw new HttpError(out.code, out.message);
  const p = out.plan;
  const member: OrderMember = {
    memberId: dinerId,
    level: card.level,
    paidOrders: card.paidOrders,
    coupons: coupons.filter((c) => p.couponIds.includes(c.couponId)),
    points: p.points,
    balanceFen: p.balanceFen,
    // The order prices again with the same programme (points' worth and share).
    program,
  };
  return { store, member };
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
