/**
 * Placing an order that names no store: rank the stores (`routeOrder`), record
 * the ranking in the request's router, then try the stores in turn, each
 * attempt recorded before its `place` is sent and settled after, until one
 * places it. Runs wherever a `CommandSender` does (the gateway, a test over the
 * in-memory runtime); every step is a command, so a process killed between two
 * steps leaves the router saying exactly where the request stands, and the
 * repeat of the request goes on from there (router.ts says why that never
 * reserves at two stores).
 */
import { createHash } from 'node:crypto';
import { EngineError, type SendOptions } from '@lunchrush/engine';
import { ErrorCode, DomainError } from '../errors.js';
import { ActorHandle, orderOf, stockOf, storeOf, type CommandSender } from '../handles.js';
import { distanceM, zoneContains } from '../geo/site.js';
import { ActorTypes } from '../domain.js';
import type { OrderCommand, OrderDetail } from '../order/index.js';
import type { StoreLoad } from '../store.js';
import { orderIdFor } from '../order-rules.js';
import type { RoutingNote } from './note.js';
import { routingPartitionKey, type RoutingCommand, type RoutingView } from './router.js';
import { MAX_PICKUP_DISTANCE_M, routeOrder, type RoutingCandidate, type RoutingRequest } from './score.js';

/** A store's refusals that send the order to the next store; any other error stops the routing. */
export const NEXT_STORE_ON: ReadonlySet<string> = new Set<string>([
  ErrorCode.SoldOut,
  ErrorCode.StationPaused,
  ErrorCode.ChannelPaused,
  ErrorCode.StoreClosed,
  ErrorCode.StoreNotConfigured,
  ErrorCode.ItemUnavailable,
  ErrorCode.OutsideAvailabilityWindow,
  ErrorCode.UnknownSku,
  ErrorCode.ChannelNotAllowed,
  ErrorCode.LinesRejected,
]);

/** `rt_` and the digest every store's order id of this request ends with (`orderIdFor`). */
export function routingIdFor(dinerId: string, key: string): string {
  return `rt_${createHash('sha256').update(`${dinerId}\0${key}`).digest('base64url').slice(0, 20)}`;
}

export type RoutingReplies = { readonly [K in RoutingCommand['type']]: RoutingView };
export type RoutingHandle = ActorHandle<RoutingCommand, RoutingReplies>;
export const routingOf = (sender: CommandSender, routingId: string): RoutingHandle =>
  new ActorHandle(sender, routingPartitionKey(routingId), ActorTypes.Routing, routingId);

export interface RoutedPlacement {
  readonly dinerId: string;
  /** The request's idempotency key: the routing and each store's order id come from it. */
  readonly key: string;
  readonly request: RoutingRequest;
  /** Each store's standing and stock, read only when the request has no ranking yet. */
  readonly candidates: () => Promise<readonly RoutingCandidate[]>;
  /** The `place` command for this store and order id; `routing` is what the order should record of the decision. */
  readonly place: (store: string, orderId: string, routing: RoutingNote) => Extract<OrderCommand, { type: 'place' }>;
  readonly at: number;
}

/** A store's standing for routing: its actor's `load`, or a caller's recent copy of it. */
export type LoadReader = (store: string, at: number) => Promise<StoreLoad>;

/**
 * Each store's standing (its `load` read, through `loadOf` when the caller keeps recent copies:
 * a kitchen paused since is refused by the placement's own admission, and the next store tried)
 * and, for the stores that could reach the address, the stock of the order's SKUs (a store out
 * of reach is excluded without them: no reads wasted).
 */
export async function readCandidates(
  sender: CommandSender,
  stores: readonly string[],
  r: RoutingRequest,
  at: number,
  loadOf: LoadReader = (store, t) => storeOf(sender, store).send({ type: 'load', at: t }),
): Promise<RoutingCandidate[]> {
  const skuIds = [...new Set(r.lines.map((l) => l.skuId))];
  return Promise.all(
    stores.map(async (store): Promise<RoutingCandidate> => {
      const load = await loadOf(store, at);
      const site = load.site;
      const reachable =
        site !== null &&
        (r.channel === 'delivery'
          ? site.delivery !== undefined && zoneContains(site.location, site.delivery.zone, r.to)
          : distanceM(site.location, r.to) <= MAX_PICKUP_DISTANCE_M);
      const available: Record<string, number> = {};
      if (reachable && load.status !== 'closed') {
        const views = await Promise.all(skuIds.map((sku) => stockOf(sender, store, sku).send({ type: 'get' })));
        for (const v of views) available[v.skuId] = v.eightySixed ? 0 : v.available;
      }
      return { store, status: load.status, site, kitchen: load.kitchen, available };
    }),
  );
}

/** No command id: a repeat must reach the order, which knows whether it is one (as the gateway's own placement). */
const NO_ID: SendOptions = { id: null };

function refusalOf(e: unknown): string | undefined {
  return e instanceof EngineError && e.reason !== undefined && NEXT_STORE_ON.has(e.reason) ? e.reason : undefined;
}

/**
 * The placed order and the routing that placed it; throws `no_store_available` (a DomainError whose
 * message names why each store could not) when none can, and whatever else the engine throws as is
 * (the attempt then stays open, and the repeat resolves it first).
 */
export async function placeRouted(
  sender: CommandSender,
  p: RoutedPlacement,
): Promise<{ order: OrderDetail; routing: RoutingView }> {
  const router = routingOf(sender, routingIdFor(p.dinerId, p.key));
  let v = await router.send({ type: 'get' });
  if (v.status === 'none') {
    const d = routeOrder(p.request, await p.candidates());
    const ranked = d.ranked.map((r) => ({ ...r, thin: [...r.thin] }));
    const excluded = d.excluded.map((x) =>
      x.which === undefined
        ? { store: x.store, reason: x.reason }
        : { store: x.store, reason: x.reason, which: [...x.which] },
    );
    v = await router.send({ type: 'decide', ranked, excluded, at: p.at });
  }
  for (;;) {
    if (v.placed !== null) {
      const order = await orderOf(sender, v.placed.store, v.placed.orderId).send({ type: 'get' });
      return { order: { ...order, duplicate: true }, routing: v };
    }
    let attempt = v.open;
    if (attempt === null) {
      if (v.next === null) throw unavailable(v);
      const orderId = orderIdFor(v.next.store, p.dinerId, p.key);
      v = await router.send({ type: 'attempt', store: v.next.store, orderId, at: p.at });
      attempt = v.open!;
    }
    const { store, orderId } = attempt;
    try {
      const order = await orderOf(sender, store, orderId).send(p.place(store, orderId, noteOf(v, store)), NO_ID);
      v = await router.send({ type: 'placed', store, orderId, at: p.at });
      return { order, routing: v };
    } catch (e) {
      const code = refusalOf(e);
      if (code === undefined) throw e;
      v = await router.send({ type: 'refused', store, code, at: p.at });
    }
  }
}

/** What the order keeps of its routing: its store's rank and scores. */
function noteOf(v: RoutingView, store: string): RoutingNote {
  const i = v.ranked.findIndex((r) => r.store === store);
  const r = v.ranked[i]!;
  return {
    routingId: v.routingId,
    rank: i + 1,
    of: v.ranked.length,
    score: r.score,
    distanceM: r.distanceM,
    kitchenMin: r.kitchenMin,
    rideMin: r.rideMin,
    etaMin: r.etaMin,
    feeFen: r.feeFen,
  };
}

function unavailable(v: RoutingView): DomainError {
  const why = [
    ...v.attempts.map((a) => `${a.store}: ${a.outcome}`),
    ...v.excluded.map((x) => `${x.store}: ${x.reason}`),
  ];
  const head = why.slice(0, 8).join('; ');
  return new DomainError(
    ErrorCode.NoStoreAvailable,
    why.length === 0
      ? 'no store delivers here'
      : `no store can serve this order now (${head}${why.length > 8 ? '; …' : ''})`,
  );
}
