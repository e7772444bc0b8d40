/**
 * `parseConfig(env)`: every variable the analytics service reads, validated at
 * start-up. Unknown `ANALYTICS_*` and `CLICKHOUSE_*` variables are refused so a
 * typo never silently falls back to a default.
 */
import path from 'node:path';
import { DEFAULT_NAMESPACE } from '@lunchrush/engine/names';
import { AnalyticsError, ErrorCode } from './errors.js';

export { DEFAULT_NAMESPACE };
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_DURABLE = 'analytics';
export const DEFAULT_BATCH_MAX_EVENTS = 100_000;
export const DEFAULT_BATCH_MAX_BYTES = 32 * 1024 * 1024;
export const DEFAULT_BATCH_MAX_WAIT_MS = 500;
export const DEFAULT_MAX_ACK_PENDING = 60_000;
export const DEFAULT_ACK_WAIT_MS = 60_000;
export const DEFAULT_CHDB_PATH = '.data/chdb';
export const DEFAULT_HTTP_PORT = 9470;
export const DEFAULT_HTTP_HOST = '127.0.0.1';

export interface AnalyticsConfig {
  natsUrl: string;
  /** The engine namespace whose `<NS>_EVENTS` stream is read (and where the history stream is, `sources.ts`). */
  namespace: string;
  /** Durable consumer name on the events stream. */
  durable: string;
  /** A batch is inserted when it holds this many events… */
  batchMaxEvents: number;
  /** …or this many bytes of JetStream payload… */
  batchMaxBytes: number;
  /** …or its first message has waited this long (and no insert is running: then right after it). */
  batchMaxWaitMs: number;
  maxAckPending: number;
  ackWaitMs: number;
  /** Set: a ClickHouse server over HTTP(S). Unset: chDB, embedded, at `chdbPath`. */
  clickhouseUrl: string;
  clickhouseUser: string;
  clickhousePassword: string;
  clickhouseDatabase: string;
  /** The server path's read-only user for raw SQL (its profile sets readonly=1). */
  clickhouseReadonlyUser: string;
  clickhouseReadonlyPassword: string;
  chdbPath: string;
  httpPort: number;
  httpHost: string;
  /** `serve` retrains the recommendation models and publishes them this often; 0: never (run `recommend-train`). */
  recoTrainEveryS: number;
  logLevel: string;
}

const KEYS: Record<string, keyof AnalyticsConfig> = {
  NATS_URL: 'natsUrl',
  ANALYTICS_NAMESPACE: 'namespace',
  ANALYTICS_DURABLE: 'durable',
  ANALYTICS_BATCH_MAX_EVENTS: 'batchMaxEvents',
  ANALYTICS_BATCH_MAX_BYTES: 'batchMaxBytes',
  ANALYTICS_BATCH_MAX_WAIT_MS: 'batchMaxWaitMs',
  ANALYTICS_MAX_ACK_PENDING: 'maxAckPending',
  ANALYTICS_ACK_WAIT_MS: 'ackWaitMs',
  ANALYTICS_CHDB_PATH: 'chdbPath',
  ANALYTICS_HTTP_PORT: 'httpPort',
  ANALYTICS_HTTP_HOST: 'httpHost',
  ANALYTICS_RECO_TRAIN_EVERY_S: 'recoTrainEveryS',
  CLICKHOUSE_URL: 'clickhouseUrl',
  CLICKHOUSE_USER: 'clickhouseUser',
  CLICKHOUSE_PASSWORD: 'clickhousePassword',
  CLICKHOUSE_DATABASE: 'clickhouseDatabase',
  CLICKHOUSE_READONLY_USER: 'clickhouseReadonlyUser',
  CLICKHOUSE_READONLY_PASSWORD: 'clickhouseReadonlyPassword',
  LOG_LEVEL: 'logLevel',
};

const NUMERIC: ReadonlySet<keyof AnalyticsConfig> = new Set([
  'batchMaxEvents',
  'batchMaxBytes',
  'batchMaxWaitMs',
  'maxAckPending',
  'ackWaitMs',
  'httpPort',
  'recoTrainEveryS',
]);

export function defaultConfig(): AnalyticsConfig {
  return {
    natsUrl: DEFAULT_NATS_URL,
    namespace: DEFAULT_NAMESPACE,
    durable: DEFAULT_DURABLE,
    batchMaxEvents: DEFAULT_BATCH_MAX_EVENTS,
    batchMaxBytes: DEFAULT_BATCH_MAX_BYTES,
    batchMaxWaitMs: DEFAULT_BATCH_MAX_WAIT_MS,
    maxAckPending: DEFAULT_MAX_ACK_PENDING,
    ackWaitMs: DEFAULT_ACK_WAIT_MS,
    clickhouseUrl: '',
    clickhouseUser: 'default',
    clickhousePassword: '',
    clickhouseDatabase: 'default',
    clickhouseReadonlyUser: '',
    clickhouseReadonlyPassword: '',
    chdbPath: DEFAULT_CHDB_PATH,
    httpPort: DEFAULT_HTTP_PORT,
    httpHost: DEFAULT_HTTP_HOST,
    recoTrainEveryS: 0,
    logLevel: 'info',
  };
}

/**
 * Reads the environment (and `overrides`, which win). The namespace falls back
 * to `ENGINE_NAMESPACE` so analytics follows the engine it sits beside.
 */
export function parseConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AnalyticsConfig> = {},
): AnalyticsConfig {
  const cfg = defaultConfig();
  const out = cfg as unknown as Record<string, string | number>;
  if (env.ENGINE_NAMESPACE !== undefined && env.ENGINE_NAMESPACE !== '') cfg.namespace = env.ENGINE_NAMESPACE;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const key = KEYS[name];
    if (key === undefined) {
      if (name.startsWith('ANALYTICS_') || name.startsWith('CLICKHOUSE_'))
        throw new AnalyticsError(ErrorCode.Config, `unknown variable ${name}`);
      continue;
    }
    if (NUMERIC.has(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || (n === 0 && key !== 'httpPort' && key !== 'recoTrainEveryS'))
        throw new AnalyticsError(ErrorCode.Config, `${name} must be a positive integer, got "${value}"`);
      out[key] = n;
    } else {
      out[key] = value;
    }
  }
  Object.assign(cfg, overrides);
  if (!/^[a-z0-9]{1,32}$/.test(cfg.namespace))
    throw new AnalyticsError(
      ErrorCode.Config,
      `ANALYTICS_NAMESPACE must be lowercase letters and digits, got "${cfg.namespace}"`,
    );
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cfg.durable))
    throw new AnalyticsError(
      ErrorCode.Config,
      `ANALYTICS_DURABLE must match [A-Za-z0-9_-]{1,64}, got "${cfg.durable}"`,
    );
  if (cfg.clickhouseUrl !== '') {
    try {
      new URL(cfg.clickhouseUrl);
    } catch {
      throw new AnalyticsError(ErrorCode.Config, `CLICKHOUSE_URL is not a URL: "${cfg.clickhouseUrl}"`);
    }
  }
  cfg.chdbPath = path.resolve(cfg.chdbPath);
  return cfg;
}
