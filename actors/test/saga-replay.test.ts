/** The saga's log replayed: the live state of every actor of a busy store, and its snapshots round-trip. */
import { describe, expect, it } from 'vitest';
import { decode, encode, replay } from '@lunchrush/engine';
import { restaurantActors } from '@lunchrush/actors';
import { DINER, MIN, STAFF, T0, expectOk, order, setupStore } from './helpers.js';
import { DEADLINE, pay, place, spicy } from './saga-support.js';

describe('replay', () => {
  it('replaying the whole log of a busy store gives the live state of every actor', () => {
    const rt = setupStore();
    for (let i = 1; i <= 6; i++) {
      const id = `o_${i}`;
      const d = order(
        rt,
        id,
        place(
          [
            { skuId: 'noodle-l', qty: 1, options: spicy },
            { skuId: 'cola', qty: i },
          ],
          { at: T0 + i },
        ),
      );
      if (!d.ok) continue;
      if (i % 3 !== 0) expectOk(order(rt, id, pay(d.result.totalFen, T0 + MIN)));
      if (i % 2 === 0 && i % 3 !== 0) expectOk(order(rt, id, { type: 'accept', by: STAFF, at: T0 + 2 * MIN }));
      if (i === 4)
        expectOk(order(rt, id, { type: 'requestRefund', refundId: 'r1', reason: 'x', by: DINER, at: T0 + 3 * MIN }));
    }
    rt.fireDueTimers(DEADLINE + 1);
    const replayed = replay(restaurantActors, rt.log);
    for (const [key, state] of replayed) {
      const [type, store, ...id] = key.split('.');
      const live = rt.state({ type: type!, store: store!, id: id.join('.') });
      expect(state).toEqual(live);
      // what the engine's snapshots do: the actor's codec (or none) over msgpack
      const codec = restaurantActors.find((t) => t.name === type)!.snapshot;
      const raw = decode(encode(codec === undefined ? live : codec.encode(live)));
      expect(codec === undefined ? raw : codec.decode(raw)).toEqual(live);
    }
    expect(replayed.size).toBeGreaterThan(10);
  });
});
