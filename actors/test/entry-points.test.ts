/** What the package's entry points carry: the root its contract, `/demo` the demo chain, `/wire` the wire contract. */
import { describe, expect, it } from 'vitest';
import * as root from '@lunchrush/actors';
import * as demo from '@lunchrush/actors/demo';
import * as campaigns from '@lunchrush/actors/campaigns';
import * as members from '@lunchrush/actors/members';
import * as wire from '@lunchrush/actors/wire';

describe('entry points', () => {
  it('the demo chain is on its own subpath, not in the root export', () => {
    const data = demo.generateDemoData({ stores: 1 });
    expect(data.stores.map((s) => s.storeId)).toEqual(['001']);
    expect(demo.demoSetupCommands(data, 0).length).toBeGreaterThan(0);
    for (const name of [
      'generateDemoData',
      'demoSetupCommands',
      'chainTemplate',
      'seededRandom',
      'DEFAULT_DEMO_STORES',
    ])
      expect(name in root).toBe(false);
  });

  it('members, coupons and promotions are on their own subpath; their actors register with the rest', () => {
    for (const name of ['memberOf', 'campaignOf', 'promotionsOf', 'memberRef', 'checkout', 'refundShares', 'dueFen'])
      expect([name, name in members, name in root]).toEqual([name, true, false]);
    expect(root.restaurantActors).toContain(root.memberActor);
    expect(root.restaurantActors).toContain(root.campaignActor);
    expect(root.restaurantActors).toContain(members.promotionsActor);
  });

  it('group-buy, bargains, lotteries and share codes are on their own subpath; their actors register with the rest', () => {
    for (const name of [
      'groupOf',
      'groupRef',
      'GROUPBUY_OUTPUT',
      'groupView',
      'bargainOf',
      'bargainRef',
      'lotteryOf',
      'lotteryRef',
      'pickPrize',
      'sealShareCode',
      'openShareCode',
      'GroupBuyErrorCode',
      'LotteryErrorCode',
    ])
      expect([name, name in campaigns, name in root]).toEqual([name, true, false]);
    const registered = root.restaurantActors.map((a) => a.name);
    for (const name of ['groupbuy', 'group', 'bargaining', 'bargain', 'lottery']) expect(registered).toContain(name);
  });

  it('helpers only the actors use to decide are not exported', () => {
    for (const name of [
      'parseCommand',
      'refuse',
      'errorKind',
      'ensureError',
      'priceLines',
      'lineRefundFen',
      'sumFen',
      'mulFen',
      'allocateFen',
      'trieGet',
      'rmSet',
      'newTickets',
      'voidTickets',
      'stockKey',
      'summaryOf',
      'detailOf',
      'findSku',
    ])
      expect(name in root).toBe(false);
  });

  it("the root's actors module is what an engine process loads, with the wire's output streams", () => {
    expect(root.actors).toBe(root.restaurantActors);
    expect(root.actors.map((a) => a.name)).toEqual([
      'store',
      'catalog',
      'stock',
      'table',
      'order',
      'sale',
      'staff-account',
      'staff-directory',
      'store-directory',
      'audit',
      'member',
      'campaign',
      'campaign-directory',
      'member-program',
      'promotions',
      'groupbuy',
      'group',
      'bargaining',
      'bargain',
      'lottery',
      'routing',
      'delivery',
    ]);
    expect(root.outputStreams).toBe(wire.outputStreams);
  });
});
