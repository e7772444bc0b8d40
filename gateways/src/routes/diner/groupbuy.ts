/**
 * Group-buy (拼团) for diners: the store's campaigns, a campaign's page, opening a group (the
 * leader's seat and stock held until they pay), joining one through a member's share code, a
 * group's live count (also pushed on the WebSocket topic `group:<groupId>`), leaving before it
 * completes. Paying for a seat is `campaign-pay.ts`. A diner need not be seated at a table: the
 * store is in the path.
 */
import { ErrorCode as D } from '@lunchrush/actors';
import {
  GroupBuyErrorCode as G,
  bargainCampaignOf,
  groupCampaignOf,
  groupOf,
  lotteryOf,
  type GroupResult,
  type GroupView,
} from '@lunchrush/actors/campaigns';
import type { z } from 'zod';
import { DinerGroupAnswer, CampaignsAnswer, GroupCampaignAnswer } from '../../campaign-answers.js';
import { JoinBody, StoreGroupCampaignParams, StoreGroupParams } from '../../campaign-schemas.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../../errors.js';
import type { Route } from '../../http.js';
import { IDEMPOTENCY_HEADER, idempotencyKey } from '../../idempotency.js';
import { StoreParams } from '../../schemas.js';
import { idFor } from '../../share-codes.js';
import type { CampaignIndex } from '../../campaign-index.js';
import { SHARE_REFUSALS, campaignPageRoute, invitedTo, inviteOf, madeStatus } from './campaign-common.js';
import { DINER_STORE_BASE, INPUT_ERRORS, dinerRoute, session } from './common.js';

type CampaignParams = z.output<typeof StoreGroupCampaignParams>;
type GroupParams = z.output<typeof StoreGroupParams>;
const JOIN_ERRORS = [G.GroupNotFound, G.GroupNotOpen, G.GroupFull, G.GroupExpired, G.GroupClosed, G.MemberLimit];

/** What a diner sees of a group: counts, their own seat, and a share code while friends may still join. */
export function dinerGroup(
  deps: GatewayDeps,
  g: GroupView | GroupResult,
  dinerId: string,
): z.output<typeof DinerGroupAnswer> {
  const seat = g.seats.find((x) => x.memberId === dinerId && x.status !== 'released');
  const mine = seat === undefined ? null : { status: seat.status as 'held' | 'paid', leader: g.leader === dinerId };
  const answer: z.output<typeof DinerGroupAnswer> = {
    groupId: g.groupId,
    campaignId: g.campaignId,
    status: g.status,
    size: g.size,
    members: g.members,
    paid: g.paid,
    priceFen: g.priceFen,
    deadline: g.deadline,
    failure: g.failure,
    mine,
    version: g.version,
  };
  if (mine !== null && g.campaignId !== null && (g.status === 'forming' || g.status === 'open'))
    answer.share = inviteOf(
      deps,
      'group',
      { store: g.store, campaignId: g.campaignId },
      g.groupId,
      dinerId,
      g.deadline,
    );
  return answer;
}

export function groupBuyRoutes(deps: GatewayDeps, index: CampaignIndex): Route[] {
  return [
    campaigns(deps, index),
    campaignPage(deps),
    openGroup(deps, index),
    joinGroup(deps),
    readGroup(deps),
    leaveGroup(deps),
  ];
}

/** `GET …/campaigns`: the store's group-buy, bargain and lottery campaigns open now. */
function campaigns(deps: GatewayDeps, index: CampaignIndex): Route {
  return dinerRoute({
    method: 'get',
    path: `${DINER_STORE_BASE}/campaigns`,
    response: CampaignsAnswer,
    summary: "The store's group-buys, bargains and lotteries open now",
    params: StoreParams,
    errors: [...ENGINE_ERRORS, ErrorCode.Unavailable],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      const at = Date.now();
      const [g, b, l] = await Promise.all([
        index.campaigns(params.store, 'groupbuy'),
        index.campaigns(params.store, 'bargain'),
        index.campaigns(params.store, 'lottery'),
      ]);
      const defined = <T>(p: Promise<T>): Promise<T | null> => p.catch(() => null);
      const groupBuys = await Promise.all(
        g.map((id) => defined(groupCampaignOf(deps.engine, params.store, id).send({ type: 'get', at }))),
      );
      const bargains = await Promise.all(
        b.map((id) => defined(bargainCampaignOf(deps.engine, params.store, id).send({ type: 'get', at }))),
      );
      const lotteries = await Promise.all(
        l.map((id) => defined(lotteryOf(deps.engine, params.store, id).send({ type: 'get' }))),
      );
      return {
        body: {
          groupBuys: groupBuys.filter((x) => x !== null && x.open),
          bargains: bargains.filter((x) => x !== null && x.open),
          lotteries: lotteries.filter((x) => x !== null),
        },
      };
    },
  });
}

/** `GET …/group-buys/{campaignId}`: the campaign page's data. */
function campaignPage(deps: GatewayDeps): Route {
  return campaignPageRoute({
    path: '/group-buys/{campaignId}',
    response: GroupCampaignAnswer,
    summary: 'A group-buy campaign: the dish, the group price, the group size and time limit, whether groups may open',
    params: StoreGroupCampaignParams,
    notFound: G.CampaignNotFound,
    what: 'group-buy campaign',
    read: (p, at) => groupCampaignOf(deps.engine, p.store, p.campaignId).send({ type: 'get', at }),
  });
}

/** `POST …/group-buys/{campaignId}/groups`: the diner opens a group and leads it (their seat held until they pay). */
function openGroup(deps: GatewayDeps, index: CampaignIndex): Route {
  return dinerRoute({
    method: 'post',
    path: `${DINER_STORE_BASE}/group-buys/{campaignId}/groups`,
    response: DinerGroupAnswer,
    responseStatus: 201,
    summary: "Open a group: the leader's place and stock are held until they pay; answers the code to share",
    params: StoreGroupCampaignParams,
    headers: IDEMPOTENCY_HEADER,
    errors: [
      ...ENGINE_ERRORS,
      ErrorCode.MissingIdempotencyKey,
      G.CampaignNotFound,
      G.CampaignNotOpen,
      G.GroupExists,
      G.MemberLimit,
      D.SoldOut,
      ErrorCode.Unavailable,
    ],
    async handle(req, { params }: { params: CampaignParams }) {
      const s = session(req);
      const groupId = idFor('g', s.dinerId, idempotencyKey(req));
      const at = Date.now();
      await index.groupOpened(params.store, params.campaignId, groupId, at);
      const g = await groupOf(deps.engine, params.store, groupId).send({
        type: 'open',
        campaignId: params.campaignId,
        leader: s.dinerId,
        at,
      });
      return { status: madeStatus(g), body: dinerGroup(deps, g, s.dinerId) };
    },
  });
}

/** `POST …/group-buys/{campaignId}/join {shareCode}`: takes a seat in the group the code invites to. */
function joinGroup(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: `${DINER_STORE_BASE}/group-buys/{campaignId}/join`,
    response: DinerGroupAnswer,
    summary: "Join a group through a member's share code: a seat and its stock held until the diner pays",
    params: StoreGroupCampaignParams,
    body: JoinBody,
    errors: [...INPUT_ERRORS, ...ENGINE_ERRORS, ...SHARE_REFUSALS, ...JOIN_ERRORS, D.SoldOut],
    async handle(req, { params, body }: { params: CampaignParams; body: z.output<typeof JoinBody> }) {
      const s = session(req);
      const at = Date.now();
      const claims = invitedTo(deps, 'group', params, body.shareCode, at);
      const command =
        claims.inviter === s.dinerId
          ? { type: 'join' as const, memberId: s.dinerId, at }
          : { type: 'join' as const, memberId: s.dinerId, inviter: claims.inviter, at };
      const g = await groupOf(deps.engine, params.store, claims.targetId).send(command);
      return { body: dinerGroup(deps, g, s.dinerId) };
    },
  });
}

/** `GET …/groups/{groupId}`: the live count and the diner's own seat. */
function readGroup(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'get',
    path: `${DINER_STORE_BASE}/groups/{groupId}`,
    response: DinerGroupAnswer,
    summary: "A group's status and member count (live on the WebSocket topic group:<groupId>), and the diner's seat",
    params: StoreGroupParams,
    errors: [...ENGINE_ERRORS, G.GroupNotFound],
    async handle(req, { params }: { params: GroupParams }) {
      const g = await groupOf(deps.engine, params.store, params.groupId).send({ type: 'get' });
      return { body: dinerGroup(deps, g, session(req).dinerId) };
    },
  });
}

/** `POST …/groups/{groupId}/leave`: gives the diner's seat up before the group completes (a paid one is refunded). */
function leaveGroup(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: `${DINER_STORE_BASE}/groups/{groupId}/leave`,
    response: DinerGroupAnswer,
    summary: 'Leave a group before it completes: the seat and its stock released, a payment refunded in full',
    params: StoreGroupParams,
    errors: [...ENGINE_ERRORS, G.GroupNotFound, G.GroupClosed, G.NotAMember],
    async handle(req, { params }: { params: GroupParams }) {
      const s = session(req);
      const g = await groupOf(deps.engine, params.store, params.groupId).send({
        type: 'leave',
        memberId: s.dinerId,
        at: Date.now(),
      });
      return { body: dinerGroup(deps, g, s.dinerId) };
    },
  });
}
