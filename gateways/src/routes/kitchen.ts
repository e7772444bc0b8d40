/**
 * The kitchen load over HTTP: the quoted wait diners see before they order (`GET
 * /v1/stores/{store}/wait`, no login, like the menu), the load staff see, and the staff
 * override of admission control (pause or keep open a station or delivery, or hand it back to
 * the load). The store actor decides all of it (actors/src/kitchen-load.ts).
 */
import { AdmissionTargetSchema, ErrorCode as D, OverrideModeSchema, STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../errors.js';
import { route, type Route } from '../http.js';
import { KitchenWaitAnswer, StoreLoadAnswer } from '../kitchen-answers.js';
import { StoreParams } from '../schemas.js';
import { INPUT_ERRORS } from './diner/common.js';
import { BODY_ERRORS, STAFF_BASE as base, staffRoute } from './staff/common.js';

export const AdmissionOverrideBody = z.strictObject({ target: AdmissionTargetSchema, mode: OverrideModeSchema });

export function kitchenRoutes(deps: GatewayDeps): Route[] {
  return [waitRoute(deps)];
}

/** Staff routes (audited with the others: the override changes something). */
export function staffKitchenRoutes(deps: GatewayDeps): Route[] {
  return [loadRoute(deps), overrideRoute(deps)];
}

function waitRoute(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: '/v1/stores/{store}/wait',
    response: KitchenWaitAnswer,
    tag: 'diner',
    summary: "The store's quoted wait for a new order, and what its kitchen has paused",
    description:
      "The quote is the slowest station's: the longest of the base preparation time, the queue at the pace the station bumps tickets, and the age of its oldest open ticket. A backed-up kitchen pauses its slowest stations (their dishes are refused with station_paused), then delivery (channel_paused).",
    auth: 'none',
    params: StoreParams,
    errors: [D.StoreNotConfigured, ErrorCode.RateLimited, ...INPUT_ERRORS, ...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      const at = Date.now();
      const { kitchen: k } = await deps.engine.store(params.store).send({ type: 'load', at });
      const body: z.output<typeof KitchenWaitAnswer> = {
        store: params.store,
        at,
        quotedWaitMin: k.quoteMin,
        kitchen: k.level,
        deliveryPaused: k.deliveryPaused,
        pausedStations: k.stations.filter((s) => s.paused).map((s) => s.station),
      };
      return { body };
    },
  });
}

function loadRoute(deps: GatewayDeps): Route {
  return staffRoute({
    method: 'get',
    path: `${base}/kitchen`,
    response: StoreLoadAnswer,
    summary: 'The kitchen load: per station open tickets, oldest age, bumps per minute, quote, paused; overrides',
    roles: MAY.view,
    params: StoreParams,
    errors: [...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      return { body: await deps.engine.store(params.store).send({ type: 'load', at: Date.now() }) };
    },
  });
}

function overrideRoute(deps: GatewayDeps): Route {
  return staffRoute({
    method: 'post',
    path: `${base}/kitchen/admission`,
    response: StoreLoadAnswer,
    summary: 'Keep a station or delivery open, pause it, or hand it back to the load (mode auto)',
    roles: MAY.stock,
    params: StoreParams,
    body: AdmissionOverrideBody,
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.InvalidCommand],
    async handle(
      _req,
      { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof AdmissionOverrideBody> },
    ) {
      const store = deps.engine.store(params.store);
      const at = Date.now();
      await store.send({ type: 'overrideAdmission', target: body.target, mode: body.mode, at });
      return { body: await store.send({ type: 'load', at }) };
    },
  });
}
