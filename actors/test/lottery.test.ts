/**
 * Lotteries (抽奖): draws decided from a recorded random number (the log is the audit trail), a
 * prize never awarded past its quantity, entry rules (a paid order of the member's, once; points;
 * free) and a daily limit; and, for any sequence of draws, awards within quantities, daily limits
 * kept, and every draw recomputable from the log.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryRuntime } from '@lunchrush/engine';
import { catalogRef, orderRef, restaurantActors, stockRef, storeRef, type OrderDetail } from '@lunchrush/actors';
import {
  RAND_MAX,
  lotteryActor,
  lotteryRef,
  pickPrize,
  type LotteryCommand,
  type LotteryDefInput,
  type LotteryEvent,
  type LotteryState,
  type LotteryView,
} from '../src/lottery.js';
import { DAY_MS } from '../src/bargain/campaign.js';
import type { MemberCommand } from '../src/member/commands.js';
import type { MemberInstruction } from '../src/order/member.js';
import { MIN, STORE, T0, expectOk, expectRejected, smallCatalog } from './helpers.js';
import { M1, enrolled, member, ok, runtime as memberRuntime } from './member-support.js';

const L = 'lt_lunch';

function def(over: Partial<LotteryDefInput> = {}): LotteryDefInput {
  return {
    name: '午市抽奖',
    prizes: [
      { prizeId: 'duck', name: '烤鸭一只', kind: 'item', quantity: 2, oddsBp: 1000 },
      { prizeId: 'c10', name: '10元券', kind: 'coupon', couponCampaignId: 'c10_drop', quantity: 1, oddsBp: 2000 },
    ],
    entry: 'free',
    dailyLimit: 3,
    openFrom: T0 - MIN,
    openTo: T0 + 30 * DAY_MS,
    ...over,
  };
}

function runtime(over: Partial<LotteryDefInput> = {}): MemoryRuntime {
  const rt = new MemoryRuntime([...restaurantActors, lotteryActor]);
  expectOk(rt.send(lotteryRef(STORE, L), { type: 'define', lottery: def(over), at: T0 - MIN }));
  return rt;
}

/** A random number that lands on `bp` basis points of the odds scale. */
const at = (bp: number): number => Math.ceil((bp * RAND_MAX) / 10_000);
const lot = (rt: MemoryRuntime, c: LotteryCommand) => rt.send<LotteryView>(lotteryRef(STORE, L), c);
const free = (rt: MemoryRuntime, drawId: string, memberId: string, rand: number, when = T0) =>
  lot(rt, { type: 'draw', drawId, memberId, entry: { kind: 'free' }, rand, at: when });

describe('lottery', () => {
  it('the random number decides against the odds; a prize is never awarded past its quantity', () => {
    const rt = runtime({ dailyLimit: 10 });
    expect(expectOk(free(rt, 'x1', 'd_a', at(0))).draw).toMatchObject({ prizeId: 'duck', outcome: 'won' });
    expect(expectOk(free(rt, 'x2', 'd_a', at(999))).draw).toMatchObject({ prizeId: 'duck', outcome: 'won' });
    expect(expectOk(free(rt, 'x3', 'd_a', at(500))).draw).toMatchObject({ prizeId: 'duck', outcome: 'exhausted' });
    expect(expectOk(free(rt, 'x4', 'd_a', at(1000))).draw).toMatchObject({ prizeId: 'c10', outcome: 'won' });
    expect(expectOk(free(rt, 'x5', 'd_a', at(5000))).draw).toMatchObject({ prizeId: null, outcome: 'none' });
    const v = expectOk(lot(rt, { type: 'get' }));
    expect(v.prizes.map((p) => [p.prizeId, p.left])).toEqual([
      ['duck', 0],
      ['c10', 0],
    ]);
    // the same draw again is the same answer
    expect(expectOk(free(rt, 'x1', 'd_a', at(9000)))).toMatchObject({ duplicate: true, draw: { prizeId: 'duck' } });
    // the coupon prize goes out to be issued; the item is redeemed by staff once
    expect(rt.outputs.filter((o) => o.subject === `groupbuy.${STORE}`).map((o) => o.id)).toEqual([
      `lottery-prize:${L}:x4`,
    ]);
    const by = { role: 'staff' as const, id: 's1' };
    expect(expectOk(lot(rt, { type: 'redeem', drawId: 'x1', by, at: T0 })).draw?.redeemed).toBe(true);
    expect(expectOk(lot(rt, { type: 'redeem', drawId: 'x1', by, at: T0 })).duplicate).toBe(true);
    expectRejected(lot(rt, { type: 'redeem', drawId: 'x5', by, at: T0 }), 'lottery_nothing_to_redeem');
    expectRejected(lot(rt, { type: 'redeem', drawId: 'nope', by, at: T0 }), 'lottery_unknown_draw');
  });

  it('a daily limit per member, starting again the next day; outside its window refused', () => {
    const rt = runtime({ dailyLimit: 2 });
    expectOk(free(rt, 'a1', 'd_a', at(9000)));
    expectOk(free(rt, 'a2', 'd_a', at(9000)));
    expectRejected(free(rt, 'a3', 'd_a', at(9000)), 'lottery_daily_limit_reached');
    expectOk(free(rt, 'b1', 'd_b', at(9000)));
    expectOk(free(rt, 'a3', 'd_a', at(9000), T0 + DAY_MS));
    expectRejected(free(rt, 'a4', 'd_a', at(9000), T0 + 31 * DAY_MS), 'lottery_not_open');
  });

  it("an order entry: the member's own paid order, once", () => {
    const rt = runtime({ entry: 'order' });
    expectOk(rt.send(storeRef(STORE), { type: 'configure', settings: { name: '测试店' }, at: T0 }));
    expectOk(rt.send(storeRef(STORE), { type: 'open', at: T0 }));
    expectOk(rt.send(catalogRef(STORE), { type: 'import', catalog: smallCatalog(), at: T0 }));
    expectOk(rt.send(stockRef(STORE, 'noodle-l'), { type: 'set', available: 5, at: T0 }));
    const o = 'o_001_lottery1';
    const placed = expectOk(
      rt.send<OrderDetail>(orderRef(STORE, o), {
        type: 'place',
        channel: 'takeaway',
        lines: [{ skuId: 'noodle-l', qty: 1, options: [{ group: 'spice', choice: 'none' }] }],
        dinerId: 'd_a',
        at: T0,
      }),
    );
    const draw = (drawId: string, memberId: string) =>
      lot(rt, { type: 'draw', drawId, memberId, entry: { kind: 'order', orderId: o }, rand: at(9000), at: T0 + MIN });
    expectRejected(draw('o1', 'd_a'), 'lottery_entry_not_paid');
    expectRejected(free(rt, 'f1', 'd_a', at(0)), 'lottery_wrong_entry');
    expectOk(
      rt.send(orderRef(STORE, o), {
        type: 'confirmPayment',
        paymentId: 'wx1',
        amountFen: placed.totalFen,
        paidAt: T0 + 1,
        at: T0 + 1,
      }),
    );
    expectRejected(draw('o1', 'd_b'), 'lottery_entry_not_paid');
    expectOk(draw('o1', 'd_a'));
    expectRejected(draw('o2', 'd_a'), 'lottery_entry_used');
  });
});

describe('a points lottery', () => {
  it('a points entry: the draw spends the hold on the card in its transaction; the cost must be the lottery’s', () => {
    const rt = runtime({ entry: 'points', pointsCost: 40 });
    const card = enrolled(memberRuntime());
    const holdId = 'o_001_lotteryhold1';
    ok(member(card, { type: 'hold', orderId: holdId, points: 40, balanceFen: 0, couponIds: [], at: T0 }));
    const draw = (points: number) =>
      lot(rt, {
        type: 'draw',
        drawId: 'p1',
        memberId: M1,
        entry: { kind: 'points', holdId, points },
        rand: at(0),
        at: T0,
      });
    expectRejected(draw(39), 'lottery_wrong_entry');
    expectRejected(free(rt, 'f1', M1, at(0)), 'lottery_wrong_entry');
    expect(expectOk(draw(40)).draw).toMatchObject({ prizeId: 'duck', outcome: 'won' });
    const spend = rt.outputs.filter((o) => o.subject === `members.${M1}`);
    expect(spend).toMatchObject([
      {
        id: `member:${holdId}:spent`,
        jetstream: true,
        data: { memberId: M1, command: { type: 'spendHold', orderId: holdId, points: 40 } },
      },
    ]);
    // The card, as the member forwarder hands it the instruction: the hold spent, once.
    const c = (spend[0]!.data as MemberInstruction).command as MemberCommand;
    expect(ok(member(card, c))).toMatchObject({ points: 60, openHolds: 0, paidOrders: 0 });
    expect(ok(member(card, c))).toMatchObject({ duplicate: true, points: 60 });
    // The hold cannot be taken again, nor given back: the draw was made.
    expectRejected(
      member(card, { type: 'hold', orderId: holdId, points: 40, balanceFen: 0, couponIds: [], at: T0 }),
      'hold_settled',
    );
    expectRejected(member(card, { type: 'release', orderId: holdId, reason: 'refused', at: T0 }), 'hold_settled');
    // The same entry draws once.
    expectRejected(
      lot(rt, {
        type: 'draw',
        drawId: 'p2',
        memberId: M1,
        entry: { kind: 'points', holdId, points: 40 },
        rand: 0,
        at: T0,
      }),
      'lottery_entry_used',
    );
  });

  it('a points hold that went back by itself before the spend arrived: the card takes the points again, or records the shortfall', () => {
    const card = enrolled(memberRuntime());
    ok(member(card, { type: 'hold', orderId: 'o_001_h1', points: 40, balanceFen: 0, couponIds: [], at: T0 }));
    ok(member(card, { type: 'release', orderId: 'o_001_h1', reason: 'timeout', at: T0 + 1 }));
    expect(ok(member(card, { type: 'spendHold', orderId: 'o_001_h1', points: 40, at: T0 + 2 }))).toMatchObject({
      points: 60,
      openHolds: 0,
    });
    ok(member(card, { type: 'hold', orderId: 'o_001_h2', points: 60, balanceFen: 0, couponIds: [], at: T0 }));
    ok(member(card, { type: 'release', orderId: 'o_001_h2', reason: 'timeout', at: T0 + 1 }));
    ok(member(card, { type: 'hold', orderId: 'o_001_h3', points: 50, balanceFen: 0, couponIds: [], at: T0 + 1 }));
    const short = member(card, { type: 'spendHold', orderId: 'o_001_h2', points: 60, at: T0 + 2 });
    expect(ok(short)).toMatchObject({ points: 10, openHolds: 1 });
    expect(card.log.at(-1)?.ev?.map((e) => (e as { type: string }).type)).toEqual(['PaymentShortfall']);
  });
});

describe('lottery properties', () => {
  it('any draws: awards within quantities, daily limits kept, every draw recomputable from the log', () => {
    const draw = fc.record({
      m: fc.nat(3),
      rand: fc.nat(RAND_MAX - 1),
      dt: fc.nat(8 * 3_600_000),
      again: fc.boolean(),
    });
    let exhausted = 0;
    fc.assert(
      fc.property(fc.array(draw, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (draws, limit) => {
        const rt = runtime({ dailyLimit: limit });
        let now = T0;
        let n = 0;
        for (const d of draws) {
          now += d.dt;
          // a repeat of the previous draw id now and then: the same draw, never a second one
          const drawId = d.again && n > 0 ? `x${n}` : `x${++n}`;
          free(rt, drawId, `d_${d.m}`, d.rand, now);
        }
        const s = rt.state<LotteryState>(lotteryRef(STORE, L));
        expect(s.awarded.duck ?? 0).toBeLessThanOrEqual(2);
        expect(s.awarded.c10 ?? 0).toBeLessThanOrEqual(1);
        // the audit: replaying each Drawn event against the pool as it stood gives the same result
        const drawn = rt.log.flatMap((e) => (e.ev ?? []) as LotteryEvent[]).filter((e) => e.type === 'Drawn');
        const awarded: Record<string, number> = {};
        const perDay = new Map<string, number>();
        for (const e of drawn) {
          expect(pickPrize(s.def!, awarded, e.rand)).toEqual({ prizeId: e.prizeId, outcome: e.outcome });
          if (e.outcome === 'won') awarded[e.prizeId!] = (awarded[e.prizeId!] ?? 0) + 1;
          if (e.outcome === 'exhausted') exhausted++;
          const k = `${e.memberId}|${e.day}`;
          perDay.set(k, (perDay.get(k) ?? 0) + 1);
        }
        expect(awarded).toEqual(s.awarded);
        expect(drawn).toHaveLength(s.drawn);
        for (const c of perDay.values()) expect(c).toBeLessThanOrEqual(limit);
        expect(new Set(drawn.map((e) => e.drawId)).size).toBe(drawn.length);
      }),
      { numRuns: 300 },
    );
    // the generator reaches prizes that are gone
    expect(exhausted).toBeGreaterThan(10);
  });
});
