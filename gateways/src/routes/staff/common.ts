/**
 * What every staff route shares: its path prefix, the error codes it may answer (for the API
 * docs), and who is acting (the staff token's member, as the domain's actor).
 */
import type { Actor } from '@lunchrush/actors';
import { staffActor } from '../../auth.js';
import { ErrorCode } from '../../errors.js';
import type { RequestInfo } from '../../http.js';

/** Every staff route is under a store, for a staff token of that store. */
export const STAFF_BASE = '/v1/staff/stores/{store}';

export const STAFF_ERRORS = [
  ErrorCode.Unauthorized,
  ErrorCode.TokenExpired,
  ErrorCode.RoleForbidden,
  ErrorCode.StoreForbidden,
  ErrorCode.ValidationFailed,
  ErrorCode.RateLimited,
] as const;
export const BODY_ERRORS = [ErrorCode.BadRequest, ErrorCode.PayloadTooLarge, ErrorCode.UnsupportedMediaType] as const;

/** The staff member a request acts as (set by the pipeline for `auth: 'staff'` routes). */
export const by = (req: RequestInfo): Actor => staffActor(req.staff!);
