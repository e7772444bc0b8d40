/**
 * Routed placement under random stock, stale readings and lost replies: however the stores answer
 * and whichever replies are lost (then the request repeated until it answers), the request ends
 * placed at exactly one store that had the stock, or unavailable with nothing reserved anywhere.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '@lunchrush/engine';
import { placeRouted, readCandidates, stockRef, type ActorCommand } from '@lunchrush/actors';
import { T0 } from './helpers.js';
import { STORES, chain, cuke, placement, request, router, senderOver } from './routing-support.js';

type Loss = { at: number; when: 'before' | 'after' };

describe('routed placement, properties', () => {
  it('ends placed at one store that had the stock, or unavailable, with no other reservation', async () => {
    const seen = { placed: 0, unavailable: 0, repeated: 0, movedOn: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          stock: fc.tuple(...STORES.map(() => fc.integer({ min: 0, max: 3 }))),
          /** Units the POS sells after the reading, per store: the ranking is stale by then. */
          sold: fc.tuple(...STORES.map(() => fc.integer({ min: 0, max: 3 }))),
          /** The commands (by their order across attempts) whose reply is lost, and when. */
          losses: fc.array(
            fc.record({
              at: fc.integer({ min: 0, max: 8 }),
              when: fc.constantFrom('before' as const, 'after' as const),
            }),
            { maxLength: 3 },
          ),
        }),
        async ({ stock, sold, losses }) => {
          const rt = chain(Object.fromEntries(STORES.map((s, i) => [s, stock[i]!])));
          const reading = await readCandidates(senderOver(rt).sender, STORES, request, T0);
          STORES.forEach((store, i) => {
            const left = Math.max(0, stock[i]! - sold[i]!);
            rt.send(stockRef(store, 'cuke'), { type: 'set', available: left, at: T0 });
          });
          let n = 0;
          const lost = new Map(losses.map((l: Loss) => [l.at, l.when]));
          const lose = (_store: string, _c: ActorCommand) => lost.get(n++) ?? null;
          let outcome: 'placed' | 'unavailable' | undefined;
          let tries = 0;
          for (; tries < 10 && outcome === undefined; tries++) {
            const { sender } = senderOver(rt, lose);
            try {
              await placeRouted(sender, { ...placement(sender), candidates: () => Promise.resolve(reading) });
              outcome = 'placed';
            } catch (e) {
              if ((e as { code?: string }).code === 'no_store_available') outcome = 'unavailable';
              else expect(e).toBeInstanceOf(EngineError);
            }
          }
          const v = router(rt);
          seen[outcome ?? 'unavailable']++;
          if (tries > 1) seen.repeated++;
          if (v.attempts.length > 1) seen.movedOn++;
          const reserved = STORES.map((s) => cuke(rt, s).reserved);
          if (outcome === 'placed') {
            expect(v.status).toBe('placed');
            const placed = v.attempts.filter((a) => a.outcome === 'placed');
            expect(placed).toHaveLength(1);
            const at = STORES.indexOf(placed[0]!.store);
            expect(reserved).toEqual(STORES.map((_, i) => (i === at ? 2 : 0)));
            expect(stock[at]! - sold[at]!).toBeGreaterThanOrEqual(2);
          } else {
            expect(outcome).toBe('unavailable');
            expect(v.status).toBe('unavailable');
            expect(reserved).toEqual([0, 0, 0, 0]);
            // Every store whose zone holds the address (all but 梅溪湖, 002) was short by then.
            for (const store of ['001', '003', '012']) {
              const i = STORES.indexOf(store);
              expect(stock[i]! - sold[i]!).toBeLessThan(2);
            }
          }
          expect(v.attempts.filter((a) => a.outcome === 'open')).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
    // The generator reaches both ends, repeats after lost replies, and stores refusing their reservation.
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(0);
  });
});
