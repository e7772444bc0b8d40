/**
 * `GET /v1/staff/stores`: the stores the console's store picker offers, by role. The chain admin
 * works in every store: every store of the chain's list (`store-directory`, filled by whoever sets
 * a store up). Anyone else: the stores their account names; a device token without an account,
 * its own store. Names come from the chain's list.
 */
import { staffAccountOf, storeDirectoryOf } from '@lunchrush/actors/staff';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS } from '../errors.js';
import { route, type Route } from '../http.js';
import { STAFF_ERRORS } from '../routes/staff/common.js';
import { StoreListAnswer } from './schemas.js';

export function storeListRoute(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: '/v1/staff/stores',
    response: StoreListAnswer,
    tag: 'console',
    summary: 'The stores this staff member may work in (the admin: every store of the chain), with names',
    auth: 'staff',
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
    async handle(req) {
      const c = req.staff!;
      const [{ stores: chain }, account] = await Promise.all([
        storeDirectoryOf(deps.engine).send({ type: 'stores' }),
        c.role === 'admin' ? Promise.resolve(null) : staffAccountOf(deps.engine, c.staffId).send({ type: 'get' }),
      ]);
      const names = new Map(chain.map((s) => [s.store, s.name]));
      const ids = c.role === 'admin' ? [...names.keys()] : (account?.stores ?? []);
      // The token's own store is always one of them (a store set up outside the list, a device token).
      const all = [...new Set([...ids, c.store])].sort();
      return { body: { stores: all.map((store) => ({ store, name: names.get(store) ?? '' })) } };
    },
  });
}
