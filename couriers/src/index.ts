/**
 * `@lunchrush/couriers`: delivery orders to a courier platform and back. The worker turns a
 * delivery actor's instructions (`couriers.<store>`) into the platform's signed API calls, the
 * callbacks turn the platform's signed status pushes into the delivery's steps, and a local
 * simulator of the platform signs and moves riders like the real one. 顺丰同城 (`Sf*`) and 达达
 * (`Dada*`) have the same shape.
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
export type { CallbackOptions } from './callbacks.js';
export type { CallbackOutcome, CourierStep } from './courier-step.js';
export { SfCityPlatform } from './sf-api.js';
export type { SfCityOptions } from './sf-api.js';
export { SF_CALLBACK_OK, SfCallbackSchema, SfStatus, courierStatusOf } from './sf-protocol.js';
export type { SfCallback } from './sf-protocol.js';
export { sfSign, sfVerify } from './sf-sign.js';
export { SfCitySimulator } from './simulator.js';
export type { RiderBehaviour, SimulatorOptions } from './simulator.js';
export type { SentCallback } from './simulated-platform.js';
export { COURIER_CONSUMER, CourierWorker, MAX_DELIVERIES } from './worker.js';
export { DadaPlatform } from './dada-api.js';
export type { DadaOptions } from './dada-api.js';
export { DadaCallbacks } from './dada-callbacks.js';
export type { DadaCallbackOptions, DadaStep } from './dada-callbacks.js';
export { DADA_NO_ORDER, DadaCallbackSchema, DadaStatus, dadaCourierStatus } from './dada-protocol.js';
export type { DadaCallback, DadaOrderStatus } from './dada-protocol.js';
export { dadaCallbackSign, dadaCallbackVerify, dadaSign, dadaVerify } from './dada-sign.js';
export type { DadaSystemParams } from './dada-sign.js';
export { DadaSimulator } from './dada-simulator.js';
export type { DadaSimulatorOptions } from './dada-simulator.js';
export type { CourierWorkerOptions } from './worker.js';
