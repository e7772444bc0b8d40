import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoActors, partitionOf, type Engine, type EngineClient } from '@lunchrush/engine';
import { inProcessEngine, waitFor } from './support.js';

const P = 4;
const STORE = 's1';
/** Housekeeping (which finds idle actors to snapshot) runs once per interval. */
const INTERVAL_MS = 2_000;
/** Far more idle actors in one partition than the 32 snapshots it writes at a time. */
const ACTORS = 400;

let engine: Engine;
let client: EngineClient;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ engine, client, stop } = await inProcessEngine(demoActors, {
    namespace: `t${Math.random().toString(36).slice(2, 10)}`,
    partitions: P,
    snapshotIdleMs: 10,
    passivateAfterMs: 10,
    checkpointIntervalMs: INTERVAL_MS,
  }));
});

afterAll(() => stop?.());

it('idle actors beyond the snapshot slots are all snapshotted in one housekeeping round, then passivated', async () => {
  const part = partitionOf(STORE, P);
  await Promise.all(
    Array.from({ length: ACTORS }, (_, i) => client.send(STORE, 'counter', `c${i}`, { op: 'add', by: i + 1 })),
  );
  const stats = (): { actors: number; unsnapshotted: number } => engine.stats().get(part)!;
  expect(stats().unsnapshotted).toBeGreaterThan(32);
  expect(await engine.metrics.text()).toMatch(/lunchrush_engine_actors\{kind="unsnapshotted"\} [1-9]\d*/);

  // One round queues them all and the queue drains as snapshots finish. When each round started
  // only as many as it had free slots, 400 actors took 13 rounds (26 s here) and a lunch rush,
  // which leaves hundreds of idle orders a second, kept ever more of them in memory.
  await waitFor(() => stats().unsnapshotted === 0, {
    what: 'every idle actor snapshotted',
    timeoutMs: 2 * INTERVAL_MS + 1_500,
  });
  await waitFor(() => stats().actors === 0, { what: 'every actor passivated', timeoutMs: 2 * INTERVAL_MS + 1_500 });
  expect(await engine.metrics.text()).toMatch(/lunchrush_engine_actors\{kind="in_memory"\} 0\b/);

  // Loaded again from their snapshots.
  for (const i of [0, 199, ACTORS - 1]) {
    expect(await client.send(STORE, 'counter', `c${i}`, { op: 'get' })).toEqual({ n: i + 1 });
  }
});
