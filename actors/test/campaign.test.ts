/** Coupon campaigns: definition, the claim window, per-member limits and a total never exceeded. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryRuntime, replay } from '@lunchrush/engine';
import { campaignActor, campaignRef, type CampaignState, type ClaimResult } from '../src/campaign.js';
import { expectOk, expectRejected, T0 } from './helpers.js';
import { DAY, campaignOf, enrolled, member, ok, runtime } from './member-support.js';

const C = 'lunch100';
const ref = campaignRef(C);

function defined(rt: MemoryRuntime = runtime(), over = {}): MemoryRuntime {
  expectOk(rt.send(ref, { type: 'define', campaign: campaignOf(over), at: T0 }));
  return rt;
}

const claim = (rt: MemoryRuntime, memberId: string, at = T0 + 1000, via: 'claim' | 'issue' = 'claim') =>
  rt.send<ClaimResult>(ref, { type: 'claim', memberId, via, at });

describe('coupon campaign', () => {
  it('a claim issues a coupon with the terms and validity; the member card takes it once', () => {
    const rt = enrolled(defined());
    const r = expectOk(claim(rt, 'd_member1'));
    expect(r.coupon).toMatchObject({
      couponId: `${C}-1`,
      campaignId: C,
      validFrom: T0 + 1000,
      validTo: T0 + 1000 + 30 * DAY,
    });
    expect(r.coupon.terms).toMatchObject({ kind: 'threshold', thresholdFen: 5000, minusFen: 800 });
    expect(r).toMatchObject({ issued: 1, remaining: 99, memberClaims: 1 });
    // the grant follows from the claim durably: a JetStream output for the card, whoever claimed
    const grants = rt.outputs.filter((o) => o.subject === 'members.d_member1');
    expect(grants.map((o) => [o.id, o.jetstream])).toEqual([[`coupon-grant:${C}-1`, true]]);
    expect(grants[0]!.data).toEqual({
      memberId: 'd_member1',
      couponId: `${C}-1`,
      command: { type: 'grantCoupon', coupon: r.coupon, at: T0 + 1000 },
    });
    const card = ok(member(rt, { type: 'grantCoupon', coupon: r.coupon, at: T0 + 1000 }));
    expect(card.coupons.map((c) => [c.couponId, c.status])).toEqual([[`${C}-1`, 'available']]);
    expect(ok(member(rt, { type: 'grantCoupon', coupon: r.coupon, at: T0 + 1000 })).duplicate).toBe(true);
  });

  it('refusals: not defined, before and after the window, paused, the per-member limit', () => {
    const rt = runtime();
    expectRejected(claim(rt, 'd_a'), 'campaign_not_defined');
    defined(rt, { perMemberLimit: 2 });
    expectRejected(claim(rt, 'd_a', T0 - 1), 'campaign_not_open');
    expectRejected(claim(rt, 'd_a', T0 + 7 * DAY), 'campaign_not_open');
    expectOk(claim(rt, 'd_a'));
    expectOk(claim(rt, 'd_a'));
    expectRejected(claim(rt, 'd_a'), 'claim_limit_reached');
    expectOk(rt.send(ref, { type: 'pause', paused: true, at: T0 }));
    expectRejected(claim(rt, 'd_b'), 'campaign_not_open');
    // staff may still issue to a member while claims are paused
    expect(expectOk(claim(rt, 'd_b', T0 + 1000, 'issue')).coupon.couponId).toBe(`${C}-3`);
    expectRejected(rt.send(ref, { type: 'define', campaign: campaignOf({ total: 5 }), at: T0 }), 'campaign_exists');
    expectRejected(rt.send(ref, { type: 'setTotal', total: 2, at: T0 }), 'invalid_quantity');
  });

  it('fixed validity dates; unknown keys in a definition are refused by name', () => {
    const rt = defined(runtime(), { validity: { from: T0, to: T0 + DAY } });
    expect(expectOk(claim(rt, 'd_a')).coupon).toMatchObject({ validFrom: T0, validTo: T0 + DAY });
    const bad = rt.send(campaignRef('other'), {
      type: 'define',
      campaign: { ...campaignOf(), colour: 'red' },
      at: T0,
    });
    expect(expectRejected(bad, 'invalid_command').message).toMatch(/colour/);
  });

  it('any interleaving of claims and total changes issues at most the total, each coupon once', () => {
    type Op = { k: 'claim'; m: number; issue: boolean } | { k: 'total'; n: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 8, arbitrary: fc.record({ k: fc.constant('claim' as const), m: fc.nat(30), issue: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ k: fc.constant('total' as const), n: fc.integer({ min: 1, max: 40 }) }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(opArb, { maxLength: 150, size: 'max' }), (total, ops) => {
        const rt = defined(runtime(), { total, perMemberLimit: 3 });
        const ids: string[] = [];
        for (const o of ops) {
          if (o.k === 'total') rt.send(ref, { type: 'setTotal', total: o.n, at: T0 });
          else {
            const r = claim(rt, `d_${o.m}`, T0 + 1000, o.issue ? 'issue' : 'claim');
            if (r.ok) ids.push(r.result.coupon.couponId);
          }
          const s = rt.state<CampaignState>(ref);
          expect(s.issued).toBeLessThanOrEqual(s.def!.total);
        }
        expect(new Set(ids).size).toBe(ids.length);
        expect(rt.state<CampaignState>(ref).issued).toBe(ids.length);
        expect(replay([campaignActor], rt.log).get(`campaign.${ref.store}.${C}`)).toEqual(rt.state(ref));
      }),
      { numRuns: 200 },
    );
  });
});
