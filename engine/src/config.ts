import { DEFAULT_NAMESPACE } from './names.js';
import { DEFAULT_PARTITIONS } from './partitioning.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export { DEFAULT_NAMESPACE };
export const DEFAULT_LEASE_TTL_MS = 3_000;
export const DEFAULT_SNAPSHOT_EVERY_EVENTS = 500;
export const DEFAULT_SNAPSHOT_IDLE_MS = 5_000;
/** An idle order's snapshot is ~1–2 KB: far under this; a store or a busy SKU may pass it. */
export const DEFAULT_LOG_SNAPSHOT_MAX_BYTES = 32 * 1024;
export const DEFAULT_CHAIN_MAX_RECORDS = 4;
export const DEFAULT_PASSIVATE_AFTER_MS = 60_000;
export const DEFAULT_MAX_ACTORS_IN_MEMORY = 20_000;
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 1_000;
export const DEFAULT_MAX_PENDING_PER_PARTITION = 5_000;
export const DEFAULT_MAX_PENDING_TOTAL = 50_000;
export const DEFAULT_SHED_LAG_MS = 1_000;
export const DEFAULT_MAX_PENDING_PER_ACTOR = 10_000;
export const DEFAULT_MAX_BATCH_ENTRIES = 4_096;
export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;
export const DEFAULT_APPEND_TIMEOUT_MS = 2_000;
export const DEFAULT_APPEND_DEDUP_WINDOW_MS = 15_000;
export const DEFAULT_DEDUP_WINDOW_PER_ACTOR = 10_000;
export const DEFAULT_DEDUP_IDS_IN_SNAPSHOT = 2_000;
export const DEFAULT_DEDUP_MAX_AGE_MS = 60_000;
export const DEFAULT_DEDUP_INLINE_RESULT_BYTES = 512;
export const DEFAULT_SNAPSHOT_MIN_INTERVAL_MS = 1_000;
export const DEFAULT_METRICS_PORT = 9464;

export interface EngineConfig {
  natsUrl: string;
  /** Prefix of every subject, stream and bucket; tests use a fresh one per file. */
  namespace: string;
  partitions: number;
  /** Unique per process; defaults to host-pid-random. */
  processId: string;
  leaseTtlMs: number;
  snapshotEveryEvents: number;
  snapshotIdleMs: number;
  /**
   * Idle actors whose snapshot is at most this many bytes are snapshotted into the log, many in one
   * append; larger ones (and all, at 0) get a KV put each in the snapshot bucket.
   */
  logSnapshotMaxBytes: number;
  /**
   * An idle actor whose records since its last snapshot are at most this many is found by following
   * them back from its latest record (`LogEntry.p`) instead of a snapshot written for it (0: every
   * idle actor is snapshotted).
   */
  chainMaxRecords: number;
  passivateAfterMs: number;
  /**
   * Actors this process keeps in memory at most (0: no bound). Past it, the least recently used
   * of those that can go (nothing pending, every event in a snapshot, no state staged by another
   * actor's call still being appended) are passivated early.
   */
  maxActorsInMemory: number;
  checkpointIntervalMs: number;
  maxPendingPerPartition: number;
  /** Commands waiting or in flight in the whole process. */
  maxPendingTotal: number;
  /** Past this event-loop lag, requests are refused as overloaded before they are even decoded. */
  shedLagMs: number;
  maxPendingPerActor: number;
  maxBatchEntries: number;
  maxBatchBytes: number;
  appendTimeoutMs: number;
  /**
   * The event stream's `duplicate_window`: how long nats-server remembers an append's message id,
   * so that a retry after a lost ack is answered as a duplicate. Beyond it a retry of an append that
   * did land still cannot land twice: it fails the expected-last-subject-sequence fence and the
   * partition reloads from its log. nats-server keeps every id of the window in memory
   * (one append per partition batch: at 24,000 appends/s, 120 s grew its RSS by ~5 MB a second).
   */
  appendDedupWindowMs: number;
  /**
   * How many command ids each actor remembers for idempotency. At least the
   * commands one actor may have pending (maxPendingPerActor), so that a retry
   * racing thousands of others to a hot actor still finds its first outcome.
   */
  dedupWindowPerActor: number;
  /** Ids older than this are forgotten too, whatever the count (callers retry within their deadline). */
  dedupMaxAgeMs: number;
  /** The most recent ids also kept in snapshots (what a restart or takeover remembers beyond the replay). */
  dedupIdsInSnapshot: number;
  /**
   * Results up to this size are remembered with their ids; a larger one (a table's submit answers
   * with the whole order) is read back from its log record when its command is repeated.
   */
  dedupInlineResultBytes: number;
  /** An actor is snapshotted at most this often, however hot it is. */
  snapshotMinIntervalMs: number;
  /** JetStream replicas for the event stream and buckets (3 in a production cluster). */
  replicas: number;
  /** Partitions this process will own at most. */
  maxOwnedPartitions: number;
  /** A standby owns nothing while an active process is alive, and takes every orphaned partition when none is. */
  standby: boolean;
  /**
   * Keep V8's allocation-site pretenuring (engine/src/main.ts turns it off: it filled the old
   * generation with a command's short-lived objects).
   */
  v8Pretenuring: boolean;
  /**
   * main.ts only: the module whose `actors` export (ActorType[]) and optional
   * `outputStreams` export this process serves; empty = the engine's demo actors.
   */
  actorsModule: string;
  /** `0` disables the metrics HTTP endpoint (main.ts only). */
  metricsPort: number;
  logLevel: string;
}

const KEYS: Record<string, keyof EngineConfig> = {
  NATS_URL: 'natsUrl',
  ENGINE_NAMESPACE: 'namespace',
  ENGINE_PARTITIONS: 'partitions',
  ENGINE_PROCESS_ID: 'processId',
  ENGINE_LEASE_TTL_MS: 'leaseTtlMs',
  ENGINE_SNAPSHOT_EVERY_EVENTS: 'snapshotEveryEvents',
  ENGINE_SNAPSHOT_IDLE_MS: 'snapshotIdleMs',
  ENGINE_LOG_SNAPSHOT_MAX_BYTES: 'logSnapshotMaxBytes',
  ENGINE_CHAIN_MAX_RECORDS: 'chainMaxRecords',
  ENGINE_PASSIVATE_AFTER_MS: 'passivateAfterMs',
  ENGINE_MAX_ACTORS_IN_MEMORY: 'maxActorsInMemory',
  ENGINE_CHECKPOINT_INTERVAL_MS: 'checkpointIntervalMs',
  ENGINE_MAX_PENDING_PER_PARTITION: 'maxPendingPerPartition',
  ENGINE_MAX_PENDING_TOTAL: 'maxPendingTotal',
  ENGINE_SHED_LAG_MS: 'shedLagMs',
  ENGINE_MAX_PENDING_PER_ACTOR: 'maxPendingPerActor',
  ENGINE_MAX_BATCH_ENTRIES: 'maxBatchEntries',
  ENGINE_MAX_BATCH_BYTES: 'maxBatchBytes',
  ENGINE_APPEND_TIMEOUT_MS: 'appendTimeoutMs',
  ENGINE_APPEND_DEDUP_WINDOW_MS: 'appendDedupWindowMs',
  ENGINE_DEDUP_WINDOW_PER_ACTOR: 'dedupWindowPerActor',
  ENGINE_DEDUP_IDS_IN_SNAPSHOT: 'dedupIdsInSnapshot',
  ENGINE_DEDUP_MAX_AGE_MS: 'dedupMaxAgeMs',
  ENGINE_DEDUP_INLINE_RESULT_BYTES: 'dedupInlineResultBytes',
  ENGINE_SNAPSHOT_MIN_INTERVAL_MS: 'snapshotMinIntervalMs',
  ENGINE_REPLICAS: 'replicas',
  ENGINE_MAX_OWNED_PARTITIONS: 'maxOwnedPartitions',
  ENGINE_STANDBY: 'standby',
  ENGINE_V8_PRETENURING: 'v8Pretenuring',
  ENGINE_METRICS_PORT: 'metricsPort',
  ENGINE_ACTORS: 'actorsModule',
  LOG_LEVEL: 'logLevel',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function defaultConfig(): EngineConfig {
  return {
    natsUrl: DEFAULT_NATS_URL,
    namespace: DEFAULT_NAMESPACE,
    partitions: DEFAULT_PARTITIONS,
    processId: `engine-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    leaseTtlMs: DEFAULT_LEASE_TTL_MS,
    snapshotEveryEvents: DEFAULT_SNAPSHOT_EVERY_EVENTS,
    snapshotIdleMs: DEFAULT_SNAPSHOT_IDLE_MS,
    logSnapshotMaxBytes: DEFAULT_LOG_SNAPSHOT_MAX_BYTES,
    chainMaxRecords: DEFAULT_CHAIN_MAX_RECORDS,
    passivateAfterMs: DEFAULT_PASSIVATE_AFTER_MS,
    maxActorsInMemory: DEFAULT_MAX_ACTORS_IN_MEMORY,
    checkpointIntervalMs: DEFAULT_CHECKPOINT_INTERVAL_MS,
    maxPendingPerPartition: DEFAULT_MAX_PENDING_PER_PARTITION,
    maxPendingTotal: DEFAULT_MAX_PENDING_TOTAL,
    shedLagMs: DEFAULT_SHED_LAG_MS,
    maxPendingPerActor: DEFAULT_MAX_PENDING_PER_ACTOR,
    maxBatchEntries: DEFAULT_MAX_BATCH_ENTRIES,
    maxBatchBytes: DEFAULT_MAX_BATCH_BYTES,
    appendTimeoutMs: DEFAULT_APPEND_TIMEOUT_MS,
    appendDedupWindowMs: DEFAULT_APPEND_DEDUP_WINDOW_MS,
    dedupWindowPerActor: DEFAULT_DEDUP_WINDOW_PER_ACTOR,
    dedupIdsInSnapshot: DEFAULT_DEDUP_IDS_IN_SNAPSHOT,
    dedupMaxAgeMs: DEFAULT_DEDUP_MAX_AGE_MS,
    dedupInlineResultBytes: DEFAULT_DEDUP_INLINE_RESULT_BYTES,
    snapshotMinIntervalMs: DEFAULT_SNAPSHOT_MIN_INTERVAL_MS,
    replicas: 1,
    maxOwnedPartitions: Number.MAX_SAFE_INTEGER,
    standby: false,
    v8Pretenuring: false,
    metricsPort: DEFAULT_METRICS_PORT,
    actorsModule: '',
    logLevel: 'info',
  };
}

/** Validates the whole config eagerly; throws a ConfigError naming the offending field. */
export function validateConfig(c: EngineConfig): EngineConfig {
  const intAtLeast = (field: keyof EngineConfig, min: number): void => {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new ConfigError(`${field} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  };
  intAtLeast('partitions', 1);
  intAtLeast('leaseTtlMs', 300);
  intAtLeast('snapshotEveryEvents', 1);
  intAtLeast('snapshotIdleMs', 10);
  intAtLeast('logSnapshotMaxBytes', 0);
  if (c.logSnapshotMaxBytes > 256 * 1024) {
    throw new ConfigError(
      `logSnapshotMaxBytes must be at most 262144 (a record holds several), got ${c.logSnapshotMaxBytes}`,
    );
  }
  intAtLeast('chainMaxRecords', 0);
  if (c.chainMaxRecords > 64) throw new ConfigError(`chainMaxRecords must be at most 64, got ${c.chainMaxRecords}`);
  intAtLeast('passivateAfterMs', 10);
  intAtLeast('maxActorsInMemory', 0);
  intAtLeast('checkpointIntervalMs', 10);
  intAtLeast('maxPendingPerPartition', 1);
  intAtLeast('maxPendingTotal', 1);
  intAtLeast('shedLagMs', 1);
  intAtLeast('maxPendingPerActor', 1);
  intAtLeast('maxBatchEntries', 1);
  intAtLeast('maxBatchBytes', 1024);
  intAtLeast('appendTimeoutMs', 50);
  intAtLeast('appendDedupWindowMs', 1_000);
  if (c.appendDedupWindowMs < 2 * c.appendTimeoutMs) {
    // A retry comes after a timed-out attempt; the window must still hold the first attempt's id.
    throw new ConfigError(
      `appendDedupWindowMs (${c.appendDedupWindowMs}) must be at least twice appendTimeoutMs (${c.appendTimeoutMs})`,
    );
  }
  intAtLeast('dedupWindowPerActor', 0);
  intAtLeast('dedupIdsInSnapshot', 0);
  intAtLeast('dedupMaxAgeMs', 1);
  intAtLeast('dedupInlineResultBytes', 0);
  intAtLeast('snapshotMinIntervalMs', 0);
  intAtLeast('replicas', 1);
  intAtLeast('maxOwnedPartitions', 0);
  intAtLeast('metricsPort', 0);
  if (!/^[a-z][a-z0-9]{0,31}$/.test(c.namespace)) {
    throw new ConfigError(`namespace must match [a-z][a-z0-9]{0,31}, got ${JSON.stringify(c.namespace)}`);
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(c.processId)) throw new ConfigError(`processId must match [A-Za-z0-9_-]{1,64}`);
  if (!/^(nats|tls|ws|wss):\/\//.test(c.natsUrl.split(',')[0] ?? ''))
    throw new ConfigError(`NATS_URL must be a nats:// URL, got ${c.natsUrl}`);
  return c;
}

/**
 * Reads the engine's variables from the environment. Unknown `ENGINE_*`
 * variables are refused so a typo fails at start-up instead of being ignored.
 */
export function parseConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<EngineConfig> = {}): EngineConfig {
  const c = defaultConfig();
  for (const name of Object.keys(env)) {
    if (name.startsWith('ENGINE_') && !(name in KEYS)) {
      throw new ConfigError(
        `unknown variable ${name}; known: ${Object.keys(KEYS)
          .filter((k) => k.startsWith('ENGINE_'))
          .join(', ')}`,
      );
    }
  }
  for (const [name, field] of Object.entries(KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const current = c[field];
    if (typeof current === 'boolean') {
      if (!/^(1|0|true|false|yes|no)$/i.test(raw))
        throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
      (c as unknown as Record<string, unknown>)[field] = /^(1|true|yes)$/i.test(raw);
    } else if (typeof current === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(raw)}`);
      (c as unknown as Record<string, unknown>)[field] = n;
    } else {
      (c as unknown as Record<string, unknown>)[field] = raw;
    }
  }
  return validateConfig({ ...c, ...overrides });
}
