/**
 * Bargains (砍价) for diners: a campaign's page, starting a bargain (answers the code to share),
 * helping a friend's bargain through their code (one help per diner and per device, the cut
 * decided by the actor from the bargain's seed), reading one, and the initiator checking out at
 * the price reached (the price locks and the stock is held until they pay). The device is the
 * `X-Device-Id` header the mini-program sends (also the per-device rate limit's key).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ErrorCode as D } from '@lunchrush/actors';
import { BargainErrorCode as B, bargainCampaignOf, bargainOf, type BargainView } from '@lunchrush/actors/campaigns';
import type { z } from 'zod';
import { BargainAnswer, BargainCampaignAnswer } from '../../campaign-answers.js';
import { HelpBody, StoreBargainCampaignParams, StoreBargainParams } from '../../campaign-schemas.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { RequestInfo, Route } from '../../http.js';
import { idFor } from '../../share-codes.js';
import { SHARE_REFUSALS, campaignPageRoute, invitedTo, inviteOf, madeStatus } from './campaign-common.js';
import { DINER_STORE_BASE, INPUT_ERRORS, dinerRoute, session } from './common.js';
import { IDEMPOTENCY_HEADER, idempotencyKey } from '../../idempotency.js';

type CampaignParams = z.output<typeof StoreBargainCampaignParams>;
type BargainParams = z.output<typeof StoreBargainParams>;
const DEVICE_RE = /^[A-Za-z0-9_.:-]{6,64}$/;

/** A bargain as a diner sees it; its initiator also gets the code to share while it is active. */
function answer(deps: GatewayDeps, store: string, v: BargainView, dinerId: string, campaignId: string | null) {
  if (v.initiator !== dinerId || v.status !== 'active' || campaignId === null) return v;
  return { ...v, share: inviteOf(deps, 'bargain', { store, campaignId }, v.bargainId, dinerId, v.deadline) };
}

/** The device a help comes from, as the actor keeps it (a digest: the header is the phone's own id). */
function deviceOf(req: RequestInfo): string {
  const d = req.headers['x-device-id'];
  if (d === undefined || !DEVICE_RE.test(d))
    throw new HttpError(
      ErrorCode.BadRequest,
      'helping a bargain needs an X-Device-Id header (6–64 of A–Z a–z 0–9 _ . : -)',
    );
  return createHash('sha256').update(d).digest('base64url').slice(0, 22);
}

export function bargainRoutes(deps: GatewayDeps): Route[] {
  return [campaignPage(deps), start(deps), help(deps), read(deps), checkout(deps)];
}

function campaignPage(deps: GatewayDeps): Route {
  return campaignPageRoute({
    path: '/bargain-campaigns/{campaignId}',
    response: BargainCampaignAnswer,
    summary: 'A bargain campaign: the dish, its start and floor prices, the time a bargain has, whether one may start',
    params: StoreBargainCampaignParams,
    notFound: B.CampaignNotFound,
    what: 'bargain campaign',
    read: (p, at) => bargainCampaignOf(deps.engine, p.store, p.campaignId).send({ type: 'get', at }),
  });
}

function start(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: `${DINER_STORE_BASE}/bargain-campaigns/{campaignId}/bargains`,
    response: BargainAnswer,
    responseStatus: 201,
    summary: 'Start a bargain at the start price; answers the code friends help with',
    params: StoreBargainCampaignParams,
    headers: IDEMPOTENCY_HEADER,
    errors: [...ENGINE_ERRORS, ErrorCode.MissingIdempotencyKey, B.CampaignNotFound, B.CampaignNotOpen, B.BargainExists],
    async handle(req, { params }: { params: CampaignParams }) {
      const s = session(req);
      const bargainId = idFor('b', s.dinerId, idempotencyKey(req));
      const v = await bargainOf(deps.engine, params.store, bargainId).send({
        type: 'start',
        campaignId: params.campaignId,
        initiator: s.dinerId,
        // Decides every cut of this bargain (recorded in its first event): reproducible, not guessable.
        seed: randomBytes(16).toString('base64url'),
        at: Date.now(),
      });
      return { status: madeStatus(v), body: answer(deps, params.store, v, s.dinerId, params.campaignId) };
    },
  });
}

function help(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: `${DINER_STORE_BASE}/bargain-campaigns/{campaignId}/help`,
    response: BargainAnswer,
    summary: "Help a friend's bargain through their share code (砍一刀): the server decides the cut",
    params: StoreBargainCampaignParams,
    body: HelpBody,
    headers: [{ name: 'X-Device-Id', required: true, description: "the phone's id: one help per device and bargain" }],
    errors: [
      ...INPUT_ERRORS,
      ...ENGINE_ERRORS,
      ...SHARE_REFUSALS,
      B.BargainNotFound,
      B.BargainClosed,
      B.SelfHelp,
      B.AlreadyHelped,
      B.DeviceAlreadyHelped,
      B.HelpLimitReached,
      B.FloorReached,
    ],
    async handle(req, { params, body }: { params: CampaignParams; body: z.output<typeof HelpBody> }) {
      const s = session(req);
      const deviceId = deviceOf(req);
      const at = Date.now();
      const claims = invitedTo(deps, 'bargain', params, body.shareCode, at);
      const v = await bargainOf(deps.engine, params.store, claims.targetId).send({
        type: 'help',
        helperId: s.dinerId,
        deviceId,
        at,
      });
      return { body: v };
    },
  });
}

function read(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'get',
    path: `${DINER_STORE_BASE}/bargains/{bargainId}`,
    response: BargainAnswer,
    summary: 'A bargain: the price reached, its helpers, its deadline (and, for its initiator, the code to share)',
    params: StoreBargainParams,
    errors: [...ENGINE_ERRORS, B.BargainNotFound],
    async handle(req, { params }: { params: BargainParams }) {
      const v = await bargainOf(deps.engine, params.store, params.bargainId).send({ type: 'get' });
      return { body: answer(deps, params.store, v, session(req).dinerId, v.campaignId) };
    },
  });
}

function checkout(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: `${DINER_STORE_BASE}/bargains/{bargainId}/checkout`,
    response: BargainAnswer,
    summary: 'The initiator buys at the price reached: the price locks and the stock is held until the deadline',
    params: StoreBargainParams,
    errors: [...ENGINE_ERRORS, B.BargainNotFound, B.BargainClosed, D.Forbidden, D.SoldOut],
    async handle(req, { params }: { params: BargainParams }) {
      const s = session(req);
      const handle = bargainOf(deps.engine, params.store, params.bargainId);
      const v = await handle.send({ type: 'get' });
      if (v.initiator !== s.dinerId) throw new HttpError(D.Forbidden, 'only the bargain’s initiator buys it');
      return { body: await handle.send({ type: 'checkout', at: Date.now() }) };
    },
  });
}
