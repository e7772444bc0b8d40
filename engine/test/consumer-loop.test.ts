/**
 * A stream worker's consumer loop stops whenever it is told to: also while its consumer is being
 * opened, as a gateway closed a moment after it started does (its workers are still opening).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerLoop } from '@lunchrush/engine/consumer';
import { setup, testLogger, type TestContext } from '@lunchrush/testkit';

let t: TestContext;
const log = testLogger('engine-consumer-loop');

beforeAll(async () => {
  t = await setup({ prefix: 'cloop' });
  const jsm = await jetstreamManager(t.nc);
  await jsm.streams.add({ name: `${t.ns}_WORK`, subjects: [`${t.ns}.work.>`] });
});

afterAll(async () => {
  await t.cleanup();
});

/** A loop over the test stream's durable consumer `durable`. */
const loopOn = (durable: string): ConsumerLoop =>
  new ConsumerLoop({
    what: 'test worker',
    nc: t.nc,
    consumer: { stream: `${t.ns}_WORK`, durable, ackWaitMs: 5_000, maxAckPending: 10 },
    maxMessages: 10,
    log,
  });

/** Whether `stop()` resolved within `ms`. */
async function stopsWithin(loop: ConsumerLoop, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([loop.stop().then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('ConsumerLoop', () => {
  it('stops within a second however soon after start it is stopped (a sweep over the opening)', async () => {
    const late: number[] = [];
    // Opening is a few round trips (stream info, consumer info or add, then the pull): stop at
    // every moment of it, and a while after.
    for (let delay = 0; delay <= 30; delay++) {
      const loop = loopOn('test-worker');
      loop.startEach((m) => Promise.resolve(m.ack()), 10);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      if (!(await stopsWithin(loop, 1_000))) late.push(delay);
    }
    expect(late, 'start-to-stop delays (ms) whose stop() was still waiting a second later').toEqual([]);
  });

  it('hands over what arrives and stops with the work under way finished', async () => {
    const jsm = await jetstreamManager(t.nc);
    const js = jsm.jetstream();
    for (let i = 0; i < 5; i++) await js.publish(`${t.ns}.work.x`, String(i));
    const loop = loopOn('test-worker-2');
    const seen: string[] = [];
    let finished = 0;
    loop.startEach(async (m) => {
      seen.push(m.string());
      await new Promise((r) => setTimeout(r, 50));
      m.ack();
      finished++;
    }, 10);
    const deadline = Date.now() + 10_000;
    while (seen.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await stopsWithin(loop, 2_000)).toBe(true);
    expect(seen.sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(finished).toBe(5);
  });
});
