/**
 * A delivery order that names no store but says where it goes (`delivery.location`): routed to
 * the store that serves it best among `GATEWAY_ROUTING_STORES`, by distance, stock and kitchen
 * load (`placeRouted` in the actors: the request's router records the ranking and every store
 * tried, so a repeat of the request, after a crash or a lost reply, goes on where it stood and
 * never reserves at a second store).
 */
import {
  ErrorCode as D,
  catalogOf,
  placeRouted,
  readCandidates,
  type OrderDetail,
  type RoutingRequest,
} from '@lunchrush/actors';
import type { z } from 'zod';
import type { GatewayDeps } from '../../deps.js';
import { ErrorCode, HttpError } from '../../errors.js';
import { maskPhone } from '../../pii.js';
import { storeLoads } from '../../routing-loads.js';
import type { PlaceOrderBody } from '../../schemas.js';

type Body = z.output<typeof PlaceOrderBody>;

/** Whether this request is routed: a delivery with a location, no store named and none scanned. */
export function isRouted(body: Body, sessionStore: string | undefined): boolean {
  return (
    body.channel === 'delivery' &&
    body.store === undefined &&
    sessionStore === undefined &&
    body.delivery?.location !== undefined
  );
}

export async function placeRoutedOrder(
  deps: GatewayDeps,
  dinerId: string,
  body: Body,
  key: string,
  requestHash: string,
  at: number,
): Promise<OrderDetail> {
  const { engine, cfg } = deps;
  const stores = cfg.routingStores;
  if (stores.length === 0)
    throw new HttpError(D.NoStoreAvailable, 'this service routes no orders: name the store (store)');
  const delivery = body.delivery!;
  const lines = body.lines!;
  const loads = storeLoads(engine);
  // The chain's menu prices and stations are the template's: any routing store's quote gives the
  // stations the order needs and the items' value its minimum order and fee band are weighed on.
  const quote = await catalogOf(engine, stores[0]!).send({ type: 'quote', channel: 'delivery', lines, at });
  const request: RoutingRequest = {
    channel: 'delivery',
    to: delivery.location!,
    lines: quote.lines.map((l) => ({ skuId: l.skuId, qty: l.qty, station: l.station })),
    itemsFen: quote.itemsFen,
  };
  const { order } = await placeRouted(engine, {
    dinerId,
    key,
    request,
    candidates: () => readCandidates(engine, stores, request, at, (store, t) => loads.get(store, t)),
    place: (_store, orderId, routing) => ({
      type: 'place',
      channel: 'delivery',
      lines,
      dinerId,
      // Sealed at rest as for any delivery order: the engine keeps a reference and the last digits.
      delivery: {
        address: `sealed ${orderId}`,
        contact: `${delivery.contact.slice(0, 1)}*`,
        phone: maskPhone(delivery.phone),
      },
      requestHash,
      routing,
      at,
    }),
    at,
  });
  return order;
}

/** A routed order is placed where the router says; a member card's hold is keyed by a store's order id. */
export function refuseCardOnRouted(): never {
  throw new HttpError(
    ErrorCode.ValidationFailed,
    'paying with the member card needs a store: name the store, or leave out pay, for a routed delivery',
  );
}
