/** The engine's, where the payments workers have always imported it (`@lunchrush/engine/consumer` owns it). */
export { keepConsuming } from '@lunchrush/engine/consumer';
