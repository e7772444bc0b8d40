/**
 * Whose order it is: a diner may follow and act on their own orders and their table's. The
 * owner of an order this process placed or read is remembered, so acting on it does not read it first.
 */
import { ErrorCode as D, storeOfOrderId, type OrderDetail } from '@lunchrush/actors';
import type { GatewayDeps } from '../../deps.js';
import { ErrorCode, HttpError } from '../../errors.js';
import { GenerationCache } from '../../generation-cache.js';
import type { RequestInfo } from '../../http.js';
import type { DinerSession } from '../../sessions.js';
import { session } from './common.js';

export interface OrderOwner {
  dinerId: string | null;
  tableId: string | null;
}

/**
 * Owners of orders this process placed or read, so acting on one's own order does not read it
 * first: an owner never changes once placed (a table move changes its table, which is why a
 * table-mate's access is checked against the order itself, not this copy).
 */
export class OwnerCache extends GenerationCache<string, OrderOwner> {}

/** The order's own diner, or a diner at its table. */
function mayFollow(s: DinerSession, o: OrderOwner): boolean {
  return o.dinerId === s.dinerId || (o.tableId !== null && o.tableId === s.tableId);
}

/**
 * The order, read from its actor and checked against the diner: theirs, or their table's. The
 * order's own state says whose it is (its diner and table), so nothing else is asked.
 */
export async function readOwnOrder(
  deps: GatewayDeps,
  owners: OwnerCache,
  req: RequestInfo,
  orderId: string,
): Promise<{ store: string; order: OrderDetail }> {
  const store = storeOfOrderId(orderId);
  if (store === undefined) throw new HttpError(D.OrderNotFound, `no order ${orderId}`);
  const order = await deps.engine.order(store, orderId).send({ type: 'get' });
  owners.set(orderId, { dinerId: order.dinerId, tableId: order.tableId });
  if (!mayFollow(session(req), order)) throw new HttpError(ErrorCode.NotYourOrder, `order ${orderId} is not yours`);
  return { store, order };
}

/** The store of an order the diner may act on; the order is read only when this process does not know it. */
export async function orderAccess(
  deps: GatewayDeps,
  owners: OwnerCache,
  req: RequestInfo,
  orderId: string,
): Promise<string> {
  const known = owners.get(orderId);
  const store = storeOfOrderId(orderId);
  if (known !== undefined && store !== undefined && known.dinerId === session(req).dinerId) return store;
  return (await readOwnOrder(deps, owners, req, orderId)).store;
}
