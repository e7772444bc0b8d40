/**
 * What the console's routes read and answer. Requests are strict (an unknown key is refused,
 * named); answers are documentation, as in `../answers.ts`.
 */
import { IdSchema, SpuSchema, StaffRoleSchema, StoreIdSchema, StoreSettingsPatchSchema } from '@lunchrush/actors';
import { AccountViewSchema, AUDIT_PAGE_MAX, UsernameSchema } from '@lunchrush/actors/staff';
import { z } from 'zod';
import { Binary, media } from '../answers.js';
import { MIN_PASSWORD_LENGTH } from './passwords.js';

const Password = z.string().min(MIN_PASSWORD_LENGTH).max(200);
const TotpCode = z.string().regex(/^\d{6}$/, 'expected the 6 digits of the authenticator app');

export const StaffLoginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(200),
  totp: TotpCode.optional(),
  /** The store to work in (default: the account's first store). */
  store: StoreIdSchema.optional(),
});
export const SwitchStoreBody = z.strictObject({ store: StoreIdSchema });

export const AccountCreateBody = z.strictObject({
  username: UsernameSchema,
  name: z.string().trim().min(1).max(40),
  role: StaffRoleSchema,
  password: Password,
  /** Default: the store of the path. */
  stores: z.array(StoreIdSchema).max(200).optional(),
});
export const AccountUpdateBody = z.strictObject({
  name: z.string().trim().min(1).max(40).optional(),
  role: StaffRoleSchema.optional(),
  stores: z.array(StoreIdSchema).max(200).optional(),
  disabled: z.boolean().optional(),
  unlock: z.literal(true).optional(),
  password: Password.optional(),
});
export const StoreAccountParams = z.strictObject({ store: StoreIdSchema, username: UsernameSchema });
export const TotpBody = z.strictObject({
  /** Absent: answer a new secret to scan. Present with `code`: turn TOTP on with it. */
  secret: z
    .string()
    .regex(/^[A-Z2-7]{26,64}$/)
    .optional(),
  code: TotpCode.optional(),
  /** Turn TOTP off (needs a current code). */
  off: z.literal(true).optional(),
});

export const AuditQuery = z.strictObject({
  /** `chain`: account changes and logins of the whole chain (the admin only). */
  scope: z.enum(['store', 'chain']).default('store'),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(100),
  format: z.enum(['json', 'csv']).default('json'),
});

export const SpuBody = SpuSchema;
export const StoreSpuParams = z.strictObject({ store: StoreIdSchema, spuId: IdSchema });
export const PriceBody = z.strictObject({ priceFen: z.number().int().min(0).max(100_000_000).nullable() });
export const AvailabilityBody = z.strictObject({ available: z.boolean().nullable() });
/** A patch: only the keys sent change (the store's site, zone and admission are not the console's). */
export const StoreSettingsBody = StoreSettingsPatchSchema.strict();
export const StoreStateBody = z.strictObject({ open: z.boolean().optional(), busy: z.boolean().optional() });
export const ImageParams = z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{43}\.webp$/) });
export const StoreImageParams = ImageParams.extend({ store: StoreIdSchema });

// ---------------------------------------------------------------- answers

export const AccountAnswer = AccountViewSchema;
export const AccountListAnswer = z.object({ accounts: z.array(AccountViewSchema) });
export const StaffSessionAnswer = z.object({
  token: z.string(),
  /** When the token stops working (ms since the epoch): log in again then. */
  expiresAt: z.number().int(),
  store: StoreIdSchema,
  account: AccountViewSchema,
});
export const MeAnswer = z.object({
  staffId: z.string(),
  role: StaffRoleSchema,
  store: StoreIdSchema,
  expiresAt: z.number().int(),
  /** Null for a device token (kitchen display, printer) minted without an account. */
  account: AccountViewSchema.nullable(),
  /** What this role may do (the actors' table). */
  may: z.record(z.string(), z.boolean()),
});
export const TotpAnswer = z.object({ secret: z.string().optional(), uri: z.string().optional(), totp: z.boolean() });
export const AuditEntryAnswer = z.object({
  seq: z.number().int(),
  at: z.number().int(),
  who: z.string(),
  role: z.string(),
  ip: z.string(),
  action: z.string(),
  summary: z.string(),
  target: z.string(),
  detail: z.string(),
});
export const AuditPageAnswer = z.object({ total: z.number().int(), entries: z.array(AuditEntryAnswer) });
/** JSON, or CSV with `format=csv` (a spreadsheet's export). */
export const AuditAnswer = media({ 'application/json': AuditPageAnswer, 'text/csv': z.string() });
/** A dish photo's WebP bytes. */
export const ImageBytesAnswer = media({ 'image/webp': Binary });
export const RevAnswer = z.object({ rev: z.number().int() });
export const ImageAnswer = z.object({
  url: z.string(),
  bytes: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
});
export const StoreListAnswer = z.object({
  /** The stores this staff member may work in, by id, with the name the chain's list holds ('' if none). */
  stores: z.array(z.object({ store: StoreIdSchema, name: z.string() })),
});
