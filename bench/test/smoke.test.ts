/**
 * A few seconds of every scenario at a low rate against real stacks, asserting only
 * the correctness outputs (oversold, undersold, lost) and that each scenario ran.
 * Never speed: that is what `npm run bench` reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctnessFailed, parseArgs, shareOfNull } from '../src/cli.js';
import {
  couponDrop,
  flashSale,
  groupBuy,
  lunchRush,
  maxRate,
  wsFanout,
  type RunOptions,
} from '../src/scenarios/index.js';
import { startLunchrush, startNull, startReference, type Stack } from '../src/stack.js';

const quiet = (): undefined => undefined;
const base = (s: Stack): RunOptions => ({
  url: s.url,
  data: s.data,
  rate: 20,
  durationS: 2,
  warmupS: 0,
  connections: 16,
  progress: false,
  log: quiet,
  diners: 8,
});

describe('lunchrush', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startLunchrush({ stores: 1 });
  }, 90_000);
  afterAll(() => s?.stop(), 30_000);

  it('lunch-rush: orders, payments and channel sales are answered', async () => {
    const r = await lunchRush(base(s));
    expect(r.ops.order?.ok).toBeGreaterThan(0);
    expect(r.ops.pos?.ok).toBeGreaterThan(0);
    // Paid through the simulator's own process; the gateway verified the callback before the status read.
    expect(s.simulatorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.ops.simpay?.ok).toBeGreaterThan(0);
    expect(r.ops.status?.errors.not_paid).toBeUndefined();
  });

  it('flash-sale: nothing oversold or undersold', async () => {
    const r = await flashSale({ ...base(s), rate: 60, units: 40, connections: 32 });
    expect(r.correctness).toEqual({ oversold: 0, undersold: 0 });
    expect(r.summary.soldByStock).toBe(40);
  });

  it('coupon-drop: exactly the campaign’s coupons issued, and used in orders', async () => {
    const r = await couponDrop({ ...base(s), rate: 60, units: 20, diners: 30 });
    expect(r.correctness).toEqual({ oversold: 0 });
    expect([r.summary.issuedByCampaign, r.summary.acknowledged]).toEqual([20, 20]);
    expect(r.summary.ordersWithCoupon).toBe(20);
  });

  it('group-buy: every group ends completed or refunded, nothing stuck, nothing oversold', async () => {
    // Groups of 3 with a 10 s limit: the run waits for the last deadline and the refunds after it.
    const r = await groupBuy({ ...base(s), rate: 15, diners: 20 });
    // The summary in the message: what was sold, reserved, completed and refunded when it failed.
    expect(r.correctness, JSON.stringify(r.summary)).toEqual({ oversold: 0, lost: 0 });
    expect(r.summary.completed).toBeGreaterThan(0);
    expect(Number(r.summary.completed) + Number(r.summary.refunded)).toBe(r.summary.groupsOpened);
  }, 240_000);

  it('ws-fanout: clients get the table pushes', async () => {
    const r = await wsFanout({ ...base(s), clients: 40 });
    expect(r.summary.connected).toBe(40);
    expect(r.summary.pushes).toBeGreaterThan(0);
  });

  it('max: ramps and reports', async () => {
    const r = await maxRate({ ...base(s), durationS: 1, bound: 0.001 });
    expect((r.summary.steps as unknown[]).length).toBeGreaterThan(0);
  });
});

it('failover: no acknowledged order lost when the owning engine is SIGKILLed', async () => {
  const s = await startLunchrush({ stores: 1, standby: true });
  try {
    const r = await lunchRush(
      { ...base(s), durationS: 6, killAtS: 1, onKill: () => s.engine!.kill('SIGKILL') },
      'failover',
    );
    expect(r.extra?.acknowledgedOrders).toBeGreaterThan(0);
    expect(r.correctness.lost).toBe(0);
  } finally {
    await s.stop();
  }
}, 120_000);

it.each(['a', 'b'] as const)(
  'reference %s: flash-sale neither oversells nor undersells, coupon-drop never over-issues',
  async (design) => {
    const s = await startReference(design, { stores: 1 });
    try {
      const r = await flashSale({ ...base(s), rate: 60, units: 40, connections: 32 });
      expect(r.correctness).toEqual({ oversold: 0, undersold: 0 });
      const c = await couponDrop({ ...base(s), rate: 60, units: 20, diners: 30 });
      expect([c.correctness, c.summary.issuedByCampaign]).toEqual([{ oversold: 0 }, 20]);
      const l = await lunchRush(base(s));
      expect(l.ops.order?.ok).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  },
  60_000,
);

it('null: the gateway with its engine stand-in answers a whole lunch rush (orders, sales, payments, status)', async () => {
  const s = await startNull({ stores: 1 });
  try {
    const r = await lunchRush(base(s));
    expect(r.summary.errorsByCode).toEqual({});
    for (const op of ['order', 'pos', 'delivery', 'menu', 'pay', 'simpay', 'status'])
      expect(r.ops[op]?.ok, op).toBeGreaterThan(0);
  } finally {
    await s.stop();
  }
}, 60_000);

it('compare takes a list of references, and says lunchrush as a share of null', () => {
  const o = parseArgs(['compare', 'lunch-rush', '--reference', 'a,null', '--pay', '0']);
  expect(o.references).toEqual(['a', 'null']);
  expect(parseArgs(['lunch-rush', '--design', 'null']).design).toBe('null');
  expect(() => parseArgs(['compare', 'lunch-rush', '--reference', 'lunchrush'])).toThrow(/--reference/);
  expect(() => parseArgs(['compare', 'lunch-rush', '--reference', 'a,a'])).toThrow(/twice/);
  const share = shareOfNull(
    { summary: { ordersPerS: 1500, cpuMsPerOrder: 0.6 } },
    { summary: { ordersPerS: 2500, cpuMsPerOrder: 0.2 } },
  );
  expect(share).toMatchObject({ field: 'ordersPerS', pct: 60, cpuRatio: 3 });
  expect(share?.text).toContain("60% of null's ordersPerS");
});

it('the bench fails when oversold, undersold or lost is not 0', () => {
  expect(correctnessFailed([{ correctness: { oversold: 0, undersold: 0 } }, { correctness: { lost: 0 } }])).toBe(false);
  expect(correctnessFailed([{ correctness: { oversold: 0, undersold: 1 } }])).toBe(true);
  expect(correctnessFailed([{ correctness: {} }, { correctness: { lost: 3 } }])).toBe(true);
  expect(correctnessFailed([{ correctness: { oversold: 2 } }])).toBe(true);
});
