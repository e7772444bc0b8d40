/**
 * Bargains and lotteries on the real engine (an engine child process on a real nats-server): a crowd
 * of friends helping one bargain reaches the floor after exactly K helps; a crowd drawing one
 * lottery never wins a prize past its quantity.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '@lunchrush/engine';
import { setup, spawnTs, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import type { BargainCommand, BargainView, LotteryCommand, LotteryView } from '@lunchrush/actors/campaigns';

const P = 8;
const STORE = '001';

let t: TestContext;
let client: EngineClient;
let engine: ChildProcessHandle;

beforeAll(async () => {
  t = await setup();
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
  engine = spawnTs('engine/src/main.ts', {
    env: {
      ENGINE_ACTORS: '@lunchrush/actors',
      ENGINE_NAMESPACE: t.ns,
      ENGINE_PROCESS_ID: 'bl1',
      ENGINE_PARTITIONS: String(P),
      ENGINE_LEASE_TTL_MS: '1000',
      ENGINE_SNAPSHOT_EVERY_EVENTS: '20',
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  await engine.waitForLine(/ENGINE READY/);
});

afterAll(async () => {
  engine?.kill('SIGKILL');
  await engine?.exited;
  await t.cleanup();
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof EngineError && e.reason !== undefined) return e.reason;
    throw e;
  }
}

describe('bargains and lotteries on the live engine', () => {
  it('200 friends helping one bargain at once: exactly K helps, the price at the floor', async () => {
    const now = Date.now();
    await client.send(STORE, 'bargaining', 'kj_live', {
      type: 'define',
      terms: {
        name: '烤鸭砍到9.9',
        skuId: 'duck',
        qty: 1,
        startPriceFen: 12_800,
        floorPriceFen: 990,
        helpersToFloor: 7,
        timeLimitMs: 3_600_000,
        openFrom: now - 60_000,
        openTo: now + 3_600_000,
      },
      at: now,
    });
    const bargain = (c: BargainCommand) => client.send<BargainView>(STORE, 'bargain', 'b_live', c);
    await bargain({ type: 'start', campaignId: 'kj_live', initiator: 'd_me', seed: 'seed_live_0123456789', at: now });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        outcome(bargain({ type: 'help', helperId: `d_f${i}`, deviceId: `dev${i}`, at: Date.now() })),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(7);
    expect(results.filter((r) => r === 'bargain_floor_reached')).toHaveLength(193);
    const v = await bargain({ type: 'get' });
    expect(v).toMatchObject({ priceFen: 990 });
    expect(v.helpers.reduce((a, h) => a + h.cutFen, 0)).toBe(12_800 - 990);
  });

  it('500 draws at once: a prize is never won past its quantity', async () => {
    const now = Date.now();
    const lottery = (c: LotteryCommand) => client.send<LotteryView>(STORE, 'lottery', 'lt_live', c);
    await lottery({
      type: 'define',
      lottery: {
        name: '午市抽奖',
        prizes: [{ prizeId: 'duck', name: '烤鸭一只', kind: 'item', quantity: 10, oddsBp: 5000 }],
        entry: 'free',
        dailyLimit: 1,
        openFrom: now - 60_000,
        openTo: now + 3_600_000,
      },
      at: now,
    });
    const draws = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        lottery({
          type: 'draw',
          drawId: `x${i}`,
          memberId: `d_p${i}`,
          entry: { kind: 'free' },
          rand: randomInt(2 ** 32),
          at: Date.now(),
        }),
      ),
    );
    const won = draws.filter((d) => d.draw?.outcome === 'won');
    expect(won).toHaveLength(10);
    expect(draws.filter((d) => d.draw?.outcome === 'exhausted').length).toBeGreaterThan(0);
    expect((await lottery({ type: 'get' })).prizes).toEqual([
      { prizeId: 'duck', name: '烤鸭一只', quantity: 10, left: 0, oddsBp: 5000 },
    ]);
  });
});
