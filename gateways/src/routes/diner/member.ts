/**
 * A diner's member card and coupons: the card (level, points, stored value, coupons), enrolling,
 * the daily check-in and the birthday gift; the coupon centre (the chain's campaigns) and claiming
 * a coupon; and checkout: what an order would cost with promotions, the best (or chosen) coupon,
 * points and stored value. The card is the member actor keyed by the diner's id (`memberOf`), in a
 * partition of its own; nothing here touches a store's partition but the catalog's quote and the
 * store's promotions, both reads.
 */
import { ErrorCode as D } from '@lunchrush/actors';
import {
  campaignDirectoryOf,
  campaignOf,
  couponGrantId,
  memberOf,
  type CampaignView,
  type MemberCoupon,
  type MemberResult,
} from '@lunchrush/actors/members';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PrepayAnswer } from '../../answers.js';
import { idempotencyKey } from '../../idempotency.js';
import { programReader } from '../../member-program.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { Route } from '../../http.js';
import { CampaignListAnswer, CheckoutAnswer, ClaimAnswer, MemberCardAnswer } from '../../member-answers.js';
import { CampaignParams, CheckoutBody, EnrollBody, TopUpBody } from '../../member-schemas.js';
import { INPUT_ERRORS, LINE_ERRORS, dinerRoute, prepayAnswer, session } from './common.js';
import { CARD_SPEND_ERRORS, choiceOf, planCheckout, storeAndLines } from './member-place.js';

/**
 * Every defined campaign of the chain, by id: the chain's campaign directory (an actor, so the list
 * is as durable as the campaigns), each campaign's own view (a listed id never defined is skipped).
 */
export async function listedCampaigns(deps: Pick<GatewayDeps, 'engine'>, at: number): Promise<CampaignView[]> {
  const { campaignIds } = await campaignDirectoryOf(deps.engine).send({ type: 'list' });
  const views = await Promise.all(campaignIds.map((id) => campaignOf(deps.engine, id).send({ type: 'get', at })));
  return views.filter((v) => v.defined);
}

const CARD_ERRORS = [...ENGINE_ERRORS, D.NotEnrolled] as const;

export function memberRoutes(deps: GatewayDeps): Route[] {
  return [
    card(deps),
    cardAction(deps, 'enroll', 'Become a member (sign-up points)', EnrollBody, [D.AlreadyEnrolled], (b, at) => ({
      type: 'enroll',
      ...(b.birthday === undefined ? {} : { birthday: b.birthday }),
      at,
    })),
    cardAction(
      deps,
      'check-in',
      "Today's check-in (points; a streak bonus)",
      undefined,
      [D.AlreadyCheckedIn],
      (_b, at) => ({
        type: 'checkIn',
        at,
      }),
    ),
    cardAction(
      deps,
      'birthday-gift',
      'The birthday gift, on the birthday, once a year',
      undefined,
      [D.GiftNotDue],
      (_b, at) => ({
        type: 'birthdayGift',
        at,
      }),
    ),
    topUp(deps),
    couponCentre(deps),
    claim(deps),
    checkoutRoute(deps),
  ];
}

/**
 * `POST /v1/diner/member/top-up {amountFen}` with an Idempotency-Key: a WeChat Pay prepay for the
 * card's stored value (out_trade_no `t_` + 20 characters of the diner and key's digest, so a retry
 * is the same top-up); the payment callback puts it on the card with the bonus of its tier.
 */
function topUp(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/member/top-up',
    response: PrepayAnswer,
    summary: 'Top up the stored value through WeChat Pay (the bonus of the amount’s tier comes with it)',
    body: TopUpBody,
    headers: [{ name: 'Idempotency-Key', required: true, description: '8–64 of A–Z a–z 0–9 _ -, new for each top-up' }],
    errors: [...CARD_ERRORS, ...INPUT_ERRORS, ErrorCode.MissingIdempotencyKey, ErrorCode.PaymentProviderError],
    async handle(req, { body }: { body: z.output<typeof TopUpBody> }) {
      const s = session(req);
      const key = idempotencyKey(req);
      const card = await memberOf(deps.engine, s.dinerId).send({ type: 'get', at: Date.now() });
      if (!card.enrolled) throw new HttpError(D.NotEnrolled, 'enrol first (POST /v1/diner/member/enroll)');
      const topUpId = `t_${createHash('sha256').update(`${s.dinerId}:${key}`).digest('base64url').slice(0, 20)}`;
      const p = await deps.payments.prepayTopUp(topUpId, s.dinerId, body.amountFen, s.openid);
      return { body: prepayAnswer(deps, topUpId, p, body.amountFen, Date.now() + 15 * 60_000) };
    },
  });
}

/** `GET /v1/diner/member`. */
function card(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'get',
    path: '/v1/diner/member',
    response: MemberCardAnswer,
    summary: "The diner's member card: level, points, stored value, coupons (enrolled: false before enrolling)",
    errors: [...ENGINE_ERRORS],
    async handle(req) {
      const program = await programReader(deps).get();
      const body = await memberOf(deps.engine, session(req).dinerId).send({ type: 'get', at: Date.now(), program });
      return { body };
    },
  });
}

type CardCommand = Parameters<ReturnType<typeof memberOf>['send']>[0];

/** `POST /v1/diner/member/{action}`: one command to the diner's card, its answer the card. */
function cardAction<B>(
  deps: GatewayDeps,
  action: string,
  summary: string,
  body: z.ZodType<B> | undefined,
  errors: readonly string[],
  command: (b: B, at: number) => CardCommand,
): Route {
  return dinerRoute({
    method: 'post',
    path: `/v1/diner/member/${action}`,
    response: MemberCardAnswer,
    summary,
    ...(body === undefined ? {} : { body }),
    errors: [...CARD_ERRORS, ...(body === undefined ? [] : INPUT_ERRORS), ...errors],
    async handle(req, input: { body: B }) {
      const at = Date.now();
      const program = await programReader(deps).get();
      const answer: MemberResult = await memberOf(deps.engine, session(req).dinerId).send({
        ...command(input.body, at),
        program,
      });
      return { body: answer };
    },
  });
}

/** `GET /v1/diner/coupon-centre`: every campaign of the chain, open or not, with what is left. */
function couponCentre(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'get',
    path: '/v1/diner/coupon-centre',
    response: CampaignListAnswer,
    summary: "The coupon centre: the chain's campaigns and how many coupons each has left",
    errors: [...ENGINE_ERRORS],
    async handle() {
      return { body: { campaigns: await listedCampaigns(deps, Date.now()) } };
    },
  });
}

/** `POST /v1/diner/coupon-centre/{campaignId}/claim`: takes a coupon and puts it on the card. */
function claim(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/coupon-centre/{campaignId}/claim',
    response: ClaimAnswer,
    summary: 'Claim a coupon of a campaign (never more than its total, at most its per-member limit)',
    params: CampaignParams,
    errors: [
      ...CARD_ERRORS,
      D.CampaignNotDefined,
      D.CampaignNotOpen,
      D.CampaignExhausted,
      D.ClaimLimitReached,
      ErrorCode.ValidationFailed,
    ],
    async handle(req, { params }: { params: z.output<typeof CampaignParams> }) {
      return { body: await claimFor(deps, session(req).dinerId, params.campaignId, 'claim') };
    },
  });
}

/**
 * Claims (or issues) a coupon for a member and grants it to the card (the claim's side output grants
 * it as well, for a gateway that dies in between). The claim's command id counts
 * the member's coupons of the campaign, so a retry of the same claim takes no second coupon.
 */
export async function claimFor(
  deps: GatewayDeps,
  memberId: string,
  campaignId: string,
  via: 'claim' | 'issue',
): Promise<{ coupon: MemberCoupon; campaign: CampaignView; card: MemberResult }> {
  const cardHandle = memberOf(deps.engine, memberId);
  const before = await cardHandle.send({ type: 'get', at: Date.now() });
  if (!before.enrolled) throw new HttpError(D.NotEnrolled, 'enrol first (POST /v1/diner/member/enroll)');
  const held = before.coupons.filter((c) => c.campaignId === campaignId).length;
  const at = Date.now();
  const r = await campaignOf(deps.engine, campaignId).send(
    { type: 'claim', memberId, via, at },
    { id: `claim:${memberId}:${held + 1}` },
  );
  const { coupon, memberClaims: _n, ...campaign } = r;
  // The claim's own side output grants it too (the member forwarder), so a gateway gone here loses
  // nothing; granting now answers with the card holding it. Same id and command as the forwarder's.
  const card = await cardHandle.send({ type: 'grantCoupon', coupon, at }, { id: couponGrantId(coupon.couponId) });
  return { coupon, campaign, card };
}

/** `POST /v1/diner/checkout`: what the order would cost with promotions, coupons, points and stored value. */
function checkoutRoute(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/checkout',
    response: CheckoutAnswer,
    summary:
      'Price lines (or, dine-in without lines, the table cart) for the diner: every discount with its reason, the best coupon suggested (used unless couponIds says), points and stored value',
    body: CheckoutBody,
    errors: [...INPUT_ERRORS, ...ENGINE_ERRORS, ...LINE_ERRORS, ErrorCode.NoTable, D.EmptyCart, ...CARD_SPEND_ERRORS],
    async handle(req, { body }: { body: z.output<typeof CheckoutBody> }) {
      const { store, lines } = await storeAndLines(deps, req, body);
      const { plan } = await planCheckout(deps, {
        dinerId: session(req).dinerId,
        store,
        channel: body.channel,
        lines,
        choice: choiceOf(body),
        at: Date.now(),
      });
      return { body: plan };
    },
  });
}
