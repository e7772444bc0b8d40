/**
 * Coupon campaigns and a store's promotions, for managers: define a campaign (its template's
 * terms, total, per-member limit, claim window, validity), see what it issued and has left, pause
 * it, issue a coupon to a member; set and read the store's automatic promotions, and the chain's
 * member programme (`member-program.ts`). Campaigns are the chain's (an actor per campaign, in a
 * partition of its own); the route sits under a store because staff tokens do, and the coupon
 * centre lists every campaign defined through it (the chain's campaign directory).
 */
import { ErrorCode as D, STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { campaignDirectoryOf, campaignOf, promotionsOf, type CampaignView } from '@lunchrush/actors/members';
import type { z } from 'zod';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS } from '../../errors.js';
import type { Route } from '../../http.js';
import { CampaignAnswer, ClaimAnswer, PromotionsAnswer } from '../../member-answers.js';
import { CampaignDefBody, IssueBody, PauseBody, PromotionsBody, StoreCampaignParams } from '../../member-schemas.js';
import { StoreParams } from '../../schemas.js';
import { claimFor } from '../diner/member.js';
import { BODY_ERRORS, STAFF_BASE as base, staffRoute } from './common.js';
import { memberProgramRoutes } from './member-program.js';

type Params = z.output<typeof StoreCampaignParams>;
const doc = { roles: MAY.setup, params: StoreCampaignParams };

export function campaignRoutes(deps: GatewayDeps): Route[] {
  return [
    defineCampaign(deps),
    campaignView(deps),
    pauseCampaign(deps),
    issueCoupon(deps),
    ...promotionRoutes(deps),
    ...memberProgramRoutes(deps),
  ];
}

/** `PUT …/campaigns/{campaignId}`: defines it (the same definition again changes nothing). */
function defineCampaign(deps: GatewayDeps): Route {
  return staffRoute({
    method: 'put',
    path: `${base}/campaigns/{campaignId}`,
    response: CampaignAnswer,
    summary: 'Define a coupon campaign: terms, total (never exceeded), per-member limit, claim window, validity',
    ...doc,
    body: CampaignDefBody,
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.CampaignExists, D.InvalidCommand],
    async handle(_req, { params, body }: { params: Params; body: z.output<typeof CampaignDefBody> }) {
      // Listed first (the chain's campaign directory): a listed id the engine never defined shows
      // nowhere (the centre skips it), and the same definition again lists and defines nothing new.
      await campaignDirectoryOf(deps.engine).send({ type: 'add', campaignId: params.campaignId, at: Date.now() });
      const view: CampaignView = await campaignOf(deps.engine, params.campaignId).send({
        type: 'define',
        campaign: body,
        at: Date.now(),
      });
      return { body: view };
    },
  });
}

/** `GET …/campaigns/{campaignId}`: issued, remaining, open. */
function campaignView(deps: GatewayDeps): Route {
  return staffRoute({
    method: 'get',
    path: `${base}/campaigns/{campaignId}`,
    response: CampaignAnswer,
    summary: 'A campaign: its definition, how many coupons it issued and has left',
    ...doc,
    roles: MAY.view,
    errors: [...ENGINE_ERRORS],
    async handle(_req, { params }: { params: Params }) {
      return { body: await campaignOf(deps.engine, params.campaignId).send({ type: 'get', at: Date.now() }) };
    },
  });
}

/** `POST …/campaigns/{campaignId}/pause`: stops (or resumes) claims; staff may still issue. */
function pauseCampaign(deps: GatewayDeps): Route {
  return staffRoute({
    method: 'post',
    path: `${base}/campaigns/{campaignId}/pause`,
    response: CampaignAnswer,
    summary: 'Pause claims of a campaign (paused: false resumes them)',
    ...doc,
    body: PauseBody,
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.CampaignNotDefined],
    async handle(_req, { params, body }: { params: Params; body: z.output<typeof PauseBody> }) {
      const view = await campaignOf(deps.engine, params.campaignId).send({
        type: 'pause',
        paused: body.paused,
        at: Date.now(),
      });
      return { body: view };
    },
  });
}

/** `POST …/campaigns/{campaignId}/issue`: a coupon for a member, outside the claim window. */
function issueCoupon(deps: GatewayDeps): Route {
  return staffRoute({
    method: 'post',
    path: `${base}/campaigns/{campaignId}/issue`,
    response: ClaimAnswer,
    summary: "Issue a coupon of a campaign to a member's card (within its total and per-member limit)",
    ...doc,
    body: IssueBody,
    errors: [
      ...BODY_ERRORS,
      ...ENGINE_ERRORS,
      D.CampaignNotDefined,
      D.CampaignExhausted,
      D.ClaimLimitReached,
      D.NotEnrolled,
    ],
    async handle(_req, { params, body }: { params: Params; body: z.output<typeof IssueBody> }) {
      return { body: await claimFor(deps, body.memberId, params.campaignId, 'issue') };
    },
  });
}

/** `GET` and `PUT …/promotions`: the store's automatic promotions. */
function promotionRoutes(deps: GatewayDeps): Route[] {
  type StoreOnly = { params: z.output<typeof StoreParams> };
  return [
    staffRoute({
      method: 'get',
      path: `${base}/promotions`,
      response: PromotionsAnswer,
      summary: "The store's automatic promotions",
      roles: MAY.view,
      params: StoreParams,
      errors: [...ENGINE_ERRORS],
      async handle(_req, { params }: StoreOnly) {
        return { body: await promotionsOf(deps.engine, params.store).send({ type: 'get' }) };
      },
    }),
    staffRoute({
      method: 'put',
      path: `${base}/promotions`,
      response: PromotionsAnswer,
      summary: "Set the store's automatic promotions (member price, combo, second half price, time of day)",
      roles: MAY.setup,
      params: StoreParams,
      body: PromotionsBody,
      errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.InvalidCommand],
      async handle(_req, { params, body }: StoreOnly & { body: z.output<typeof PromotionsBody> }) {
        const view = await promotionsOf(deps.engine, params.store).send({
          type: 'set',
          promotions: body.promotions,
          at: Date.now(),
        });
        return { body: view };
      },
    }),
  ];
}
