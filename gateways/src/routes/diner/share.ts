/**
 * Share QR codes: what a printed or saved share code points at (`GET /share?c=`, no login: WeChat opens
 * the mini-program with this URL as `q` once the link rule is registered; the page reads where to go
 * here), and the QR image of a code for the diner to save or print (`GET /v1/diner/share.png?c=`). A
 * code is read whatever it invites to (its campaign is not known before): forged, altered, expired
 * or retired codes are refused with their codes; the inviter is never told.
 */
import { z } from 'zod';
import { ShareCodeErrorCode as S } from '@lunchrush/actors/campaigns';
import { Binary, media } from '../../answers.js';
import { ShareLinkAnswer } from '../../campaign-answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ErrorCode, HttpError } from '../../errors.js';
import { route, type Route } from '../../http.js';
import { QrBatchError, renderQrBatch } from '../../qr/index.js';
import { pathOf, readShare, shareUrl } from '../../share-codes.js';
import { dinerRoute } from './common.js';

const ShareQuery = z.strictObject({ c: z.string().min(1).max(600) });
type Query = z.output<typeof ShareQuery>;
const CODE_ERRORS = [S.Invalid, S.KeyRetired, S.Expired, ErrorCode.ValidationFailed] as const;
const TITLES = { group: '扫码参团', bargain: '扫码帮砍', lottery: '扫码抽奖' } as const;

export function shareRoutes(deps: GatewayDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/share',
      response: ShareLinkAnswer,
      tag: 'diner',
      summary: 'Where a share QR points (`?c=<code>`): the campaign and group or bargain, and the page to open',
      auth: 'none',
      query: ShareQuery,
      errors: [...CODE_ERRORS, ErrorCode.RateLimited],
      handle(_req, { query }: { query: Query }) {
        const c = readShare(deps.cfg, query.c);
        return Promise.resolve({
          body: {
            kind: c.kind,
            store: c.store,
            campaignId: c.campaignId,
            targetId: c.targetId,
            expiresAt: c.expiresAt,
            path: pathOf(c, query.c),
          },
        });
      },
    }),
    dinerRoute({
      method: 'get',
      path: '/v1/diner/share.png',
      response: media({ 'image/png': Binary }),
      summary: 'The QR image of a share code (PNG), to save or print; it carries the `/share?c=` link',
      query: ShareQuery,
      errors: [...CODE_ERRORS],
      async handle(_req, { query }: { query: Query }) {
        const c = readShare(deps.cfg, query.c);
        let png: Buffer;
        try {
          png = await renderQrBatch({
            tables: [{ label: TITLES[c.kind], url: shareUrl(deps.publicUrl(), query.c) }],
            format: 'png',
          });
        } catch (e) {
          if (e instanceof QrBatchError) throw new HttpError(ErrorCode.ValidationFailed, e.message);
          throw e;
        }
        return { body: png, contentType: 'image/png', headers: { 'cache-control': 'private, max-age=300' } };
      },
    }),
  ];
}
