/**
 * The console's list of the chain's coupon campaigns (what the diners' coupon centre lists:
 * every campaign defined through `PUT …/campaigns/{campaignId}`), with what each issued and has
 * left. Defining, pausing and issuing are the staff campaign routes' (`routes/staff/campaigns.ts`).
 */
import { STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { campaignOf, type CampaignView } from '@lunchrush/actors/members';
import type { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../errors.js';
import { route, type Route } from '../http.js';
import { CampaignListAnswer } from '../member-answers.js';
import { campaignSetKey } from '../routes/diner/member.js';
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
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS, ErrorCode.Unavailable],
    async handle(_req, _input: { params: z.output<typeof StoreParams> }) {
      const ids = (await deps.redis.smembers(campaignSetKey(deps.prefix))).sort();
      const at = Date.now();
      const views = await Promise.all(ids.map((id) => campaignOf(deps.engine, id).send({ type: 'get', at })));
      const campaigns: CampaignView[] = views.filter((v) => v.defined);
      return { body: { campaigns } };
    },
  });
}
