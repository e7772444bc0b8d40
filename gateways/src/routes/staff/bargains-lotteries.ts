/**
 * Bargain campaigns and lotteries for managers: define, stop (bargains) and read them, and redeem
 * an item a lottery draw won (the staff hand it over). Lotteries end with their window; their
 * prizes' quantities are never exceeded.
 */
import { ErrorCode as D, STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import {
  BargainErrorCode as B,
  LotteryErrorCode as L,
  bargainCampaignOf,
  lotteryOf,
} from '@lunchrush/actors/campaigns';
import { z } from 'zod';
import { BargainCampaignAnswer, LotteryAnswer } from '../../campaign-answers.js';
import type { CampaignIndex } from '../../campaign-index.js';
import {
  BargainTermsBody,
  LotteryDefBody,
  StoreBargainCampaignParams,
  StoreLotteryParams,
} from '../../campaign-schemas.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { Route } from '../../http.js';
import { BODY_ERRORS, STAFF_BASE as base, by, staffRoute } from './common.js';
import { termsCampaignRoutes } from './terms-campaign.js';

type LParams = z.output<typeof StoreLotteryParams>;
const staffDoc = { roles: MAY.setup };
const RedeemBody = z.strictObject({ drawId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function staffBargainLotteryRoutes(deps: GatewayDeps, index: CampaignIndex): Route[] {
  const bargain = bargainCampaignOf.bind(null, deps.engine);
  return [
    ...termsCampaignRoutes(index, {
      kind: 'bargain',
      path: '/bargain-campaigns/{campaignId}',
      what: 'bargain campaign',
      response: BargainCampaignAnswer,
      params: StoreBargainCampaignParams,
      body: BargainTermsBody,
      exists: B.CampaignExists,
      notFound: B.CampaignNotFound,
      summary: {
        define: 'Define a bargain campaign (砍价): dish, start and floor prices, helps to the floor (K), time, limits',
        stop: 'Stop a bargain campaign: no new bargains; those started run to their deadline',
        read: 'A bargain campaign: its terms, stopped or not, open now or not',
      },
      send: (k, command) => bargain(k.store, k.campaignId).send(command),
    }),
    ...lotteryRoutes(deps, index),
  ];
}

function lotteryRoutes(deps: GatewayDeps, index: CampaignIndex): Route[] {
  return [
    staffRoute({
      method: 'put',
      path: `${base}/lotteries/{lotteryId}`,
      response: LotteryAnswer,
      summary:
        'Define a lottery (抽奖): prizes with quantities and odds, the entry (a paid order, or free), a daily limit',
      ...staffDoc,
      params: StoreLotteryParams,
      body: LotteryDefBody,
      errors: [...BODY_ERRORS, ...ENGINE_ERRORS, L.Exists, D.InvalidCommand, ErrorCode.Unavailable],
      async handle(_req, { params, body }: { params: LParams; body: z.output<typeof LotteryDefBody> }) {
        await index.addCampaign(params.store, 'lottery', params.lotteryId);
        const v = await lotteryOf(deps.engine, params.store, params.lotteryId).send({
          type: 'define',
          lottery: body,
          at: Date.now(),
        });
        return { body: v };
      },
    }),
    staffRoute({
      method: 'get',
      path: `${base}/lotteries/{lotteryId}`,
      response: LotteryAnswer,
      summary: 'A lottery: prizes, how many of each are left, draws so far (its cost)',
      ...staffDoc,
      roles: MAY.view,
      params: StoreLotteryParams,
      errors: [...ENGINE_ERRORS, L.NotFound],
      async handle(_req, { params }: { params: LParams }) {
        const v = await lotteryOf(deps.engine, params.store, params.lotteryId).send({ type: 'get' });
        if (v.name === null) throw new HttpError(L.NotFound, `no lottery ${params.lotteryId}`);
        return { body: v };
      },
    }),
    staffRoute({
      method: 'post',
      path: `${base}/lotteries/{lotteryId}/redeem`,
      response: LotteryAnswer,
      summary: 'Hand over the item a draw won (once)',
      ...staffDoc,
      roles: MAY.view,
      params: StoreLotteryParams,
      body: RedeemBody,
      errors: [...BODY_ERRORS, ...ENGINE_ERRORS, L.NotFound, L.UnknownDraw, L.NothingToRedeem],
      async handle(req, { params, body }: { params: LParams; body: z.output<typeof RedeemBody> }) {
        const v = await lotteryOf(deps.engine, params.store, params.lotteryId).send({
          type: 'redeem',
          drawId: body.drawId,
          by: by(req),
          at: Date.now(),
        });
        return { body: v };
      },
    }),
  ];
}
