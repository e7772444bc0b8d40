/**
 * A store's stock for staff: a SKU's levels, a stocktake, a restock, and 86ing a SKU (every
 * channel sees it sold out) or bringing it back.
 */
import { ErrorCode as D, STAFF_PERMISSIONS as MAY, type StockCommand } from '@lunchrush/actors';
import type { z } from 'zod';
import { StockResultAnswer, StockViewAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS } from '../../errors.js';
import type { Route } from '../../http.js';
import { EightySixBody, RestockBody, StockSetBody, StoreSkuParams } from '../../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, staffRoute } from './common.js';

export function stockRoutes(deps: GatewayDeps): Route[] {
  return [
    stockView(deps),
    stockAction(deps, 'set', 'Stocktake: set the available count', StockSetBody, (b, who, at) => ({
      type: 'set',
      available: b.available,
      reason: b.reason ?? `stocktake by ${who}`,
      at,
    })),
    stockAction(deps, 'restock', 'Add units', RestockBody, (b, _who, at) => ({ type: 'restock', qty: b.qty, at })),
    stockAction(
      deps,
      '86',
      '86 a SKU (every channel sees it sold out) or bring it back with on: false',
      EightySixBody,
      (b, who, at) => ({ type: 'set86', on: b.on, reason: b.reason ?? `86 by ${who}`, at }),
    ),
  ];
}

/** `GET …/stock/{skuId}`. */
function stockView(deps: GatewayDeps): Route {
  const { engine } = deps;
  return staffRoute({
    method: 'get',
    path: `${base}/stock/{skuId}`,
    response: StockViewAnswer,
    summary: 'A SKU: available, reserved, sold, level, 86',
    roles: MAY.view,
    params: StoreSkuParams,
    errors: [...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreSkuParams> }) {
      return { body: await engine.stock(params.store, params.skuId).send({ type: 'get' }) };
    },
  });
}

/** `POST …/stock/{skuId}/{action}`: one command to the SKU's stock actor. */
function stockAction<B>(
  deps: GatewayDeps,
  action: 'set' | 'restock' | '86',
  summary: string,
  body: z.ZodType<B>,
  command: (b: B, who: string, at: number) => StockCommand,
): Route {
  const { engine } = deps;
  return staffRoute({
    method: 'post',
    path: `${base}/stock/{skuId}/${action}`,
    response: StockResultAnswer,
    summary,
    roles: MAY.stock,
    params: StoreSkuParams,
    body,
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.InvalidCommand],
    async handle(req, { params, body: b }: { params: z.output<typeof StoreSkuParams>; body: B }) {
      const at = Date.now();
      const who = `${req.staff!.role}:${req.staff!.staffId}`;
      return { body: await engine.stock(params.store, params.skuId).send(command(b, who, at)) };
    },
  });
}
