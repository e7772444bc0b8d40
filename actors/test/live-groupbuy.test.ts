/**
 * Group-buy on the real engine: engine child processes (killed for real) on a real nats-server,
 * driven through EngineClient. A crowd joining one group is one mailbox; the N-th payment and the
 * deadline timer race in it; a SIGKILL after the deadline still refunds everyone exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { EngineClient, EngineError } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { setup, spawnTs, waitFor, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import type { StockCommand, StockResult } from '@lunchrush/actors';
import {
  GROUPBUY_OUTPUT,
  type GroupCampaignCommand,
  type GroupCommand,
  type GroupResult,
  type GroupTermsInput,
} from '@lunchrush/actors/campaigns';

const P = 8;
const STORE = '001';
const PRICE = 1990;
const STOCK = 1000;

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

const group = (groupId: string, c: GroupCommand, id?: string) =>
  client.send<GroupResult>(STORE, 'group', groupId, c, id === undefined ? {} : { id });
/** Each test sells its own SKU. */
const skuOf = (campaignId: string): string => `sku_${campaignId}`;
const stock = (campaignId: string, c: StockCommand) => client.send<StockResult>(STORE, 'stock', skuOf(campaignId), c);

async function campaign(campaignId: string, over: Partial<GroupTermsInput> = {}): Promise<void> {
  await stock(campaignId, { type: 'set', available: STOCK, at: Date.now() });
  const now = Date.now();
  const terms: GroupTermsInput = {
    name: '牛肉面三人团',
    skuId: skuOf(campaignId),
    qty: 1,
    groupPriceFen: PRICE,
    size: 3,
    timeLimitMs: 10 * 60_000,
    seatHoldMs: 10 * 60_000,
    openFrom: now - 60_000,
    openTo: now + 3_600_000,
    ...over,
  };
  const c: GroupCampaignCommand = { type: 'define', terms, at: now };
  await client.send(STORE, 'groupbuy', campaignId, c, { id: `define:${campaignId}` });
}

/** The leader opens and pays; the group is open for joins. */
async function openPaid(campaignId: string, groupId: string): Promise<GroupResult> {
  const leader = `d_${groupId}_l`;
  await group(groupId, { type: 'open', campaignId, leader, at: Date.now() }, `open:${groupId}`);
  const now = Date.now();
  return group(groupId, {
    type: 'pay',
    memberId: leader,
    paymentId: `p_${groupId}_l`,
    amountFen: PRICE,
    paidAt: now,
    at: now,
  });
}

const pay = (groupId: string, memberId: string, paidAt: number) =>
  group(groupId, { type: 'pay', memberId, paymentId: `p_${memberId}`, amountFen: PRICE, paidAt, at: Date.now() });

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof EngineError && e.reason !== undefined) return e.reason;
    throw e;
  }
}

/** Messages on the GROUPBUY stream (de-duplicated by id: one per refund or completion). */
async function instructionCount(): Promise<number> {
  const jsm = await jetstreamManager(t.nc);
  const info = await jsm.streams.info(names(t.ns).outputStream(GROUPBUY_OUTPUT.name));
  return info.state.messages;
}

describe('group-buy on the live engine', () => {
  it('500 concurrent joins to a group of 3: exactly 3 members, and it completes once they pay', async () => {
    const e = startEngine('g1');
    await e.waitForLine(/ENGINE READY/);
    await campaign('gb_crowd');
    expect((await openPaid('gb_crowd', 'g_crowd')).status).toBe('open');
    const members = Array.from({ length: 500 }, (_, i) => `d_crowd_${i}`);
    const outcomes = await Promise.all(
      members.map((m) => refusal(group('g_crowd', { type: 'join', memberId: m, at: Date.now() }, `join:${m}`))),
    );
    const joined = members.filter((_, i) => outcomes[i] === 'ok');
    expect(joined).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'group_full')).toHaveLength(498);
    expect(await group('g_crowd', { type: 'get' })).toMatchObject({ members: 3, status: 'open' });
    expect(await stock('gb_crowd', { type: 'get' })).toMatchObject({ reserved: 3 });
    for (const m of joined) await pay('g_crowd', m, Date.now());
    expect(await group('g_crowd', { type: 'get' })).toMatchObject({ members: 3, paid: 3, status: 'completed' });
    expect(await stock('gb_crowd', { type: 'get' })).toMatchObject({ reserved: 0, sold: 3 });
    e.kill('SIGTERM');
    await e.exited;
  });

  it('joins to 20 groups with the engine SIGKILLed half-way: every acknowledged join kept, 3 members a group', async () => {
    const first = startEngine('g5');
    await first.waitForLine(/ENGINE READY/);
    await campaign('gb_crash');
    const groups = Array.from({ length: 20 }, (_, i) => `g_crash_${i}`);
    for (const g of groups) await openPaid('gb_crash', g);
    const outcomes = new Map<string, string>();
    const all = Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const m = `d_crash_${i}`;
        const g = groups[i % groups.length]!;
        const r = await refusal(group(g, { type: 'join', memberId: m, at: Date.now() }, `join:${m}`));
        outcomes.set(m, `${g} ${r}`);
      }),
    );
    await waitFor(() => outcomes.size >= 100, { timeoutMs: 30_000 });
    first.kill('SIGKILL');
    await first.exited;
    const second = startEngine('g6');
    await second.waitForLine(/ENGINE READY/);
    await all;
    for (const g of groups) {
      const v = await group(g, { type: 'get' });
      expect(v.members).toBe(3);
      const acknowledged = [...outcomes].filter(([, o]) => o === `${g} ok`).map(([m]) => m);
      expect(
        v.seats
          .map((x) => x.memberId)
          .slice(1)
          .sort(),
      ).toEqual(acknowledged.sort());
    }
    expect([...outcomes.values()].filter((o) => o.endsWith(' group_full'))).toHaveLength(400 - 40);
    expect(await stock('gb_crash', { type: 'get' })).toMatchObject({ reserved: 60, available: STOCK - 60 });
    second.kill('SIGTERM');
    await second.exited;
  });
});

describe('group-buy on the live engine: deadlines', () => {
  it('the N-th payment racing the deadline: every group ends completed or refunded, never between', async () => {
    const e = startEngine('g2');
    await e.waitForLine(/ENGINE READY/);
    const before = await instructionCount();
    await campaign('gb_race', { timeLimitMs: 1500 });
    const ids = Array.from({ length: 8 }, (_, i) => `g_race_${i}`);
    const deadlines = new Map<string, number>();
    for (const g of ids) {
      const o = await openPaid('gb_race', g);
      deadlines.set(g, o.deadline);
      for (const m of ['b', 'c']) await group(g, { type: 'join', memberId: `d_${g}_${m}`, at: Date.now() });
      await pay(g, `d_${g}_b`, Date.now());
    }
    // The last payment leaves the provider exactly at the deadline (in time) and reaches the
    // group around when its timer fires: whichever the mailbox takes first decides.
    await Promise.all(
      ids.map(async (g) => {
        const deadline = deadlines.get(g)!;
        await waitFor(() => Date.now() >= deadline, { timeoutMs: 10_000 });
        await pay(g, `d_${g}_c`, deadline);
      }),
    );
    let refunds = 0;
    let completions = 0;
    for (const g of ids) {
      await waitFor(async () => (await group(g, { type: 'get' })).status !== 'open', { timeoutMs: 10_000 });
      const v = await group(g, { type: 'get' });
      if (v.status === 'completed') {
        expect(v).toMatchObject({ paid: 3, members: 3, refundsPending: 0 });
        completions++;
      } else {
        expect(v).toMatchObject({ status: 'refunding', failure: 'expired', paid: 0, members: 0, refundsPending: 3 });
        refunds += 3;
      }
    }
    // each completed group sold its 3 units; every other group's units are back
    expect(await stock('gb_race', { type: 'get' })).toMatchObject({ reserved: 0, sold: 3 * completions });
    // published after the events are stored, so possibly after the answers: wait for them, then count
    await waitFor(async () => (await instructionCount()) - before >= refunds + completions, { timeoutMs: 10_000 });
    expect((await instructionCount()) - before).toBe(refunds + completions);
    e.kill('SIGTERM');
    await e.exited;
  });

  it('a SIGKILL after the deadline: the next engine refunds every member exactly once', async () => {
    const first = startEngine('g3');
    await first.waitForLine(/ENGINE READY/);
    const before = await instructionCount();
    await campaign('gb_kill', { timeLimitMs: 2000 });
    const o = await openPaid('gb_kill', 'g_kill');
    await group('g_kill', { type: 'join', memberId: 'd_kill_b', at: Date.now() });
    await pay('g_kill', 'd_kill_b', Date.now());
    await waitFor(() => Date.now() >= o.deadline, { timeoutMs: 10_000 });
    first.kill('SIGKILL');
    await first.exited;
    const second = startEngine('g4');
    await second.waitForLine(/ENGINE READY/);
    await waitFor(async () => (await group('g_kill', { type: 'get' })).status === 'refunding', { timeoutMs: 20_000 });
    expect(await group('g_kill', { type: 'get' })).toMatchObject({ failure: 'expired', refundsPending: 2 });
    await waitFor(async () => (await instructionCount()) - before >= 2, { timeoutMs: 10_000 });
    expect((await instructionCount()) - before).toBe(2);
    expect(await stock('gb_kill', { type: 'get' })).toMatchObject({ available: STOCK, reserved: 0, sold: 0 });
    second.kill('SIGTERM');
    await second.exited;
  });
});
