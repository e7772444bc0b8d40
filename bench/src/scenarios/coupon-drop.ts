/**
 * coupon-drop: one campaign of `--units` coupons (default 1,000) taken by `--diners` members (2,000)
 * at once, each claiming until the drop is gone, at `--rate` claims/s; then members who got one use
 * it in an order (lunchrush; the reference designs stop at the claim). Every coupon is issued once
 * and never one more: **over-issued** = max(0, issued by the campaign − units, acknowledged − units)
 * plus coupon ids acknowledged twice. Also: claims/s, claim p50/p99, refusals by code, orders that
 * used their coupon.
 */
import { Api, pool } from '../api.js';
import { cpuPerUnit } from '../cpu.js';
import { Recorder } from '../stats.js';
import { errorsOf, measure, type RunOptions, type ScenarioResult } from './run.js';
import { orderableSkus } from './setup.js';

const DAY = 86_400_000;

export async function couponDrop(o: RunOptions): Promise<ScenarioResult> {
  const api = new Api(o.url, Math.max(256, o.connections));
  try {
    const store = o.data.stores[0]!.storeId;
    const units = o.units ?? 1_000;
    const campaignId = `drop${Math.random().toString(36).slice(2, 8)}`;
    const now = Date.now();
    const def = {
      name: '开业快闪券',
      terms: { kind: 'threshold', name: '无门槛减1元', thresholdFen: 0, minusFen: 100 },
      total: units,
      perMemberLimit: 1,
      claimFrom: now - 60_000,
      claimTo: now + DAY,
      validity: { days: 1 },
    };
    const d = await api.defineCampaign(store, campaignId, def);
    if (d.status !== 200) throw new Error(`define campaign: ${d.code} ${JSON.stringify(d.body)}`);
    const n = o.diners ?? 2_000;
    o.log(`enrolling ${n} members`);
    const members = await pool(
      Array.from({ length: n }, (_, i) => i),
      32,
      async (i) => {
        const m = await api.login(`cd${campaignId}m${i}`);
        const e = await api.enroll(m.token);
        if (e.status !== 200) throw new Error(`enroll: ${e.code}`);
        return m;
      },
    );
    const rec = new Recorder('claim', o.progress);
    const got = new Map<number, string>();
    const acked: string[] = [];
    const fire = async (dueAt: number, i: number): Promise<void> => {
      const who = i % n;
      const r = await api.claim(members[who]!.token, campaignId);
      rec.record('claim', performance.now() - dueAt, r.code);
      if (r.code === 'ok') {
        acked.push(r.body.coupon.couponId);
        got.set(who, r.body.coupon.couponId);
      }
    };
    o.log(`coupon drop: ${units} coupons, ${n} members, ${o.rate} claims/s for ${o.durationS} s`);
    const cpu = await measure(o, rec, 'claim', fire);
    const view = await api.campaign(store, campaignId);
    const issued = view.body.issued;
    const overIssued = Math.max(0, issued - units, acked.length - units) + (acked.length - new Set(acked).size);
    const used = await useCoupons(api, o, store, members, got);
    const ops = rec.summary();
    const perClaim = cpuPerUnit(cpu, ops.claim?.count ?? 0);
    return {
      scenario: 'coupon-drop',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        claimsPerS: Math.round((ops.claim?.count ?? 0) / (rec.timeline.at(-1)?.t ?? o.durationS)),
        claimP50Ms: ops.claim?.p50Ms,
        claimP99Ms: ops.claim?.p99Ms,
        units,
        members: n,
        acknowledged: acked.length,
        issuedByCampaign: issued,
        overIssued,
        ordersWithCoupon: used.withCoupon,
        ordersTried: used.tried,
        ...(perClaim.stack === undefined ? {} : { cpuMsPerClaim: perClaim.stack, benchCpuMsPerClaim: perClaim.bench }),
        errorsByCode: errorsOf(ops),
      },
      ops,
      timeline: rec.timeline,
      correctness: { oversold: overIssued },
      extra: { campaignId, store, ...(cpu === undefined ? {} : { cpu }) },
    };
  } finally {
    await api.close();
  }
}

/** Up to 200 members who got a coupon order with it (the best coupon); a reference design's orders ignore `pay`. */
async function useCoupons(
  api: Api,
  o: RunOptions,
  store: string,
  members: readonly { token: string }[],
  got: ReadonlyMap<number, string>,
): Promise<{ tried: number; withCoupon: number }> {
  const sku = orderableSkus(o.data)[0]!;
  await api.setStock(store, sku, 1_000_000);
  const takers = [...got.keys()].slice(0, 200);
  let withCoupon = 0;
  let tried = 0;
  await pool(takers, 16, async (who) => {
    const r = await api.placeOrderWithCoupon(members[who]!.token, store, [{ skuId: sku, qty: 1 }]);
    tried++;
    if (r.code === 'ok' && r.body.order.discounts?.some((x) => x.kind === 'coupon') === true) withCoupon++;
  });
  return { tried, withCoupon };
}
