/**
 * The gateway's configuration: every variable, its default and its check, in one
 * place. `parseConfig(env)` validates eagerly and names the variable at fault;
 * unknown `GATEWAY_*`, `WECHAT_*` and `WECHATPAY_*` variables are refused so a typo
 * never silently falls back to a default. Secrets come only from here.
 */
import { CourierConfigError, parseCourierConfig, type CourierConfig } from '@lunchrush/couriers';
import { DEFAULT_PARTITIONS } from '@lunchrush/engine';
import type { WeChatPayConfig } from '@lunchrush/payments';
import {
  ConfigError,
  bool,
  int,
  oneOf,
  parseKeyRing,
  storeList,
  url,
  type KeyRing,
  type Reader,
} from './config-values.js';

export { ConfigError, parseKeyRing } from './config-values.js';
export type { KeyRing } from './config-values.js';

export const DEFAULT_GATEWAY_PORT = 8080;
export const DEFAULT_GATEWAY_HOST = '0.0.0.0';
export const DEFAULT_WORKERS = 1;
/** Gateway threads of a node (0: the gateway shares the engine's thread). */
export const DEFAULT_GATEWAY_THREADS = 0;
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_NAMESPACE = 'lr';
/** Largest JSON body a diner, staff or channel endpoint reads. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
/** Largest catalog file a manager may import. */
export const DEFAULT_MAX_IMPORT_BYTES = 4 * 1024 * 1024;
/** Deadline of one engine command, retries included; past it the caller gets 503. */
export const DEFAULT_ENGINE_TIMEOUT_MS = 3_000;
/** Engine commands in flight per gateway process; past it requests are refused with 503 at once. */
export const DEFAULT_MAX_INFLIGHT = 20_000;
export const DEFAULT_RETRY_AFTER_S = 1;
export const DEFAULT_SESSION_TTL_S = 4 * 3600;
export const DEFAULT_STAFF_TOKEN_TTL_S = 12 * 3600;
export const DEFAULT_RATE_WINDOW_MS = 60_000;
export const DEFAULT_RATE_IP_PER_WINDOW = 1_200;
export const DEFAULT_RATE_DEVICE_PER_WINDOW = 300;
export const DEFAULT_RATE_SESSION_PER_WINDOW = 300;
/** Webhook and payment callback timestamps older or newer than this are refused (WeChat: 5 minutes). */
export const DEFAULT_SIGNATURE_TOLERANCE_S = 300;
export const DEFAULT_MENU_TTL_S = 3600;
/** Dish photos a store may keep (WebP of at most 800 px a side: ~50–150 KB each), and their bytes. */
export const DEFAULT_STORE_IMAGES_MAX = 500;
export const DEFAULT_STORE_IMAGES_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_STOCK_CACHE_MS = 1_000;
/** Share of tables (percent) shown recommendations; the others get the hot list (the A/B control). */
export const DEFAULT_RECO_SHARE_PERCENT = 100;
/** A payment with no callback after this long is looked up with the provider. */
export const DEFAULT_PAYMENT_QUERY_AFTER_S = 30;
export const DEFAULT_PAYMENT_QUERY_INTERVAL_MS = 5_000;
/** A refund WeChat is still paying out is asked about again after this, then twice as long each time (to 10 min). */
export const DEFAULT_REFUND_QUERY_MS = 5_000;
export const DEFAULT_WECHAT_API_BASE = 'https://api.weixin.qq.com';
export const DEFAULT_WECHATPAY_API_BASE = 'https://api.mch.weixin.qq.com';

export interface GatewayConfig {
  /** The courier platform (`COURIER_*`, @lunchrush/couriers): off, the simulator (development only) or 顺丰同城. */
  readonly couriers: CourierConfig;
  readonly host: string;
  readonly port: number;
  readonly workers: number;
  /**
   * A node's gateway on this many worker threads, its engine on the main thread (commands to the
   * process's own partitions cross a MessagePort, see @lunchrush/engine's `thread-link.ts`); 0 keeps
   * both on one thread. Roles `node` only.
   */
  readonly threads: number;
  /** Base URL diners and WeChat reach this gateway at (QR links, payment notify URL). */
  readonly publicUrl: string;
  /** The analytics dashboard the staff screens link to; null: the screen's own host on port 9470. */
  readonly dashboardUrl: string | null;
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly namespace: string;
  readonly partitions: number;
  readonly logLevel: string;
  readonly maxBodyBytes: number;
  readonly maxImportBytes: number;
  readonly engineTimeoutMs: number;
  readonly maxInflight: number;
  readonly retryAfterS: number;
  readonly trustProxy: boolean;
  readonly qrKeys: KeyRing;
  readonly staffKeys: KeyRing;
  readonly piiKeys: KeyRing;
  /** AES-256-GCM keys of share codes (分享码): the first seals, every one opens. */
  readonly shareKeys: KeyRing;
  /** HMAC keys of diner session tokens: the first signs, every one verifies. */
  readonly sessionKeys: KeyRing;
  readonly sessionTtlS: number;
  readonly staffTokenTtlS: number;
  readonly rate: { windowMs: number; ip: number; device: number; session: number };
  readonly posSecret: Buffer;
  readonly deliverySecret: Buffer;
  readonly signatureToleranceS: number;
  readonly menuTtlS: number;
  /** The cap on each store's dish photos in Redis: how many, and their bytes together. */
  readonly storeImages: { readonly max: number; readonly maxBytes: number };
  readonly stockCacheMs: number;
  readonly recoSharePercent: number;
  /** `events`: watch the engine's event stream for catalog changes; `off`: only this gateway's own writes and TTL. */
  readonly catalogWatch: 'events' | 'off';
  /** The stores a delivery order that names no store may be routed to (none: such orders are refused). */
  readonly routingStores: readonly string[];
  readonly wechat: {
    readonly mode: 'simulator' | 'real';
    readonly appId: string;
    readonly appSecret: string;
    readonly apiBase: string;
  };
  readonly wechatPay: WeChatPayConfig;
}

/** Every variable the gateway reads (besides NATS_URL, REDIS_URL, ENGINE_NAMESPACE, ENGINE_PARTITIONS, LOG_LEVEL). */
export const VARIABLES = [
  'GATEWAY_HOST',
  'GATEWAY_PORT',
  'GATEWAY_WORKERS',
  'GATEWAY_THREADS',
  'GATEWAY_PUBLIC_URL',
  'GATEWAY_DASHBOARD_URL',
  'GATEWAY_MAX_BODY_BYTES',
  'GATEWAY_MAX_IMPORT_BYTES',
  'GATEWAY_ENGINE_TIMEOUT_MS',
  'GATEWAY_MAX_INFLIGHT',
  'GATEWAY_RETRY_AFTER_S',
  'GATEWAY_TRUST_PROXY',
  'GATEWAY_QR_KEYS',
  'GATEWAY_STAFF_KEYS',
  'GATEWAY_PII_KEYS',
  'GATEWAY_SHARE_KEYS',
  'GATEWAY_SESSION_KEYS',
  'GATEWAY_SESSION_TTL_S',
  'GATEWAY_STAFF_TOKEN_TTL_S',
  'GATEWAY_RATE_WINDOW_MS',
  'GATEWAY_RATE_IP',
  'GATEWAY_RATE_DEVICE',
  'GATEWAY_RATE_SESSION',
  'GATEWAY_POS_SECRET',
  'GATEWAY_DELIVERY_SECRET',
  'GATEWAY_SIGNATURE_TOLERANCE_S',
  'GATEWAY_MENU_TTL_S',
  'GATEWAY_STORE_IMAGES_MAX',
  'GATEWAY_STORE_IMAGES_MAX_BYTES',
  'GATEWAY_STOCK_CACHE_MS',
  'GATEWAY_RECO_SHARE_PERCENT',
  'GATEWAY_CATALOG_WATCH',
  'GATEWAY_ROUTING_STORES',
  'GATEWAY_DEV_SECRETS',
  'WECHAT_MODE',
  'WECHAT_APPID',
  'WECHAT_SECRET',
  'WECHAT_API_BASE',
  'WECHATPAY_MODE',
  'WECHATPAY_MCHID',
  'WECHATPAY_APPID',
  'WECHATPAY_APIV3_KEY',
  'WECHATPAY_MERCHANT_SERIAL',
  'WECHATPAY_MERCHANT_KEY_FILE',
  'WECHATPAY_PLATFORM_CERTS',
  'WECHATPAY_PUBLIC_KEY_ID',
  'WECHATPAY_PUBLIC_KEY_FILE',
  'WECHATPAY_API_BASE',
  'WECHATPAY_NOTIFY_URL',
  'WECHATPAY_QUERY_AFTER_S',
  'WECHATPAY_QUERY_INTERVAL_MS',
  'WECHATPAY_REFUND_QUERY_MS',
] as const;

const KNOWN: ReadonlySet<string> = new Set<string>(VARIABLES);

/**
 * Development secrets, used only with `GATEWAY_DEV_SECRETS=1` (what `npm start` and the
 * tests set). They are public: a gateway that serves real diners must be given its own.
 *
 * `GATEWAY_DEV_SECRETS=1` is the one development switch: it also makes the WeChat login
 * and WeChat Pay simulators the default, and they run in no other mode. The simulators
 * let anyone log in as any diner and mark any order paid, which is exactly as unsafe as
 * public signing keys, so one switch covers both and there is no half-development state.
 */
const DEV_SECRETS: Readonly<Record<string, string>> = {
  GATEWAY_QR_KEYS: 'k1:ZGV2LXFyLWtleS0xLWx1bmNocnVzaC1ub3Qtc2VjcmV0',
  GATEWAY_STAFF_KEYS: 'k1:ZGV2LXN0YWZmLWtleS0xLWx1bmNocnVzaC1ub3Qtc2VjcmV0',
  GATEWAY_PII_KEYS: 'k1:ZGV2LXBpaS1rZXktMzItYnl0ZXMtbm90LXNlY3JldCE=',
  GATEWAY_SHARE_KEYS: 'k1:ZGV2LXNoYXJlLWtleS0zMi1ieXRlcy1ub3Qtc2VjcmU=',
  GATEWAY_SESSION_KEYS: 'k1:ZGV2LXNlc3Npb24ta2V5LTEtbHVuY2hydXNoLW5vdC1zZWNyZXQ=',
  GATEWAY_POS_SECRET: 'dev-pos-secret-not-secret',
  GATEWAY_DELIVERY_SECRET: 'dev-delivery-secret-not-secret',
};

/**
 * The credentials only the real WeChat services use, by mode variable: set beside a
 * simulator they would be ignored, and they mean the configuration is a production one.
 */
const REAL_ONLY = {
  WECHAT_MODE: ['WECHAT_SECRET'],
  WECHATPAY_MODE: [
    'WECHATPAY_MERCHANT_SERIAL',
    'WECHATPAY_MERCHANT_KEY_FILE',
    'WECHATPAY_PLATFORM_CERTS',
    'WECHATPAY_PUBLIC_KEY_FILE',
  ],
} as const;

/** What a simulator lets anyone do, by mode variable. */
const SIMULATOR_HARM = {
  WECHAT_MODE: 'log in as any diner',
  WECHATPAY_MODE: 'mark an order paid without paying',
} as const;

type Mode = 'simulator' | 'real';

/**
 * The simulators run only in development mode, and never in a configuration that looks
 * like production: its own value for every development secret (none left to the
 * development ones), or real WeChat credentials that a simulator would ignore.
 */
function refuseSimulatorsOutsideDevelopment(
  env: NodeJS.ProcessEnv,
  dev: boolean,
  modes: Record<keyof typeof REAL_ONLY, { mode: Mode; explicit: boolean }>,
): void {
  const given = (n: string): boolean => env[n] !== undefined && env[n] !== '';
  const secrets = Object.keys(DEV_SECRETS);
  const allOwn = secrets.every((n) => given(n) && env[n] !== DEV_SECRETS[n]);
  // Payments first: free orders are the worse harm, so that is the one named.
  for (const name of ['WECHATPAY_MODE', 'WECHAT_MODE'] as const) {
    if (modes[name].mode !== 'simulator') continue;
    const what = `${name}=simulator${modes[name].explicit ? '' : ' (the default with GATEWAY_DEV_SECRETS=1)'}`;
    const harm = `its simulator lets anyone ${SIMULATOR_HARM[name]}`;
    if (!dev)
      throw new ConfigError(
        `${what} runs only in development mode (${harm}): set ${name}=real with the real credentials, or GATEWAY_DEV_SECRETS=1 for development`,
      );
    const real = REAL_ONLY[name].filter(given);
    const looks =
      real.length > 0
        ? `${real.join(', ')} ${real.length === 1 ? 'is' : 'are'} set for the real service`
        : allOwn
          ? `${secrets.join(', ')} are all set, none to its development value`
          : undefined;
    if (looks !== undefined)
      throw new ConfigError(
        `${what} with a production configuration (${looks}); ${harm}: set ${name}=real, or use the development secrets`,
      );
  }
}

/** The `COURIER_*` variables, read by the couriers' own parser; its refusals are configuration errors here. */
function couriersOf(env: NodeJS.ProcessEnv, dev: boolean): CourierConfig {
  try {
    return parseCourierConfig(env, dev);
  } catch (e) {
    if (e instanceof CourierConfigError) throw new ConfigError(e.message);
    throw e;
  }
}

/** `parseConfig` for a process's entry point: a configuration error is printed and the process exits with 2. */
export function parseConfigOrExit(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  try {
    return parseConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}

/** How variables are read: development mode's public secrets stand in for unset ones. */
interface Readers {
  readonly dev: boolean;
  readonly read: Reader;
  readonly required: (n: string, why: string) => string;
}

function readersOf(env: NodeJS.ProcessEnv): Readers {
  for (const name of Object.keys(env)) {
    if (/^(GATEWAY|WECHAT|WECHATPAY)_/.test(name) && !KNOWN.has(name)) {
      throw new ConfigError(`unknown variable ${name}; the gateway reads: ${VARIABLES.join(', ')}`);
    }
  }
  const dev = bool((n) => (env[n] === '' ? undefined : env[n]), 'GATEWAY_DEV_SECRETS', false);
  const read: Reader = (n) => {
    const v = env[n];
    if (v !== undefined && v !== '') return v;
    return dev ? DEV_SECRETS[n] : undefined;
  };
  const required = (n: string, why: string): string => {
    const v = read(n);
    if (v === undefined)
      throw new ConfigError(`${n} is required (${why}); set it, or GATEWAY_DEV_SECRETS=1 for development`);
    return v;
  };
  return { dev, read, required };
}

/** The keys and secrets, read first: a configuration without any is told about them before anything else. */
function secretsOf({ required }: Readers) {
  const qrKeys = parseKeyRing('GATEWAY_QR_KEYS', required('GATEWAY_QR_KEYS', 'signs table QR tokens'));
  const staffKeys = parseKeyRing('GATEWAY_STAFF_KEYS', required('GATEWAY_STAFF_KEYS', 'signs staff tokens'));
  const piiKeys = parseKeyRing(
    'GATEWAY_PII_KEYS',
    required('GATEWAY_PII_KEYS', 'encrypts phone numbers and addresses'),
    32,
  );
  const shareKeys = parseKeyRing(
    'GATEWAY_SHARE_KEYS',
    required('GATEWAY_SHARE_KEYS', 'seals group-buy, bargain and lottery share codes'),
    32,
  );
  const sessionKeys = parseKeyRing(
    'GATEWAY_SESSION_KEYS',
    required('GATEWAY_SESSION_KEYS', 'signs diner session tokens'),
  );
  const secret = (n: string): Buffer => {
    const v = required(n, 'the HMAC secret of its channel');
    if (Buffer.byteLength(v) < 16) throw new ConfigError(`${n} must be at least 16 bytes`);
    return Buffer.from(v);
  };
  const posSecret = secret('GATEWAY_POS_SECRET');
  const deliverySecret = secret('GATEWAY_DELIVERY_SECRET');
  return { qrKeys, staffKeys, piiKeys, shareKeys, sessionKeys, posSecret, deliverySecret };
}

/**
 * WeChat login and WeChat Pay: real unless development mode is asked for (a forgotten variable
 * must not give free orders), simulators refused outside it, the real ones' credentials required.
 */
function wechatOf(env: NodeJS.ProcessEnv, r: Readers, publicUrl: string): Pick<GatewayConfig, 'wechat' | 'wechatPay'> {
  const { dev, read, required } = r;
  const defaultMode: Mode = dev ? 'simulator' : 'real';
  const wechatMode = oneOf(read, 'WECHAT_MODE', ['simulator', 'real'] as const, defaultMode);
  const payMode = oneOf(read, 'WECHATPAY_MODE', ['simulator', 'real'] as const, defaultMode);
  const explicit = (n: string): boolean => read(n) !== undefined;
  refuseSimulatorsOutsideDevelopment(env, dev, {
    WECHAT_MODE: { mode: wechatMode, explicit: explicit('WECHAT_MODE') },
    WECHATPAY_MODE: { mode: payMode, explicit: explicit('WECHATPAY_MODE') },
  });
  /** Why a real credential is required: the mode, as set or as defaulted. */
  const realBecause = (n: string): string =>
    explicit(n) ? `${n}=real` : `${n} is real unless GATEWAY_DEV_SECRETS=1 asks for development mode`;
  const wechatWhy = realBecause('WECHAT_MODE');
  const wechat = {
    mode: wechatMode,
    appId: wechatMode === 'real' ? required('WECHAT_APPID', wechatWhy) : (read('WECHAT_APPID') ?? 'wxsimulator'),
    appSecret: wechatMode === 'real' ? required('WECHAT_SECRET', wechatWhy) : '',
    apiBase: url('WECHAT_API_BASE', read('WECHAT_API_BASE') ?? DEFAULT_WECHAT_API_BASE),
  };
  return { wechat, wechatPay: wechatPayOf(r, payMode, realBecause('WECHATPAY_MODE'), wechat.appId, publicUrl) };
}

/** WeChat Pay's merchant, keys and lookups (`@lunchrush/payments` is handed them). */
function wechatPayOf(r: Readers, payMode: Mode, payWhy: string, appId: string, publicUrl: string): WeChatPayConfig {
  const { read, required } = r;
  const platformCerts = (read('WECHATPAY_PLATFORM_CERTS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^([0-9A-Fa-f]{8,64})=(.+)$/.exec(s);
      if (m === null)
        throw new ConfigError(`WECHATPAY_PLATFORM_CERTS: expected serial=path.pem, got ${JSON.stringify(s)}`);
      return { serial: m[1]!.toUpperCase(), file: m[2]! };
    });
  const real = payMode === 'real';
  const apiV3Key = real ? required('WECHATPAY_APIV3_KEY', payWhy) : (read('WECHATPAY_APIV3_KEY') ?? '');
  if (apiV3Key !== '' && Buffer.byteLength(apiV3Key) !== 32)
    throw new ConfigError(`WECHATPAY_APIV3_KEY must be 32 bytes, got ${Buffer.byteLength(apiV3Key)}`);
  const publicKeyId = read('WECHATPAY_PUBLIC_KEY_ID') ?? '';
  const publicKeyFile = read('WECHATPAY_PUBLIC_KEY_FILE') ?? '';
  if ((publicKeyId === '') !== (publicKeyFile === ''))
    throw new ConfigError('WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_PUBLIC_KEY_FILE go together');
  if (real && platformCerts.length === 0 && publicKeyId === '')
    throw new ConfigError(
      `WECHATPAY_PLATFORM_CERTS or WECHATPAY_PUBLIC_KEY_ID/_FILE (or both) are required (${payWhy}); set them, or GATEWAY_DEV_SECRETS=1 for development`,
    );
  return {
    mode: payMode,
    mchId: real ? required('WECHATPAY_MCHID', payWhy) : (read('WECHATPAY_MCHID') ?? '1900000001'),
    appId: read('WECHATPAY_APPID') ?? appId,
    apiV3Key,
    merchantSerial: real ? required('WECHATPAY_MERCHANT_SERIAL', payWhy) : '',
    merchantKeyFile: real ? required('WECHATPAY_MERCHANT_KEY_FILE', payWhy) : '',
    platformCerts,
    publicKeyId,
    publicKeyFile,
    apiBase: url('WECHATPAY_API_BASE', read('WECHATPAY_API_BASE') ?? DEFAULT_WECHATPAY_API_BASE),
    notifyUrl: url('WECHATPAY_NOTIFY_URL', read('WECHATPAY_NOTIFY_URL') ?? `${publicUrl}/v1/payments/wechatpay/notify`),
    queryAfterS: int(read, 'WECHATPAY_QUERY_AFTER_S', DEFAULT_PAYMENT_QUERY_AFTER_S, 1, 86_400),
    queryIntervalMs: int(read, 'WECHATPAY_QUERY_INTERVAL_MS', DEFAULT_PAYMENT_QUERY_INTERVAL_MS, 50, 600_000),
    refundQueryMs: int(read, 'WECHATPAY_REFUND_QUERY_MS', DEFAULT_REFUND_QUERY_MS, 50, 600_000),
  };
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const readers = readersOf(env);
  const { read } = readers;
  const { qrKeys, staffKeys, piiKeys, shareKeys, sessionKeys, posSecret, deliverySecret } = secretsOf(readers);

  const port = int(read, 'GATEWAY_PORT', DEFAULT_GATEWAY_PORT, 0, 65535);
  const host = read('GATEWAY_HOST') ?? DEFAULT_GATEWAY_HOST;
  const publicUrl = url('GATEWAY_PUBLIC_URL', read('GATEWAY_PUBLIC_URL') ?? `http://127.0.0.1:${port}`);
  const dashboard = read('GATEWAY_DASHBOARD_URL');
  const namespace = env.ENGINE_NAMESPACE || DEFAULT_NAMESPACE;
  if (!/^[a-z][a-z0-9]{0,31}$/.test(namespace))
    throw new ConfigError(`ENGINE_NAMESPACE must be lowercase letters and digits, got ${JSON.stringify(namespace)}`);
  const { wechat, wechatPay } = wechatOf(env, readers, publicUrl);

  return {
    couriers: couriersOf(env, readers.dev),
    host,
    port,
    workers: int(read, 'GATEWAY_WORKERS', DEFAULT_WORKERS, 1, 256),
    threads: int(read, 'GATEWAY_THREADS', DEFAULT_GATEWAY_THREADS, 0, 16),
    publicUrl,
    dashboardUrl: dashboard === undefined ? null : url('GATEWAY_DASHBOARD_URL', dashboard),
    natsUrl: env.NATS_URL || DEFAULT_NATS_URL,
    redisUrl: env.REDIS_URL || DEFAULT_REDIS_URL,
    namespace,
    partitions: int((n) => (env[n] === '' ? undefined : env[n]), 'ENGINE_PARTITIONS', DEFAULT_PARTITIONS, 1, 4096),
    logLevel: env.LOG_LEVEL || 'info',
    maxBodyBytes: int(read, 'GATEWAY_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 256, 16 * 1024 * 1024),
    maxImportBytes: int(read, 'GATEWAY_MAX_IMPORT_BYTES', DEFAULT_MAX_IMPORT_BYTES, 1024, 256 * 1024 * 1024),
    engineTimeoutMs: int(read, 'GATEWAY_ENGINE_TIMEOUT_MS', DEFAULT_ENGINE_TIMEOUT_MS, 10, 120_000),
    maxInflight: int(read, 'GATEWAY_MAX_INFLIGHT', DEFAULT_MAX_INFLIGHT, 1, 10_000_000),
    retryAfterS: int(read, 'GATEWAY_RETRY_AFTER_S', DEFAULT_RETRY_AFTER_S, 1, 3600),
    trustProxy: bool(read, 'GATEWAY_TRUST_PROXY', false),
    qrKeys,
    staffKeys,
    piiKeys,
    shareKeys,
    sessionKeys,
    sessionTtlS: int(read, 'GATEWAY_SESSION_TTL_S', DEFAULT_SESSION_TTL_S, 60, 30 * 86_400),
    staffTokenTtlS: int(read, 'GATEWAY_STAFF_TOKEN_TTL_S', DEFAULT_STAFF_TOKEN_TTL_S, 60, 365 * 86_400),
    rate: {
      windowMs: int(read, 'GATEWAY_RATE_WINDOW_MS', DEFAULT_RATE_WINDOW_MS, 100, 3_600_000),
      ip: int(read, 'GATEWAY_RATE_IP', DEFAULT_RATE_IP_PER_WINDOW, 1, 100_000_000),
      device: int(read, 'GATEWAY_RATE_DEVICE', DEFAULT_RATE_DEVICE_PER_WINDOW, 1, 100_000_000),
      session: int(read, 'GATEWAY_RATE_SESSION', DEFAULT_RATE_SESSION_PER_WINDOW, 1, 100_000_000),
    },
    posSecret,
    deliverySecret,
    signatureToleranceS: int(read, 'GATEWAY_SIGNATURE_TOLERANCE_S', DEFAULT_SIGNATURE_TOLERANCE_S, 1, 86_400),
    menuTtlS: int(read, 'GATEWAY_MENU_TTL_S', DEFAULT_MENU_TTL_S, 1, 30 * 86_400),
    storeImages: {
      max: int(read, 'GATEWAY_STORE_IMAGES_MAX', DEFAULT_STORE_IMAGES_MAX, 1, 100_000),
      maxBytes: int(read, 'GATEWAY_STORE_IMAGES_MAX_BYTES', DEFAULT_STORE_IMAGES_MAX_BYTES, 65_536, 2 ** 40),
    },
    stockCacheMs: int(read, 'GATEWAY_STOCK_CACHE_MS', DEFAULT_STOCK_CACHE_MS, 0, 600_000),
    routingStores: storeList(read, 'GATEWAY_ROUTING_STORES'),
    recoSharePercent: int(read, 'GATEWAY_RECO_SHARE_PERCENT', DEFAULT_RECO_SHARE_PERCENT, 0, 100),
    catalogWatch: oneOf(read, 'GATEWAY_CATALOG_WATCH', ['events', 'off'] as const, 'events'),
    wechat,
    wechatPay,
  };
}
