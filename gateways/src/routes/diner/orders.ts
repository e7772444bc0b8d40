/**
 * A diner's orders after placing: the recent list, one order, its prepay, and what a diner may
 * do to one (cancel, urge, ask for a refund, review).
 */
import { ErrorCode as D, storeOfOrderId, type Actor, type OrderCommand } from '@lunchrush/actors';
import type { z } from 'zod';
import { OrderDetailAnswer, OrderListAnswer, OrderSummaryAnswer, PrepayAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { RequestInfo, Route } from '../../http.js';
import { randomText, wechatDueFen } from '@lunchrush/payments';
import { CancelBody, OrderParams, RefundBody, ReviewBody } from '../../schemas.js';
import { orderAccess, readOwnOrder, type OwnerCache } from './access.js';
import { INPUT_ERRORS, ORDER_ERRORS, diner, dinerRoute, prepayAnswer, session } from './common.js';

export function orderRoutes(deps: GatewayDeps, owners: OwnerCache): Route[] {
  return [listOrders(deps), getOrder(deps, owners), pay(deps, owners), ...orderActions(deps, owners)];
}

/** `GET /v1/diner/orders`: the diner's recent orders, from the log's projection. */
function listOrders(deps: GatewayDeps): Route {
  const { engine } = deps;
  return dinerRoute({
    method: 'get',
    path: '/v1/diner/orders',
    response: OrderListAnswer,
    summary: "The diner's recent orders (newest first)",
    description:
      'Built from the event log by a consumer beside the gateways: an order placed through another gateway process may show a moment (milliseconds when they keep up) after it was placed; one placed through this process shows at once.',
    errors: [...ENGINE_ERRORS],
    async handle(req) {
      // A projection of the event log: an order placed through another gateway shows a moment later.
      const ids = await deps.orderLists.recent(session(req).dinerId, 20);
      const orders = await Promise.all(
        ids.map((id) =>
          engine
            .order(storeOfOrderId(id)!, id)
            .send({ type: 'get' })
            .catch(() => null),
        ),
      );
      return { body: { orders: orders.filter((o) => o !== null) } };
    },
  });
}

/** `GET /v1/diner/orders/{orderId}`. */
function getOrder(deps: GatewayDeps, owners: OwnerCache): Route {
  return dinerRoute({
    method: 'get',
    path: '/v1/diner/orders/{orderId}',
    response: OrderDetailAnswer,
    summary: 'An order: status, priced lines, stations, refunds',
    params: OrderParams,
    errors: [...ENGINE_ERRORS, ...ORDER_ERRORS, ErrorCode.ValidationFailed],
    async handle(req, { params }: { params: z.output<typeof OrderParams> }) {
      return { body: (await readOwnOrder(deps, owners, req, params.orderId)).order };
    },
  });
}

/** `POST /v1/diner/orders/{orderId}/pay`: the prepay for wx.requestPayment. */
function pay(deps: GatewayDeps, owners: OwnerCache): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/orders/{orderId}/pay',
    response: PrepayAnswer,
    summary: 'Prepay: the parameters for wx.requestPayment (the simulator in development)',
    params: OrderParams,
    errors: [...ENGINE_ERRORS, ...ORDER_ERRORS, ErrorCode.PaymentProviderError, ErrorCode.ValidationFailed],
    async handle(req, { params }: { params: z.output<typeof OrderParams> }) {
      const { store, order } = await readOwnOrder(deps, owners, req, params.orderId);
      if (!order.dinerActions.includes('pay'))
        throw new HttpError(D.InvalidTransition, `order ${order.orderId} is ${order.status}, not awaiting payment`, {
          details: { status: order.status },
        });
      const p = await deps.payments.prepay(order, store, session(req).openid);
      return { body: prepayAnswer(deps, order.orderId, p, wechatDueFen(order), order.deadline) };
    },
  });
}

/** `POST /v1/diner/orders/{orderId}/{cancel|urge|refunds|review}`. */
function orderActions(deps: GatewayDeps, owners: OwnerCache): Route[] {
  return [
    orderAction(
      deps,
      owners,
      'cancel',
      'Cancel an order (unpaid: stock released; paid, before acceptance: refunded in full)',
      CancelBody,
      (by, body, at) => ({ type: 'cancel', by, ...(body?.reason === undefined ? {} : { reason: body.reason }), at }),
    ),
    orderAction(deps, owners, 'urge', 'Urge the kitchen (催单), once per 5 minutes', undefined, (by, _b, at) => ({
      type: 'urge',
      by,
      at,
    })),
    orderAction(
      deps,
      owners,
      'refunds',
      'Ask for a refund, full or per line; the refund rules decide if it is approved at once',
      RefundBody,
      (by, body, at) => ({
        type: 'requestRefund',
        refundId: body.refundId ?? `r${randomText(8, 'base64url')}`,
        ...(body.lines === undefined ? {} : { lines: body.lines }),
        reason: body.reason,
        by,
        at,
      }),
    ),
    orderAction(deps, owners, 'review', 'Review a served order', ReviewBody, (_by, body, at) => ({
      type: 'review',
      rating: body.rating,
      ...(body.comment === undefined ? {} : { comment: body.comment }),
      at,
    })),
  ];
}

/** One diner action: the body (when the action takes one) to the order's command. */
function orderAction<B = undefined>(
  deps: GatewayDeps,
  owners: OwnerCache,
  action: 'cancel' | 'urge' | 'refunds' | 'review',
  summary: string,
  schema: z.ZodType<B> | undefined,
  command: (by: Actor, body: B, at: number) => OrderCommand,
): Route {
  const { engine } = deps;
  return dinerRoute({
    method: 'post',
    path: `/v1/diner/orders/{orderId}/${action}`,
    response: OrderSummaryAnswer,
    summary,
    params: OrderParams,
    ...(schema === undefined ? {} : { body: schema }),
    errors: [
      ...INPUT_ERRORS,
      ...ENGINE_ERRORS,
      ...ORDER_ERRORS,
      ...(action === 'urge' ? [D.UrgeTooSoon] : []),
      ...(action === 'refunds' ? [D.RefundNotAllowed, D.RefundInProgress, D.NothingToRefund, D.UnknownLine] : []),
    ],
    async handle(req: RequestInfo, { params, body }: { params: z.output<typeof OrderParams>; body: B }) {
      const store = await orderAccess(deps, owners, req, params.orderId);
      const at = Date.now();
      return { body: await engine.order(store, params.orderId).send(command(diner(session(req)), body, at)) };
    },
  });
}
