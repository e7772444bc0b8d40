/**
 * A delivery's decisions: dispatch on the kitchen's `Ready`, follow the rider the platform
 * reports, and escalate by durable timers when nobody comes — a tip after each silent
 * `acceptWithinMs`, a new attempt when an accepted rider has not reached the store within
 * `arriveWithinMs`, and the store's own staff once tips and attempts are spent. The order is
 * never dropped: every path ends delivered, by a rider or by staff.
 */
import {
  reject,
  type DecideContext,
  type Decision,
  type Rejection,
  type SideOutput,
  type TimerSpec,
} from '@lunchrush/engine';
import { ActorTypes } from '../domain.js';
import { boardPushSubject, orderPushSubject } from '../outputs.js';
import type { DeliveryParsed } from './commands.js';
import { DeliveryErrorCode as X } from './errors.js';
import {
  courierInstructionId,
  courierSubject,
  shopOrderId,
  type CourierBoardPush,
  type CourierInstruction,
  type CourierPush,
} from './outputs.js';
import { deliveryView, evolveDelivery, type DeliveryEvent, type DeliveryState, type DeliveryView } from './state.js';

export type DeliveryDecision = Decision<DeliveryEvent, DeliveryView, DeliveryParsed>;
type Cmd<T extends DeliveryParsed['type']> = Extract<DeliveryParsed, { type: T }>;

export const ACCEPT_TIMER = 'accept';
export const ARRIVE_TIMER = 'arrive';
/** Steps of a rider, in the only order they happen. */
const RANK = { dispatching: 0, accepted: 1, arrived: 2, picked_up: 3, delivered: 4 } as const;
const CLOSED = new Set(['delivered', 'staff', 'staff_delivered']);
const SYSTEM_COURIER = { role: 'system' as const, id: 'courier' };

interface Effects {
  readonly instructions?: readonly { what: string; data: CourierInstruction }[];
  readonly timers?: readonly TimerSpec<DeliveryParsed>[];
  readonly cancelTimers?: readonly string[];
}

function emit(s: DeliveryState, events: DeliveryEvent[], at: number, fx: Effects = {}): DeliveryDecision {
  let next = s;
  for (const e of events) next = evolveDelivery(next, e);
  const push: CourierPush = {
    kind: 'courier',
    orderId: s.orderId,
    status: next.status,
    attempt: next.attempt,
    rider: next.rider,
    position: next.position,
    tipFen: next.tipFen,
    seq: next.seq,
    events: [],
    at,
  };
  const board: CourierBoardPush = {
    kind: 'courier',
    orderId: s.orderId,
    status: next.status,
    attempt: next.attempt,
    rider: next.rider,
    staffReason: next.staffReason,
    at,
  };
  const outputs: SideOutput[] = [
    { subject: orderPushSubject(s.store, s.orderId), id: `courier:${s.orderId}:${next.seq}`, data: push },
    { subject: boardPushSubject(s.store), id: `courier-board:${s.orderId}:${next.seq}`, data: board },
  ];
  for (const i of fx.instructions ?? [])
    outputs.push({
      subject: courierSubject(s.store),
      id: courierInstructionId(s.orderId, i.data.attempt, i.what),
      data: i.data,
      jetstream: true,
    });
  return {
    events,
    result: deliveryView(next),
    outputs,
    ...(fx.timers === undefined ? {} : { timers: fx.timers }),
    ...(fx.cancelTimers === undefined ? {} : { cancelTimers: fx.cancelTimers }),
  };
}

const same = (s: DeliveryState): DeliveryDecision => ({ result: deliveryView(s) });

function create(s: DeliveryState, attempt: number, at: number): { what: string; data: CourierInstruction } {
  const data: CourierInstruction = {
    kind: 'create',
    store: s.store,
    orderId: s.orderId,
    attempt,
    shopOrderId: shopOrderId(s.orderId, attempt),
    totalFen: s.totalFen,
    items: s.items,
    at,
  };
  return { what: 'create', data };
}

function cancel(s: DeliveryState, reason: string, at: number): { what: string; data: CourierInstruction } {
  const data: CourierInstruction = {
    kind: 'cancel',
    store: s.store,
    orderId: s.orderId,
    attempt: s.attempt,
    shopOrderId: shopOrderId(s.orderId, s.attempt),
    reason,
    at,
  };
  return { what: 'cancel', data };
}

/** The attempt is over (`reason`): the next one, or the store's staff when attempts are spent. */
function giveUp(s: DeliveryState, reason: string, at: number, cancelOnPlatform: boolean): DeliveryDecision {
  const events: DeliveryEvent[] = [{ type: 'AttemptAbandoned', attempt: s.attempt, reason, at }];
  const instructions = cancelOnPlatform ? [cancel(s, reason, at)] : [];
  const maxAttempts = s.policy?.maxAttempts ?? 1;
  if (s.attempt < maxAttempts && reason !== 'no_rider') {
    events.push({ type: 'DispatchRequested', attempt: s.attempt + 1, at });
    instructions.push(create(s, s.attempt + 1, at));
  } else events.push({ type: 'StaffTookOver', reason, at });
  return emit(s, events, at, { instructions, cancelTimers: [ACCEPT_TIMER, ARRIVE_TIMER] });
}

function open(s: DeliveryState, c: Cmd<'open'>): DeliveryDecision {
  if (s.status !== 'none') return same(s);
  const events: DeliveryEvent[] = [
    { type: 'DeliveryOpened', totalFen: c.totalFen, items: c.items, at: c.at },
    { type: 'DispatchRequested', attempt: 1, at: c.at },
  ];
  const opened = evolveDelivery(s, events[0]!);
  return emit(s, events, c.at, { instructions: [create(opened, 1, c.at)] });
}

/**
 * The platform took the order. Its rider may have reported before the worker said so (a worker
 * killed between the platform's create and this command, then its redelivery): the platform's
 * order and the policy are kept all the same, and the timer is the one of the step the rider is at.
 */
function dispatched(s: DeliveryState, c: Cmd<'dispatched'>): DeliveryDecision {
  if (c.attempt !== s.attempt || !(s.status in RANK) || s.platformOrderId !== null) return same(s);
  const { type: _t, ...rest } = c;
  const timers: TimerSpec<DeliveryParsed>[] = [];
  if (s.status === 'dispatching') {
    const at = c.at + c.policy.acceptWithinMs;
    timers.push({ key: ACCEPT_TIMER, at, command: { type: 'acceptTimeout', attempt: c.attempt, at } });
  } else if (s.status === 'accepted') {
    const at = c.at + c.policy.arriveWithinMs;
    timers.push({ key: ARRIVE_TIMER, at, command: { type: 'arriveTimeout', attempt: c.attempt, at } });
  }
  return emit(s, [{ type: 'Dispatched', ...rest }], c.at, { timers });
}

function acceptTimeout(s: DeliveryState, c: Cmd<'acceptTimeout'>): DeliveryDecision {
  if (c.attempt !== s.attempt || s.status !== 'dispatching' || s.policy === null) return same(s);
  const p = s.policy;
  if (s.tips >= p.maxTips) return giveUp(s, 'no_rider', c.at, true);
  const n = s.tips + 1;
  const tipFen = n * p.tipStepFen;
  const at = c.at + p.acceptWithinMs;
  const tip: CourierInstruction = {
    kind: 'tip',
    store: s.store,
    orderId: s.orderId,
    attempt: s.attempt,
    shopOrderId: shopOrderId(s.orderId, s.attempt),
    tipFen,
    n,
    at: c.at,
  };
  return emit(s, [{ type: 'TipAdded', attempt: s.attempt, tipFen, n, at: c.at }], c.at, {
    instructions: [{ what: `tip:${n}`, data: tip }],
    timers: [{ key: ACCEPT_TIMER, at, command: { type: 'acceptTimeout', attempt: s.attempt, at } }],
  });
}

function arriveTimeout(s: DeliveryState, c: Cmd<'arriveTimeout'>): DeliveryDecision {
  if (c.attempt !== s.attempt || s.status !== 'accepted') return same(s);
  return giveUp(s, 'rider_no_show', c.at, true);
}

function courier(s: DeliveryState, c: Cmd<'courier'>, ctx: DecideContext): DeliveryDecision | Rejection {
  if (s.status === 'none') return reject(X.NotFound, `order ${s.orderId} has no delivery`);
  if (c.attempt !== s.attempt) {
    // The platform confirming an attempt this delivery gave up on changes nothing.
    if (c.status === 'cancelled' || c.status === 'exception') return same(s);
    return reject(X.StaleAttempt, `attempt ${c.attempt} of ${s.orderId} is over (now ${s.attempt})`, {
      attempt: s.attempt,
    });
  }
  if (CLOSED.has(s.status)) {
    if (c.status === s.status || c.status === 'cancelled' || c.status === 'exception') return same(s);
    return reject(X.Closed, `delivery of ${s.orderId} is ${s.status}`, { status: s.status });
  }
  if (c.status === 'cancelled' || c.status === 'exception')
    return giveUp(s, c.status === 'cancelled' ? 'platform_cancelled' : 'platform_exception', c.at, false);
  const from = RANK[s.status as keyof typeof RANK];
  const to = RANK[c.status];
  if (to < from) return reject(X.StatusRegressed, `${s.orderId}: ${c.status} after ${s.status}`, { status: s.status });
  const event: DeliveryEvent = {
    type: 'CourierReported',
    attempt: c.attempt,
    status: c.status,
    pushAt: c.pushAt,
    rider: c.rider ?? null,
    position: c.position ?? null,
    at: c.at,
  };
  // The same step again: a position on the way when it is newer, else a repeat that changes nothing.
  if (to === from) return c.pushAt <= s.lastPushAt ? same(s) : emit(s, [event], c.at);
  const fx: { timers?: TimerSpec<DeliveryParsed>[]; cancelTimers: string[] } = { cancelTimers: [ACCEPT_TIMER] };
  if (c.status === 'accepted' && s.policy !== null) {
    const at = c.at + s.policy.arriveWithinMs;
    fx.timers = [{ key: ARRIVE_TIMER, at, command: { type: 'arriveTimeout', attempt: c.attempt, at } }];
  } else fx.cancelTimers.push(ARRIVE_TIMER);
  // Handed over at the door: the order is served (its auto-complete follows); a cancelled order refuses, and stays so.
  if (c.status === 'delivered') ctx.call(ActorTypes.Order, s.orderId, { type: 'serve', by: SYSTEM_COURIER, at: c.at });
  return emit(s, [event], c.at, fx);
}

function staffDelivered(s: DeliveryState, c: Cmd<'staffDelivered'>, ctx: DecideContext): DeliveryDecision | Rejection {
  if (s.status === 'staff_delivered') return same(s);
  if (s.status !== 'staff') return reject(X.NotStaffDelivery, `delivery of ${s.orderId} is ${s.status}`);
  ctx.call(ActorTypes.Order, s.orderId, { type: 'serve', by: c.by, at: c.at });
  return emit(s, [{ type: 'DeliveredByStaff', by: c.by, at: c.at }], c.at);
}

export function decideDelivery(s: DeliveryState, c: DeliveryParsed, ctx: DecideContext): DeliveryDecision | Rejection {
  switch (c.type) {
    case 'open':
      return open(s, c);
    case 'dispatched':
      return dispatched(s, c);
    case 'dispatchFailed':
      if (c.attempt !== s.attempt || s.status !== 'dispatching') return same(s);
      return giveUp(s, 'dispatch_failed', c.at, false);
    case 'courier':
      return courier(s, c, ctx);
    case 'acceptTimeout':
      return acceptTimeout(s, c);
    case 'arriveTimeout':
      return arriveTimeout(s, c);
    case 'staffDelivered':
      return staffDelivered(s, c, ctx);
    case 'get':
      return s.status === 'none' ? reject(X.NotFound, `order ${s.orderId} has no delivery`) : same(s);
  }
}
