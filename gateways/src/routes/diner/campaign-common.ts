/**
 * What the diner's group-buy and bargain routes share: a campaign's page (its view, or the
 * campaign's not-found code when nobody defined it), the code a participant shares while friends
 * may still join or help, the group or bargain a friend's code invites to (refused with the share
 * code's codes when forged, altered, expired or of another campaign), and the status of a create
 * that a repeat answers again.
 */
import { ShareCodeErrorCode as S, type ShareKind } from '@lunchrush/actors/campaigns';
import type { z } from 'zod';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, HttpError } from '../../errors.js';
import type { Route } from '../../http.js';
import { openShare, shareFor, type Share } from '../../share-codes.js';
import { DINER_STORE_BASE, dinerRoute } from './common.js';

/** How a share code can be refused (its codes, in the order the API documents them). */
export const SHARE_REFUSALS = [S.Invalid, S.KeyRetired, S.Expired, S.WrongCampaign] as const;

interface CampaignKey {
  store: string;
  campaignId: string;
}

/** `GET …/<kind>/{campaignId}`: a campaign's view, or `notFound` when it has no terms (never defined). */
export function campaignPageRoute<V extends { terms: unknown }>(o: {
  path: string;
  response: z.ZodType;
  summary: string;
  params: z.ZodObject;
  notFound: string;
  what: string;
  read: (p: CampaignKey, at: number) => Promise<V>;
}): Route {
  return dinerRoute({
    method: 'get',
    path: `${DINER_STORE_BASE}${o.path}`,
    response: o.response,
    summary: o.summary,
    params: o.params,
    errors: [...ENGINE_ERRORS, o.notFound],
    async handle(_req, { params }: { params: CampaignKey }) {
      const view = await o.read(params, Date.now());
      if (view.terms === null) throw new HttpError(o.notFound, `no ${o.what} ${params.campaignId}`);
      return { body: view };
    },
  });
}

/** The code `inviter` shares for their group or bargain, valid until its deadline. */
export function inviteOf(
  deps: GatewayDeps,
  kind: Extract<ShareKind, 'group' | 'bargain'>,
  key: CampaignKey,
  targetId: string,
  inviter: string,
  expiresAt: number,
): Share {
  return shareFor(deps, { kind, store: key.store, campaignId: key.campaignId, targetId, inviter, expiresAt });
}

/** The group or bargain of this store's campaign a friend's code invites to, and who invited. */
export function invitedTo(
  deps: GatewayDeps,
  kind: Extract<ShareKind, 'group' | 'bargain'>,
  key: CampaignKey,
  code: string,
  at: number,
): { targetId: string; inviter: string } {
  const claims = openShare(deps.cfg, code, { store: key.store, campaignId: key.campaignId, kind }, at);
  return { targetId: claims.targetId, inviter: claims.inviter };
}

/** 201 for what this request made, 200 when it repeats one that did (the same idempotency key). */
export const madeStatus = (v: { duplicate?: boolean }): 200 | 201 => (v.duplicate === true ? 200 : 201);
