/**
 * The daemon's process configuration, from the environment. Per-store printer
 * settings are not here: they live in the `<ns>_printers` KV bucket (store-config.ts).
 */
import { wire } from '@lunchrush/actors/wire';
import { DEFAULT_NAMESPACE } from '@lunchrush/engine/names';
import { ConfigError } from './errors.js';

export { DEFAULT_NAMESPACE };
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_CONSUMER = 'printer-daemon';
export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_MAX_ACK_PENDING = 20_000;
export const DEFAULT_START_LOOKBACK_MS = 24 * 3_600_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
export const DEFAULT_STATUS_TIMEOUT_MS = 1_000;
export const DEFAULT_PRINT_TIMEOUT_MS = 30_000;
export const DEFAULT_POLL_MS = 500;
export const DEFAULT_RETRY_MS = 1_000;
export const DEFAULT_IDLE_PROBE_MS = 10_000;
export const DEFAULT_JOB_TTL_MS = 7 * 24 * 3_600_000;

export interface DaemonConfig {
  natsUrl: string;
  /** Prefix of subjects, the kitchen stream `<NS>_KITCHEN` and the buckets; the engine's namespace. */
  namespace: string;
  /** Durable consumer name on the kitchen stream. */
  consumer: string;
  /** Only this store's tickets (one daemon per store); empty = every store. */
  store: string;
  ackWaitMs: number;
  /** Tickets delivered and not yet printed, across all printers: the bound on held tickets. */
  maxAckPending: number;
  /** When the durable consumer is first created, start this far back (0 = the whole stream). */
  startLookbackMs: number;
  connectTimeoutMs: number;
  statusTimeoutMs: number;
  /** Longest wait for a printer to process one ticket (its `GS r` answer). */
  printTimeoutMs: number;
  /** Status polling while a ticket is being printed. */
  pollMs: number;
  /** Pause between attempts on a failing printer. */
  retryMs: number;
  /** Status probe of an idle printer (alarms for paper out before the next ticket). */
  idleProbeMs: number;
  /** How long "printing"/"printed" records are kept. */
  jobTtlMs: number;
  replicas: number;
  /** Prometheus `/metrics` and `/healthz` (alarms, printers out of paper); 0: not served. */
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
}

const KEYS: Record<string, keyof DaemonConfig> = {
  NATS_URL: 'natsUrl',
  PRINTER_NAMESPACE: 'namespace',
  PRINTER_CONSUMER: 'consumer',
  PRINTER_STORE: 'store',
  PRINTER_ACK_WAIT_MS: 'ackWaitMs',
  PRINTER_MAX_ACK_PENDING: 'maxAckPending',
  PRINTER_START_LOOKBACK_MS: 'startLookbackMs',
  PRINTER_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  PRINTER_STATUS_TIMEOUT_MS: 'statusTimeoutMs',
  PRINTER_PRINT_TIMEOUT_MS: 'printTimeoutMs',
  PRINTER_POLL_MS: 'pollMs',
  PRINTER_RETRY_MS: 'retryMs',
  PRINTER_IDLE_PROBE_MS: 'idleProbeMs',
  PRINTER_JOB_TTL_MS: 'jobTtlMs',
  PRINTER_REPLICAS: 'replicas',
  PRINTER_METRICS_PORT: 'metricsPort',
  PRINTER_METRICS_HOST: 'metricsHost',
  LOG_LEVEL: 'logLevel',
};

/** The environment variable of each field, for error messages and the README. */
export const ENV_OF: Readonly<Record<keyof DaemonConfig, string>> = Object.fromEntries(
  Object.entries(KEYS).map(([env, field]) => [field, env]),
) as Record<keyof DaemonConfig, string>;

export function defaultConfig(): DaemonConfig {
  return {
    natsUrl: DEFAULT_NATS_URL,
    namespace: DEFAULT_NAMESPACE,
    consumer: DEFAULT_CONSUMER,
    store: '',
    ackWaitMs: DEFAULT_ACK_WAIT_MS,
    maxAckPending: DEFAULT_MAX_ACK_PENDING,
    startLookbackMs: DEFAULT_START_LOOKBACK_MS,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    statusTimeoutMs: DEFAULT_STATUS_TIMEOUT_MS,
    printTimeoutMs: DEFAULT_PRINT_TIMEOUT_MS,
    pollMs: DEFAULT_POLL_MS,
    retryMs: DEFAULT_RETRY_MS,
    idleProbeMs: DEFAULT_IDLE_PROBE_MS,
    jobTtlMs: DEFAULT_JOB_TTL_MS,
    replicas: 1,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'info',
  };
}

const INT_MIN: Partial<Record<keyof DaemonConfig, number>> = {
  ackWaitMs: 1_000,
  maxAckPending: 1,
  startLookbackMs: 0,
  connectTimeoutMs: 10,
  statusTimeoutMs: 10,
  printTimeoutMs: 100,
  pollMs: 10,
  retryMs: 10,
  idleProbeMs: 100,
  jobTtlMs: 60_000,
  replicas: 1,
  metricsPort: 0,
};

/**
 * Reads `NATS_URL`, `PRINTER_*` and `LOG_LEVEL`. Validates eagerly: an unknown
 * `PRINTER_*` variable or a bad value fails start-up with the variable's name.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>> = process.env): DaemonConfig {
  const cfg = defaultConfig();
  const target = cfg as unknown as Record<string, string | number>;
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined) continue;
    const field = KEYS[name];
    if (field === undefined) {
      if (name.startsWith('PRINTER_')) {
        throw new ConfigError(`unknown variable ${name} (known: ${Object.keys(KEYS).join(', ')})`);
      }
      continue;
    }
    const min = INT_MIN[field];
    if (min === undefined) {
      target[field] = raw.trim();
      continue;
    }
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new ConfigError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
    }
    target[field] = n;
  }
  if (!/^[a-z][a-z0-9]{0,31}$/.test(cfg.namespace)) {
    throw new ConfigError(`PRINTER_NAMESPACE must match [a-z][a-z0-9]{0,31}, got ${JSON.stringify(cfg.namespace)}`);
  }
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cfg.consumer)) {
    throw new ConfigError(`PRINTER_CONSUMER must match [A-Za-z0-9_-]{1,64}, got ${JSON.stringify(cfg.consumer)}`);
  }
  if (cfg.store !== '' && !/^[A-Za-z0-9_-]{1,64}$/.test(cfg.store)) {
    throw new ConfigError(`PRINTER_STORE must be a store id, got ${JSON.stringify(cfg.store)}`);
  }
  if (!/^(nats|tls|ws|wss):\/\//.test(cfg.natsUrl.split(',')[0] ?? '')) {
    throw new ConfigError(`NATS_URL must be a nats:// URL, got ${JSON.stringify(cfg.natsUrl)}`);
  }
  if (cfg.metricsPort > 65_535) {
    throw new ConfigError(`PRINTER_METRICS_PORT must be a port (0 for none), got ${cfg.metricsPort}`);
  }
  if (cfg.pollMs >= cfg.printTimeoutMs) {
    throw new ConfigError(
      `PRINTER_POLL_MS (${cfg.pollMs}) must be below PRINTER_PRINT_TIMEOUT_MS (${cfg.printTimeoutMs})`,
    );
  }
  return cfg;
}

/**
 * Subjects, stream and bucket names of one namespace: the kitchen stream, its subjects and
 * the alarm, status and reprint subjects as the wire contract names them
 * (`@lunchrush/actors/wire`, which the gateway reads too); the buckets this daemon's own.
 */
export function namesOf(ns: string) {
  const w = wire(ns);
  return {
    stream: w.kitchenStream,
    /** Every store's tickets (`''`) or one store's. */
    kitchenSubject: (store: string): string => w.kitchenTickets(store),
    configBucket: `${ns}_printers`,
    jobBucket: `${ns}_printjobs`,
    alarmSubject: (store: string): string => w.printerAlarms(store),
    reprintSubject: (store: string): string => w.printerReprint(store),
    statusSubject: (store: string): string => w.printerStatus(store),
    testSubject: (store: string): string => w.printerTest(store),
  };
}
export type Names = ReturnType<typeof namesOf>;
