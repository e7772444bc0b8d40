/**
 * The gateway each build of the mini-program talks to, chosen by the version
 * WeChat runs (开发版 develop / 体验版 trial / 正式版 release).
 *
 * develop: a stack on the developer's machine (`npm start` prints its URL). In
 * WeChat DevTools tick 「不校验合法域名」 so http://127.0.0.1 is allowed; on a phone use
 * the machine's LAN address. `wx.setStorageSync('lunchrush.apiBase', url)` overrides
 * it at run time (the scan page's 开发设置 does that).
 */
export type EnvVersion = 'develop' | 'trial' | 'release';

export interface Env {
  version: EnvVersion;
  apiBase: string;
  /** develop: pay through the gateway's WeChat Pay simulator instead of wx.requestPayment. */
  paySimulator: boolean;
}

export const ENVS: Record<EnvVersion, Env> = {
  develop: { version: 'develop', apiBase: 'http://127.0.0.1:8080', paySimulator: true },
  trial: { version: 'trial', apiBase: 'https://api-staging.lunchrush.example.cn', paySimulator: false },
  release: { version: 'release', apiBase: 'https://api.lunchrush.example.cn', paySimulator: false },
};

export const API_BASE_STORAGE_KEY = 'lunchrush.apiBase';

declare const __wxConfig: { envVersion?: string } | undefined;

export function currentEnvVersion(): EnvVersion {
  let v: string | undefined;
  try {
    v = wx.getAccountInfoSync().miniProgram.envVersion;
  } catch {
    v = undefined;
  }
  if (v === undefined && typeof __wxConfig !== 'undefined') v = __wxConfig?.envVersion;
  return v === 'trial' || v === 'release' ? v : 'develop';
}

export function resolveEnv(version: EnvVersion = currentEnvVersion(), override?: string): Env {
  const env = ENVS[version];
  // Only a development build may be pointed elsewhere at run time.
  if (version === 'develop' && override !== undefined && /^https?:\/\/[^\s]+$/.test(override))
    return { ...env, apiBase: override.replace(/\/+$/, '') };
  return env;
}
