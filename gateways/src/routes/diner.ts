/**
 * What the mini-program calls, a file per resource under `diner/`: the session (log in,
 * scan a table: `session.ts`), the menu and stock (`menu.ts`), the table and its shared cart
 * with quotes (`table-cart.ts`), placing an order with an Idempotency-Key (`place.ts`), and the
 * diner's orders after that: pay, follow, cancel, urge, ask for a refund, review (`orders.ts`);
 * the member card, coupon centre and checkout with discounts (`member.ts`); group-buy, bargains and
 * lotteries with share codes (`groupbuy.ts`, `bargain.ts`, `lottery.ts`), paying for them (`campaign-pay.ts`).
 * Every price comes from the catalog actor.
 */
import type { GatewayDeps } from '../deps.js';
import type { Route } from '../http.js';
import { CampaignIndex } from '../campaign-index.js';
import { OwnerCache } from './diner/access.js';
import { bargainRoutes } from './diner/bargain.js';
import { campaignPayRoutes } from './diner/campaign-pay.js';
import { groupBuyRoutes } from './diner/groupbuy.js';
import { lotteryRoutes } from './diner/lottery.js';
import { shareRoutes } from './diner/share.js';
import { memberRoutes } from './diner/member.js';
import { menuRoutes } from './diner/menu.js';
import { orderRoutes } from './diner/orders.js';
import { placeOrderRoute } from './diner/place.js';
import { kitchenRoutes } from './kitchen.js';
import { sessionRoutes } from './diner/session.js';
import { tableCartRoutes } from './diner/table-cart.js';

export { OwnerCache, type OrderOwner } from './diner/access.js';
export { acceptsGzip } from './diner/menu.js';

export function dinerRoutes(deps: GatewayDeps): Route[] {
  // The owners of orders this process placed or read, shared by placing and acting on orders.
  const owners = new OwnerCache();
  return [
    ...sessionRoutes(deps),
    ...menuRoutes(deps),
    ...kitchenRoutes(deps),
    ...tableCartRoutes(deps),
    placeOrderRoute(deps, owners),
    ...orderRoutes(deps, owners),
    ...memberRoutes(deps),
    ...groupBuyRoutes(deps, new CampaignIndex(deps.redis, deps.prefix)),
    ...bargainRoutes(deps),
    ...lotteryRoutes(deps),
    ...campaignPayRoutes(deps),
    ...shareRoutes(deps),
  ];
}
