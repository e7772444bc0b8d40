/**
 * The routing stores' loads kept for a short while (`StoreLoads`), on a real engine: orders and
 * quotes arriving together share one read per store, a copy younger than the TTL is answered
 * without a read, an older one is read again. The clock is the test's (no sleeps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActorCommand, CommandSender } from '@lunchrush/actors';
import type { SendOptions } from '@lunchrush/engine';
import { seedDemo } from '@lunchrush/stack';
import { startStack, type Stack } from '@lunchrush/stack/testing';
import { ROUTING_LOAD_TTL_MS, StoreLoads } from '../src/routing-loads.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
  await seedDemo(s.client, { stores: 2 });
}, 60_000);
afterAll(() => s?.close());

/** The real engine client, counting the `load` reads that reach it. */
function counting(): { sender: CommandSender; reads: string[] } {
  const reads: string[] = [];
  const sender: CommandSender = {
    send<R>(store: string, type: string, id: string, command: ActorCommand, opts?: SendOptions): Promise<R> {
      if (command.type === 'load') reads.push(store);
      return s.client.send<R>(store, type, id, command, opts);
    },
  };
  return { sender, reads };
}

describe('StoreLoads', () => {
  it('one read per store for everything within the TTL, a new one after it', async () => {
    let clock = 1_000;
    const { sender, reads } = counting();
    const loads = new StoreLoads(sender, ROUTING_LOAD_TTL_MS, () => clock);
    const at = Date.now();
    const together = await Promise.all([1, 2, 3, 4, 5].map(() => loads.get('001', at)));
    expect(reads).toEqual(['001']);
    expect(new Set(together).size).toBe(1);
    expect(together[0]).toMatchObject({ store: '001', status: 'open' });
    expect(together[0]!.site).not.toBeNull();

    clock += ROUTING_LOAD_TTL_MS - 1;
    await loads.get('001', at);
    await loads.get('002', at);
    expect(reads).toEqual(['001', '002']);

    clock += 1;
    await loads.get('001', at);
    expect(reads).toEqual(['001', '002', '001']);
  });
});
