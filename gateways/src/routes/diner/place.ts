/**
 * Placing an order: `POST /v1/diner/orders` with an Idempotency-Key. Dine-in goes through the
 * table (its cart, or the lines given); takeaway and delivery straight to a new order actor.
 * The order id comes from the diner and the key (`orderIdFor`), so a repeat is the same order.
 */
import {
  ErrorCode as D,
  orderIdFor,
  type OrderDetail,
  type OrderMember,
  type ParsedTableCommand,
} from '@lunchrush/actors';
import { EngineError } from '@lunchrush/engine';
import type { z } from 'zod';
import { PlacedOrderAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import { JSON_CONTENT, type Reply, type RequestInfo, type Route } from '../../http.js';
import { InFlight, bodyHash, idempotencyKey } from '../../idempotency.js';
import { maskPhone, seal } from '../../pii.js';
import { PlaceOrderBody } from '../../schemas.js';
import type { OwnerCache } from './access.js';
import { MEMBER_PLACE_ERRORS, placeWithCard } from './member-place.js';
import { isRouted, placeRoutedOrder, refuseCardOnRouted } from './routed.js';
import { INPUT_ERRORS, LINE_ERRORS, dinerRoute, seated, session } from './common.js';

/** No command id (see `place` below); one object for every placement. */
/** No command id (the order id is the placement's idempotency); the request's id, for the engine's log. */
const noId = (req: RequestInfo) => ({ id: null, req: req.id });

export type Place = (
  req: RequestInfo,
  body: z.output<typeof PlaceOrderBody>,
  key: string,
  at: number,
  /** What the diner's member card holds for the order (`member-place.ts`). */
  member?: OrderMember,
) => Promise<OrderDetail>;

/** The request as `place` needs it, with the body's digest (what a repeat must match). */
interface Placement {
  readonly req: RequestInfo;
  readonly body: z.output<typeof PlaceOrderBody>;
  readonly key: string;
  readonly requestHash: string;
  readonly at: number;
  readonly member: OrderMember | undefined;
}

/**
 * The contact and address, sealed, written once the order holds this request (placed, or placed
 * before by the same body), so a request refused for another body never replaces the contact; a
 * repeat writes it again.
 */
async function sealDelivery(deps: GatewayDeps, orderId: string, body: z.output<typeof PlaceOrderBody>): Promise<void> {
  if (body.delivery === undefined) return;
  const { redis, prefix, cfg } = deps;
  await redis.set(
    `${prefix}:pii:order:${orderId}`,
    seal(cfg.piiKeys, JSON.stringify(body.delivery), `order:${orderId}`),
    'EX',
    90 * 86_400,
  );
}

/**
 * The placement itself, as it was written inside the diner routes (moved whole: its cost per
 * order is measured by the bench, and this function is what it measures). No command id (not
 * even the client's own, `null`): a repeat must reach the actors, which know whether it is one
 * and what it asked, for as long as the order exists (the engine's window of ids would answer a
 * repeat with another body the first order, and forget the id after a while); and the engine
 * then neither remembers nor logs the answer (~1.5 KB an order). 422 when another request chose
 * this order id.
 */
function placer(deps: GatewayDeps): Place {
  return async (req, body, key, at, member) => {
    const p: Placement = { req, body, key, requestHash: bodyHash(body), at, member };
    try {
      if ((body.channel ?? 'dine_in') === 'dine_in') return await placeDineIn(deps, p);
      const s = session(req);
      if (isRouted(body, s.store)) {
        if (member !== undefined) refuseCardOnRouted();
        const routed = await placeRoutedOrder(deps, s.dinerId, body, key, p.requestHash, at);
        await sealDelivery(deps, routed.orderId, body);
        return routed;
      }
      return await placeAtStore(deps, p);
    } catch (e) {
      if (e instanceof EngineError && e.reason === D.IdempotencyConflict)
        throw new HttpError(ErrorCode.IdempotencyKeyReused, 'this Idempotency-Key was used with another body');
      throw e;
    }
  };
}

/**
 * Dine-in goes through the table, with the cart or with the lines given: the order carries the
 * table's label and session and shows on its board, and its store is the table's own (a table of
 * 001 never orders into 002's kitchen).
 */
async function placeDineIn(deps: GatewayDeps, p: Placement): Promise<OrderDetail> {
  const { body, member } = p;
  const s = session(p.req);
  const t = seated(p.req);
  if (body.store !== undefined && body.store !== t.store)
    throw new HttpError(
      D.TableNotInStore,
      `your table is in store ${t.store}, not ${body.store}: dine-in orders go to the table's store`,
      { details: { store: body.store, tableStore: t.store } },
    );
  const orderId = orderIdFor(t.store, s.dinerId, p.key);
  // Optional parts set, not spread in (`...(x ? {} : { x })` is slow in V8: see the actors' order/detail.ts).
  const submit: Submit = { type: 'submit', orderId, dinerId: s.dinerId, requestHash: p.requestHash, at: p.at };
  if (body.lines !== undefined) submit.lines = body.lines;
  const table = deps.engine.table(t.store, t.tableId);
  // Built here from the body PlaceOrderBody parsed (its lines in QuoteLineSchema's output form) and
  // from values this gateway made: the table decides it without parsing it again. A member's hold
  // comes from another actor's answer, so the table's parse still checks that one.
  if (member !== undefined) submit.member = member;
  const r = member === undefined ? await table.sendParsed(submit, noId(p.req)) : await table.send(submit, noId(p.req));
  // A table actor of an older gateway answers a repeat without the order: read it.
  return 'order' in r
    ? r.order
    : {
        ...(await deps.engine.order(t.store, orderId).send({ type: 'get' })),
        duplicate: true,
      };
}

type Submit = { -readonly [K in keyof SubmitCommand]: SubmitCommand[K] };
/** In the form the table's parse gives (`sendParsed`): every default filled in. */
type SubmitCommand = Extract<ParsedTableCommand, { type: 'submit' }>;

/** Takeaway and delivery: any store the diner names (lines are required by the schema). */
async function placeAtStore(deps: GatewayDeps, p: Placement): Promise<OrderDetail> {
  const { body, member } = p;
  const s = session(p.req);
  const store = body.store ?? s.store;
  if (store === undefined)
    throw new HttpError(ErrorCode.ValidationFailed, 'store is required when no table is scanned');
  const orderId = orderIdFor(store, s.dinerId, p.key);
  const order = await deps.engine.order(store, orderId).send(
    {
      type: 'place',
      // Not dine-in, so the schema had both (PlaceOrderBody: takeaway and delivery list their lines).
      channel: body.channel!,
      lines: body.lines!,
      dinerId: s.dinerId,
      // The phone and address are sealed at rest; the engine keeps only a reference and the last four digits.
      ...(body.delivery === undefined
        ? {}
        : {
            delivery: {
              address: `sealed ${orderId}`,
              contact: `${body.delivery.contact.slice(0, 1)}*`,
              phone: maskPhone(body.delivery.phone),
            },
          }),
      requestHash: p.requestHash,
      ...(member === undefined ? {} : { member }),
      at: p.at,
    },
    noId(p.req),
  );
  await sealDelivery(deps, orderId, body);
  return order;
}

/** The Idempotency-Key's attempt: one at a time per diner and key, then the placement's answer. */
function orderPlacer(
  deps: GatewayDeps,
  owners: OwnerCache,
): (req: RequestInfo, body: z.output<typeof PlaceOrderBody>) => Promise<Reply> {
  const { cfg } = deps;
  const attempts = new InFlight();
  const place = placer(deps);
  const placeOrder = async (req: RequestInfo, body: z.output<typeof PlaceOrderBody>): Promise<Reply> => {
    const s = session(req);
    const key = idempotencyKey(req);
    if (!attempts.enter(s.dinerId, key))
      throw new HttpError(
        ErrorCode.IdempotencyInProgress,
        'the first request with this Idempotency-Key is still running',
        { retryAfterS: cfg.retryAfterS },
      );
    const at = Date.now();
    let order: OrderDetail;
    try {
      order =
        body.pay === undefined ? await place(req, body, key, at) : await placeWithCard(deps, place, req, body, key, at);
    } finally {
      attempts.leave(s.dinerId, key);
    }
    owners.set(order.orderId, { dinerId: order.dinerId, tableId: order.tableId });
    if (order.duplicate === true) {
      // The first answer again: the order as it is now, without the actors' repeat mark.
      const { duplicate: _, ...first } = order;
      return {
        status: 201,
        body: JSON.stringify({ order: first }),
        contentType: JSON_CONTENT,
        headers: { 'idempotent-replayed': 'true' },
      };
    }
    deps.orderLists.noteLocal(s.dinerId, order.orderId, at);
    return { status: 201, body: JSON.stringify({ order }), contentType: JSON_CONTENT };
  };
  return placeOrder;
}

/** `POST /v1/diner/orders`. */
export function placeOrderRoute(deps: GatewayDeps, owners: OwnerCache): Route {
  const placeOrder = orderPlacer(deps, owners);
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/orders',
    response: PlacedOrderAnswer,
    summary: 'Place an order: the table cart (no lines) or the given lines; Idempotency-Key required',
    description:
      "A repeat with the same Idempotency-Key and body returns the order it placed, as it is now (header Idempotent-Replayed: true), for as long as the order exists; the same key with another body is 422. Use a new key for each new attempt. Prices come from the catalog only, and a body with any key beyond `lines`, `channel`, `store`, `delivery` and `pay` (a price, a misspelt `lins`) is refused with 400 validation_failed naming it. With `pay`, the diner's member card holds the coupons, points and stored value it names for the order (the order's discounts show each with its reason) and WeChat Pay collects the rest; an order the card pays in full is paid at once. Dine-in orders (the default channel) go to the table the diner scanned: with `lines` those lines, without them the shared cart; a `store` other than the table's is 422 table_not_in_store. A delivery with `delivery.location` (GCJ-02) and no `store` (and no table scanned) is routed: among the stores of GATEWAY_ROUTING_STORES whose zone holds the address, the one with the best score of kitchen wait, ride and fee that has stock for every line; when its reservation is refused the next is tried, and 409 no_store_available names why each store could not. A repeat goes on where the first attempt stood and never places at a second store.",
    body: PlaceOrderBody,
    headers: [
      { name: 'Idempotency-Key', required: true, description: '8–64 of A–Z a–z 0–9 _ -, new for each order attempt' },
    ],
    responseStatus: 201,
    errors: [
      ...INPUT_ERRORS,
      ...ENGINE_ERRORS,
      ...LINE_ERRORS,
      ErrorCode.MissingIdempotencyKey,
      ErrorCode.IdempotencyKeyReused,
      ErrorCode.IdempotencyInProgress,
      ErrorCode.NoTable,
      D.TableNotInStore,
      D.SoldOut,
      D.StoreClosed,
      D.StoreNotConfigured,
      D.ChannelPaused,
      D.StationPaused,
      D.NoStoreAvailable,
      D.RoutingInProgress,
      D.EmptyCart,
      D.NoSession,
      D.IdempotencyConflict,
      D.InvalidCommand,
      ...MEMBER_PLACE_ERRORS,
    ],
    async handle(req, { body }: { body: z.output<typeof PlaceOrderBody> }) {
      return placeOrder(req, body);
    },
  });
}
