/**
 * A member's order end to end on the real engine and NATS: the card holds coupon, points and
 * stored value, the order prices with them, WeChat Pay pays the rest, and the forwarder carries the
 * order's steps (paid, released, refunded) from the MEMBERS stream to the card, once each, and a
 * campaign's claims to the card as grants.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { EngineClient } from '@lunchrush/engine';
import { setup, spawnTs, waitFor, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import { orderOf, type OrderDetail } from '@lunchrush/actors';
import { campaignOf, memberOf, type MemberResult } from '@lunchrush/actors/members';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';
import { MemberForwarder } from '../src/member-forwarder.js';

const P = 4;
const STORE = '001';
const SKU = 'huiguo-rou';
const MEMBER = 'd_forwarded';
const DAY = 86_400_000;

let t: TestContext;
let client: EngineClient;
let engine: ChildProcessHandle;
let forwarder: MemberForwarder;

beforeAll(async () => {
  t = await setup();
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
  engine = spawnTs('engine/src/main.ts', {
    env: {
      ENGINE_ACTORS: '@lunchrush/actors',
      ENGINE_NAMESPACE: t.ns,
      ENGINE_PROCESS_ID: 'f1',
      ENGINE_PARTITIONS: String(P),
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  await engine.waitForLine(/ENGINE READY/);
  const data = generateDemoData({ stores: 1 });
  for (const c of demoSetupCommands(data, Date.now()))
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id });
  await client.send(STORE, 'stock', SKU, { type: 'set', available: 100, at: Date.now() }, { id: 'stock-100' });
  forwarder = new MemberForwarder({ nc: t.nc, namespace: t.ns, engine: client, log: pino({ level: 'silent' }) });
  forwarder.start();
}, 120_000);

afterAll(async () => {
  await forwarder?.stop();
  engine?.kill('SIGTERM');
  await engine?.exited;
  await t.cleanup();
});

const card = {
  send: ((...a: Parameters<ReturnType<typeof memberOf>['send']>) => memberOf(client, MEMBER).send(...a)) as ReturnType<
    typeof memberOf
  >['send'],
};
const get = (): Promise<MemberResult> => card.send({ type: 'get', at: Date.now() });

/** Holds on the card, then places the order with what the card held. */
async function placeWithCard(orderId: string, held: { points: number; balanceFen: number }): Promise<OrderDetail> {
  const c = await get();
  const coupon = c.coupons.find((x) => x.status === 'available');
  const couponIds = coupon === undefined ? [] : [coupon.couponId];
  await card.send({ type: 'hold', orderId, ...held, couponIds, at: Date.now() }, { id: `hold:${orderId}` });
  const coupons =
    coupon === undefined
      ? []
      : [
          {
            couponId: coupon.couponId,
            campaignId: coupon.campaignId,
            terms: coupon.terms,
            validFrom: coupon.validFrom,
            validTo: coupon.validTo,
          },
        ];
  return orderOf(client, STORE, orderId).send(
    {
      type: 'place',
      channel: 'takeaway',
      lines: [{ skuId: SKU, qty: 2 }],
      dinerId: MEMBER,
      member: { memberId: MEMBER, level: c.level, paidOrders: c.paidOrders, coupons, ...held },
      at: Date.now(),
    },
    { id: `place:${orderId}` },
  );
}

describe('member orders on the live engine', () => {
  it('paid: the card spends its hold and earns; a refund gives back its shares; a timeout releases', async () => {
    await card.send({ type: 'enroll', at: Date.now() }, { id: 'enroll' });
    await card.send({ type: 'topUp', paymentId: 'wx-top', amountFen: 5_000, at: Date.now() }, { id: 'top' });
    const drop = campaignOf(client, 'fwd1');
    const now = Date.now();
    await drop.send(
      {
        type: 'define',
        campaign: {
          name: '满减',
          terms: { kind: 'threshold', name: '满20减5', thresholdFen: 2000, minusFen: 500 },
          total: 10,
          claimFrom: now - 1000,
          claimTo: now + DAY,
          validity: { days: 7 },
        },
        at: now,
      },
      { id: 'define' },
    );
    const claimed = await drop.send({ type: 'claim', memberId: MEMBER, at: Date.now() }, { id: 'claim' });
    await card.send({ type: 'grantCoupon', coupon: claimed.coupon, at: Date.now() }, { id: 'grant' });

    const before = await get();
    const o = await placeWithCard('o_001_fwd_paid', { points: 100, balanceFen: 1_000 });
    expect(o.discounts!.map((d) => d.kind)).toEqual(['coupon', 'points']);
    const due = o.totalFen - 1_000;
    await orderOf(client, STORE, o.orderId).send(
      { type: 'confirmPayment', paymentId: 'wx-fwd-1', amountFen: due, paidAt: Date.now(), at: Date.now() },
      { id: 'pay-fwd-1' },
    );
    const spent = await waitFor(async () => {
      const c = await get();
      return c.paidOrders === 1 ? c : undefined;
    });
    expect(spent).toMatchObject({ balanceFen: 4_000, openHolds: 0 });
    expect(spent.coupons.map((c) => c.status)).toEqual(['used']);

    expect(spent.points).toBeGreaterThan(before.points - 100); // it earned points

    // a full refund by the diner before acceptance: stored value and points back on the card, the
    // points the order earned taken back
    await orderOf(client, STORE, o.orderId).send(
      { type: 'cancel', by: { role: 'diner', id: MEMBER }, at: Date.now() },
      { id: 'cancel-fwd-1' },
    );
    const back = await waitFor(async () => {
      const c = await get();
      return c.balanceFen === 5_000 ? c : undefined;
    });
    expect(back.points).toBe(before.points);

    // placed and cancelled before payment: the hold goes back
    await placeWithCard('o_001_fwd_cancel', { points: 0, balanceFen: 2_000 });
    expect((await get()).balanceFen).toBe(3_000);
    await orderOf(client, STORE, 'o_001_fwd_cancel').send(
      { type: 'cancel', by: { role: 'diner', id: MEMBER }, at: Date.now() },
      { id: 'cancel-fwd-2' },
    );
    const released = await waitFor(async () => {
      const c = await get();
      return c.openHolds === 0 ? c : undefined;
    });
    expect(released.balanceFen).toBe(5_000);
  });

  it('a coupon claimed and never granted by its caller (a gateway gone) reaches the card, once', async () => {
    const other = memberOf(client, 'd_claim_only');
    await other.send({ type: 'enroll', at: Date.now() }, { id: 'enroll-claim-only' });
    const now = Date.now();
    const drop = campaignOf(client, 'fwd2');
    const terms = { kind: 'threshold' as const, name: '满30减6', thresholdFen: 3000, minusFen: 600 };
    const def = { name: '满减', terms, total: 5, claimFrom: now - 1000, claimTo: now + DAY, validity: { days: 7 } };
    await drop.send({ type: 'define', campaign: def, at: now }, { id: 'define-fwd2' });
    const claimed = await drop.send({ type: 'claim', memberId: 'd_claim_only', at: now }, { id: 'claim-only' });
    const c = await waitFor(async () => {
      const v = await other.send({ type: 'get', at: Date.now() });
      return v.coupons.length > 0 ? v : undefined;
    });
    expect(c.coupons.map((x) => [x.couponId, x.status])).toEqual([[claimed.coupon.couponId, 'available']]);
    expect((await drop.send({ type: 'get' })).issued).toBe(1);
  });
});
