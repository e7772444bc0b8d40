/**
 * A delivery order's trip, read and finished: the diner follows their order's rider
 * (`GET /v1/diner/orders/{orderId}/delivery`; the live steps come on the order's push topic),
 * staff read it and mark an order they delivered themselves (after no rider took it, or the
 * rider never came) delivered.
 */
import {
  DeliveryErrorCode,
  ErrorCode as D,
  GeoPointSchema,
  QuoteLineSchema,
  STAFF_PERMISSIONS as MAY,
  catalogOf,
  deliveryOf,
  readCandidates,
  routeOrder,
  type RoutingRequest,
} from '@lunchrush/actors';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
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

const QuoteBody = z.strictObject({ location: GeoPointSchema, lines: z.array(QuoteLineSchema).min(1).max(50) });

/** Where a delivery to this address would go now, and what the diner is told before ordering. */
export const DeliveryQuoteAnswer = z.object({
  store: z.string(),
  distanceM: z.number().int(),
  kitchenMin: z.number(),
  rideMin: z.number().int(),
  etaMin: z.number(),
  feeFen: z.number().int(),
  /** Stores that could serve it (the order may still go to the next when this one sells out first). */
  of: z.number().int(),
});

/** `POST /v1/diner/delivery/quote`: the routing's ranking for an address, without placing anything. */
function deliveryQuote(deps: GatewayDeps): Route {
  return route({
    method: 'post',
    path: '/v1/diner/delivery/quote',
    response: DeliveryQuoteAnswer,
    tag: 'diner',
    summary: 'The store a delivery to this address would go to now, its quoted wait (kitchen + ride) and fee',
    description:
      'The same ranking a routed POST /v1/diner/orders makes (zone, stock for every line, kitchen wait, ride, fee band) among GATEWAY_ROUTING_STORES, read now and not kept: the order itself is routed again when placed. 409 no_store_available names why each store could not.',
    ...dinerAuth,
    body: QuoteBody,
    errors: [...DINER_ERRORS, ...ENGINE_ERRORS, D.NoStoreAvailable, ErrorCode.ValidationFailed, ErrorCode.BadRequest],
    async handle(_req, { body }: { body: z.output<typeof QuoteBody> }) {
      const stores = deps.cfg.routingStores;
      if (stores.length === 0) throw new HttpError(D.NoStoreAvailable, 'this service routes no orders');
      const at = Date.now();
      const quote = await catalogOf(deps.engine, stores[0]!).send({
        type: 'quote',
        channel: 'delivery',
        lines: body.lines,
        at,
      });
      const request: RoutingRequest = {
        channel: 'delivery',
        to: body.location,
        lines: quote.lines.map((l) => ({ skuId: l.skuId, qty: l.qty, station: l.station })),
        itemsFen: quote.itemsFen,
      };
      const { ranked, excluded } = routeOrder(request, await readCandidates(deps.engine, stores, request, at));
      const best = ranked[0];
      if (best === undefined)
        throw new HttpError(
          D.NoStoreAvailable,
          `no store can deliver there: ${excluded.map((e) => `${e.store}: ${e.reason}`).join(', ')}`,
          { details: { excluded } },
        );
      const { store, distanceM, kitchenMin, rideMin, etaMin, feeFen } = best;
      return { body: { store, distanceM, kitchenMin, rideMin, etaMin, feeFen, of: ranked.length } };
    },
  });
}

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
  return { diner: [deliveryQuote(deps), diner], staff: [read, delivered] };
}
