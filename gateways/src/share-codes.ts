/**
 * Share codes at the edge: sealing one for a member to pass on (with the mini-program page it
 * opens), and opening one a friend brings, every refusal answered with its own code
 * (`share_code_invalid` 400, `share_code_key_retired` / `share_code_expired` 410,
 * `share_code_wrong_campaign` 422). A genuine code of another store's campaign is refused as
 * another campaign's, as is one of another kind (a bargain's code on a group page).
 */
import { createHash } from 'node:crypto';
import {
  ShareCodeError,
  ShareCodeErrorCode,
  openShareCode,
  readShareCode,
  sealShareCode,
  type ShareClaims,
  type ShareKind,
} from '@lunchrush/actors/campaigns';
import type { GatewayConfig } from './config.js';
import type { GatewayDeps } from './deps.js';
import { HttpError } from './errors.js';

export interface Share {
  readonly code: string;
  /** The mini-program page the code opens (the share sheet's `path`). */
  readonly path: string;
  /** What a printed share QR carries (`GET /share?c=`: WeChat opens the mini-program with it as `q`). */
  readonly url: string;
  readonly expiresAt: number;
}

/** The mini-program page of each kind of code. */
export const PAGES: Readonly<Record<ShareKind, string>> = {
  group: '/pages/group/index',
  bargain: '/pages/bargain/index',
  lottery: '/pages/lottery/index',
};

/** The page a code opens, with what the page needs to open it. */
export function pathOf(claims: ShareClaims, code: string): string {
  const q = new URLSearchParams({ store: claims.store, campaign: claims.campaignId, code });
  return `${PAGES[claims.kind]}?${q.toString()}`;
}

export const shareUrl = (publicUrl: string, code: string): string => `${publicUrl}/share?c=${encodeURIComponent(code)}`;

export function shareFor(deps: Pick<GatewayDeps, 'cfg' | 'publicUrl'>, claims: ShareClaims): Share {
  const code = sealShareCode(deps.cfg.shareKeys, claims);
  return { code, path: pathOf(claims, code), url: shareUrl(deps.publicUrl(), code), expiresAt: claims.expiresAt };
}

/** Reads a code whatever it invites to (a printed QR), or throws the coded refusal. */
export function readShare(cfg: GatewayConfig, code: string, at = Date.now()): ShareClaims {
  try {
    return readShareCode(cfg.shareKeys, code, at);
  } catch (e) {
    if (e instanceof ShareCodeError) throw new HttpError(e.code, e.message, { cause: e });
    throw e;
  }
}

/** Opens a code brought to `store`'s campaign `campaignId`, or throws the coded refusal. */
export function openShare(
  cfg: GatewayConfig,
  code: string,
  expect: { store: string; campaignId: string; kind: ShareKind },
  at = Date.now(),
): ShareClaims {
  let claims: ShareClaims;
  try {
    claims = openShareCode(cfg.shareKeys, code, { campaignId: expect.campaignId, kind: expect.kind, at });
  } catch (e) {
    if (e instanceof ShareCodeError) throw new HttpError(e.code, e.message, { cause: e });
    throw e;
  }
  if (claims.store !== expect.store)
    throw new HttpError(ShareCodeErrorCode.WrongCampaign, 'the share code belongs to another store’s campaign');
  return claims;
}

/** A business id from who asks and their Idempotency-Key: a retry names the same group, bargain or draw. */
export function idFor(prefix: string, dinerId: string, key: string): string {
  return `${prefix}${createHash('sha256').update(`${dinerId}:${key}`).digest('base64url').slice(0, 20)}`;
}
