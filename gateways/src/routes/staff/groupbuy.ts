/**
 * Group-buy campaigns for managers: define one (its dish, group price, size N, time limit T, seat
 * hold, per-member limit, auto-fill), stop it (no new groups; open ones run to their end), read it
 * or list the store's (the console's 拼团 page), see its groups live (status, members' seats, refunds pending) and dissolve a group (everyone
 * refunded, stock released).
 */
import { STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { GroupBuyErrorCode as G, groupCampaignOf, groupOf, type GroupView } from '@lunchrush/actors/campaigns';
import type { z } from 'zod';
import { GroupAnswer, GroupCampaignAnswer, GroupCampaignListAnswer, GroupListAnswer } from '../../campaign-answers.js';
import type { CampaignIndex } from '../../campaign-index.js';
import {
  DissolveBody,
  GroupTermsBody,
  LiveGroupsQuery,
  StoreGroupCampaignParams,
  StoreGroupParams,
} from '../../campaign-schemas.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../../errors.js';
import type { Route } from '../../http.js';
import { StoreParams } from '../../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, by, staffRoute } from './common.js';
import { termsCampaignRoutes } from './terms-campaign.js';

type Params = z.output<typeof StoreGroupCampaignParams>;
const doc = { roles: MAY.setup, params: StoreGroupCampaignParams };
const LIVE: ReadonlySet<string> = new Set(['forming', 'open', 'refunding']);

export function staffGroupBuyRoutes(deps: GatewayDeps, index: CampaignIndex): Route[] {
  const campaign = groupCampaignOf.bind(null, deps.engine);
  return [
    ...termsCampaignRoutes(index, {
      kind: 'groupbuy',
      path: '/group-buys/{campaignId}',
      what: 'group-buy campaign',
      response: GroupCampaignAnswer,
      params: StoreGroupCampaignParams,
      body: GroupTermsBody,
      exists: G.CampaignExists,
      notFound: G.CampaignNotFound,
      summary: {
        define: 'Define a group-buy campaign (拼团): dish, group price, size N, time limit T, limits, auto-fill',
        stop: 'Stop a group-buy campaign: no new groups; groups already open run to their end',
        read: 'A group-buy campaign: its terms, stopped or not, open now or not',
      },
      send: (k, command) => campaign(k.store, k.campaignId).send(command),
    }),
    list(deps, index),
    groups(deps, index),
    dissolve(deps),
  ];
}

function list(deps: GatewayDeps, index: CampaignIndex): Route {
  return staffRoute({
    method: 'get',
    path: `${base}/group-buys`,
    response: GroupCampaignListAnswer,
    summary: "The store's group-buy campaigns, stopped ones too (the console's live groups page picks from them)",
    roles: MAY.view,
    params: StoreParams,
    errors: [...ENGINE_ERRORS, ErrorCode.Unavailable],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      const at = Date.now();
      const ids = await index.campaigns(params.store, 'groupbuy');
      const views = await Promise.all(
        ids.map((id) =>
          groupCampaignOf(deps.engine, params.store, id)
            .send({ type: 'get', at })
            .catch(() => null),
        ),
      );
      return { body: { campaigns: views.filter((v) => v !== null && v.terms !== null) } };
    },
  });
}

function groups(deps: GatewayDeps, index: CampaignIndex): Route {
  return staffRoute({
    method: 'get',
    path: `${base}/group-buys/{campaignId}/groups`,
    response: GroupListAnswer,
    summary: "A campaign's groups, newest first: live ones (forming, open, refunding) by default, or the latest 200",
    ...doc,
    roles: MAY.view,
    query: LiveGroupsQuery,
    errors: [...ENGINE_ERRORS, ErrorCode.Unavailable],
    async handle(_req, { params, query }: { params: Params; query: z.output<typeof LiveGroupsQuery> }) {
      const ids = await index.groups(params.store, params.campaignId);
      const views = await Promise.all(
        ids.map((id) =>
          groupOf(deps.engine, params.store, id)
            .send({ type: 'get' })
            .catch(() => null),
        ),
      );
      const listed = views.filter((g): g is GroupView => g !== null && g.status !== 'none');
      return { body: { groups: query.which === 'all' ? listed : listed.filter((g) => LIVE.has(g.status)) } };
    },
  });
}

function dissolve(deps: GatewayDeps): Route {
  return staffRoute({
    method: 'post',
    path: `${base}/groups/{groupId}/dissolve`,
    response: GroupAnswer,
    summary: 'Dissolve a group before its time: every member refunded in full, the stock released',
    roles: MAY.setup,
    params: StoreGroupParams,
    body: DissolveBody,
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, G.GroupNotFound, G.GroupClosed],
    async handle(
      req,
      { params, body }: { params: z.output<typeof StoreGroupParams>; body: z.output<typeof DissolveBody> },
    ) {
      const g = await groupOf(deps.engine, params.store, params.groupId).send({
        type: 'dissolve',
        by: by(req),
        reason: body.reason,
        at: Date.now(),
      });
      return { body: g };
    },
  });
}
