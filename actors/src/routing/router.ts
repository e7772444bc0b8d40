/**
 * The routing of one order request (`routing` actor, one per diner request,
 * in a partition of its own): the durable record that makes routing safe to
 * crash in the middle of. The stores an order may go to live in different
 * partitions, so no one transaction can try them all; instead the router
 * records, before anything is reserved:
 *
 *   decide     the ranking (`routeOrder`'s), once: a repeat of the request gets the same one
 *   attempt    "now trying store X with order id O", before the order is placed there
 *   refused    X refused (sold out, paused, closed): the next store may be tried
 *   placed     X placed it: final
 *
 * A new attempt is refused while one is open, so at most one store holds a
 * reservation for the request at any time; after a crash, whoever repeats the
 * request finds the open attempt and sends the same `place` to the same store
 * (idempotent by its order id) before going on. The request is never lost (the
 * router knows where it went) and never placed twice.
 */
import { defineActor, type ActorRef, type Decision, type Rejection } from '@lunchrush/engine';
import { z } from 'zod';
import { ActorTypes, AtSchema, OrderIdSchema, StoreIdSchema, parseCommand } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import { ROUTING_ID_RE } from './note.js';

/** The partition key of a routing: `r-` never meets a store's 3-digit id (as members' `m-`). */
export const routingPartitionKey = (routingId: string): string => `r-${routingId}`;
export const RoutingIdSchema = z.string().regex(ROUTING_ID_RE, 'expected rt_ and up to 61 of A–Z a–z 0–9 _ -');
export const routingRef = (routingId: string): ActorRef => ({
  store: routingPartitionKey(routingId),
  type: ActorTypes.Routing,
  id: routingId,
});

const ScoredSchema = z.strictObject({
  store: StoreIdSchema,
  score: z.number(),
  distanceM: z.number().int().min(0),
  kitchenMin: z.number().min(0),
  rideMin: z.number().int().min(0),
  etaMin: z.number().min(0),
  feeFen: z.number().int().min(0),
  thin: z.array(z.string()).max(50),
});
const ExcludedSchema = z.strictObject({
  store: StoreIdSchema,
  reason: z.string().min(1).max(40),
  which: z.array(z.string()).max(50).optional(),
});

export const RoutingCommandSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('decide'),
    ranked: z.array(ScoredSchema).max(1_000),
    excluded: z.array(ExcludedSchema).max(1_000),
    at: AtSchema,
  }),
  z.object({ type: z.literal('attempt'), store: StoreIdSchema, orderId: OrderIdSchema, at: AtSchema }),
  z.object({
    type: z.literal('refused'),
    store: StoreIdSchema,
    code: z.string().min(1).max(64),
    at: AtSchema,
  }),
  z.object({ type: z.literal('placed'), store: StoreIdSchema, orderId: OrderIdSchema, at: AtSchema }),
  z.object({ type: z.literal('get') }),
]);
export type RoutingCommand = z.input<typeof RoutingCommandSchema>;
type Parsed = z.output<typeof RoutingCommandSchema>;
type Scored = z.output<typeof ScoredSchema>;

export type RoutingEvent =
  | { type: 'RouteDecided'; ranked: Scored[]; excluded: z.output<typeof ExcludedSchema>[]; at: number }
  | { type: 'AttemptStarted'; store: string; orderId: string; at: number }
  | { type: 'AttemptRefused'; store: string; code: string; at: number }
  | { type: 'RoutedTo'; store: string; orderId: string; at: number };

export interface RoutingAttempt {
  readonly store: string;
  readonly orderId: string;
  /** `open` until the store answered, then `placed` or the code of its refusal. */
  readonly outcome: string;
}

export interface RoutingState {
  readonly routingId: string;
  /** `none` before a decision; `unavailable` when every ranked store refused (or none could serve). */
  readonly status: 'none' | 'routing' | 'placed' | 'unavailable';
  readonly ranked: readonly Scored[];
  readonly excluded: readonly z.output<typeof ExcludedSchema>[];
  readonly attempts: readonly RoutingAttempt[];
  readonly decidedAt: number | null;
}

export interface RoutingView extends RoutingState {
  /** The attempt the stores have not answered yet, if any: resolve it before anything else. */
  readonly open: RoutingAttempt | null;
  /** The best store not tried yet, when no attempt is open and nothing is placed. */
  readonly next: Scored | null;
  readonly placed: RoutingAttempt | null;
}

export function initialRouting(routingId: string): RoutingState {
  return { routingId, status: 'none', ranked: [], excluded: [], attempts: [], decidedAt: null };
}

export function routingView(s: RoutingState): RoutingView {
  const open = s.attempts.find((a) => a.outcome === 'open') ?? null;
  const placed = s.attempts.find((a) => a.outcome === 'placed') ?? null;
  const tried = new Set(s.attempts.map((a) => a.store));
  const next = open === null && placed === null ? (s.ranked.find((r) => !tried.has(r.store)) ?? null) : null;
  return { ...s, open, next, placed };
}

type RoutingDecision = Decision<RoutingEvent, RoutingView, RoutingCommand>;

function emit(s: RoutingState, e: RoutingEvent): RoutingDecision {
  return { events: [e], result: routingView(evolveRouting(s, e)) };
}

export function decideRouting(s: RoutingState, command: RoutingCommand): RoutingDecision | Rejection {
  const p = parseCommand(RoutingCommandSchema, command);
  return p.ok ? decideParsed(s, p.value) : p.rejection;
}

function decideParsed(s: RoutingState, c: Parsed): RoutingDecision | Rejection {
  const v = routingView(s);
  switch (c.type) {
    case 'get':
      return { result: v };
    case 'decide':
      // The first ranking holds: a repeat of the request follows the same order of stores.
      if (s.status !== 'none') return { result: v };
      return emit(s, { type: 'RouteDecided', ranked: c.ranked, excluded: c.excluded, at: c.at });
    case 'attempt': {
      if (v.open?.store === c.store && v.open.orderId === c.orderId) return { result: v };
      if (s.status !== 'routing' || v.open !== null)
        return refuse(
          ErrorCode.RoutingInProgress,
          `routing ${s.routingId} is ${v.open ? 'trying another store' : s.status}`,
          {
            status: s.status,
            open: v.open,
            placed: v.placed,
          },
        );
      if (v.next?.store !== c.store)
        return refuse(
          ErrorCode.InvalidCommand,
          `routing ${s.routingId} tries ${v.next?.store ?? 'no store'} next, not ${c.store}`,
        );
      return emit(s, { type: 'AttemptStarted', store: c.store, orderId: c.orderId, at: c.at });
    }
    case 'refused':
    case 'placed': {
      const done = s.attempts.find((a) => a.store === c.store && a.outcome !== 'open');
      if (done !== undefined) return { result: v };
      if (v.open?.store !== c.store)
        return refuse(ErrorCode.InvalidCommand, `routing ${s.routingId} is not trying store ${c.store}`);
      return emit(
        s,
        c.type === 'placed'
          ? { type: 'RoutedTo', store: c.store, orderId: c.orderId, at: c.at }
          : { type: 'AttemptRefused', store: c.store, code: c.code, at: c.at },
      );
    }
  }
}

function settle(attempts: readonly RoutingAttempt[], store: string, outcome: string): RoutingAttempt[] {
  return attempts.map((a) => (a.store === store && a.outcome === 'open' ? { ...a, outcome } : a));
}

export function evolveRouting(s: RoutingState, e: RoutingEvent): RoutingState {
  switch (e.type) {
    case 'RouteDecided':
      return {
        ...s,
        status: e.ranked.length === 0 ? 'unavailable' : 'routing',
        ranked: e.ranked,
        excluded: e.excluded,
        decidedAt: e.at,
      };
    case 'AttemptStarted':
      return { ...s, attempts: [...s.attempts, { store: e.store, orderId: e.orderId, outcome: 'open' }] };
    case 'AttemptRefused': {
      const attempts = settle(s.attempts, e.store, e.code);
      const left = s.ranked.some((r) => !attempts.some((a) => a.store === r.store));
      return { ...s, attempts, status: left ? 'routing' : 'unavailable' };
    }
    case 'RoutedTo':
      return { ...s, attempts: settle(s.attempts, e.store, 'placed'), status: 'placed' };
  }
}

export const routingActor = defineActor<RoutingState, RoutingCommand, RoutingEvent, RoutingView>({
  name: ActorTypes.Routing,
  initial: (ref) => initialRouting(ref.id),
  parse: (command) => parseCommand(RoutingCommandSchema, command),
  decide: decideParsed,
  evolve: evolveRouting,
});
