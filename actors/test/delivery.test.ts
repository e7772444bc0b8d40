/** A delivery order from the kitchen's Ready to the door: dispatch, tips, a rider who never comes, staff. */
import { describe, expect, it } from 'vitest';
import {
  deliveryRef,
  type CourierInstruction,
  type DeliveryCommand,
  type DeliveryView,
  type DispatchPolicy,
} from '@lunchrush/actors';
import { MIN, STAFF, STORE, T0, expectOk, expectRejected, order, send, setupStore } from './helpers.js';
import { orderState, pay, place } from './saga-support.js';

const POLICY: DispatchPolicy = {
  acceptWithinMs: 3 * MIN,
  tipStepFen: 300,
  maxTips: 2,
  arriveWithinMs: 10 * MIN,
  maxAttempts: 2,
};
const SHOP = (n: number): string => `o_d1-a${n}`;
const RIDER = { name: '张师傅', phone: '13800000000' };

type Rt = ReturnType<typeof setupStore>;
const delivery = (rt: Rt, c: DeliveryCommand) => send<DeliveryView>(rt, deliveryRef(STORE, 'o_d1'), c);
const instructions = (rt: Rt): CourierInstruction[] =>
  rt.outputs.filter((o) => o.subject === `couriers.${STORE}`).map((o) => o.data as CourierInstruction);

/** A paid, accepted delivery order whose one station has finished: its delivery is open. */
function ready(): Rt {
  const rt = setupStore();
  const contact = { address: 'sealed o_d1', contact: '李*', phone: '13800000000' };
  const d = expectOk(order(rt, 'o_d1', place([{ skuId: 'cuke', qty: 2 }], { channel: 'delivery', delivery: contact })));
  expectOk(order(rt, 'o_d1', pay(d.totalFen, T0 + MIN)));
  expectOk(order(rt, 'o_d1', { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
  expectOk(order(rt, 'o_d1', { type: 'finishStation', station: 'cold', at: T0 + 8 * MIN }));
  return rt;
}

const dispatched = (rt: Rt, attempt: number, at: number) =>
  expectOk(
    delivery(rt, {
      type: 'dispatched',
      attempt,
      platform: 'sf',
      platformOrderId: `SF${attempt}`,
      feeFen: 600,
      policy: POLICY,
      at,
    }),
  );

describe('delivery dispatch', () => {
  it("the kitchen's Ready opens the delivery and asks the platform once, in the same append", () => {
    const rt = ready();
    expect(instructions(rt)).toMatchObject([
      { kind: 'create', orderId: 'o_d1', attempt: 1, shopOrderId: SHOP(1), items: [{ name: '拍黄瓜', qty: 2 }] },
    ]);
    expect(rt.outputs.find((o) => o.subject === `couriers.${STORE}`)?.id).toBe('courier:o_d1:1:create');
    const v = expectOk(delivery(rt, { type: 'get' }));
    expect(v).toMatchObject({ status: 'dispatching', attempt: 1 });
    // A dine-in order opens none.
    expectRejected(send(rt, deliveryRef(STORE, 'o_other'), { type: 'get' }), 'delivery_not_found');
  });

  it('a rider who takes it is followed to the door, and the order is served', () => {
    const rt = ready();
    dispatched(rt, 1, T0 + 8 * MIN);
    const step = (status: 'accepted' | 'arrived' | 'picked_up' | 'delivered', m: number) =>
      delivery(rt, {
        type: 'courier',
        attempt: 1,
        status,
        pushAt: T0 + m * MIN,
        rider: RIDER,
        position: { lng: 112.98, lat: 28.2 },
        at: T0 + m * MIN,
      });
    expect(expectOk(step('accepted', 9)).rider).toEqual(RIDER);
    expectOk(step('arrived', 12));
    expectOk(step('picked_up', 13));
    // A replayed earlier step is refused; the same step again changes nothing.
    expectRejected(step('accepted', 9), 'courier_status_regressed');
    expect(expectOk(step('picked_up', 13)).version).toBe(expectOk(delivery(rt, { type: 'get' })).version);
    expectOk(step('delivered', 25));
    expect(orderState(rt, 'o_d1').status).toBe('served');
    // The arrive timer was cancelled by the rider's arrival: nothing is left to fire.
    expect(rt.timers().filter((t) => t.ref.type === 'delivery')).toEqual([]);
  });

  it('nobody takes it: a tip, a bigger tip, then the store staff deliver (the platform order cancelled)', () => {
    const rt = ready();
    dispatched(rt, 1, T0 + 8 * MIN);
    rt.fireDueTimers(T0 + 11 * MIN);
    rt.fireDueTimers(T0 + 14 * MIN);
    expect(instructions(rt).map((i) => [i.kind, i.kind === 'tip' ? i.tipFen : 0])).toEqual([
      ['create', 0],
      ['tip', 300],
      ['tip', 600],
    ]);
    rt.fireDueTimers(T0 + 17 * MIN);
    expect(instructions(rt).at(-1)).toMatchObject({ kind: 'cancel', attempt: 1, reason: 'no_rider' });
    const v = expectOk(delivery(rt, { type: 'get' }));
    expect(v).toMatchObject({ status: 'staff', staffReason: 'no_rider' });
    expectOk(delivery(rt, { type: 'staffDelivered', by: STAFF, at: T0 + 40 * MIN }));
    expect(orderState(rt, 'o_d1').status).toBe('served');
  });
});

describe('delivery when riders fail', () => {
  it('a rider who never comes is given up on: cancelled, dispatched again, then staff; late callbacks of the old attempt refused', () => {
    const rt = ready();
    dispatched(rt, 1, T0 + 8 * MIN);
    expectOk(
      delivery(rt, {
        type: 'courier',
        attempt: 1,
        status: 'accepted',
        pushAt: T0 + 9 * MIN,
        rider: RIDER,
        at: T0 + 9 * MIN,
      }),
    );
    rt.fireDueTimers(T0 + 19 * MIN);
    expect(instructions(rt).slice(1)).toMatchObject([
      { kind: 'cancel', attempt: 1, reason: 'rider_no_show' },
      { kind: 'create', attempt: 2, shopOrderId: SHOP(2) },
    ]);
    const late = { type: 'courier', attempt: 1, status: 'arrived', pushAt: T0 + 20 * MIN, at: T0 + 20 * MIN } as const;
    expectRejected(delivery(rt, late), 'courier_stale_attempt');
    expectOk(delivery(rt, { ...late, status: 'cancelled' })); // the platform confirming our cancel
    dispatched(rt, 2, T0 + 20 * MIN);
    expectOk(
      delivery(rt, { type: 'courier', attempt: 2, status: 'accepted', pushAt: T0 + 21 * MIN, at: T0 + 21 * MIN }),
    );
    rt.fireDueTimers(T0 + 31 * MIN);
    expect(expectOk(delivery(rt, { type: 'get' }))).toMatchObject({
      status: 'staff',
      staffReason: 'rider_no_show',
      attempt: 2,
    });
    expect(orderState(rt, 'o_d1').status).toBe('ready');
  });

  it("a rider's accept before dispatched (the worker killed between the platform's create and it): dispatched still keeps the platform order, and a rider who then never comes is given up on", () => {
    const rt = ready();
    const accepted = {
      type: 'courier',
      attempt: 1,
      status: 'accepted',
      pushAt: T0 + 9 * MIN,
      at: T0 + 9 * MIN,
    } as const;
    expectOk(delivery(rt, { ...accepted, rider: RIDER }));
    const v = dispatched(rt, 1, T0 + 10 * MIN);
    expect(v).toMatchObject({ status: 'accepted', platformOrderId: 'SF1', rider: RIDER });
    rt.fireDueTimers(T0 + 20 * MIN);
    expect(instructions(rt).slice(1)).toMatchObject([
      { kind: 'cancel', attempt: 1, reason: 'rider_no_show' },
      { kind: 'create', attempt: 2 },
    ]);
  });

  it('the platform cancelling starts a new attempt; a repeat of dispatched changes nothing', () => {
    const rt = ready();
    dispatched(rt, 1, T0 + 8 * MIN);
    const again = dispatched(rt, 1, T0 + 9 * MIN);
    expect(again.platformOrderId).toBe('SF1');
    expectOk(
      delivery(rt, { type: 'courier', attempt: 1, status: 'cancelled', pushAt: T0 + 10 * MIN, at: T0 + 10 * MIN }),
    );
    expect(expectOk(delivery(rt, { type: 'get' }))).toMatchObject({ status: 'dispatching', attempt: 2 });
    expect(instructions(rt).map((i) => `${i.kind}:${i.attempt}`)).toEqual(['create:1', 'create:2']);
  });
});
