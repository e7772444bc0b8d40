/**
 * What an order's detail says its diner may do (`dinerActions`) is what the order actor then
 * accepts from that diner, at every stage of an order's life: the mini-program shows these
 * buttons and keeps no rules of its own.
 */
import { describe, expect, it } from 'vitest';
import type { OrderCommand, OrderDetail, OrderState } from '@lunchrush/actors';
import { dinerActionsOf } from '../src/order/rules.js';
import { DINER, MIN, STAFF, T0, expectOk, order, setupStore } from './helpers.js';
import { orderState, pay, place, spicy } from './saga-support.js';

type Rt = ReturnType<typeof setupStore>;
const ID = 'o_1';
const at = (m: number): number => T0 + m * MIN;
const STATIONS = ['staple', 'cold'];

/** Steps from nothing to each stage, in order; a stage is every step up to its own. */
const STEPS: readonly [string, (rt: Rt, d: OrderDetail) => void][] = [
  ['pending_payment', () => undefined],
  ['paid', (rt, d) => expectOk(order(rt, ID, pay(d.totalFen, at(1))))],
  ['sent_to_kitchen', (rt) => expectOk(order(rt, ID, { type: 'accept', by: STAFF, at: at(2) }))],
  ['cooking', (rt) => expectOk(order(rt, ID, { type: 'startStation', station: 'staple', at: at(3) }))],
  [
    'ready',
    (rt) => {
      for (const station of STATIONS) expectOk(order(rt, ID, { type: 'finishStation', station, at: at(4) }));
    },
  ],
  ['served', (rt) => expectOk(order(rt, ID, { type: 'serve', by: STAFF, at: at(5) }))],
  ['completed', (rt) => expectOk(order(rt, ID, { type: 'complete', at: at(40) }))],
  ['reviewed', (rt) => expectOk(order(rt, ID, { type: 'review', rating: 5, at: at(41) }))],
];

/** The order at `stage` (or cancelled before payment, or with a full refund asked for while cooking). */
function orderAt(stage: string): { rt: Rt; detail: OrderDetail } {
  const rt = setupStore();
  const placed = expectOk(
    order(
      rt,
      ID,
      place([
        { skuId: 'noodle-l', qty: 1, options: spicy },
        { skuId: 'cuke', qty: 1 },
      ]),
    ),
  );
  if (stage === 'cancelled') {
    expectOk(order(rt, ID, { type: 'cancel', by: DINER, at: at(1) }));
  } else {
    const upTo = stage === 'refund_requested' ? 'cooking' : stage;
    for (const [name, step] of STEPS.slice(0, STEPS.findIndex(([n]) => n === upTo) + 1)) {
      step(rt, placed);
      if (name === upTo) break;
    }
    if (stage === 'refund_requested')
      expectOk(order(rt, ID, { type: 'requestRefund', refundId: 'r-1', reason: '太慢', by: DINER, at: at(6) }));
  }
  const detail = expectOk(order(rt, ID, { type: 'get' }));
  expect(detail.status).toBe(stage);
  return { rt, detail };
}

/**
 * The diner's command for each action but paying: a diner pays through the gateway's prepay, which
 * it gives only to an order whose actions list `pay`; the order then takes whatever payment arrives
 * (a late one is refunded), so its acceptance says nothing of the diner's action.
 */
const COMMANDS: Record<Exclude<OrderDetail['dinerActions'][number], 'pay'>, () => OrderCommand> = {
  cancel: () => ({ type: 'cancel', by: DINER, at: at(50) }),
  urge: () => ({ type: 'urge', by: DINER, at: at(50) }),
  refund: () => ({ type: 'requestRefund', refundId: 'r-9', reason: '不想要了', by: DINER, at: at(50) }),
  review: () => ({ type: 'review', rating: 4, at: at(50) }),
};

const STAGES: readonly [string, OrderDetail['dinerActions']][] = [
  ['pending_payment', ['pay', 'cancel']],
  // Before acceptance: cancel (or a refund) gives everything back at once.
  ['paid', ['cancel', 'urge', 'refund']],
  // Accepted and in the kitchen: a refund is asked for, and staff decide.
  ['sent_to_kitchen', ['urge', 'refund']],
  ['cooking', ['urge', 'refund']],
  ['ready', ['refund']],
  ['refund_requested', ['urge']],
  // After serving: no refund.
  ['served', []],
  ['completed', ['review']],
  ['reviewed', []],
  ['cancelled', []],
];

describe("an order's diner actions", () => {
  it.each(STAGES)('%s: %j', (stage, actions) => {
    expect(orderAt(stage).detail.dinerActions).toEqual(actions);
  });

  it.each(STAGES)('%s: the order accepts exactly those actions from its diner', (stage, actions) => {
    for (const [action, command] of Object.entries(COMMANDS)) {
      const { rt } = orderAt(stage);
      const before = rt.log.length;
      const out = order(rt, ID, command());
      // Accepted means something happened: a repeat answered as a duplicate is no action.
      const acted = out.ok && rt.log.length > before;
      expect([action, acted]).toEqual([action, actions.includes(action as (typeof actions)[number])]);
    }
  });

  it('accepted (an order passes through it within acceptance): a refund is asked for, as in the kitchen', () => {
    const { rt } = orderAt('sent_to_kitchen');
    const accepted: OrderState = { ...orderState(rt, ID), status: 'accepted' };
    expect(dinerActionsOf(accepted)).toEqual(['refund']);
  });
});
