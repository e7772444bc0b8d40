/**
 * A store's orders for staff: one order (with the delivery contact decrypted), and what staff
 * do with an order: accept, a station's start and bump, serve (the same commands a kitchen
 * display sends on its socket, `staffOrderCommand`), cancel, refunds and their approval.
 */
import { ErrorCode as D, staffOrderCommand, STAFF_PERMISSIONS as MAY, type OrderCommand } from '@lunchrush/actors';
import type { z } from 'zod';
import { OrderSummaryAnswer, StaffOrderDetailAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS } from '../../errors.js';
import type { RequestInfo, Route } from '../../http.js';
import { unseal } from '../../pii.js';
import { randomText } from '@lunchrush/payments';
import {
  CancelBody,
  RefundBody,
  RefundParams,
  RejectRefundBody,
  StationParams,
  StoreOrderParams,
} from '../../schemas.js';
import type { StaffRole } from '../../tokens.js';
import { BODY_ERRORS, STAFF_BASE as base, by, staffRoute } from './common.js';

export function staffOrderRoutes(deps: GatewayDeps): Route[] {
  return [orderDetail(deps), ...kitchenFlowRoutes(deps), ...cancelAndRefundRoutes(deps)];
}

/** The order through the kitchen: accept, a station's start and bump, serve. */
function kitchenFlowRoutes(deps: GatewayDeps): Route[] {
  return [
    orderAction(
      deps,
      '/accept',
      'Accept a paid order: its tickets go to the kitchen stations',
      MAY.accept,
      StoreOrderParams,
      undefined,
      [],
      (req, _p, _b, at) => staffOrderCommand('accept', { by: by(req), at }),
    ),
    orderAction(
      deps,
      '/stations/{station}/start',
      'A station starts cooking its part of the order',
      MAY.stations,
      StationParams,
      undefined,
      [D.UnknownStation],
      (req, p, _b, at) => staffOrderCommand('start', { by: by(req), station: p.station, at }),
    ),
    orderAction(
      deps,
      '/stations/{station}/bump',
      "Bump: the station's part is done (every station done → ready)",
      MAY.stations,
      StationParams,
      undefined,
      [D.UnknownStation],
      (req, p, _b, at) => staffOrderCommand('finish', { by: by(req), station: p.station, at }),
    ),
    orderAction(deps, '/serve', 'Served at the table', MAY.serve, StoreOrderParams, undefined, [], (req, _p, _b, at) =>
      staffOrderCommand('serve', { by: by(req), at }),
    ),
  ];
}

/** The store cancels an order, starts a refund, approves or rejects a diner's. */
function cancelAndRefundRoutes(deps: GatewayDeps): Route[] {
  return [
    orderAction(
      deps,
      '/cancel',
      'The store cancels the order (paid orders are refunded in full)',
      MAY.refunds,
      StoreOrderParams,
      CancelBody,
      [],
      (req, _p, b, at) => ({
        type: 'cancel',
        by: by(req),
        ...(b?.reason === undefined ? {} : { reason: b.reason }),
        at,
      }),
    ),
    orderAction(
      deps,
      '/refunds',
      'Start a refund (approved at once for staff; after serving a manager needs overrideReason)',
      MAY.refunds,
      StoreOrderParams,
      RefundBody,
      [D.RefundNotAllowed, D.RefundInProgress, D.NothingToRefund, D.UnknownLine],
      (req, _p, b, at) => ({
        type: 'requestRefund',
        refundId: b.refundId ?? `r${randomText(8, 'base64url')}`,
        ...(b.lines === undefined ? {} : { lines: b.lines }),
        reason: b.reason,
        by: by(req),
        ...(b.overrideReason === undefined ? {} : { overrideReason: b.overrideReason }),
        at,
      }),
    ),
    orderAction(
      deps,
      '/refunds/{refundId}/approve',
      "Approve a diner's refund request",
      MAY.refunds,
      RefundParams,
      undefined,
      [D.UnknownRefund],
      (req, p, _b, at) => ({ type: 'approveRefund', refundId: p.refundId, by: by(req), at }),
    ),
    orderAction(
      deps,
      '/refunds/{refundId}/reject',
      "Reject a diner's refund request",
      MAY.refunds,
      RefundParams,
      RejectRefundBody,
      [D.UnknownRefund],
      (req, p, b, at) => ({ type: 'rejectRefund', refundId: p.refundId, by: by(req), reason: b.reason, at }),
    ),
  ];
}

/** `GET …/orders/{orderId}`. */
function orderDetail(deps: GatewayDeps): Route {
  const { engine, redis, prefix, cfg } = deps;
  return staffRoute({
    method: 'get',
    path: `${base}/orders/{orderId}`,
    response: StaffOrderDetailAnswer,
    summary: 'An order, with the delivery contact decrypted for staff',
    roles: MAY.view,
    params: StoreOrderParams,
    errors: [...ENGINE_ERRORS, D.OrderNotFound],
    async handle(_req, { params }: { params: z.output<typeof StoreOrderParams> }) {
      const order = await engine.order(params.store, params.orderId).send({ type: 'get' });
      const sealed = await redis.get(`${prefix}:pii:order:${params.orderId}`);
      const delivery =
        sealed === null ? null : (JSON.parse(unseal(cfg.piiKeys, sealed, `order:${params.orderId}`)) as unknown);
      return { body: { ...order, delivery } };
    },
  });
}

/** `POST …/orders/{orderId}{path}`: one command to the order actor. */
function orderAction<P extends { store: string; orderId: string }, B = undefined>(
  deps: GatewayDeps,
  path: string,
  summary: string,
  roles: readonly StaffRole[],
  params: z.ZodObject & z.ZodType<P>,
  body: z.ZodType<B> | undefined,
  extraErrors: readonly string[],
  command: (req: RequestInfo, p: P, b: B, at: number) => OrderCommand,
): Route {
  const { engine } = deps;
  return staffRoute({
    method: 'post',
    path: `${base}/orders/{orderId}${path}`,
    response: OrderSummaryAnswer,
    summary,
    roles,
    params,
    ...(body === undefined ? {} : { body }),
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.OrderNotFound, D.InvalidTransition, D.Forbidden, ...extraErrors],
    async handle(req, { params: p, body: b }: { params: P; body: B }) {
      // With the request's id: an accept's kitchen tickets carry it to the printer's log.
      return { body: await engine.order(p.store, p.orderId).send(command(req, p, b, Date.now()), { req: req.id }) };
    },
  });
}
