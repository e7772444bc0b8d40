/** What the member and campaign tests share: a runtime with the two actors, a member, coupons. */
import { MemoryRuntime, type MemoryOutcome } from '@lunchrush/engine';
import { campaignActor, campaignRef, type CampaignDefInput } from '../src/campaign.js';
import type { MemberCoupon } from '../src/coupon.js';
import { memberActor, memberRef } from '../src/member/index.js';
import type { MemberCommand } from '../src/member/commands.js';
import type { MemberResult } from '../src/member/decide.js';
import type { MemberState } from '../src/member/state.js';
import { T0 } from './helpers.js';

export const DAY = 86_400_000;
export const M1 = 'd_member1';

export function runtime(): MemoryRuntime {
  return new MemoryRuntime([memberActor, campaignActor]);
}

export function member(
  rt: MemoryRuntime,
  c: MemberCommand,
  id = M1,
  opts: { id?: string } = {},
): MemoryOutcome<MemberResult> {
  return rt.send<MemberResult>(memberRef(id), c, opts);
}

/** A command that must succeed: its result. */
export function ok(out: MemoryOutcome<MemberResult>): MemberResult {
  if (!out.ok) throw new Error(`refused: ${out.reason} ${out.message}`);
  return out.result;
}

export function stateOf(rt: MemoryRuntime, id = M1): MemberState {
  return rt.state<MemberState>(memberRef(id));
}

export function enrolled(rt = runtime(), id = M1): MemoryRuntime {
  ok(member(rt, { type: 'enroll', birthday: '03-14', at: T0 }, id));
  return rt;
}

export function coupon(couponId: string, terms: MemberCoupon['terms'], days = 30): MemberCoupon {
  return { couponId, campaignId: couponId.split('-')[0]!, terms, validFrom: T0, validTo: T0 + days * DAY };
}

export const MINUS_8: MemberCoupon['terms'] = {
  kind: 'threshold',
  name: '满50减8',
  thresholdFen: 5000,
  minusFen: 800,
  scope: {},
  newCustomerOnly: false,
  stacksWithPromotions: true,
};

export const campaignOf = (over: Partial<CampaignDefInput> = {}): CampaignDefInput => ({
  name: '午市满减',
  terms: { kind: 'threshold', name: '满50减8', thresholdFen: 5000, minusFen: 800 },
  total: 100,
  perMemberLimit: 1,
  claimFrom: T0,
  claimTo: T0 + 7 * DAY,
  validity: { days: 30 },
  ...over,
});

export { campaignRef, memberRef };
