/**
 * The console's menu editor and store settings: one dish (SPU with its SKUs, options,
 * allergens, prep time, channels, windows, images) at a time, a SKU's store price (the
 * price editor, managers only), a dish switched on or off, and the store's name, hours,
 * payment timeout, open/closed and busy. Each is one command to the store's catalog or
 * store actor; a menu change is announced so every gateway renews its menu copy.
 */
import { STAFF_PERMISSIONS as MAY, type CatalogCommand } from '@lunchrush/actors';
import { storeDirectoryOf } from '@lunchrush/actors/staff';
import type { z } from 'zod';
import { StoreViewAnswer } from '../answers.js';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS } from '../errors.js';
import { route, type Route } from '../http.js';
import { StoreParams, StoreSkuParams } from '../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, STAFF_ERRORS } from '../routes/staff/common.js';
import {
  AvailabilityBody,
  PriceBody,
  RevAnswer,
  SpuBody,
  StoreSettingsBody,
  StoreSpuParams,
  StoreStateBody,
} from './schemas.js';

/** The catalog's changes the editor makes: each answers the catalog's revision. */
type MenuChange = Extract<CatalogCommand, { type: 'upsertSpu' | 'setPrice' | 'setAvailability' }>;

const CATALOG_ERRORS = ['invalid_command', 'unknown_sku', 'unknown_spu', 'catalog_conflict'] as const;

export function menuRoutes(deps: GatewayDeps): Route[] {
  return [
    catalogChange(
      deps,
      'put',
      `${base}/menu/spus/{spuId}`,
      'Add or replace a dish of the store',
      StoreSpuParams,
      SpuBody,
      (p, b, at) => ({
        type: 'upsertSpu',
        spu: { ...b, spuId: p.spuId },
        at,
      }),
    ),
    catalogChange(
      deps,
      'post',
      `${base}/menu/skus/{skuId}/price`,
      "Change a SKU's price in this store (null: back to the chain's)",
      StoreSkuParams,
      PriceBody,
      (p, b, at) => ({ type: 'setPrice', skuId: p.skuId, priceFen: b.priceFen, at }),
    ),
    catalogChange(
      deps,
      'post',
      `${base}/menu/spus/{spuId}/availability`,
      'Switch a dish on or off (上架/下架; null: back to the chain’s switch)',
      StoreSpuParams,
      AvailabilityBody,
      (p, b, at) => ({ type: 'setAvailability', spuId: p.spuId, available: b.available, at }),
    ),
    storeView(deps),
    storeSettings(deps),
    storeState(deps),
  ];
}

function catalogChange<P extends { store: string }, B>(
  deps: GatewayDeps,
  method: 'put' | 'post',
  path: string,
  summary: string,
  params: z.ZodType<P>,
  body: z.ZodType<B>,
  command: (p: P, b: B, at: number) => MenuChange,
): Route {
  return route({
    method,
    path,
    response: RevAnswer,
    tag: 'console',
    summary,
    auth: 'staff',
    roles: MAY.setup,
    params: params as unknown as z.ZodObject,
    body,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, ...CATALOG_ERRORS],
    async handle(_req, input: { params: P; body: B }) {
      const r = await deps.engine.catalog(input.params.store).send(command(input.params, input.body, Date.now()));
      deps.menu.announce(deps.nc, deps.cfg.namespace, input.params.store, r.rev);
      return { body: { rev: r.rev } };
    },
  });
}

function storeView(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: `${base}/settings`,
    response: StoreViewAnswer,
    tag: 'console',
    summary: "The store's settings and state (hours, payment timeout, open, busy)",
    auth: 'staff',
    roles: MAY.view,
    params: StoreParams,
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      return { body: await deps.engine.store(params.store).send({ type: 'get', at: Date.now() }) };
    },
  });
}

function storeSettings(deps: GatewayDeps): Route {
  return route({
    method: 'put',
    path: `${base}/settings`,
    response: StoreViewAnswer,
    tag: 'console',
    summary: "Change the store's name, hours, time zone, payment timeout and busy threshold",
    auth: 'staff',
    roles: MAY.setup,
    params: StoreParams,
    body: StoreSettingsBody,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, 'invalid_command', 'store_not_configured'],
    async handle(
      _req,
      { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof StoreSettingsBody> },
    ) {
      const at = Date.now();
      const view = await deps.engine.store(params.store).send({ type: 'updateSettings', patch: body, at });
      // The chain's list of stores (the console's picker) follows a new name.
      if (body.name !== undefined)
        await storeDirectoryOf(deps.engine).send({ type: 'add', store: params.store, name: view.name, at });
      return { body: view };
    },
  });
}

function storeState(deps: GatewayDeps): Route {
  return route({
    method: 'post',
    path: `${base}/state`,
    response: StoreViewAnswer,
    tag: 'console',
    summary: 'Open or close the store, or switch busy on or off',
    auth: 'staff',
    roles: MAY.setup,
    params: StoreParams,
    body: StoreStateBody,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, 'invalid_transition', 'store_not_configured'],
    async handle(
      _req,
      { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof StoreStateBody> },
    ) {
      const h = deps.engine.store(params.store);
      const at = Date.now();
      let view = await h.send({ type: 'get', at });
      if (body.open !== undefined) view = await h.send({ type: body.open ? 'open' : 'close', at });
      if (body.busy !== undefined) view = await h.send({ type: 'setBusy', busy: body.busy, at });
      return { body: view };
    },
  });
}
