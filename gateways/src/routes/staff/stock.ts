/**
 * A store's stock for staff: a SKU's levels, a stocktake, a restock, and 86ing a SKU (every
 * channel sees it sold out) or bringing it back.
 */
import { ActorTypes, ErrorCode as D, STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import type { z } from 'zod';
import { StockResultAnswer, StockViewAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS } from '../../errors.js';
import { route, type Route } from '../../http.js';
import { EightySixBody, RestockBody, StockSetBody, StoreSkuParams } from '../../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, STAFF_ERRORS } from './common.js';

export function stockRoutes(deps: GatewayDeps): Route[] {
  return [
    stockView(deps),
    stockAction(deps, 'set', 'Stocktake: set the available count', StockSetBody),
    stockAction(deps, 'restock', 'Add units', RestockBody),
    stockAction(deps, '86', '86 a SKU (every channel sees it sold out) or bring it back with on: false', EightySixBody),
  ];
}

/** `GET …/stock/{skuId}`. */
function stockView(deps: GatewayDeps): Route {
  const { engine } = deps;
  return route({
    method: 'get',
    path: `${base}/stock/{skuId}`,
    response: StockViewAnswer,
    tag: 'staff',
    summary: 'A SKU: available, reserved, sold, level, 86',
    auth: 'staff',
    roles: MAY.view,
    params: StoreSkuParams,
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreSkuParams> }) {
      return { body: await engine.send(params.store, ActorTypes.Stock, params.skuId, { type: 'get' }) };
    },
  });
}

/** `POST …/stock/{skuId}/{action}`: one command to the SKU's stock actor. */
function stockAction(deps: GatewayDeps, action: 'set' | 'restock' | '86', summary: string, body: z.ZodType): Route {
  const { engine } = deps;
  return route({
    method: 'post',
    path: `${base}/stock/{skuId}/${action}`,
    response: StockResultAnswer,
    tag: 'staff',
    summary,
    auth: 'staff',
    roles: MAY.stock,
    params: StoreSkuParams,
    body,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, D.InvalidCommand],
    async handle(req, { params, body: b }: { params: z.output<typeof StoreSkuParams>; body: any }) {
      const at = Date.now();
      const who = `${req.staff!.role}:${req.staff!.staffId}`;
      const command =
        action === 'set'
          ? { type: 'set', available: b.available, reason: b.reason ?? `stocktake by ${who}`, at }
          : action === 'restock'
            ? { type: 'restock', qty: b.qty, at }
            : { type: 'set86', on: b.on, reason: b.reason ?? `86 by ${who}`, at };
      return { body: await engine.send(params.store, ActorTypes.Stock, params.skuId, command) };
    },
  });
}
