/**
 * Bargains (砍价): seeded, reproducible cuts reaching the floor after K helps; anti-abuse (no
 * self-help, once per identity and device, daily limits across the campaign); buying at the
 * reached price before the deadline; and, for any sequence of helps, checkouts, payments and
 * deadlines, the price stays within [floor, start], cuts add up, nobody helps twice and the
 * initiator never pays twice.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryRuntime, replay } from '@lunchrush/engine';
import { stockActor, stockRef, type StockState } from '@lunchrush/actors';
import {
  bargainActor,
  bargainCampaignActor,
  bargainCampaignRef,
  bargainRef,
  cutFen,
  type BargainCommand,
  type BargainState,
  type BargainTermsInput,
  type BargainView,
} from '../src/bargain/index.js';
import { DAY_MS } from '../src/bargain/campaign.js';
import { MIN, T0, expectOk, expectRejected } from './helpers.js';

const STORE = '001';
const SKU = 'duck';
const C = 'kj_duck';
const SEED = 'seed_0123456789abcdef';
const STOCK = 10;

function terms(over: Partial<BargainTermsInput> = {}): BargainTermsInput {
  return {
    name: '烤鸭砍到9.9',
    skuId: SKU,
    qty: 1,
    startPriceFen: 12_800,
    floorPriceFen: 990,
    helpersToFloor: 5,
    timeLimitMs: 24 * 60 * MIN,
    helperDailyLimit: 2,
    deviceDailyLimit: 3,
    openFrom: T0 - MIN,
    openTo: T0 + 30 * DAY_MS,
    ...over,
  };
}

function runtime(over: Partial<BargainTermsInput> = {}): MemoryRuntime {
  const rt = new MemoryRuntime([stockActor, bargainCampaignActor, bargainActor]);
  expectOk(rt.send(stockRef(STORE, SKU), { type: 'set', available: STOCK, at: T0 - MIN }));
  expectOk(rt.send(bargainCampaignRef(STORE, C), { type: 'define', terms: terms(over), at: T0 - MIN }));
  return rt;
}

const bargain = (rt: MemoryRuntime, id: string, c: BargainCommand) => rt.send<BargainView>(bargainRef(STORE, id), c);
const started = (rt: MemoryRuntime, id: string, initiator = 'd_me', seed = SEED) =>
  expectOk(bargain(rt, id, { type: 'start', campaignId: C, initiator, seed, at: T0 }));
const help = (rt: MemoryRuntime, id: string, helperId: string, at = T0 + MIN, deviceId = `dev_${helperId}`) =>
  bargain(rt, id, { type: 'help', helperId, deviceId, at });
const sku = (rt: MemoryRuntime) => rt.state<StockState>(stockRef(STORE, SKU));

describe('bargain', () => {
  it('K helps reach the floor exactly, each cut decided by the seed, reproducibly', () => {
    const a = runtime();
    const b = runtime();
    started(a, 'b1');
    started(b, 'b1');
    const helpers = ['d_1', 'd_2', 'd_3', 'd_4', 'd_5'];
    const cuts = helpers.map((h) => expectOk(help(a, 'b1', h)).helpers.at(-1)!.cutFen);
    expect(helpers.map((h) => expectOk(help(b, 'b1', h)).helpers.at(-1)!.cutFen)).toEqual(cuts);
    expect(cuts.reduce((x, y) => x + y, 0)).toBe(12_800 - 990);
    expect(expectOk(bargain(a, 'b1', { type: 'get' })).priceFen).toBe(990);
    expectRejected(help(a, 'b1', 'd_6'), 'bargain_floor_reached');
    // another seed, other cuts
    const c = runtime();
    started(c, 'b1', 'd_me', 'seed_fedcba9876543210');
    expect(expectOk(help(c, 'b1', 'd_1')).helpers[0]!.cutFen).not.toBe(cuts[0]);
  });

  it('anti-abuse: no self-help, once per identity and device, daily limits across bargains', () => {
    const rt = runtime({ timeLimitMs: 3 * DAY_MS });
    started(rt, 'b1');
    started(rt, 'b2', 'd_other');
    started(rt, 'b3', 'd_third');
    started(rt, 'b4', 'd_fourth');
    expectRejected(help(rt, 'b1', 'd_me'), 'bargain_self_help');
    expectOk(help(rt, 'b1', 'd_1'));
    expectRejected(help(rt, 'b1', 'd_1'), 'bargain_already_helped');
    expectRejected(help(rt, 'b1', 'd_2', T0 + MIN, 'dev_d_1'), 'bargain_device_already_helped');
    expectOk(help(rt, 'b2', 'd_1'));
    // a helper's daily limit is 2 across the campaign; the next day it starts again
    expect(expectRejected(help(rt, 'b3', 'd_1'), 'bargain_help_limit_reached').details).toEqual({ limit: 'helper' });
    expectOk(help(rt, 'b3', 'd_1', T0 + DAY_MS));
    // a device's limit is 3 a day, whatever identities it carries
    expectOk(help(rt, 'b1', 'd_a', T0 + MIN, 'phone'));
    expectOk(help(rt, 'b2', 'd_b', T0 + MIN, 'phone'));
    expectOk(help(rt, 'b3', 'd_c', T0 + MIN, 'phone'));
    expectRejected(help(rt, 'b4', 'd_d', T0 + MIN, 'phone'), 'bargain_help_limit_reached');
  });

  it('buy at the reached price before the deadline; late or second payments are refunded', () => {
    const rt = runtime();
    started(rt, 'b1');
    expectOk(help(rt, 'b1', 'd_1'));
    const locked = expectOk(bargain(rt, 'b1', { type: 'checkout', at: T0 + 2 * MIN }));
    expect(locked.status).toBe('locked');
    expectRejected(help(rt, 'b1', 'd_2'), 'bargain_closed');
    expect(sku(rt)).toMatchObject({ reserved: 1 });
    const pay = (paymentId: string, amountFen: number, paidAt = T0 + 3 * MIN) =>
      bargain(rt, 'b1', { type: 'pay', paymentId, amountFen, paidAt, at: paidAt });
    expectRejected(pay('p_0', locked.priceFen + 1), 'bargain_amount_mismatch');
    expect(expectOk(pay('p_1', locked.priceFen)).status).toBe('bought');
    expect(expectOk(pay('p_1', locked.priceFen)).duplicate).toBe(true);
    expectOk(pay('p_2', locked.priceFen));
    const s = rt.state<BargainState>(bargainRef(STORE, 'b1'));
    expect(s.refunds).toEqual([
      { paymentId: 'p_2', amountFen: locked.priceFen, reason: 'already_bought', done: false },
    ]);
    expect(sku(rt)).toMatchObject({ reserved: 0, sold: 1 });
    expect(rt.outputs.filter((o) => o.subject === `groupbuy.${STORE}`).map((o) => o.id)).toEqual([
      'bargain-bought:b1',
      'bargain-refund:b1:p_2',
    ]);
    expect(rt.timers()).toEqual([]);
  });

  it('the deadline releases an unpaid checkout; a payment after it is refunded', () => {
    const rt = runtime({ timeLimitMs: 10 * MIN });
    started(rt, 'b1');
    expectOk(bargain(rt, 'b1', { type: 'checkout', at: T0 + MIN }));
    rt.fireDueTimers(T0 + 10 * MIN);
    expect(expectOk(bargain(rt, 'b1', { type: 'get' })).status).toBe('expired');
    expect(sku(rt)).toMatchObject({ available: STOCK, reserved: 0 });
    const r = expectOk(
      bargain(rt, 'b1', { type: 'pay', paymentId: 'p', amountFen: 12_800, paidAt: T0 + 9 * MIN, at: T0 + 11 * MIN }),
    );
    expect(r.status).toBe('expired');
    expect(rt.state<BargainState>(bargainRef(STORE, 'b1')).refunds[0]?.reason).toBe('bargain_expired');
  });

  it('cuts: never under 1 fen, never past the floor, the K-th lands on it (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        (seed, distance, k) => {
          let remaining = distance;
          for (let n = 1; n <= k && remaining > 0; n++) {
            const cut = cutFen(seed, n, remaining, k);
            expect(cut).toBeGreaterThanOrEqual(1);
            expect(cut).toBeLessThanOrEqual(remaining);
            remaining -= cut;
          }
          expect(remaining).toBe(0);
        },
      ),
    );
  });
});

type Op =
  | { k: 'help'; b: number; h: number; dev: number; dt: number }
  | { k: 'checkout'; b: number; dt: number }
  | { k: 'pay'; b: number; p: number; exact: boolean; dt: number }
  | { k: 'tick'; dt: number };

describe('bargain properties', () => {
  it('any sequence: price within [floor, start], cuts add up, helps ≤ K and once each, one purchase at most', () => {
    const HELPERS = ['d_me', 'd_1', 'd_2', 'd_3', 'd_4', 'd_5', 'd_6'];
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          k: fc.constant('help' as const),
          b: fc.nat(1),
          h: fc.nat(6),
          dev: fc.nat(7),
          dt: fc.nat(60 * MIN),
        }),
      },
      { weight: 2, arbitrary: fc.record({ k: fc.constant('checkout' as const), b: fc.nat(1), dt: fc.nat(10 * MIN) }) },
      {
        weight: 4,
        arbitrary: fc.record({
          k: fc.constant('pay' as const),
          b: fc.nat(1),
          p: fc.nat(3),
          exact: fc.boolean(),
          dt: fc.nat(10 * MIN),
        }),
      },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('tick' as const), dt: fc.nat(12 * 60 * MIN) }) },
    );
    const seen = { bought: 0, floor: 0, refunds: 0 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 40 }), (k, ops) => {
        const rt = runtime({ helpersToFloor: k, helperDailyLimit: 3, deviceDailyLimit: 4 });
        started(rt, 'b0', 'd_me');
        started(rt, 'b1', 'd_1');
        let now = T0;
        for (const o of ops) {
          now += o.dt;
          const id = o.k === 'tick' ? '' : `b${o.b}`;
          if (o.k === 'help') help(rt, id, HELPERS[o.h]!, now, `dev${o.dev}`);
          else if (o.k === 'checkout') bargain(rt, id, { type: 'checkout', at: now });
          else if (o.k === 'pay') {
            const price = rt.state<BargainState>(bargainRef(STORE, id)).priceFen;
            bargain(rt, id, {
              type: 'pay',
              paymentId: `p${o.p}`,
              amountFen: o.exact ? price : price + 1,
              paidAt: now,
              at: now,
            });
          } else rt.fireDueTimers(now);
          for (const b of ['b0', 'b1']) {
            const s = rt.state<BargainState>(bargainRef(STORE, b));
            expect(s.priceFen).toBeGreaterThanOrEqual(990);
            expect(s.priceFen).toBeLessThanOrEqual(12_800);
            expect(12_800 - s.priceFen).toBe(s.helps.reduce((a, h) => a + h.cutFen, 0));
            expect(s.helps.length).toBeLessThanOrEqual(k);
            if (s.helps.length === k) expect(s.priceFen).toBe(990);
            expect(new Set(s.helps.map((h) => h.helperId)).size).toBe(s.helps.length);
            expect(new Set(s.helps.map((h) => h.deviceId)).size).toBe(s.helps.length);
            expect(s.helps.some((h) => h.helperId === s.initiator)).toBe(false);
            // the money kept is the one purchase; every other payment is being refunded
            const refunded = new Set(s.refunds.map((r) => r.paymentId));
            if (s.paymentId !== null) expect(refunded.has(s.paymentId)).toBe(false);
          }
          const sold = ['b0', 'b1'].filter((b) => rt.state<BargainState>(bargainRef(STORE, b)).status === 'bought');
          const locked = ['b0', 'b1'].filter((b) => rt.state<BargainState>(bargainRef(STORE, b)).status === 'locked');
          expect(sku(rt)).toMatchObject({ sold: sold.length, reserved: locked.length });
        }
        // the log replays to the same bargains: the cuts are the seed's
        const states = replay([stockActor, bargainCampaignActor, bargainActor], rt.log);
        for (const b of ['b0', 'b1'])
          expect(states.get(`bargain.${STORE}.${b}`)).toEqual(rt.state(bargainRef(STORE, b)));
        for (const b of ['b0', 'b1']) {
          const s = rt.state<BargainState>(bargainRef(STORE, b));
          if (s.status === 'bought') seen.bought++;
          if (s.priceFen === 990) seen.floor++;
          if (s.refunds.length > 0) seen.refunds++;
        }
      }),
      { numRuns: 300 },
    );
    // the generator reaches purchases, floors and refunds
    expect(seen.bought).toBeGreaterThan(10);
    expect(seen.floor).toBeGreaterThan(10);
    expect(seen.refunds).toBeGreaterThan(10);
  });
});
