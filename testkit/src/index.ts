export { DEFAULT_NATS_URL, DEFAULT_REDIS_URL, natsUrl, redisUrl } from './env.js';
export { uniqueNamespace } from './namespace.js';
export { cleanupNamespace, connectNats, jetstreamAcknowledges, leaseOwners } from './nats.js';
export { cleanupRedisPrefix, connectRedis } from './redis.js';
export { setup } from './setup.js';
export type { SetupOptions, TestContext } from './setup.js';
export { natsServerBinary, startNatsCluster, startNatsServer, waitForClusterJetStream } from './nats-server.js';
export type {
  NatsClusterHandle,
  NatsClusterOptions,
  NatsServerHandle,
  StartNatsClusterOptions,
  StartNatsServerOptions,
} from './nats-server.js';
export { COMPILED_CONDITION, ChildProcessHandle, REPO_ROOT, entryArgs, spawnTs } from './child.js';
export type { ChildExit, HandleOptions, OutputLine, SpawnTsOptions, WaitForLineOptions } from './child.js';
export { waitFor } from './wait.js';
export type { WaitForOptions } from './wait.js';
export { freePort } from './ports.js';
export { getOnNewConnection } from './http.js';
export { atExit, trackChild } from './processes.js';
export { TEST_LOG_DIR, testLogFile, testLogger } from './logs.js';
export { boxedOnCanvas, boxedText, cjkFonts, hasCjkFont } from './glyphs.js';
export type { BoxedText, GlyphPage } from './glyphs.js';
