/**
 * The courier integration's configuration, `COURIER_*` (the gateway reads them with its own and
 * hands the result in). Unknown `COURIER_*` variables are refused, so a typo fails at start-up
 * naming the variable. The simulator runs only in development mode.
 */
import type { DispatchPolicy } from '@lunchrush/actors';
import { envWholeNumber } from '@lunchrush/engine';

export const DEFAULT_COURIER_ACCEPT_TIMEOUT_MS = 3 * 60_000;
export const DEFAULT_COURIER_TIP_STEP_FEN = 300;
export const DEFAULT_COURIER_MAX_TIPS = 2;
export const DEFAULT_COURIER_ARRIVE_TIMEOUT_MS = 20 * 60_000;
export const DEFAULT_COURIER_MAX_ATTEMPTS = 2;
export const DEFAULT_COURIER_SIGNATURE_TOLERANCE_S = 300;
export const DEFAULT_COURIER_SIMULATOR_STEP_MS = 3_000;
export const DEFAULT_COURIER_TIMEOUT_MS = 5_000;
export const DEFAULT_SF_API_BASE = 'https://openic.sf-express.com';
/** The simulator's developer credentials (development only: public). */
export const DEV_SF_DEV_ID = '1550000001';
export const DEV_SF_DEV_KEY = 'dev-sf-key-not-secret';

export interface CourierConfig {
  /** `off`: delivery orders wait for the store's staff; `simulator`: the local platform; `sf`: 顺丰同城. */
  readonly mode: 'off' | 'simulator' | 'sf';
  readonly apiBase: string;
  readonly devId: string;
  readonly devKey: string;
  readonly shopId: string;
  readonly timeoutMs: number;
  readonly signatureToleranceS: number;
  readonly simulatorStepMs: number;
  readonly policy: DispatchPolicy;
}

export class CourierConfigError extends Error {
  override readonly name = 'CourierConfigError';
}

export const COURIER_VARIABLES = [
  'COURIER_MODE',
  'COURIER_SF_API_BASE',
  'COURIER_SF_DEV_ID',
  'COURIER_SF_DEV_KEY',
  'COURIER_SF_SHOP_ID',
  'COURIER_TIMEOUT_MS',
  'COURIER_SIGNATURE_TOLERANCE_S',
  'COURIER_SIMULATOR_STEP_MS',
  'COURIER_ACCEPT_TIMEOUT_MS',
  'COURIER_TIP_STEP_FEN',
  'COURIER_MAX_TIPS',
  'COURIER_ARRIVE_TIMEOUT_MS',
  'COURIER_MAX_ATTEMPTS',
] as const;

const int = (env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number =>
  envWholeNumber(env, name, { dflt, min, max }, (m) => new CourierConfigError(m));

/** `dev`: the gateway's development mode (`GATEWAY_DEV_SECRETS=1`), the only one the simulator runs in. */
export function parseCourierConfig(env: NodeJS.ProcessEnv, dev: boolean): CourierConfig {
  for (const name of Object.keys(env))
    if (name.startsWith('COURIER_') && !(COURIER_VARIABLES as readonly string[]).includes(name))
      throw new CourierConfigError(`unknown variable ${name}; the couriers read: ${COURIER_VARIABLES.join(', ')}`);
  const mode = env.COURIER_MODE || (dev ? 'simulator' : 'off');
  if (mode !== 'off' && mode !== 'simulator' && mode !== 'sf')
    throw new CourierConfigError(`COURIER_MODE must be off, simulator or sf, got ${JSON.stringify(mode)}`);
  if (mode === 'simulator' && !dev)
    throw new CourierConfigError('COURIER_MODE=simulator runs only in development mode (GATEWAY_DEV_SECRETS=1)');
  const need = (name: string, devValue: string): string => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (mode === 'sf') throw new CourierConfigError(`${name} is required with COURIER_MODE=sf`);
    return devValue;
  };
  return {
    mode,
    apiBase: (env.COURIER_SF_API_BASE || DEFAULT_SF_API_BASE).replace(/\/+$/, ''),
    devId: need('COURIER_SF_DEV_ID', DEV_SF_DEV_ID),
    devKey: need('COURIER_SF_DEV_KEY', DEV_SF_DEV_KEY),
    shopId: need('COURIER_SF_SHOP_ID', 'lunchrush-dev'),
    timeoutMs: int(env, 'COURIER_TIMEOUT_MS', DEFAULT_COURIER_TIMEOUT_MS, 100, 60_000),
    signatureToleranceS: int(env, 'COURIER_SIGNATURE_TOLERANCE_S', DEFAULT_COURIER_SIGNATURE_TOLERANCE_S, 1, 3_600),
    simulatorStepMs: int(env, 'COURIER_SIMULATOR_STEP_MS', DEFAULT_COURIER_SIMULATOR_STEP_MS, 1, 600_000),
    policy: {
      acceptWithinMs: int(env, 'COURIER_ACCEPT_TIMEOUT_MS', DEFAULT_COURIER_ACCEPT_TIMEOUT_MS, 1, 3_600_000),
      tipStepFen: int(env, 'COURIER_TIP_STEP_FEN', DEFAULT_COURIER_TIP_STEP_FEN, 0, 10_000),
      maxTips: int(env, 'COURIER_MAX_TIPS', DEFAULT_COURIER_MAX_TIPS, 0, 10),
      arriveWithinMs: int(env, 'COURIER_ARRIVE_TIMEOUT_MS', DEFAULT_COURIER_ARRIVE_TIMEOUT_MS, 1, 7_200_000),
      maxAttempts: int(env, 'COURIER_MAX_ATTEMPTS', DEFAULT_COURIER_MAX_ATTEMPTS, 1, 10),
    },
  };
}
