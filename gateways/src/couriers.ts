/**
 * The courier integration in a gateway process (`@lunchrush/couriers`): the platform client as
 * configured (顺丰同城, or in development the local simulator, started here on a port of its own),
 * the callback checker the route uses, and the worker that dispatches. What the worker needs to
 * know of a shipment comes from here: the store's name and site from its actor, the diner's
 * address, phone and location from the sealed copy the placement wrote (the engine keeps only a
 * reference and the last digits).
 */
import { GeoPointSchema, storeOf, type CourierCreate } from '@lunchrush/actors';
import {
  CourierError,
  CourierErrorCode,
  CourierWorker,
  SfCallbacks,
  SfCityPlatform,
  SfCitySimulator,
  type Shipment,
} from '@lunchrush/couriers';
import { z } from 'zod';
import type { GatewayDeps } from './deps.js';
import { unseal } from './pii.js';

export interface Couriers {
  readonly callbacks: SfCallbacks;
  readonly worker: CourierWorker;
  /** Present with `COURIER_MODE=simulator` (development only). */
  readonly simulator: SfCitySimulator | undefined;
  stop(): Promise<void>;
}

const SealedDelivery = z.object({
  address: z.string(),
  contact: z.string(),
  phone: z.string(),
  location: GeoPointSchema.optional(),
});

async function shipmentOf(deps: GatewayDeps, ins: CourierCreate): Promise<Shipment> {
  const { engine, redis, prefix, cfg } = deps;
  const sealed = await redis.get(`${prefix}:pii:order:${ins.orderId}`);
  const to =
    sealed === null ? undefined : SealedDelivery.parse(JSON.parse(unseal(cfg.piiKeys, sealed, `order:${ins.orderId}`)));
  if (to?.location === undefined)
    throw new CourierError(CourierErrorCode.Refused, `order ${ins.orderId} has no delivery location for a rider`);
  const now = Date.now();
  const [view, load] = await Promise.all([
    storeOf(engine, ins.store).send({ type: 'get', at: now }),
    storeOf(engine, ins.store).send({ type: 'load', at: now }),
  ]);
  if (load.site === null) throw new CourierError(CourierErrorCode.Refused, `store ${ins.store} has no site on the map`);
  return {
    shopOrderId: ins.shopOrderId,
    // The store's phone is not among its settings yet: the platform calls the shop it has on file.
    from: { name: view.name, phone: '', address: load.site.address, location: load.site.location },
    to: { name: to.contact, phone: to.phone, address: to.address, location: to.location },
    totalFen: ins.totalFen,
    items: ins.items,
  };
}

/** Opens the couriers as `cfg.couriers` says; undefined with `COURIER_MODE=off` (staff deliver). */
export async function openCouriers(deps: GatewayDeps): Promise<Couriers | undefined> {
  const c = deps.cfg.couriers;
  if (c.mode === 'off') return undefined;
  let simulator: SfCitySimulator | undefined;
  let apiBase = c.apiBase;
  if (c.mode === 'simulator') {
    simulator = new SfCitySimulator({
      devId: c.devId,
      devKey: c.devKey,
      callbackUrl: () => `${deps.publicUrl()}/v1/couriers/sf/callback`,
      stepMs: c.simulatorStepMs,
      log: deps.log,
    });
    apiBase = await simulator.listen(0);
  }
  const platform = new SfCityPlatform({
    apiBase,
    devId: c.devId,
    devKey: c.devKey,
    shopId: c.shopId,
    timeoutMs: c.timeoutMs,
  });
  const worker = new CourierWorker({
    nc: deps.nc,
    namespace: deps.cfg.namespace,
    engine: deps.engine,
    platform,
    policy: c.policy,
    shipment: (ins) => shipmentOf(deps, ins),
    log: deps.log,
    registry: deps.registry,
  });
  const callbacks = new SfCallbacks({
    engine: deps.engine,
    devId: c.devId,
    devKey: c.devKey,
    signatureToleranceS: c.signatureToleranceS,
  });
  return {
    callbacks,
    worker,
    simulator,
    async stop() {
      await worker.stop();
      await simulator?.close();
    },
  };
}
