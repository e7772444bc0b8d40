/**
 * Staff endpoints, under `/v1/staff/stores/{store}/…`, for a staff token of that
 * store, a file per resource under `staff/`: tables (the board, setup, seating, closing,
 * merging: `tables.ts`), the tables' QR sheet (`qr.ts`), orders (`orders.ts`), stock
 * (`stock.ts`), the menu (`catalog.ts`), coupon campaigns and promotions (`campaigns.ts`), group-buy
 * campaigns and live groups (`groupbuy.ts`), bargain campaigns and lotteries (`bargains-lotteries.ts`). Who may call each is the actors' table of staff
 * permissions (`STAFF_PERMISSIONS`, actors/src/staff-rules.ts), and the order actions (accept,
 * start, bump, serve) are the same commands a kitchen display sends on its socket
 * (`staffOrderCommand`).
 */
import type { GatewayDeps } from '../deps.js';
import type { Route } from '../http.js';
import { CampaignIndex } from '../campaign-index.js';
import { staffBargainLotteryRoutes } from './staff/bargains-lotteries.js';
import { campaignRoutes } from './staff/campaigns.js';
import { staffGroupBuyRoutes } from './staff/groupbuy.js';
import { catalogRoutes } from './staff/catalog.js';
import { staffOrderRoutes } from './staff/orders.js';
import { qrSheetRoute } from './staff/qr.js';
import { staffKitchenRoutes } from './kitchen.js';
import { stockRoutes } from './staff/stock.js';
import { tableActionRoutes, tableSetupRoutes } from './staff/tables.js';

export function staffRoutes(deps: GatewayDeps): Route[] {
  return [
    ...tableSetupRoutes(deps),
    qrSheetRoute(deps),
    ...tableActionRoutes(deps),
    ...staffOrderRoutes(deps),
    ...stockRoutes(deps),
    ...catalogRoutes(deps),
    ...campaignRoutes(deps),
    ...staffKitchenRoutes(deps),
    ...staffGroupBuyRoutes(deps, new CampaignIndex(deps.redis, deps.prefix)),
    ...staffBargainLotteryRoutes(deps, new CampaignIndex(deps.redis, deps.prefix)),
  ];
}
