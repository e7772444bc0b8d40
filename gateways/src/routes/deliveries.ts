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
  storeOf,
  type Excluded,
  type RoutingCandidate,
  type RoutingRequest,
  type ScoredStore,
} from '@lunchrush/actors';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import type { Route } from '../http.js';
import { storeLoads } from '../routing-loads.js';
import { OrderParams, StoreOrderParams } from '../schemas.js';
import { OwnerCache, readOwnOrder } from './diner/access.js';
import { ORDER_ERRORS, dinerRoute } from './diner/common.js';
import { STAFF_BASE, by, staffRoute } from './staff/common.js';

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

/** No lines (or none yet): where a delivery there would go, for the menu before the diner has chosen. */
const QuoteBody = z.strictObject({ location: GeoPointSchema, lines: z.array(QuoteLineSchema).max(50).default([]) });

/** Where a delivery to this address would go now, and what the diner is told before ordering. */
export const DeliveryQuoteAnswer = z.object({
  store: z.string(),
  /** What the diner is told delivers it (the store's name and street). */
  storeName: z.string(),
  storeAddress: z.string(),
  distanceM: z.number().int(),
  kitchenMin: z.number(),
  rideMin: z.number().int(),
  etaMin: z.number(),
  feeFen: z.number().int(),
  /** 起送价 of that store, and from what value of items delivery is free (null: never). */
  minOrderFen: z.number().int(),
  freeOverFen: z.number().int().nullable(),
  /** Stores that could serve it (the order may still go to the next when this one sells out first). */
  of: z.number().int(),
});

/** `POST /v1/diner/delivery/quote`: the routing's ranking for an address, without placing anything. */
function deliveryQuote(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/delivery/quote',
    response: DeliveryQuoteAnswer,
    summary: 'The store a delivery to this address would go to now, its quoted wait (kitchen + ride) and fee',
    description:
      'Without lines (the menu, before anything is chosen) each store is weighed on the smallest order it takes (its minimum). ' +
      'The same ranking a routed POST /v1/diner/orders makes (zone, stock for every line, kitchen wait, ride, fee band) among GATEWAY_ROUTING_STORES, read now and not kept: the order itself is routed again when placed. 409 no_store_available names why each store could not.',
    body: QuoteBody,
    errors: [...ENGINE_ERRORS, D.NoStoreAvailable, ErrorCode.ValidationFailed, ErrorCode.BadRequest],
    async handle(_req, { body }: { body: z.output<typeof QuoteBody> }) {
      const stores = deps.cfg.routingStores;
      if (stores.length === 0) throw new HttpError(D.NoStoreAvailable, 'this service routes no orders');
      const at = Date.now();
      let lines: RoutingRequest['lines'] = [];
      let itemsFen = 0;
      if (body.lines.length > 0) {
        const quote = await catalogOf(deps.engine, stores[0]!).send({
          type: 'quote',
          channel: 'delivery',
          lines: body.lines,
          at,
        });
        lines = quote.lines.map((l) => ({ skuId: l.skuId, qty: l.qty, station: l.station }));
        itemsFen = quote.itemsFen;
      }
      const request: RoutingRequest = { channel: 'delivery', to: body.location, lines, itemsFen };
      const loads = storeLoads(deps.engine);
      const candidates = await readCandidates(deps.engine, stores, request, at, (store, t) => loads.get(store, t));
      const { ranked, excluded } =
        body.lines.length > 0 ? routeOrder(request, candidates) : preview(request, candidates);
      const best = ranked[0];
      if (best === undefined)
        throw new HttpError(
          D.NoStoreAvailable,
          `no store can deliver there: ${excluded.map((e) => `${e.store}: ${e.reason}`).join(', ')}`,
          { details: { excluded } },
        );
      const site = candidates.find((c) => c.store === best.store)?.site;
      const view = await storeOf(deps.engine, best.store).send({ type: 'get', at });
      return {
        body: {
          store: best.store,
          storeName: view.name,
          storeAddress: site?.address ?? '',
          distanceM: best.distanceM,
          kitchenMin: best.kitchenMin,
          rideMin: best.rideMin,
          etaMin: best.etaMin,
          feeFen: best.feeFen,
          minOrderFen: site?.delivery?.minOrderFen ?? 0,
          freeOverFen: site?.delivery?.freeDeliveryOverFen ?? null,
          of: ranked.length,
        },
      };
    },
  });
}

/**
 * The ranking before any dish is chosen: each store weighed on the smallest order it takes (its
 * 起送价), so no store drops out as below its minimum and its fee is the one such an order pays.
 */
function preview(
  request: RoutingRequest,
  candidates: readonly RoutingCandidate[],
): { ranked: ScoredStore[]; excluded: Excluded[] } {
  const ranked: ScoredStore[] = [];
  const excluded: Excluded[] = [];
  for (const c of candidates) {
    const atMinimum: RoutingRequest = {
      channel: request.channel,
      to: request.to,
      lines: request.lines,
      itemsFen: c.site?.delivery?.minOrderFen ?? 0,
    };
    const one = routeOrder(atMinimum, [c]);
    ranked.push(...one.ranked);
    excluded.push(...one.excluded);
  }
  ranked.sort((a, b) => a.score - b.score || a.distanceM - b.distanceM || (a.store < b.store ? -1 : 1));
  return { ranked, excluded };
}

export function deliveryRoutes(deps: GatewayDeps): { diner: Route[]; staff: Route[] } {
  const owners = new OwnerCache();
  const diner = dinerRoute({
    method: 'get',
    path: '/v1/diner/orders/{orderId}/delivery',
    response: DeliveryAnswer,
    summary: "A delivery order's rider: status, name, position (GCJ-02), tip; 404 until the kitchen has it ready",
    description:
      "Each step also comes live on the order's push topic (`order:<orderId>`) as a delta of kind `courier`, with the same status, rider and position.",
    params: OrderParams,
    errors: [...ORDER_ERRORS, ...DELIVERY_ERRORS, ErrorCode.ValidationFailed],
    async handle(req, { params }: { params: z.output<typeof OrderParams> }) {
      const { store } = await readOwnOrder(deps, owners, req, params.orderId);
      return { body: await deliveryOf(deps.engine, store, params.orderId).send({ type: 'get' }) };
    },
  });
  const read = staffRoute({
    method: 'get',
    path: `${STAFF_BASE}/orders/{orderId}/delivery`,
    response: DeliveryAnswer,
    summary: "A delivery order's courier: attempts, tips, the rider, or why staff deliver it",
    roles: MAY.view,
    params: StoreOrderParams,
    errors: [...DELIVERY_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreOrderParams> }) {
      return { body: await deliveryOf(deps.engine, params.store, params.orderId).send({ type: 'get' }) };
    },
  });
  const delivered = staffRoute({
    method: 'post',
    path: `${STAFF_BASE}/orders/{orderId}/delivered`,
    response: DeliveryAnswer,
    summary: 'Staff delivered it themselves (no rider took it, or the rider never came): the order is served',
    roles: MAY.serve,
    params: StoreOrderParams,
    errors: [...DELIVERY_ERRORS, DeliveryErrorCode.NotStaffDelivery, D.Forbidden],
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
