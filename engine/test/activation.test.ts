/** Activating actors from their snapshots while more keep arriving, in an engine child process. */
import { describe, expect, it } from 'vitest';
import { EngineClient } from '@lunchrush/engine';
import { P, allOwnedBy, engine, freshNamespace, nc, useEngineChildren } from './crash-support.js';

useEngineChildren();

describe('activation under load', () => {
  it('a command to a cold actor is answered while more cold actors keep arriving on its partition', async () => {
    const ns = freshNamespace();
    await engine(ns, 'e1');
    await allOwnedBy(ns, ['e1']);
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    // Each command activates a new actor (a snapshot read). The first must be answered while the
    // stream of activations goes on, not once it stops.
    let firstDone = false;
    const first = client
      .send('c1', 'counter', 'cold0', { op: 'add', by: 1 }, { timeout: 60_000 })
      .then(() => (firstDone = true));
    let sent = 1;
    let inFlight = 0;
    /** Resolves the current wait when a command in flight is answered. */
    let slotFreed: () => void = () => undefined;
    const rest: Promise<unknown>[] = [];
    // Cold actors keep arriving for up to 20 s, 200 in flight at any moment: a steady stream the
    // engine can serve, not an overload (a flood with no bound got the first command shed and
    // retried behind it on a busy CI machine). The first answer must come while the stream goes on
    // (it never did when a partition waited for every load to finish before serving its head).
    const until = performance.now() + 20_000;
    while (!firstDone && performance.now() < until) {
      while (inFlight < 200) {
        inFlight++;
        rest.push(
          client
            .send('c1', 'counter', `cold${sent++}`, { op: 'add', by: 1 }, { timeout: 60_000 })
            .catch(() => undefined)
            .finally(() => {
              inFlight--;
              slotFreed();
            }),
        );
      }
      // Send the next one as soon as a slot frees, or stop when the first is answered.
      await Promise.race([first, new Promise<void>((r) => (slotFreed = r))]);
    }
    expect(firstDone).toBe(true);
    await first;
    await Promise.all(rest);
  });
});
