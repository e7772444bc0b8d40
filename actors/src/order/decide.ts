/**
 * `decideOrder`: one command to its rule (placement, payment, kitchen, refunds).
 */
import type { DecideContext, Rejection } from '@lunchrush/engine';
import { parseCommand } from '../domain.js';
import { ErrorCode, refuse } from '../errors.js';
import { OrderCommandSchema, type OrderCommand, type Parsed } from './commands.js';
import { emit, unchanged, type OrderDecision } from './decision.js';
import { detailOf } from './detail.js';
import type { OrderState } from './evolve.js';
import { accept, complete, finishStation, review, serve, startStation, urge } from './kitchen.js';
import { cancel, confirmPayment, paymentTimeout } from './payment.js';
import { memberOutputs } from './member.js';
import { place, replay } from './place.js';
import { placeCampaign } from './campaign-order.js';
import { approveRefund, refundCompleted, rejectRefund, requestRefund } from './refunds.js';

function relocate(s: OrderState, c: Extract<Parsed, { type: 'relocate' }>): OrderDecision | Rejection {
  if (s.status === 'none') return refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`);
  const label = c.tableLabel ?? null;
  if (s.tableId === c.tableId && s.tableLabel === label) return unchanged(s);
  return emit(s, [{ type: 'TableChanged', tableId: c.tableId, tableLabel: label, at: c.at }], c.at);
}

export function decideOrder(s: OrderState, command: OrderCommand, ctx: DecideContext): OrderDecision | Rejection {
  const p = parseCommand(OrderCommandSchema, command);
  return p.ok ? decideParsedOrder(s, p.value, ctx) : p.rejection;
}

/** What the engine runs: commands from outside are parsed by `orderActor.parse`, calls are trusted. */
export function decideParsedOrder(s: OrderState, c: Parsed, ctx: DecideContext): OrderDecision | Rejection {
  if (s.member === undefined) return decideByType(s, c, ctx);
  return withMember(s, c, ctx);
}

/** An order a member's card pays part of: the card hears what became of it through durable side outputs. */
function withMember(s: OrderState, c: Parsed, ctx: DecideContext): OrderDecision | Rejection {
  const d = decideByType(s, c, ctx);
  if ('reject' in d || d.events === undefined || d.events.length === 0) return d;
  const extra = memberOutputs(s, d.events, 'at' in c ? c.at : s.placedAt);
  if (extra.length === 0) return d;
  return { ...d, outputs: [...(d.outputs ?? []), ...extra] };
}

function decideByType(s: OrderState, c: Parsed, ctx: DecideContext): OrderDecision | Rejection {
  switch (c.type) {
    case 'get':
      return s.status === 'none' ? refuse(ErrorCode.OrderNotFound, `no order ${s.orderId}`) : { result: detailOf(s) };
    case 'replay':
      return replay(s, c);
    case 'place':
      return place(s, c, ctx);
    case 'placeCampaign':
      return placeCampaign(s, c, ctx);
    case 'confirmPayment':
      return confirmPayment(s, c, ctx);
    case 'paymentTimeout':
      return paymentTimeout(s, c, ctx);
    case 'cancel':
      return cancel(s, c, ctx);
    case 'accept':
      return accept(s, c, ctx);
    case 'startStation':
      return startStation(s, c);
    case 'finishStation':
      return finishStation(s, c, ctx);
    case 'serve':
      return serve(s, c, ctx);
    case 'complete':
      return complete(s, c);
    case 'review':
      return review(s, c);
    case 'urge':
      return urge(s, c);
    case 'requestRefund':
      return requestRefund(s, c, ctx);
    case 'approveRefund':
      return approveRefund(s, c, ctx);
    case 'rejectRefund':
      return rejectRefund(s, c);
    case 'refundCompleted':
      return refundCompleted(s, c);
    case 'relocate':
      return relocate(s, c);
  }
}
