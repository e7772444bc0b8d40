/**
 * The order state machine, table-driven: from every status, every command,
 * the status it leads to or the code it is refused with.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryRuntime } from '@lunchrush/engine';
import { orderRef, type OrderCommand, type OrderState, type OrderStatus } from '@lunchrush/actors';
import { DINER, MANAGER, MIN, STAFF, STORE, T0, expectOk, order, setupStore } from './helpers.js';

const ID = 'o_1';
const DEADLINE = T0 + 15 * MIN;

const placeCmd: OrderCommand = {
  type: 'place',
  channel: 'dine_in',
  dinerId: 'd1',
  lines: [
    { skuId: 'noodle-l', qty: 2, options: [{ group: 'spice', choice: 'hot' }] },
    { skuId: 'cuke', qty: 1 },
  ],
  at: T0,
};
const TOTAL = 2 * 2800 + 1200;

type From = OrderStatus | 'none';

/** Commands that bring a fresh order to each status. */
const PATHS: Record<From, OrderCommand[]> = {
  none: [],
  created: [],
  accepted: [],
  pending_payment: [placeCmd],
  paid: [placeCmd, { type: 'confirmPayment', paymentId: 'p1', amountFen: TOTAL, paidAt: T0 + MIN, at: T0 + MIN }],
  sent_to_kitchen: [],
  cooking: [],
  ready: [],
  served: [],
  completed: [],
  reviewed: [],
  cancelled: [placeCmd, { type: 'cancel', by: DINER, at: T0 + MIN }],
  refund_requested: [],
  refunded: [],
};
PATHS.sent_to_kitchen = [...PATHS.paid, { type: 'accept', by: STAFF, at: T0 + 2 * MIN }];
PATHS.cooking = [...PATHS.sent_to_kitchen, { type: 'startStation', station: 'staple', at: T0 + 3 * MIN }];
PATHS.ready = [
  ...PATHS.cooking,
  { type: 'finishStation', station: 'staple', at: T0 + 8 * MIN },
  { type: 'finishStation', station: 'cold', at: T0 + 8 * MIN },
];
PATHS.served = [...PATHS.ready, { type: 'serve', by: STAFF, at: T0 + 9 * MIN }];
PATHS.completed = [...PATHS.served, { type: 'complete', at: T0 + 40 * MIN }];
PATHS.reviewed = [...PATHS.completed, { type: 'review', rating: 5, comment: '好吃', at: T0 + 41 * MIN }];
PATHS.refund_requested = [
  ...PATHS.cooking,
  { type: 'requestRefund', refundId: 'r1', reason: '等太久', by: DINER, at: T0 + 4 * MIN },
];
PATHS.refunded = [
  ...PATHS.paid,
  { type: 'cancel', by: DINER, at: T0 + 2 * MIN },
  { type: 'refundCompleted', refundId: 'cancel-4', at: T0 + 3 * MIN },
];

function reach(from: From): MemoryRuntime {
  const rt = setupStore();
  for (const c of PATHS[from]) expectOk(order(rt, ID, c));
  const s = rt.state<OrderState>(orderRef(STORE, ID));
  expect(s.status).toBe(from);
  return rt;
}

const at = T0 + 5 * MIN;
const C = {
  pay: (paymentId = 'p1'): OrderCommand => ({ type: 'confirmPayment', paymentId, amountFen: TOTAL, paidAt: at, at }),
  timeout: (t = DEADLINE): OrderCommand => ({ type: 'paymentTimeout', at: t }),
  cancel: (by = DINER): OrderCommand => ({ type: 'cancel', by, at }),
  accept: (by = STAFF): OrderCommand => ({ type: 'accept', by, at }),
  start: (station = 'staple'): OrderCommand => ({ type: 'startStation', station, at }),
  finish: (station = 'staple'): OrderCommand => ({ type: 'finishStation', station, at }),
  serve: (by = STAFF): OrderCommand => ({ type: 'serve', by, at }),
  complete: (): OrderCommand => ({ type: 'complete', at: at + 60 * MIN }),
  review: (): OrderCommand => ({ type: 'review', rating: 4, at: at + 61 * MIN }),
  urge: (): OrderCommand => ({ type: 'urge', by: DINER, at }),
  refund: (by = DINER, overrideReason?: string): OrderCommand => ({
    type: 'requestRefund',
    refundId: 'r9',
    reason: '不想要了',
    by,
    ...(overrideReason === undefined ? {} : { overrideReason }),
    at,
  }),
  approve: (refundId = 'r9'): OrderCommand => ({ type: 'approveRefund', refundId, by: STAFF, at }),
  done: (refundId = 'r9'): OrderCommand => ({ type: 'refundCompleted', refundId, at }),
  relocate: (): OrderCommand => ({ type: 'relocate', tableId: '0010001000024', at }),
  get: (): OrderCommand => ({ type: 'get' }),
};

type Expect = { status: OrderStatus } | { rejected: string };
const rows: [From, string, OrderCommand, Expect][] = [
  ['none', 'get', C.get(), { rejected: 'order_not_found' }],
  ['none', 'pay', C.pay(), { rejected: 'order_not_found' }],
  ['none', 'cancel', C.cancel(), { rejected: 'order_not_found' }],
  ['none', 'accept', C.accept(), { rejected: 'order_not_found' }],
  ['none', 'refund', C.refund(), { rejected: 'order_not_found' }],
  ['none', 'relocate', C.relocate(), { rejected: 'order_not_found' }],
  ['none', 'place', placeCmd, { status: 'pending_payment' }],

  ['pending_payment', 'place again (same lines)', placeCmd, { status: 'pending_payment' }],
  [
    'pending_payment',
    'place again (other lines)',
    { ...placeCmd, lines: [{ skuId: 'cola', qty: 1 }] },
    { rejected: 'idempotency_conflict' },
  ],
  ['pending_payment', 'pay', C.pay(), { status: 'paid' }],
  [
    'pending_payment',
    'pay the wrong amount',
    { type: 'confirmPayment', paymentId: 'p1', amountFen: 1, paidAt: at, at },
    { rejected: 'amount_mismatch' },
  ],
  ['pending_payment', 'timeout at the deadline', C.timeout(), { status: 'cancelled' }],
  ['pending_payment', 'timeout before the deadline', C.timeout(DEADLINE - 1), { rejected: 'invalid_transition' }],
  ['pending_payment', 'cancel', C.cancel(), { status: 'cancelled' }],
  ['pending_payment', 'accept', C.accept(), { rejected: 'invalid_transition' }],
  ['pending_payment', 'start', C.start(), { rejected: 'invalid_transition' }],
  ['pending_payment', 'finish', C.finish(), { rejected: 'invalid_transition' }],
  ['pending_payment', 'serve', C.serve(), { rejected: 'invalid_transition' }],
  ['pending_payment', 'complete', C.complete(), { rejected: 'invalid_transition' }],
  ['pending_payment', 'review', C.review(), { rejected: 'invalid_transition' }],
  ['pending_payment', 'urge', C.urge(), { rejected: 'invalid_transition' }],
  ['pending_payment', 'refund', C.refund(), { rejected: 'refund_not_allowed' }],
  ['pending_payment', 'approve an unknown refund', C.approve(), { rejected: 'unknown_refund' }],
  ['pending_payment', 'complete an unknown refund', C.done(), { rejected: 'unknown_refund' }],
  ['pending_payment', 'relocate', C.relocate(), { status: 'pending_payment' }],

  ['paid', 'pay again (same payment)', C.pay('p1'), { status: 'paid' }],
  ['paid', 'pay again (another payment)', C.pay('p2'), { rejected: 'already_paid' }],
  ['paid', 'timeout', C.timeout(), { rejected: 'invalid_transition' }],
  ['paid', 'diner cancels: full refund at once', C.cancel(), { status: 'refund_requested' }],
  ['paid', 'store declines: full refund at once', C.cancel(STAFF), { status: 'refund_requested' }],
  ['paid', 'accept', C.accept(), { status: 'sent_to_kitchen' }],
  ['paid', 'a diner cannot accept', C.accept(DINER), { rejected: 'forbidden' }],
  ['paid', 'start', C.start(), { rejected: 'invalid_transition' }],
  ['paid', 'serve', C.serve(), { rejected: 'invalid_transition' }],
  ['paid', 'complete', C.complete(), { rejected: 'invalid_transition' }],
  ['paid', 'review', C.review(), { rejected: 'invalid_transition' }],
  ['paid', 'urge', C.urge(), { status: 'paid' }],
  ['paid', 'diner refund (self-service)', C.refund(), { status: 'refund_requested' }],

  ['sent_to_kitchen', 'accept again', C.accept(), { status: 'sent_to_kitchen' }],
  ['sent_to_kitchen', 'cancel', C.cancel(), { rejected: 'invalid_transition' }],
  ['sent_to_kitchen', 'start', C.start(), { status: 'cooking' }],
  ['sent_to_kitchen', 'start an unknown station', C.start('bar'), { rejected: 'unknown_station' }],
  ['sent_to_kitchen', 'finish one of two stations', C.finish(), { status: 'sent_to_kitchen' }],
  ['sent_to_kitchen', 'serve without a kitchen display', C.serve(), { status: 'served' }],
  ['sent_to_kitchen', 'a diner cannot serve', C.serve(DINER), { rejected: 'forbidden' }],
  ['sent_to_kitchen', 'urge', C.urge(), { status: 'sent_to_kitchen' }],
  ['sent_to_kitchen', 'timeout', C.timeout(), { rejected: 'invalid_transition' }],
  ['sent_to_kitchen', 'complete', C.complete(), { rejected: 'invalid_transition' }],
  ['sent_to_kitchen', 'diner refund (needs staff)', C.refund(), { status: 'refund_requested' }],
  ['sent_to_kitchen', 'staff refund', C.refund(STAFF), { status: 'refund_requested' }],

  ['cooking', 'start again', C.start(), { status: 'cooking' }],
  ['cooking', 'start the other station', C.start('cold'), { status: 'cooking' }],
  ['cooking', 'finish one of two', C.finish(), { status: 'cooking' }],
  ['cooking', 'serve', C.serve(), { status: 'served' }],
  ['cooking', 'urge', C.urge(), { status: 'cooking' }],
  ['cooking', 'review', C.review(), { rejected: 'invalid_transition' }],
  ['cooking', 'cancel', C.cancel(), { rejected: 'invalid_transition' }],
  ['cooking', 'diner refund', C.refund(), { status: 'refund_requested' }],

  ['ready', 'serve', C.serve(), { status: 'served' }],
  ['ready', 'start', C.start(), { rejected: 'invalid_transition' }],
  ['ready', 'finish', C.finish(), { rejected: 'invalid_transition' }],
  ['ready', 'urge', C.urge(), { rejected: 'invalid_transition' }],
  ['ready', 'complete', C.complete(), { rejected: 'invalid_transition' }],
  ['ready', 'diner refund', C.refund(), { status: 'refund_requested' }],

  ['served', 'serve again', C.serve(), { status: 'served' }],
  ['served', 'complete', C.complete(), { status: 'completed' }],
  ['served', 'review before completion', C.review(), { rejected: 'invalid_transition' }],
  ['served', 'cancel', C.cancel(), { rejected: 'invalid_transition' }],
  ['served', 'diner refund', C.refund(), { rejected: 'refund_not_allowed' }],
  ['served', 'staff refund', C.refund(STAFF), { rejected: 'refund_not_allowed' }],
  ['served', 'manager refund without a reason', C.refund(MANAGER), { rejected: 'refund_not_allowed' }],
  ['served', 'manager override with a reason', C.refund(MANAGER, '菜里有异物'), { status: 'refund_requested' }],
  ['served', 'a staff override does not count', C.refund(STAFF, '熟人'), { rejected: 'refund_not_allowed' }],

  ['completed', 'complete again', C.complete(), { status: 'completed' }],
  ['completed', 'review', C.review(), { status: 'reviewed' }],
  ['completed', 'diner refund', C.refund(), { rejected: 'refund_not_allowed' }],
  ['completed', 'manager override', C.refund(MANAGER, '投诉处理'), { status: 'refund_requested' }],

  ['reviewed', 'review again', C.review(), { status: 'reviewed' }],
  ['reviewed', 'urge', C.urge(), { rejected: 'invalid_transition' }],
  ['reviewed', 'serve', C.serve(), { status: 'reviewed' }],

  ['cancelled', 'cancel again', C.cancel(), { status: 'cancelled' }],
  ['cancelled', 'accept', C.accept(), { rejected: 'invalid_transition' }],
  ['cancelled', 'timeout', C.timeout(), { rejected: 'invalid_transition' }],
  ['cancelled', 'refund', C.refund(), { rejected: 'nothing_to_refund' }],
  ['cancelled', 'urge', C.urge(), { rejected: 'invalid_transition' }],

  ['refund_requested', 'another refund', C.refund(), { rejected: 'refund_in_progress' }],
  ['refund_requested', 'accept again', C.accept(), { status: 'refund_requested' }],
  ['refund_requested', 'the kitchen goes on', C.start('cold'), { status: 'refund_requested' }],
  ['refund_requested', 'cancel', C.cancel(), { rejected: 'invalid_transition' }],
  ['refund_requested', 'approve', C.approve('r1'), { status: 'refund_requested' }],
  [
    'refund_requested',
    'a diner cannot approve',
    { type: 'approveRefund', refundId: 'r1', by: DINER, at },
    { rejected: 'forbidden' },
  ],
  [
    'refund_requested',
    'reject: back to cooking',
    { type: 'rejectRefund', refundId: 'r1', by: STAFF, reason: '已在出餐', at },
    { status: 'cooking' },
  ],
  ['refund_requested', 'complete before approval', C.done('r1'), { rejected: 'invalid_transition' }],

  ['refunded', 'refund', C.refund(), { rejected: 'nothing_to_refund' }],
  ['refunded', 'cancel', C.cancel(), { rejected: 'invalid_transition' }],
  ['refunded', 'pay again', C.pay('p1'), { status: 'refunded' }],
  ['refunded', 'complete the refund again', C.done('cancel-4'), { status: 'refunded' }],
];

describe('order state machine', () => {
  it.each(rows)('%s: %s', (from, _name, command, want) => {
    const rt = reach(from);
    const before = rt.log.length;
    const out = order(rt, ID, command);
    if ('rejected' in want) {
      expect(out.ok ? 'ok' : out.reason).toBe(want.rejected);
      expect(rt.log.length).toBe(before);
      return;
    }
    if (!out.ok) expect.fail(`${out.reason}: ${out.message}`);
    expect(rt.state<OrderState>(orderRef(STORE, ID)).status).toBe(want.status);
  });

  it('every transition is an event and every status change is pushed', () => {
    const rt = reach('reviewed');
    const events = rt.log.filter((e) => e.a[0] === 'order').flatMap((e) => (e.ev ?? []) as { type: string }[]);
    expect(events.map((e) => e.type)).toEqual([
      'Created',
      'PaymentRequested',
      'Paid',
      'Accepted',
      'SentToKitchen',
      'StationStarted',
      'StationDone',
      'StationDone',
      'Ready',
      'Served',
      'Completed',
      'Reviewed',
    ]);
    const pushes = rt.outputs
      .filter((o) => o.subject === `push.${STORE}.order.${ID}`)
      .map((o) => (o.data as { status: string }).status);
    expect(pushes).toEqual([
      'pending_payment',
      'paid',
      'sent_to_kitchen',
      'cooking',
      'cooking',
      'ready',
      'served',
      'completed',
      'reviewed',
    ]);
  });

  it('refuses malformed commands naming the field', () => {
    const rt = setupStore();
    const out = order(rt, ID, { ...placeCmd, lines: [{ skuId: 'noodle-l', qty: 0 }] });
    expect(out).toMatchObject({ ok: false, code: 'invalid', reason: 'invalid_command' });
    expect(out.ok ? '' : out.message).toContain('lines.0.qty');
    const bad = order(rt, 'x1', placeCmd);
    expect(bad).toMatchObject({ ok: false, reason: 'invalid_command' });
  });

  it('delivery orders need an address', () => {
    const rt = setupStore();
    expect(order(rt, ID, { ...placeCmd, channel: 'delivery' })).toMatchObject({
      ok: false,
      reason: 'invalid_command',
    });
  });
});
