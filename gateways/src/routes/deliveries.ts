/**
 * A delivery order's trip, read and finished: the diner follows their order's rider
 * (`GET /v1/diner/orders/{orderId}/delivery`; the live steps come on the order's push topic),
 * staff read it and mark an order they delivered themselves (after no rider took it, or the
 * rider never came) delivered.
 */
import { DeliveryErrorCode, ErrorCode as D, STAFF_PERMISSIONS as MAY, deliveryOf } from '@lunchrush/actors';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../errors.js';
import { route, type Route } from '../http.js';
import { OrderParams, StoreOrderParams } from '../schemas.js';
import { OwnerCache, readOwnOrder } from './diner/access.js';
import { DINER_ERRORS, ORDER_ERRORS, dinerAuth } from './diner/common.js';
import { STAFF_BASE, STAFF_ERRORS, by } from './staff/common.js';

const Point = z.object({ lng: z.number(), lat: z.number() });
const Rider = z.object({ name: z.string(), phone: z.string() });

/** What a delivery is now (the delivery actor's view). */
export const DeliveryAnswer = z.object({
  orderId: z.string(),
  status: z.enum(['none', 'dispatching', 'accepted', 'arrived', 'picked_up', 'delivered', 'staff', 'staff_delivered']),
  attempt: z.number().int(),
  platform: z.string().nullable(),
  platformOrderId: z.string().nullable(),
  feeFen: z.number().int(),
  tipFen: z.number().int(),
  rider: Rider.nullable(),
  position: Point.nullable(),
  staffReason: z.string().nullable(),
  abandoned: z.array(z.object({ attempt: z.number().int(), reason: z.string(), at: z.number() })),
  version: z.number().int(),
  updatedAt: z.number(),
});

const DELIVERY_ERRORS = [DeliveryErrorCode.NotFound, ...ENGINE_ERRORS] as const;

export function deliveryRoutes(deps: GatewayDeps): { diner: Route[]; staff: Route[] } {
  const owners = new OwnerCache();
  const diner = route({
    method: 'get',
    path: '/v1/diner/orders/{orderId}/delivery',
    response: DeliveryAnswer,
    tag: 'diner',
    summary: "A delivery order's rider: status, name, position (GCJ-02), tip; 404 until the kitchen has it ready",
    description:
      "Each step also comes live on the order's push topic (`order:<orderId>`) as a delta of kind `courier`, with the same status, rider and position.",
    ...dinerAuth,
    params: OrderParams,
    errors: [...DINER_ERRORS, ...ORDER_ERRORS, ...DELIVERY_ERRORS, ErrorCode.ValidationFailed],
    async handle(req, { params }: { params: z.output<typeof OrderParams> }) {
      const { store } = await readOwnOrder(deps, owners, req, params.orderId);
      return { body: await deliveryOf(deps.engine, store, params.orderId).send({ type: 'get' }) };
    },
  });
  const read = route({
    method: 'get',
    path: `${STAFF_BASE}/orders/{orderId}/delivery`,
    response: DeliveryAnswer,
    tag: 'staff',
    summary: "A delivery order's courier: attempts, tips, the rider, or why staff deliver it",
    auth: 'staff',
    roles: MAY.view,
    params: StoreOrderParams,
    errors: [...STAFF_ERRORS, ...DELIVERY_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreOrderParams> }) {
      return { body: await deliveryOf(deps.engine, params.store, params.orderId).send({ type: 'get' }) };
    },
  });
  const delivered = route({
    method: 'post',
    path: `${STAFF_BASE}/orders/{orderId}/delivered`,
    response: DeliveryAnswer,
    tag: 'staff',
    summary: 'Staff delivered it themselves (no rider took it, or the rider never came): the order is served',
    auth: 'staff',
    roles: MAY.serve,
    params: StoreOrderParams,
    errors: [...STAFF_ERRORS, ...DELIVERY_ERRORS, DeliveryErrorCode.NotStaffDelivery, D.Forbidden],
    async handle(req, { params }: { params: z.output<typeof StoreOrderParams> }) {
      const view = await deliveryOf(deps.engine, params.store, params.orderId).send({
        type: 'staffDelivered',
        by: by(req),
        at: Date.now(),
      });
      return { body: view };
    },
  });
  return { diner: [diner], staff: [read, delivered] };
}
