/**
 * Paying for a group-buy seat or a bargain: a WeChat Pay prepay for the diner's held seat (the
 * group price) or for a bargain they checked out (the price reached), made by the payments'
 * `CampaignPayments` (out_trade_no `gp_…` / `bp_…`, a retry is the same payment). The callback
 * gives the group or bargain its `pay`; whether it buys the seat or is refunded is theirs to say.
 */
import { ErrorCode as D } from '@lunchrush/actors';
import { BargainErrorCode as B, GroupBuyErrorCode as G, bargainOf, groupOf } from '@lunchrush/actors/campaigns';
import type { z } from 'zod';
import { PrepayAnswer } from '../../answers.js';
import { StoreBargainParams, StoreGroupParams } from '../../campaign-schemas.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { Route } from '../../http.js';
import { DINER_STORE_BASE, dinerRoute, prepayAnswer, session } from './common.js';

const doc = { response: PrepayAnswer };

export function campaignPayRoutes(deps: GatewayDeps): Route[] {
  return [
    dinerRoute({
      method: 'post',
      path: `${DINER_STORE_BASE}/groups/{groupId}/pay`,
      summary: "Pay for the diner's held seat in a group (the group price) through WeChat Pay",
      ...doc,
      params: StoreGroupParams,
      errors: [
        ...ENGINE_ERRORS,
        G.GroupNotFound,
        G.GroupClosed,
        G.NotAMember,
        D.AlreadyPaid,
        ErrorCode.PaymentProviderError,
      ],
      async handle(req, { params }: { params: z.output<typeof StoreGroupParams> }) {
        const s = session(req);
        const g = await groupOf(deps.engine, params.store, params.groupId).send({ type: 'get' });
        if (g.status !== 'forming' && g.status !== 'open')
          throw new HttpError(G.GroupClosed, `group ${params.groupId} is ${g.status}`);
        const seat = g.seats.find((x) => x.memberId === s.dinerId && x.status !== 'released');
        if (seat === undefined) throw new HttpError(G.NotAMember, 'join the group first');
        if (seat.status === 'paid') throw new HttpError(D.AlreadyPaid, 'your place in this group is paid');
        const p = await deps.payments.campaigns.prepay({
          kind: 'group',
          store: params.store,
          targetId: g.groupId,
          memberId: s.dinerId,
          amountFen: g.priceFen,
          deadline: g.deadline,
          openid: s.openid,
          seat: seat.n,
        });
        return { body: prepayAnswer(deps, p.payId, p, g.priceFen, g.deadline) };
      },
    }),
    dinerRoute({
      method: 'post',
      path: `${DINER_STORE_BASE}/bargains/{bargainId}/pay`,
      summary: 'Pay for a bargain checked out, at the price reached, through WeChat Pay',
      ...doc,
      params: StoreBargainParams,
      errors: [...ENGINE_ERRORS, B.BargainNotFound, B.BargainClosed, D.Forbidden, ErrorCode.PaymentProviderError],
      async handle(req, { params }: { params: z.output<typeof StoreBargainParams> }) {
        const s = session(req);
        const v = await bargainOf(deps.engine, params.store, params.bargainId).send({ type: 'get' });
        if (v.initiator !== s.dinerId) throw new HttpError(D.Forbidden, 'only the bargain’s initiator pays for it');
        if (v.status !== 'locked')
          throw new HttpError(B.BargainClosed, `the bargain is ${v.status}: check out first, before its deadline`);
        const p = await deps.payments.campaigns.prepay({
          kind: 'bargain',
          store: params.store,
          targetId: v.bargainId,
          memberId: s.dinerId,
          amountFen: v.priceFen,
          deadline: v.deadline,
          openid: s.openid,
        });
        return { body: prepayAnswer(deps, p.payId, p, v.priceFen, v.deadline) };
      },
    }),
  ];
}
