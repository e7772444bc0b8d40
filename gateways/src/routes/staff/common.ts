/**
 * What every staff route shares: its path prefix, the error codes it may answer (for the API
 * docs), and who is acting (the staff token's member, as the domain's actor).
 */
import type { Actor } from '@lunchrush/actors';
import { staffActor } from '../../auth.js';
import { ErrorCode } from '../../errors.js';
import { route, type RequestInfo, type Route } from '../../http.js';

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

/**
 * A route a staff token must call: tagged `staff` in the API docs, the token's store and role checked
 * by the pipeline, so it may answer `STAFF_ERRORS` besides the codes it lists.
 */
export function staffRoute<P = any, Q = any, B = any>(r: Omit<Route<P, Q, B>, 'tag' | 'auth'>): Route<P, Q, B> {
  return route({ ...r, tag: 'staff', auth: 'staff', errors: [...STAFF_ERRORS, ...r.errors] });
}

/** The staff member a request acts as (set by the pipeline for `auth: 'staff'` routes). */
export const by = (req: RequestInfo): Actor => staffActor(req.staff!);
