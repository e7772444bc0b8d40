import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf, type Engine, type EngineClient, type EngineConfig } from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';
import { inProcessEngine, waitFor, type InProcessEngine } from './support.js';

const P = 4;
const STORE = 's1';

/** An engine of its own for the enclosing block: each block tests one housekeeping setting. */
function engineFor(config: Partial<EngineConfig>): { readonly engine: Engine; readonly client: EngineClient } {
  let e: InProcessEngine | undefined;
  beforeAll(async () => {
    const namespace = `t${Math.random().toString(36).slice(2, 10)}`;
    e = await inProcessEngine(demoActors, { namespace, partitions: P, snapshotIdleMs: 10, ...config });
  });
  afterAll(() => e?.stop());
  return {
    get engine() {
      return e!.engine;
    },
    get client() {
      return e!.client;
    },
  };
}

describe('snapshots of idle actors', () => {
  /** Housekeeping (which finds idle actors to snapshot) runs once per interval. */
  const INTERVAL_MS = 2_000;
  /** Far more idle actors in one partition than the 32 snapshots it writes at a time. */
  const ACTORS = 400;
  const t = engineFor({
    passivateAfterMs: 10,
    checkpointIntervalMs: INTERVAL_MS,
    maxActorsInMemory: 0,
  });

  it('idle actors beyond the snapshot slots are all snapshotted in one housekeeping round, then passivated', async () => {
    const part = partitionOf(STORE, P);
    await Promise.all(
      Array.from({ length: ACTORS }, (_, i) => t.client.send(STORE, 'counter', `c${i}`, { op: 'add', by: i + 1 })),
    );
    const stats = (): { actors: number; unsnapshotted: number } => t.engine.stats().get(part)!;
    expect(stats().unsnapshotted).toBeGreaterThan(32);
    expect(await t.engine.metrics.text()).toMatch(/lunchrush_engine_actors\{kind="unsnapshotted"\} [1-9]\d*/);

    // One round queues them all and the queue drains as snapshots finish. When each round started
    // only as many as it had free slots, 400 actors took 13 rounds (26 s here) and a lunch rush,
    // which leaves hundreds of idle orders a second, kept ever more of them in memory.
    await waitFor(() => stats().unsnapshotted === 0, {
      what: 'every idle actor snapshotted',
      timeoutMs: 2 * INTERVAL_MS + 1_500,
    });
    await waitFor(() => stats().actors === 0, { what: 'every actor passivated', timeoutMs: 2 * INTERVAL_MS + 1_500 });
    expect(await t.engine.metrics.text()).toMatch(/lunchrush_engine_actors\{kind="in_memory"\} 0\b/);

    // Loaded again from their snapshots.
    for (const i of [0, 199, ACTORS - 1]) {
      expect(await t.client.send(STORE, 'counter', `c${i}`, { op: 'get' })).toEqual({ n: i + 1 });
    }
  });
});

describe('the bound on actors in memory', () => {
  const MAX = 100;
  const t = engineFor({
    // Idle passivation would take a minute: only the bound can bring the count down here.
    passivateAfterMs: 60_000,
    checkpointIntervalMs: 100,
    maxActorsInMemory: MAX,
  });

  const inMemory = (): number => [...t.engine.stats().values()].reduce((n, s) => n + s.actors, 0);

  it('past the bound the least recently used actors are passivated, and come back intact when used again', async () => {
    const stores = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const ref = (i: number): [string, string] => [stores[i % stores.length]!, `c${i}`];
    const add = (i: number): Promise<unknown> =>
      t.client.send(ref(i)[0], 'counter', ref(i)[1], { op: 'add', by: i + 1 });
    for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => add(i + j)));
    await waitFor(() => inMemory() <= MAX, { what: `at most ${MAX} actors in memory` });
    expect(await t.engine.metrics.text()).toMatch(/lunchrush_engine_passivations_total\{reason="memory"\} [1-9]\d*/);
    // The newest stayed, the oldest went.
    expect(t.engine.isActive(ref(299)[0], 'counter', ref(299)[1])).toBe(true);
    expect(t.engine.isActive(ref(0)[0], 'counter', ref(0)[1])).toBe(false);

    // Used again (reloaded from their snapshots), they are now the most recent: the next trim keeps them.
    const trimmed = t.engine.metrics.passivated.memory;
    const recent = Array.from({ length: 50 }, (_, i) => i * 3);
    for (const i of recent)
      expect(await t.client.send(ref(i)[0], 'counter', ref(i)[1], { op: 'get' })).toEqual({ n: i + 1 });
    await waitFor(() => t.engine.metrics.passivated.memory > trimmed && inMemory() <= MAX, {
      what: `a trim back within ${MAX} actors`,
    });
    expect(recent.filter((i) => !t.engine.isActive(ref(i)[0], 'counter', ref(i)[1]))).toEqual([]);
  });
});

describe('trimming while transactions are in flight', () => {
  // A bound far below the actors in use and a trim every 10 ms: actors go and come back all the time.
  const t = engineFor({
    passivateAfterMs: 60_000,
    checkpointIntervalMs: 10,
    maxActorsInMemory: 2,
  });

  it('never drops an actor whose state a call changed before its append is durable: money is neither made nor lost', async () => {
    const N = 6;
    const account = (i: number): string => `a${i}`;
    for (let i = 0; i < N; i++) {
      await t.client.send(STORE, 'account', account(i), { op: 'deposit', amount: 1_000, tx: `seed${i}` });
    }
    // One transfer at a time, each after a trim has brought the accounts in memory back within the
    // bound (which it can only do once they are snapshotted: clean, and candidates to trim). Each
    // transfer changes its callee, the receiving account, inside the caller's transaction: the
    // callee has no command of its own pending while that append is in flight, and a trim runs
    // every 10 ms.
    const TRANSFERS = 200;
    const inMemory = (): number =>
      Array.from({ length: N }, (_, i) => account(i)).filter((a) => t.engine.isActive(STORE, 'account', a)).length;
    for (let k = 0; k < TRANSFERS; k++) {
      await t.client.send(STORE, 'account', account(k % N), {
        op: 'transfer',
        to: account((k + 1) % N),
        amount: 1,
        tx: `t${k}`,
      });
      await waitFor(() => inMemory() <= 2, { what: `the accounts in memory trimmed to the bound after transfer ${k}` });
    }
    expect(t.engine.metrics.passivated.memory).toBeGreaterThan(100);
    const balances = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        t.client.send<{ balance: number }>(STORE, 'account', account(i), { op: 'get' }).then((r) => r.balance),
      ),
    );
    const model = Array.from({ length: N }, () => 1_000);
    for (let k = 0; k < TRANSFERS; k++) {
      model[k % N]! -= 1;
      model[(k + 1) % N]! += 1;
    }
    expect(balances).toEqual(model);
  });
});
