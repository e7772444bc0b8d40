/**
 * Members and coupon campaigns on the real engine: engine child processes (killed for real) on a
 * real nats-server, driven through EngineClient and the typed handles. A coupon drop is one hot
 * actor; a balance is one card's mailbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, EngineError } from '@lunchrush/engine';
import { setup, spawnTs, waitFor, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import { campaignOf, memberOf, type CampaignDefInput } from '@lunchrush/actors/members';

const P = 8;
const CLAIMS = 1_000;
const TOTAL = 100;
const DAY = 86_400_000;

let t: TestContext;
let client: EngineClient;
const engines: ChildProcessHandle[] = [];

function startEngine(id: string): ChildProcessHandle {
  const e = spawnTs('engine/src/main.ts', {
    env: {
      ENGINE_ACTORS: '@lunchrush/actors',
      ENGINE_NAMESPACE: t.ns,
      ENGINE_PROCESS_ID: id,
      ENGINE_PARTITIONS: String(P),
      ENGINE_LEASE_TTL_MS: '1000',
      ENGINE_SNAPSHOT_EVERY_EVENTS: '20',
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  engines.push(e);
  return e;
}

beforeAll(async () => {
  t = await setup();
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
});

afterAll(async () => {
  for (const e of engines) e.kill('SIGKILL');
  await Promise.all(engines.map((e) => e.exited));
  await t.cleanup();
});

function drop(now: number): CampaignDefInput {
  return {
    name: '午市快闪券',
    terms: { kind: 'threshold', name: '满30减10', thresholdFen: 3000, minusFen: 1000 },
    total: TOTAL,
    perMemberLimit: 1,
    claimFrom: now - 1000,
    claimTo: now + DAY,
    validity: { days: 7 },
  };
}

type Claim = { member: string; coupon?: string; refused?: string };

/** One diner's claim, with a stable command id (a retry after a crash is the same claim). */
async function claimOne(campaignId: string, i: number): Promise<Claim> {
  const member = `d_${campaignId}_${i}`;
  try {
    const r = await campaignOf(client, campaignId).send(
      { type: 'claim', memberId: member, at: Date.now() },
      { id: `claim:${member}` },
    );
    return { member, coupon: r.coupon.couponId };
  } catch (e) {
    if (e instanceof EngineError && e.reason !== undefined) return { member, refused: e.reason };
    throw e;
  }
}

function expectExactDrop(claims: readonly Claim[]): void {
  const issued = claims.filter((c) => c.coupon !== undefined);
  expect(issued).toHaveLength(TOTAL);
  expect(new Set(issued.map((c) => c.coupon)).size).toBe(TOTAL);
  expect(claims.filter((c) => c.refused === 'campaign_exhausted')).toHaveLength(CLAIMS - TOTAL);
}

describe('members and coupon campaigns on the live engine', () => {
  it('1,000 concurrent claims of a 100-coupon campaign: exactly 100 issued', async () => {
    const e = startEngine('m1');
    await e.waitForLine(/ENGINE READY/);
    const campaign = campaignOf(client, 'drop1');
    await campaign.send({ type: 'define', campaign: drop(Date.now()), at: Date.now() }, { id: 'define:drop1' });
    const claims = await Promise.all(Array.from({ length: CLAIMS }, (_, i) => claimOne('drop1', i)));
    expectExactDrop(claims);
    expect(await campaign.send({ type: 'get' })).toMatchObject({ issued: TOTAL, remaining: 0 });
    e.kill('SIGTERM');
    await e.exited;
  });

  it('with the engine SIGKILLed half-way: still exactly 100, every acknowledged coupon kept', async () => {
    const first = startEngine('m2');
    await first.waitForLine(/ENGINE READY/);
    const campaign = campaignOf(client, 'drop2');
    await campaign.send({ type: 'define', campaign: drop(Date.now()), at: Date.now() }, { id: 'define:drop2' });
    const done: Claim[] = [];
    const all = Promise.all(
      Array.from({ length: CLAIMS }, (_, i) =>
        claimOne('drop2', i).then((c) => {
          done.push(c);
          return c;
        }),
      ),
    );
    await waitFor(() => done.filter((c) => c.coupon !== undefined).length >= TOTAL / 2, { timeoutMs: 30_000 });
    first.kill('SIGKILL');
    await first.exited;
    const second = startEngine('m3');
    await second.waitForLine(/ENGINE READY/);
    const claims = await all;
    expectExactDrop(claims);
    expect(await campaign.send({ type: 'get' })).toMatchObject({ issued: TOTAL, remaining: 0 });
    // An acknowledged claim asked again (same command id) answers the coupon it got.
    for (const c of claims.filter((x) => x.coupon !== undefined).slice(0, 10)) {
      const again = await campaign.send(
        { type: 'claim', memberId: c.member, at: Date.now() },
        { id: `claim:${c.member}` },
      );
      expect(again.coupon.couponId).toBe(c.coupon);
    }
    second.kill('SIGTERM');
    await second.exited;
  });

  it('two devices spending one balance at once cannot overspend it', async () => {
    const e = startEngine('m4');
    await e.waitForLine(/ENGINE READY/);
    const card = memberOf(client, 'd_twodevices');
    await card.send({ type: 'enroll', at: Date.now() }, { id: 'enroll' });
    await card.send({ type: 'topUp', paymentId: 'wx_topup_1', amountFen: 10_000, at: Date.now() }, { id: 'top:1' });
    // Two phones, each placing orders that pay 3,000 fen from the same 10,000 balance.
    const spend = async (device: string, n: number): Promise<string> => {
      try {
        await card.send(
          { type: 'hold', orderId: `o_001_${device}${n}`, points: 0, balanceFen: 3_000, couponIds: [], at: Date.now() },
          { id: `hold:${device}${n}` },
        );
        await card.send(
          { type: 'orderPaid', orderId: `o_001_${device}${n}`, paidFen: 3_000, at: Date.now() },
          { id: `paid:${device}${n}` },
        );
        return 'spent';
      } catch (err) {
        if (err instanceof EngineError && err.reason === 'insufficient_balance') return 'refused';
        throw err;
      }
    };
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, n) => Promise.all([spend('a', n), spend('b', n)])),
    );
    const flat = outcomes.flat();
    expect(flat.filter((o) => o === 'spent')).toHaveLength(3);
    expect(flat.filter((o) => o === 'refused')).toHaveLength(37);
    expect(await card.send({ type: 'get' })).toMatchObject({ balanceFen: 1_000, openHolds: 0, paidOrders: 3 });
    e.kill('SIGTERM');
    await e.exited;
  });
});
