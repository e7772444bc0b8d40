/**
 * Share codes (分享码): what a diner's share sheet or poster carries so a friend
 * lands in the right group, bargain or lottery — the campaign, the group or
 * bargain id, who invited, and until when. Sealed with AES-256-GCM: nobody can
 * read one (an inviter's id is not for strangers), forge one or alter a byte of
 * one without the key. The key id travels in front so keys rotate like the
 * gateway's other rings: the first key seals, every listed key opens, and a code
 * sealed with a key taken out of the ring is refused as retired.
 *
 *   s1.<keyId>.<nonce, 12 bytes base64url>.<ciphertext‖tag base64url>
 *
 * The associated data binds the version and key id, so a code cannot be moved
 * under another key id. Opening checks, in this order: shape, key, tag (forged or
 * altered), payload, expiry, then what the caller expects (the campaign, the
 * kind): a stranger learns nothing about the payload from which refusal comes.
 * A nonce comes from `randomBytes` unless given (tests); a 96-bit random nonce
 * per code is safe for far more codes than one key will ever seal (NIST SP
 * 800-38D's 2^32 bound).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AtSchema, StoreIdSchema } from './domain.js';

/** Refusals of a share code, and how they answer over HTTP (the gateway lists this table whole). */
export const ShareCodeErrorCode = {
  /** Not a share code, forged, or altered: the tag does not verify. */
  Invalid: 'share_code_invalid',
  /** Sealed with a key that has been rotated out of the ring. */
  KeyRetired: 'share_code_key_retired',
  /** Past its expiry: a replay of an old code. */
  Expired: 'share_code_expired',
  /** A genuine code of another campaign, or of another kind (a bargain's code on a group page). */
  WrongCampaign: 'share_code_wrong_campaign',
} as const;
export type ShareCodeErrorCode = (typeof ShareCodeErrorCode)[keyof typeof ShareCodeErrorCode];

export const SHARE_CODE_ERRORS: Readonly<Record<ShareCodeErrorCode, { status: number; description: string }>> = {
  share_code_invalid: { status: 400, description: 'the share code is malformed, forged or altered' },
  share_code_key_retired: {
    status: 410,
    description: 'the share code was sealed with a key that has been rotated out: ask for a new one',
  },
  share_code_expired: { status: 410, description: 'the share code has expired' },
  share_code_wrong_campaign: {
    status: 422,
    description: 'the share code belongs to another campaign, or to another kind of campaign',
  },
};

export class ShareCodeError extends Error {
  override readonly name = 'ShareCodeError';
  constructor(
    readonly code: ShareCodeErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/** AES-256 keys by id; `current` seals. The gateway parses them from its configuration. */
export interface ShareKeyRing {
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export const ShareKindSchema = z.enum(['group', 'bargain', 'lottery']);
export type ShareKind = z.infer<typeof ShareKindSchema>;

const CodeIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** What a code carries. Short keys: a code goes into a QR image and a mini-program path. */
const PayloadSchema = z.strictObject({
  k: ShareKindSchema,
  s: StoreIdSchema,
  c: CodeIdSchema,
  t: CodeIdSchema,
  i: CodeIdSchema,
  e: AtSchema,
});

export interface ShareClaims {
  readonly kind: ShareKind;
  readonly store: string;
  readonly campaignId: string;
  /** The group, bargain or lottery entry the code invites to. */
  readonly targetId: string;
  readonly inviter: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

const VERSION = 's1';
const CODE_RE = /^s1\.([A-Za-z0-9_-]{1,16})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,400})$/;
const TAG_BYTES = 16;

const aad = (keyId: string): Buffer => Buffer.from(`lunchrush-share-${VERSION}.${keyId}`);

function keyOf(ring: ShareKeyRing, keyId: string): Buffer | undefined {
  const key = ring.keys.get(keyId);
  if (key !== undefined && key.length !== 32) throw new Error(`share key ${keyId} must be 32 bytes`);
  return key;
}

/** The bytes of a base64url part, or undefined unless the part is their one canonical spelling. */
function canonical(s: string): Buffer | undefined {
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? b : undefined;
}

export function sealShareCode(ring: ShareKeyRing, claims: ShareClaims, nonce: Buffer = randomBytes(12)): string {
  const key = keyOf(ring, ring.current);
  if (key === undefined) throw new Error(`no share key ${ring.current}`);
  if (nonce.length !== 12) throw new Error('a share code nonce is 12 bytes');
  const payload = PayloadSchema.parse({
    k: claims.kind,
    s: claims.store,
    c: claims.campaignId,
    t: claims.targetId,
    i: claims.inviter,
    e: claims.expiresAt,
  });
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad(ring.current));
  const body = Buffer.concat([c.update(JSON.stringify(payload), 'utf8'), c.final(), c.getAuthTag()]);
  return `${VERSION}.${ring.current}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/** What the page that opens a code expects of it. */
export interface ShareExpectation {
  readonly campaignId: string;
  readonly kind: ShareKind;
  /** Now, ms since the epoch. */
  readonly at: number;
}

/** Opens a code, or throws a `ShareCodeError` naming why it is refused. */
export function openShareCode(ring: ShareKeyRing, code: string, expect: ShareExpectation): ShareClaims {
  const c = readShareCode(ring, code, expect.at);
  if (c.campaignId !== expect.campaignId || c.kind !== expect.kind)
    throw new ShareCodeError(ShareCodeErrorCode.WrongCampaign, 'the share code belongs to another campaign');
  return c;
}

/**
 * Opens a code whatever it invites to (a printed share QR, before the page knows its campaign):
 * shape, key, tag, payload and expiry are checked; the caller then goes by what it says.
 */
export function readShareCode(ring: ShareKeyRing, code: string, at: number): ShareClaims {
  const m = CODE_RE.exec(code);
  if (m === null) throw new ShareCodeError(ShareCodeErrorCode.Invalid, 'not a share code');
  const [, keyId, nonceText, bodyText] = m as unknown as [string, string, string, string];
  const key = keyOf(ring, keyId);
  if (key === undefined)
    throw new ShareCodeError(
      ShareCodeErrorCode.KeyRetired,
      `this share code was sealed with key ${keyId}, now retired`,
    );
  const nonce = canonical(nonceText);
  const body = canonical(bodyText);
  if (nonce === undefined || body === undefined || body.length <= TAG_BYTES)
    throw new ShareCodeError(ShareCodeErrorCode.Invalid, 'the share code is malformed');
  let text: string;
  try {
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aad(keyId));
    d.setAuthTag(body.subarray(body.length - TAG_BYTES));
    text = Buffer.concat([d.update(body.subarray(0, body.length - TAG_BYTES)), d.final()]).toString('utf8');
  } catch (e) {
    throw new ShareCodeError(ShareCodeErrorCode.Invalid, 'the share code does not verify', { cause: e });
  }
  let p: z.infer<typeof PayloadSchema>;
  try {
    p = PayloadSchema.parse(JSON.parse(text));
  } catch (e) {
    // Only a holder of the key could seal this: a bug or a leaked key, refused all the same.
    throw new ShareCodeError(ShareCodeErrorCode.Invalid, 'the share code holds no valid payload', { cause: e });
  }
  if (p.e <= at) throw new ShareCodeError(ShareCodeErrorCode.Expired, 'the share code has expired');
  return { kind: p.k, store: p.s, campaignId: p.c, targetId: p.t, inviter: p.i, expiresAt: p.e };
}
