/**
 * `@lunchrush/couriers`: delivery orders to a courier platform and back. The worker turns a
 * delivery actor's instructions (`couriers.<store>`) into the platform's signed API calls, the
 * callbacks turn the platform's signed status pushes into the delivery's steps, and a local
 * simulator of the platform signs and moves riders like the real one.
 */
export {
  COURIER_VARIABLES,
  CourierConfigError,
  DEFAULT_COURIER_ACCEPT_TIMEOUT_MS,
  DEFAULT_COURIER_ARRIVE_TIMEOUT_MS,
  DEFAULT_COURIER_MAX_ATTEMPTS,
  DEFAULT_COURIER_MAX_TIPS,
  DEFAULT_COURIER_SIGNATURE_TOLERANCE_S,
  DEFAULT_COURIER_SIMULATOR_STEP_MS,
  DEFAULT_COURIER_TIP_STEP_FEN,
  parseCourierConfig,
} from './config.js';
export type { CourierConfig } from './config.js';
export { COURIER_ERRORS, CourierError, CourierErrorCode } from './errors.js';
export type { CourierErrorSpec } from './errors.js';
export type { CourierPlatform, Place, PlatformOrder, Shipment } from './platform.js';
export { SfCallbacks } from './callbacks.js';
export type { CallbackOutcome, CallbackOptions } from './callbacks.js';
export { SfCityPlatform } from './sf-api.js';
export type { SfCityOptions } from './sf-api.js';
export { SF_CALLBACK_OK, SfCallbackSchema, SfStatus, courierStatusOf } from './sf-protocol.js';
export type { SfCallback } from './sf-protocol.js';
export { sfSign, sfVerify } from './sf-sign.js';
export { SfCitySimulator } from './simulator.js';
export type { RiderBehaviour, SentCallback, SimulatorOptions } from './simulator.js';
export { COURIER_CONSUMER, CourierWorker, MAX_DELIVERIES } from './worker.js';
export type { CourierWorkerOptions } from './worker.js';
