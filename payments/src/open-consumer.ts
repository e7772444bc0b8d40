/** The engine's, where the payments workers have always imported it (`@lunchrush/engine/consumer` owns it). */
export { openConsumer, type WorkerConsumer } from '@lunchrush/engine/consumer';
