/** Kitchen load: a kitchen driven into backlog quotes longer, pauses its slowest station, then delivery; staff override. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRejection } from '@lunchrush/engine';
import {
  DEFAULT_ADMISSION,
  decideStore,
  evolveStore,
  initialStore,
  kitchenLoad,
  orderRef,
  quoteFor,
  storeActor,
  storeRef,
  type Admission,
  type KitchenLoad,
  type OrderDetail,
  type StoreCommand,
  type StoreEvent,
  type StoreLoad,
  type StoreState,
} from '@lunchrush/actors';
import { EMPTY_KITCHEN, ticketsClosedLoad, ticketsOpenedLoad } from '../src/kitchen-load.js';
import { DINER, MIN, STORE, T0, ctxOf, expectOk, expectRejected, send, setupStore } from './helpers.js';

const ctx = ctxOf(storeRef(STORE));

function run(s: StoreState, c: StoreCommand): StoreState {
  const d = decideStore(s, c, ctx);
  if (isRejection(d)) throw new Error(`${c.type}: ${d.reject.code}`);
  for (const e of d.events ?? []) s = evolveStore(s, e);
  return s;
}

function openStore(): StoreState {
  const s = run(initialStore(STORE), { type: 'configure', settings: { name: '五一广场店' }, at: T0 });
  return run(s, { type: 'open', at: T0 });
}

const opened = (n: number, station: string, at: number): StoreCommand => ({
  type: 'ticketsOpened',
  orderId: `o_t${n}`,
  stations: [station],
  at,
});
const closed = (n: number, station: string, at: number): StoreCommand => ({
  type: 'ticketsClosed',
  orderId: `o_t${n}`,
  stations: [station],
  at,
});

function load(s: StoreState, at: number): KitchenLoad {
  const d = decideStore(s, { type: 'load', at }, ctx);
  if (isRejection(d)) throw new Error(d.reject.code);
  return (d.result as StoreLoad).kitchen;
}

function admit(s: StoreState, channel: 'dine_in' | 'delivery', at: number): Admission | string {
  const d = decideStore(s, { type: 'admit', channel, at }, ctx);
  return isRejection(d) ? d.reject.code : (d.result as Admission);
}

describe('a kitchen driven into backlog', () => {
  it('quotes the base time idle, then longer, then pauses the wok, then delivery', () => {
    let s = openStore();
    expect(load(s, T0)).toMatchObject({ quoteMin: 12, level: 'normal', deliveryPaused: false });
    // Wok tickets arrive one every 20 s and nothing is bumped: at the default 1 ticket a minute the
    // queue ahead of a new order grows by one minute per ticket.
    const seen: [number, number, string][] = [];
    for (let n = 1; n <= 70; n++) {
      s = run(s, opened(n, 'wok', T0 + n * 20_000));
      const k = load(s, T0 + n * 20_000);
      if ([11, 30, 50, 70].includes(n)) seen.push([n, k.quoteMin, k.level]);
    }
    expect(seen).toEqual([
      [11, 12, 'normal'],
      [30, 31, 'slow'],
      [50, 51, 'paused'],
      [70, 71, 'paused'],
    ]);
    const at = T0 + 70 * 20_000;
    const a = admit(s, 'dine_in', at) as Admission;
    expect(a).toMatchObject({ quotedWaitMin: 71, kitchen: 'paused', pausedStations: ['wok'] });
    expect(admit(s, 'delivery', at)).toBe('channel_paused');
  });

  it('learns the real pace from bumps: a fast station quotes its queue at its own rate', () => {
    let s = openStore();
    // 40 cold tickets, then 30 bumped over the last 10 minutes: 3 a minute, 10 left open.
    for (let n = 1; n <= 40; n++) s = run(s, opened(n, 'cold', T0));
    for (let n = 1; n <= 30; n++) s = run(s, closed(n, 'cold', T0 + n * 20_000));
    const at = T0 + 10 * MIN;
    const cold = load(s, at).stations.find((x) => x.station === 'cold')!;
    expect(cold).toMatchObject({ open: 10, bumpsPerMin: 3, oldestAgeMin: 10, paused: false });
    // (10 + 1) / 3 = 3.7 min, below the 10 min the oldest ticket has waited and the 12 min base.
    expect(cold.quoteMin).toBe(12);
  });

  it('a stuck station quotes at least the age of its oldest ticket', () => {
    let s = run(openStore(), opened(1, 'steam', T0));
    expect(load(s, T0 + 40 * MIN).stations[0]).toMatchObject({ station: 'steam', quoteMin: 40, paused: false });
    expect(load(s, T0 + 46 * MIN).stations[0]).toMatchObject({ quoteMin: 46, paused: true, pausedBy: 'load' });
    s = run(s, closed(1, 'steam', T0 + 47 * MIN));
    expect(load(s, T0 + 47 * MIN)).toMatchObject({ quoteMin: 12, level: 'normal' });
  });

  it('staff keep delivery open through a backlog, pause a station by hand, and hand back to the load', () => {
    let s = openStore();
    for (let n = 1; n <= 70; n++) s = run(s, opened(n, 'wok', T0));
    const at = T0 + MIN;
    const delivery = { kind: 'channel', channel: 'delivery' } as const;
    s = run(s, { type: 'overrideAdmission', target: delivery, mode: 'open', at });
    s = run(s, { type: 'overrideAdmission', target: { kind: 'station', station: 'bar' }, mode: 'paused', at });
    expect(admit(s, 'delivery', at)).toMatchObject({ pausedStations: ['bar', 'wok'] });
    expect(load(s, at).stations.find((x) => x.station === 'bar')).toMatchObject({ paused: true, pausedBy: 'staff' });
    s = run(s, { type: 'overrideAdmission', target: delivery, mode: 'auto', at });
    expect(admit(s, 'delivery', at)).toBe('channel_paused');
  });

  it('replays to the same load, and a snapshot from before the kitchen load keeps its counts', () => {
    const events: StoreEvent[] = [];
    let s = initialStore(STORE);
    const cs: StoreCommand[] = [
      { type: 'configure', settings: { name: '五一广场店' }, at: T0 },
      { type: 'open', at: T0 },
    ];
    for (let n = 1; n <= 5; n++) cs.push(opened(n, 'wok', T0 + n * MIN));
    for (const c of cs) {
      const d = decideStore(s, c, ctx);
      if (isRejection(d)) throw new Error(d.reject.code);
      for (const e of d.events ?? []) [s, events[events.length]] = [evolveStore(s, e), e];
    }
    const { kitchen: _k, ...old } = s;
    const decoded = storeActor.snapshot!.decode(old);
    expect(load(decoded, T0 + 10 * MIN).stations[0]).toMatchObject({ station: 'wok', open: 5, oldestAgeMin: 0 });
    let replayed = initialStore(STORE);
    for (const e of events) replayed = evolveStore(replayed, e);
    expect(replayed).toEqual(s);
    expect(load(s, T0 + 10 * MIN).stations[0]).toMatchObject({ open: 5, oldestAgeMin: 9 });
  });
});

describe('kitchen load, properties', () => {
  type Op = { open: boolean; order: number; station: 'wok' | 'cold'; dt: number };
  const op: fc.Arbitrary<Op> = fc.record({
    open: fc.boolean(),
    order: fc.integer({ min: 1, max: 80 }),
    station: fc.constantFrom('wok' as const, 'cold' as const),
    dt: fc.integer({ min: 0, max: 3 * MIN }),
  });

  it('quotes never below the base time, never lower for one more open ticket, and pause exactly past the thresholds', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        let k = EMPTY_KITCHEN;
        const pending: Record<string, number> = {};
        let at = T0;
        for (const o of ops) {
          at += o.dt;
          const isOpen = o.station in k.open && `o_${o.order}` in k.open[o.station]!;
          if (o.open && !isOpen) {
            k = ticketsOpenedLoad(k, `o_${o.order}`, [o.station], at);
            pending[o.station] = (pending[o.station] ?? 0) + 1;
          } else if (!o.open && isOpen) {
            k = ticketsClosedLoad(k, `o_${o.order}`, [o.station], at);
            pending[o.station] = pending[o.station]! - 1;
          }
          const a = DEFAULT_ADMISSION;
          const l = kitchenLoad(k, pending, a, at);
          expect(l.quoteMin).toBeGreaterThanOrEqual(a.basePrepMin);
          for (const st of l.stations) {
            expect(st.paused).toBe(st.quoteMin > a.pauseStationQuoteMin);
            expect(st.open).toBe(pending[st.station] ?? 0);
          }
          expect(l.deliveryPaused).toBe(l.quoteMin > a.pauseDeliveryQuoteMin);
          expect(quoteFor(l, a, ['wok', 'cold'])).toBe(l.quoteMin);
          const more = ticketsOpenedLoad(k, 'o_extra', ['wok'], at);
          const moreLoad = kitchenLoad(more, { ...pending, wok: (pending.wok ?? 0) + 1 }, a, at);
          expect(quoteFor(moreLoad, a, ['wok'])).toBeGreaterThanOrEqual(quoteFor(l, a, ['wok']));
        }
      }),
    );
  });
});

describe('placement with a backed-up kitchen', () => {
  const DELIVERY = { address: '长沙市芙蓉区五一大道 1 号', contact: '王女士', phone: '13800138000' };

  it('refuses the dishes of the paused station and delivery, takes the rest, and takes delivery again on override', () => {
    const rt = setupStore();
    for (let n = 1; n <= 70; n++)
      expectOk(send(rt, storeRef(STORE), { type: 'ticketsOpened', orderId: `o_k${n}`, stations: ['staple'], at: T0 }));
    const at = T0 + MIN;
    const place = (id: string, channel: 'dine_in' | 'delivery' | 'takeaway', skuId: string) =>
      send(rt, orderRef(STORE, id), {
        type: 'place',
        channel,
        lines: [{ skuId, qty: 1, options: skuId === 'noodle-l' ? [{ group: 'spice', choice: 'none' }] : [] }],
        dinerId: DINER.id,
        ...(channel === 'delivery' ? { delivery: DELIVERY } : {}),
        at,
      });
    const noodle = expectRejected(place('o_p1', 'takeaway', 'noodle-l'), 'station_paused');
    expect(noodle.message).toContain('牛肉面');
    expect(noodle.details).toMatchObject({ stations: ['staple'], lines: [{ lineNo: 1, skuId: 'noodle-l' }] });
    expect(expectOk(place('o_p2', 'takeaway', 'cuke'))).toMatchObject({ status: 'pending_payment' });
    expectRejected(place('o_p3', 'delivery', 'cuke'), 'channel_paused');
    const delivery = { kind: 'channel', channel: 'delivery' } as const;
    expectOk(send(rt, storeRef(STORE), { type: 'overrideAdmission', target: delivery, mode: 'open', at }));
    expect(expectOk(place('o_p4', 'delivery', 'cuke'))).toMatchObject({ status: 'pending_payment' });
  });

  it('an order records the quote of its slowest station when it was placed', () => {
    const rt = setupStore();
    for (let n = 1; n <= 30; n++)
      expectOk(send(rt, storeRef(STORE), { type: 'ticketsOpened', orderId: `o_q${n}`, stations: ['staple'], at: T0 }));
    const place = (id: string, lines: { skuId: string; qty: number; options: { group: string; choice: string }[] }[]) =>
      expectOk(
        send<OrderDetail>(rt, orderRef(STORE, id), {
          type: 'place',
          channel: 'takeaway',
          lines,
          dinerId: DINER.id,
          at: T0,
        }),
      );
    expect(place('o_q_cold', [{ skuId: 'cuke', qty: 1, options: [] }]).quotedWaitMin).toBe(12);
    const noodle = { skuId: 'noodle-l', qty: 1, options: [{ group: 'spice', choice: 'none' }] };
    expect(place('o_q_both', [{ skuId: 'cuke', qty: 1, options: [] }, noodle]).quotedWaitMin).toBe(31);
  });
});
