/**
 * The platforms process's configuration, `PLATFORMS_*` (plus the stack's `NATS_URL`,
 * `REDIS_URL`, `ENGINE_NAMESPACE`, `ENGINE_PARTITIONS`, `LOG_LEVEL`, read by main.ts). Unknown
 * `PLATFORMS_*` variables are refused, naming the variable. The simulators (both platforms, in
 * this process) are the default, for development and the bench; `real` needs every credential.
 */
import { envWholeNumber } from '@lunchrush/engine';
import { DEFAULT_SENDER_SETTINGS } from './sender.js';
import { DEFAULT_SIGNATURE_TOLERANCE_S } from './signing.js';

export const DEFAULT_PLATFORMS_PORT = 8095;
export const DEFAULT_MEITUAN_API_BASE = 'https://waimaiopen.meituan.com';
export const DEFAULT_ELEME_API_BASE = 'https://open-api.shop.ele.me';
/** The simulators' credentials (development only: public). */
export const DEV_CREDENTIALS = {
  meituan: { appId: '4321', secret: 'dev-meituan-secret-not-secret' },
  eleme: { appId: 'dev-eleme-app', secret: 'dev-eleme-secret-not-secret', token: 'dev-eleme-token' },
  opsToken: 'dev-platforms-ops-token',
} as const;

export interface PlatformsConfig {
  readonly mode: 'simulator' | 'real';
  readonly host: string;
  readonly port: number;
  /** Our callback base as the platforms call it (part of what 美团 signs). */
  readonly pushBase: string;
  readonly meituan: { readonly appId: string; readonly secret: string; readonly apiBase: string };
  readonly eleme: { readonly appId: string; readonly secret: string; readonly token: string; readonly apiBase: string };
  /** A JSON mapping file; empty: the demo chain's mapping (simulator mode only). */
  readonly mappingFile: string;
  /** How many demo stores the demo mapping covers. */
  readonly demoStores: number;
  readonly opsToken: string;
  readonly toleranceS: number;
  readonly ratePerS: number;
  readonly batch: number;
  /** Stores with a sync call in flight at once, per platform. */
  readonly inFlight: number;
  readonly retryMaxMs: number;
  /** Minutes after midnight (China time) of the daily reconciliation; undefined: on demand only. */
  readonly reconcileAtMin: number | undefined;
}

export class PlatformsConfigError extends Error {
  override readonly name = 'PlatformsConfigError';
}

export const PLATFORMS_VARIABLES = [
  'PLATFORMS_MODE',
  'PLATFORMS_HOST',
  'PLATFORMS_PORT',
  'PLATFORMS_PUSH_BASE',
  'PLATFORMS_MEITUAN_APP_ID',
  'PLATFORMS_MEITUAN_SECRET',
  'PLATFORMS_MEITUAN_API_BASE',
  'PLATFORMS_ELEME_APP_KEY',
  'PLATFORMS_ELEME_SECRET',
  'PLATFORMS_ELEME_TOKEN',
  'PLATFORMS_ELEME_API_BASE',
  'PLATFORMS_MAPPING_FILE',
  'PLATFORMS_DEMO_STORES',
  'PLATFORMS_OPS_TOKEN',
  'PLATFORMS_SIGNATURE_TOLERANCE_S',
  'PLATFORMS_RATE_PER_S',
  'PLATFORMS_BATCH',
  'PLATFORMS_IN_FLIGHT',
  'PLATFORMS_RETRY_MAX_MS',
  'PLATFORMS_RECONCILE_AT',
] as const;

const int = (env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number =>
  envWholeNumber(env, name, { dflt, min, max }, (m) => new PlatformsConfigError(m));

export function parsePlatformsConfig(env: NodeJS.ProcessEnv): PlatformsConfig {
  const unknown = Object.keys(env).filter(
    (k) => k.startsWith('PLATFORMS_') && !(PLATFORMS_VARIABLES as readonly string[]).includes(k),
  );
  if (unknown.length > 0)
    throw new PlatformsConfigError(`unknown variable ${unknown.join(', ')} (known: ${PLATFORMS_VARIABLES.join(', ')})`);
  const mode = env.PLATFORMS_MODE ?? 'simulator';
  if (mode !== 'simulator' && mode !== 'real')
    throw new PlatformsConfigError(`PLATFORMS_MODE must be simulator or real, got ${JSON.stringify(mode)}`);
  const real = mode === 'real';
  const need = (name: string, dev: string): string => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (real) throw new PlatformsConfigError(`${name} is required with PLATFORMS_MODE=real`);
    return dev;
  };
  const host = env.PLATFORMS_HOST ?? '127.0.0.1';
  const port = int(env, 'PLATFORMS_PORT', DEFAULT_PLATFORMS_PORT, 0, 65_535);
  const at = env.PLATFORMS_RECONCILE_AT ?? '04:00';
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (at !== 'off' && m === null)
    throw new PlatformsConfigError(`PLATFORMS_RECONCILE_AT must be HH:MM or off, got ${JSON.stringify(at)}`);
  const mappingFile = env.PLATFORMS_MAPPING_FILE ?? '';
  if (real && mappingFile === '')
    throw new PlatformsConfigError('PLATFORMS_MAPPING_FILE is required with PLATFORMS_MODE=real');
  return {
    mode,
    host,
    port,
    pushBase: env.PLATFORMS_PUSH_BASE ?? '',
    meituan: {
      appId: need('PLATFORMS_MEITUAN_APP_ID', DEV_CREDENTIALS.meituan.appId),
      secret: need('PLATFORMS_MEITUAN_SECRET', DEV_CREDENTIALS.meituan.secret),
      apiBase: env.PLATFORMS_MEITUAN_API_BASE ?? DEFAULT_MEITUAN_API_BASE,
    },
    eleme: {
      appId: need('PLATFORMS_ELEME_APP_KEY', DEV_CREDENTIALS.eleme.appId),
      secret: need('PLATFORMS_ELEME_SECRET', DEV_CREDENTIALS.eleme.secret),
      token: need('PLATFORMS_ELEME_TOKEN', DEV_CREDENTIALS.eleme.token),
      apiBase: env.PLATFORMS_ELEME_API_BASE ?? DEFAULT_ELEME_API_BASE,
    },
    mappingFile,
    demoStores: int(env, 'PLATFORMS_DEMO_STORES', 20, 1, 999),
    opsToken: need('PLATFORMS_OPS_TOKEN', DEV_CREDENTIALS.opsToken),
    toleranceS: int(env, 'PLATFORMS_SIGNATURE_TOLERANCE_S', DEFAULT_SIGNATURE_TOLERANCE_S, 1, 3_600),
    ratePerS: int(env, 'PLATFORMS_RATE_PER_S', DEFAULT_SENDER_SETTINGS.ratePerS, 1, 10_000),
    batch: int(env, 'PLATFORMS_BATCH', DEFAULT_SENDER_SETTINGS.maxBatch, 1, 200),
    inFlight: int(env, 'PLATFORMS_IN_FLIGHT', DEFAULT_SENDER_SETTINGS.inFlight, 1, 64),
    retryMaxMs: int(env, 'PLATFORMS_RETRY_MAX_MS', DEFAULT_SENDER_SETTINGS.retryMaxMs, 100, 600_000),
    reconcileAtMin: m === null ? undefined : Number(m[1]) * 60 + Number(m[2]),
  };
}
