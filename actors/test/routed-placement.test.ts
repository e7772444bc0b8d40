/**
 * A delivery order without a store, routed and placed over the in-memory runtime: the best store,
 * the next one when the best refuses its reservation, a reply lost mid-routing, and no store at all.
 */
import { describe, expect, it } from 'vitest';
import { isRejection } from '@lunchrush/engine';
import {
  decideRouting,
  evolveRouting,
  initialRouting,
  placeRouted,
  readCandidates,
  routingIdFor,
  routingOf,
  stockRef,
  storeRef,
  type RoutingCommand,
  type RoutingState,
} from '@lunchrush/actors';
import { T0 } from './helpers.js';
import { STORES, chain, cuke, placement, request, router, senderOver } from './routing-support.js';

describe('a delivery order routed to a store', () => {
  it('goes to the best store, records the decision, and a repeat is the same order', async () => {
    const rt = chain();
    const { sender } = senderOver(rt);
    const { order, routing } = await placeRouted(sender, placement(sender));
    expect(order.orderId).toMatch(/^o_003_/);
    expect(routing).toMatchObject({ status: 'placed', placed: { store: '003', outcome: 'placed' } });
    expect(routing.ranked.map((r) => r.store)).toEqual(['003', '001', '012']);
    expect(routing.excluded).toEqual([{ store: '002', reason: 'outside_zone' }]);
    expect(cuke(rt, '003').reserved).toBe(2);
    expect(order.routing).toMatchObject({
      routingId: routing.routingId,
      rank: 1,
      of: 3,
      etaMin: routing.ranked[0]!.etaMin,
    });
    // The store's band for ~400 m (¥3), not the menu's flat ¥5.
    expect(order).toMatchObject({ deliveryFeeFen: 300, totalFen: order.itemsFen + order.packagingFeeFen + 300 });

    const again = senderOver(rt);
    const repeat = await placeRouted(again.sender, placement(again.sender));
    expect(repeat.order).toMatchObject({ orderId: order.orderId, duplicate: true });
    expect(again.sent.filter((s) => s.endsWith(':place'))).toEqual([]);
    expect(cuke(rt, '003').reserved).toBe(2);
  });

  it('takes the next store when the best refuses the reservation, reserving nowhere else', async () => {
    const rt = chain();
    // Read as 20 a moment ago, sold by the POS since: the ranking still puts 003 first.
    const { sender } = senderOver(rt);
    const candidates = await readCandidates(sender, STORES, request, T0);
    rt.send(stockRef('003', 'cuke'), { type: 'set', available: 1, at: T0 });
    const { order, routing } = await placeRouted(sender, {
      ...placement(sender),
      candidates: () => Promise.resolve(candidates),
    });
    expect(order.orderId).toMatch(/^o_001_/);
    expect(order.routing).toMatchObject({ rank: 2, of: 3 });
    expect(routing.attempts.map((a) => [a.store, a.outcome])).toEqual([
      ['003', 'sold_out'],
      ['001', 'placed'],
    ]);
    expect([cuke(rt, '003').reserved, cuke(rt, '001').reserved, cuke(rt, '012').reserved]).toEqual([0, 2, 0]);
  });

  it('goes round a kitchen whose station is paused', async () => {
    const rt = chain();
    for (let n = 1; n <= 50; n++)
      rt.send(storeRef('003'), { type: 'ticketsOpened', orderId: `o_k${n}`, stations: ['cold'], at: T0 });
    const { sender } = senderOver(rt);
    const { routing } = await placeRouted(sender, placement(sender));
    expect(routing.excluded).toContainEqual({ store: '003', reason: 'station_paused', which: ['cold'] });
    expect(routing.placed?.store).toBe('001');
  });

  it('a reply lost mid-routing leaves the attempt open; the repeat settles it at the same store', async () => {
    for (const when of ['before', 'after'] as const) {
      const rt = chain();
      const lossy = senderOver(rt, (store, c) => (store === '003' && c.type === 'place' ? when : null));
      await expect(placeRouted(lossy.sender, placement(lossy.sender))).rejects.toThrow('no reply');
      expect(router(rt)).toMatchObject({ status: 'routing', attempts: [{ store: '003', outcome: 'open' }] });
      const { sender } = senderOver(rt);
      await expect(
        routingOf(sender, routingIdFor('d1', 'k-1')).send({
          type: 'attempt',
          store: '001',
          orderId: 'o_001_x',
          at: T0,
        }),
      ).rejects.toThrow(/trying another store/);

      const { order } = await placeRouted(sender, placement(sender));
      expect(order.orderId).toMatch(/^o_003_/);
      expect(router(rt).attempts).toEqual([{ store: '003', orderId: order.orderId, outcome: 'placed' }]);
      expect([cuke(rt, '003').reserved, cuke(rt, '001').reserved]).toEqual([2, 0]);
    }
  });

  it('says no store can serve when every store in reach is short, naming why', async () => {
    const rt = chain({ '001': 0, '003': 1, '012': 0 });
    const { sender } = senderOver(rt);
    const e = await placeRouted(sender, placement(sender)).then(
      () => expect.fail('placed'),
      (err: unknown) => err as { code: string; message: string },
    );
    expect(e.code).toBe('no_store_available');
    expect(e.message).toMatch(/001: sold_out.*002: outside_zone/);
    expect(router(rt).status).toBe('unavailable');
  });
});

describe('the router', () => {
  const scored = (store: string, score: number) => ({
    store,
    score,
    distanceM: 500,
    kitchenMin: 12,
    rideMin: 3,
    etaMin: 15,
    feeFen: 300,
    thin: [],
  });
  function run(cs: RoutingCommand[]): { s: RoutingState; refusals: string[] } {
    let s = initialRouting('rt_x');
    const refusals: string[] = [];
    for (const c of cs) {
      const d = decideRouting(s, c);
      if (isRejection(d)) refusals.push(d.reject.code);
      else for (const e of d.events ?? []) s = evolveRouting(s, e);
    }
    return { s, refusals };
  }
  const decide: RoutingCommand = {
    type: 'decide',
    ranked: [scored('003', 20), scored('001', 22)],
    excluded: [],
    at: T0,
  };

  it('keeps its first ranking, tries stores in its order one at a time, and ends placed or unavailable', () => {
    const attempt = (store: string): RoutingCommand => ({ type: 'attempt', store, orderId: `o_${store}_a`, at: T0 });
    const refused = (store: string): RoutingCommand => ({ type: 'refused', store, code: 'sold_out', at: T0 });
    const again: RoutingCommand = { type: 'decide', ranked: [scored('001', 1)], excluded: [], at: T0 };
    const a = run([decide, again, attempt('001'), attempt('003'), attempt('003'), attempt('001'), refused('003')]);
    expect(a.s.ranked.map((r) => r.store)).toEqual(['003', '001']);
    expect(a.refusals).toEqual(['invalid_command', 'routing_in_progress']);
    expect(a.s.attempts).toEqual([{ store: '003', orderId: 'o_003_a', outcome: 'sold_out' }]);
    expect(a.s.status).toBe('routing');
    const b = run([decide, attempt('003'), refused('003'), attempt('001'), refused('001'), refused('001')]);
    expect([b.s.status, b.refusals]).toEqual(['unavailable', []]);
    const c = run([
      decide,
      attempt('003'),
      { type: 'placed', store: '003', orderId: 'o_003_a', at: T0 },
      attempt('001'),
    ]);
    expect([c.s.status, c.refusals]).toEqual(['placed', ['routing_in_progress']]);
  });
});
