export { defineActor, isRejection, reject } from './decider.js';
export type {
  ActorRef,
  ActorType,
  CallOutcome,
  DecideContext,
  Decision,
  ParseOutcome,
  Rejection,
  SideOutput,
  SnapshotCodec,
  TimerSpec,
} from './decider.js';
export { EngineError, ErrorCode, ensureError, isRetryableCode } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export { MemoryRuntime, replay } from './memory.js';
export type { MemoryOutcome } from './memory.js';
export { DEFAULT_PARTITIONS, partitionOf, isValidId, names } from './partitioning.js';
export type { Names } from './partitioning.js';
export { encode, decode } from './codec.js';
export { TAGS_HEADER } from './request-window.js';
export type { LogEntry, BatchRecord, FenceRecord, PartitionRecord } from './record.js';
export { Engine } from './engine.js';
export type { EngineOptions, LocalEngine, OutputStream } from './engine.js';
export { EngineClient } from './client.js';
export { LinkedEngine, serveThreadLink } from './thread-link.js';
export type { EngineClientOptions, RouteCounts, SendOptions } from './client.js';
export { parseConfig, ConfigError } from './config.js';
export type { EngineConfig } from './config.js';
export { envWholeNumber } from './env.js';
export { EngineMetrics } from './metrics.js';
export { serveEngineEndpoints } from './http-endpoints.js';
