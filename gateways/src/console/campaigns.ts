/**
 * The console's list of the chain's coupon campaigns (what the diners' coupon centre lists:
 * every campaign defined through `PUT …/campaigns/{campaignId}`), with what each issued and has
 * left. Defining, pausing and issuing are the staff campaign routes' (`routes/staff/campaigns.ts`).
 */
import { STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import type { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS } from '../errors.js';
import { route, type Route } from '../http.js';
import { CampaignListAnswer } from '../member-answers.js';
import { listedCampaigns } from '../routes/diner/member.js';
import { StoreParams } from '../schemas.js';
import { STAFF_BASE as base, STAFF_ERRORS } from '../routes/staff/common.js';

export function campaignListRoute(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: `${base}/campaigns`,
    response: CampaignListAnswer,
    tag: 'console',
    summary: "The chain's coupon campaigns: total, issued, left, open or paused",
    auth: 'staff',
    roles: MAY.view,
    params: StoreParams,
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
    async handle(_req, _input: { params: z.output<typeof StoreParams> }) {
      return { body: { campaigns: await listedCampaigns(deps, Date.now()) } };
    },
  });
}
