/** Group-buy fixtures: a store with one SKU's stock, a campaign, and groups in a MemoryRuntime. */
import { MemoryRuntime, type MemoryOutcome } from '@lunchrush/engine';
import { stockActor, stockRef, type StockState } from '@lunchrush/actors';
import { groupActor, groupCampaignActor, groupCampaignRef, groupRef, type GroupResult } from '../src/groupbuy/index.js';
import type { GroupCommand } from '../src/groupbuy/commands.js';
import type { GroupTermsInput } from '../src/groupbuy/campaign.js';
import type { GroupState } from '../src/groupbuy/state.js';
import type { GroupInstruction } from '../src/groupbuy/outputs.js';
import { T0, MIN, expectOk } from './helpers.js';

export const STORE = '001';
export const SKU = 'noodle-l';
export const CAMPAIGN = 'gb_noodle';
export const PRICE = 1990;
export const STOCK = 100;

export function terms(over: Partial<GroupTermsInput> = {}): GroupTermsInput {
  return {
    name: '牛肉面三人团',
    skuId: SKU,
    qty: 1,
    groupPriceFen: PRICE,
    size: 3,
    timeLimitMs: 60 * MIN,
    seatHoldMs: 5 * MIN,
    openFrom: T0 - 60 * MIN,
    openTo: T0 + 24 * 60 * MIN,
    ...over,
  };
}

export function groupRuntime(over: Partial<GroupTermsInput> = {}, stock = STOCK): MemoryRuntime {
  const rt = new MemoryRuntime([stockActor, groupCampaignActor, groupActor]);
  expectOk(rt.send(stockRef(STORE, SKU), { type: 'set', available: stock, at: T0 - MIN }));
  expectOk(rt.send(groupCampaignRef(STORE, CAMPAIGN), { type: 'define', terms: terms(over), at: T0 - MIN }));
  return rt;
}

export const group = (rt: MemoryRuntime, groupId: string, c: GroupCommand): MemoryOutcome<GroupResult> =>
  rt.send<GroupResult>(groupRef(STORE, groupId), c);
export const groupState = (rt: MemoryRuntime, groupId: string): GroupState =>
  rt.state<GroupState>(groupRef(STORE, groupId));
export const skuState = (rt: MemoryRuntime): StockState => rt.state<StockState>(stockRef(STORE, SKU));

/** Every group instruction emitted (refunds, completions), in order. */
export const instructions = (rt: MemoryRuntime): { id: string; data: GroupInstruction }[] =>
  rt.outputs
    .filter((o) => o.subject === `groupbuy.${STORE}`)
    .map((o) => ({ id: o.id, data: o.data as GroupInstruction }));

export function opened(rt: MemoryRuntime, groupId: string, leader = 'd_leader', at = T0): GroupResult {
  return expectOk(group(rt, groupId, { type: 'open', campaignId: CAMPAIGN, leader, at }));
}

export function paid(rt: MemoryRuntime, groupId: string, memberId: string, paymentId: string, at: number) {
  return expectOk(group(rt, groupId, { type: 'pay', memberId, paymentId, amountFen: PRICE, paidAt: at, at }));
}
