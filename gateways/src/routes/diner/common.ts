/**
 * What every diner route shares: the error codes it may answer (for the API docs) and the
 * diner's session as the pipeline verified it.
 */
import { ErrorCode as D } from '@lunchrush/actors';
import type { PrepayResult } from '@lunchrush/payments';
import type { z } from 'zod';
import type { PrepayAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ErrorCode, HttpError } from '../../errors.js';
import { route, type RequestInfo, type Route } from '../../http.js';
import type { DinerSession } from '../../sessions.js';

/** Where the routes of a store a diner need not be seated at (its campaigns) live: the store is in the path. */
export const DINER_STORE_BASE = '/v1/diner/stores/{store}';

export const ORDER_ERRORS = [D.OrderNotFound, ErrorCode.NotYourOrder, D.InvalidTransition, D.Forbidden] as const;
export const DINER_ERRORS = [ErrorCode.Unauthorized, ErrorCode.TokenExpired, ErrorCode.RateLimited] as const;
export const LINE_ERRORS = [
  D.UnknownSku,
  D.ItemUnavailable,
  D.ChannelNotAllowed,
  D.OutsideAvailabilityWindow,
  D.InvalidOption,
] as const;
export const INPUT_ERRORS = [
  ErrorCode.BadRequest,
  ErrorCode.ValidationFailed,
  ErrorCode.PayloadTooLarge,
  ErrorCode.UnsupportedMediaType,
] as const;

export function session(req: RequestInfo): DinerSession {
  return req.diner!.session;
}

export function seated(req: RequestInfo): { store: string; tableId: string; s: DinerSession } {
  const s = session(req);
  if (s.store === undefined || s.tableId === undefined)
    throw new HttpError(ErrorCode.NoTable, 'scan a table QR code first (POST /v1/diner/scan)');
  return { store: s.store, tableId: s.tableId, s };
}

export function diner(s: DinerSession): { role: 'diner'; id: string } {
  return { role: 'diner', id: s.dinerId };
}

/**
 * The answer to every prepay (an order, a top-up, a group seat, a bargain): what wx.requestPayment
 * takes, and, where the simulator is mounted, where to pay instead. `orderId` names what is paid for.
 */
export function prepayAnswer(
  deps: GatewayDeps,
  payId: string,
  p: PrepayResult,
  amountFen: number,
  deadline: number,
): z.input<typeof PrepayAnswer> {
  const answer: z.input<typeof PrepayAnswer> = {
    orderId: payId,
    amountFen,
    deadline,
    provider: deps.payments.provider.name,
    prepayId: p.prepayId,
    requestPayment: p.requestPayment,
  };
  if (deps.simulator !== undefined)
    answer.simulator = { payUrl: '/v1/simulator/wechatpay/pay', body: { prepayId: p.prepayId } };
  return answer;
}

/** A route a diner session must call (checked, and rate-limited per session, by the pipeline). */
export const dinerAuth = { auth: 'diner' as const };

/**
 * A diner route that a diner session must call: tagged `diner` in the API docs, its session checked
 * (and rate-limited) by the pipeline, so it may answer `DINER_ERRORS` besides the codes it lists.
 */
export function dinerRoute<P = any, Q = any, B = any>(r: Omit<Route<P, Q, B>, 'tag' | 'auth'>): Route<P, Q, B> {
  return route({ ...r, tag: 'diner', ...dinerAuth, errors: [...DINER_ERRORS, ...r.errors] });
}
