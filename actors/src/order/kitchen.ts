/**
 * The order in the kitchen: acceptance sends one ticket per station, stations
 * start and finish, the order is served, completed and reviewed; a diner may
 * urge (催单).
 */
import type { DecideContext, Rejection } from '@lunchrush/engine';
import { ActorTypes, STORE_ACTOR_ID } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import { openDeliveryOnReady } from '../delivery/on-ready.js';
import { newTickets, urgeTickets } from '../kitchen.js';
import { COMPLETE_TIMER, DEFAULT_AUTO_COMPLETE_MS, DEFAULT_URGE_INTERVAL_MS, type Parsed } from './commands.js';
import { boardPush, emit, isStaff, ticketOrder, unchanged, wrongState, type OrderDecision } from './decision.js';
import type { OrderEvent } from './events.js';
import type { OrderState } from './evolve.js';
import { KITCHEN_WORKING, kitchenStatus, mayReview, mayUrge } from './rules.js';

export function accept(
  s: OrderState,
  c: Extract<Parsed, { type: 'accept' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (!isStaff(c.by)) return refuse(ErrorCode.Forbidden, 'only staff accept orders');
  if (s.acceptedAt !== null) return unchanged(s);
  if (s.status !== 'paid') return wrongState(s, 'accept');
  const stations = [...new Set(s.lines.map((l) => l.station))];
  ctx.call(ActorTypes.Store, STORE_ACTOR_ID, { type: 'ticketsOpened', orderId: s.orderId, stations, at: c.at });
  const events: OrderEvent[] = [
    { type: 'Accepted', by: c.by, at: c.at },
    { type: 'SentToKitchen', stations, at: c.at },
  ];
  return emit(s, events, c.at, { outputs: newTickets(ticketOrder(s), s.lines, c.at) });
}

export function startStation(s: OrderState, c: Extract<Parsed, { type: 'startStation' }>): OrderDecision | Rejection {
  if (!KITCHEN_WORKING.has(kitchenStatus(s))) return wrongState(s, 'start cooking');
  const p = s.stations.find((x) => x.station === c.station);
  if (p === undefined)
    return refuse(ErrorCode.UnknownStation, `order ${s.orderId} has nothing for station ${c.station}`, {
      station: c.station,
    });
  if (p.state !== 'queued') return unchanged(s);
  return emit(s, [{ type: 'StationStarted', station: c.station, at: c.at }], c.at);
}

export function finishStation(
  s: OrderState,
  c: Extract<Parsed, { type: 'finishStation' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (!KITCHEN_WORKING.has(kitchenStatus(s))) return wrongState(s, 'finish cooking');
  const p = s.stations.find((x) => x.station === c.station);
  if (p === undefined)
    return refuse(ErrorCode.UnknownStation, `order ${s.orderId} has nothing for station ${c.station}`, {
      station: c.station,
    });
  if (p.state === 'done' || p.state === 'void') return unchanged(s);
  ctx.call(ActorTypes.Store, STORE_ACTOR_ID, {
    type: 'ticketsClosed',
    orderId: s.orderId,
    stations: [c.station],
    at: c.at,
  });
  const events: OrderEvent[] = [{ type: 'StationDone', station: c.station, at: c.at }];
  const allDone = s.stations.every((x) => x.station === c.station || x.state === 'done' || x.state === 'void');
  if (allDone) events.push({ type: 'Ready', at: c.at });
  if (allDone) openDeliveryOnReady(ctx, s, c.at);
  return emit(s, events, c.at, allDone ? { outputs: [boardPush(s, s.seq + 2, 'ready', c.at)] } : {});
}

export function serve(
  s: OrderState,
  c: Extract<Parsed, { type: 'serve' }>,
  ctx: DecideContext,
): OrderDecision | Rejection {
  if (!isStaff(c.by)) return refuse(ErrorCode.Forbidden, 'only staff serve orders');
  const k = kitchenStatus(s);
  if (k === 'served' || k === 'completed' || k === 'reviewed') return unchanged(s);
  if (k !== 'ready' && !KITCHEN_WORKING.has(k)) return wrongState(s, 'serve');
  // Stores without a kitchen display serve straight away: the open stations are done now.
  const events: OrderEvent[] = [];
  const open = s.stations.filter((x) => x.state === 'queued' || x.state === 'cooking').map((x) => x.station);
  if (open.length > 0)
    ctx.call(ActorTypes.Store, STORE_ACTOR_ID, { type: 'ticketsClosed', orderId: s.orderId, stations: open, at: c.at });
  for (const st of open) events.push({ type: 'StationDone', station: st, at: c.at });
  if (k !== 'ready') events.push({ type: 'Ready', at: c.at });
  if (k !== 'ready') openDeliveryOnReady(ctx, s, c.at);
  events.push({ type: 'Served', by: c.by, at: c.at });
  return emit(s, events, c.at, {
    timers: [
      {
        key: COMPLETE_TIMER,
        at: c.at + DEFAULT_AUTO_COMPLETE_MS,
        command: { type: 'complete', at: c.at + DEFAULT_AUTO_COMPLETE_MS },
      },
    ],
  });
}

export function complete(s: OrderState, c: Extract<Parsed, { type: 'complete' }>): OrderDecision | Rejection {
  if (s.status === 'completed' || s.status === 'reviewed') return unchanged(s);
  if (s.status !== 'served') return wrongState(s, 'complete');
  return emit(s, [{ type: 'Completed', at: c.at }], c.at, { cancelTimers: [COMPLETE_TIMER] });
}

export function review(s: OrderState, c: Extract<Parsed, { type: 'review' }>): OrderDecision | Rejection {
  if (s.status === 'reviewed') return unchanged(s);
  if (!mayReview(s)) return wrongState(s, 'review');
  return emit(s, [{ type: 'Reviewed', rating: c.rating, comment: c.comment ?? null, at: c.at }], c.at);
}

export function urge(s: OrderState, c: Extract<Parsed, { type: 'urge' }>): OrderDecision | Rejection {
  if (!mayUrge(s)) return wrongState(s, 'urge');
  if (s.lastUrgeAt !== null && c.at - s.lastUrgeAt < DEFAULT_URGE_INTERVAL_MS) {
    const retryAt = s.lastUrgeAt + DEFAULT_URGE_INTERVAL_MS;
    return refuse(ErrorCode.UrgeTooSoon, `urged at ${s.lastUrgeAt}; again from ${retryAt}`, { retryAt });
  }
  const n = s.urges + 1;
  const open = new Set(s.stations.filter((x) => x.state === 'queued' || x.state === 'cooking').map((x) => x.station));
  const outputs = [
    ...urgeTickets(ticketOrder(s), s.lines, open, n, c.at),
    boardPush(s, s.seq + 1, 'urge', c.at, { count: n }),
  ];
  return emit(s, [{ type: 'Urged', by: c.by, count: n, at: c.at }], c.at, { outputs });
}
