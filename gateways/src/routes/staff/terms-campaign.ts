/**
 * What managers do to a campaign with terms (group-buy, bargain): define it, stop it, read it. The
 * same three routes over each kind's actor: the campaign is listed in the store's index before it
 * is defined (a listed id the engine never defined shows nowhere: the lists skip it), and one with
 * no terms reads as the kind's not-found code.
 */
import { ErrorCode as D, STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import type { z } from 'zod';
import type { CampaignIndex, CampaignKind } from '../../campaign-index.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { Route } from '../../http.js';
import { BODY_ERRORS, STAFF_BASE as base, staffRoute } from './common.js';

interface CampaignKey {
  store: string;
  campaignId: string;
}

export interface TermsCampaign<T, V extends { terms: unknown }> {
  kind: Extract<CampaignKind, 'groupbuy' | 'bargain'>;
  /** Under the store: `/group-buys/{campaignId}`. */
  path: string;
  /** For messages: `group-buy campaign`. */
  what: string;
  response: z.ZodType;
  params: z.ZodObject;
  body: z.ZodType<T>;
  exists: string;
  notFound: string;
  summary: { define: string; stop: string; read: string };
  /** Sends to the campaign's actor (its typed handle's `send`). */
  send(key: CampaignKey, command: TermsCampaignCommand<T>): Promise<V>;
}

/** What these routes tell a campaign's actor: each kind's actor takes these three with its own terms. */
export type TermsCampaignCommand<T> =
  { type: 'define'; terms: T; at: number } | { type: 'stop'; at: number } | { type: 'get'; at: number };

/** `PUT` (define), `POST …/stop` and `GET` of a campaign with terms. */
export function termsCampaignRoutes<T, V extends { terms: unknown }>(
  index: CampaignIndex,
  c: TermsCampaign<T, V>,
): Route[] {
  const doc = { roles: MAY.setup, params: c.params, response: c.response };
  const path = `${base}${c.path}`;
  return [
    staffRoute({
      method: 'put',
      path,
      summary: c.summary.define,
      ...doc,
      body: c.body,
      errors: [...BODY_ERRORS, ...ENGINE_ERRORS, c.exists, D.InvalidCommand, ErrorCode.Unavailable],
      async handle(_req, { params, body }: { params: CampaignKey; body: T }) {
        await index.addCampaign(params.store, c.kind, params.campaignId);
        return { body: await c.send(params, { type: 'define', terms: body, at: Date.now() }) };
      },
    }),
    staffRoute({
      method: 'post',
      path: `${path}/stop`,
      summary: c.summary.stop,
      ...doc,
      errors: [...ENGINE_ERRORS, c.notFound],
      async handle(_req, { params }: { params: CampaignKey }) {
        return { body: await c.send(params, { type: 'stop', at: Date.now() }) };
      },
    }),
    staffRoute({
      method: 'get',
      path,
      summary: c.summary.read,
      ...doc,
      roles: MAY.view,
      errors: [...ENGINE_ERRORS, c.notFound],
      async handle(_req, { params }: { params: CampaignKey }) {
        const view = await c.send(params, { type: 'get', at: Date.now() });
        if (view.terms === null) throw new HttpError(c.notFound, `no ${c.what} ${params.campaignId}`);
        return { body: view };
      },
    }),
  ];
}
