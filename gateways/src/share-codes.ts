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
  sealShareCode,
  type ShareClaims,
  type ShareKind,
} from '@lunchrush/actors/campaigns';
import type { GatewayConfig } from './config.js';
import { HttpError } from './errors.js';

export interface Share {
  readonly code: string;
  /** The mini-program page the code opens (the share sheet's `path`, and the QR's target). */
  readonly path: string;
  readonly expiresAt: number;
}

/** The mini-program page of each kind of code. */
const PAGES: Readonly<Record<ShareKind, string>> = {
  group: '/pages/group/index',
  bargain: '/pages/bargain/index',
  lottery: '/pages/lottery/index',
};

export function shareFor(cfg: GatewayConfig, claims: ShareClaims): Share {
  const code = sealShareCode(cfg.shareKeys, claims);
  const q = new URLSearchParams({ store: claims.store, campaign: claims.campaignId, code });
  return { code, path: `${PAGES[claims.kind]}?${q.toString()}`, expiresAt: claims.expiresAt };
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
