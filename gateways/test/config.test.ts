/**
 * Safe defaults: the WeChat login and WeChat Pay simulators (anyone logs in as anyone,
 * anyone marks an order paid) run only in development mode (GATEWAY_DEV_SECRETS=1),
 * never by default and never in a configuration that looks like production.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { OWN_SECRETS } from '@lunchrush/stack/testing';

const REAL_WECHAT = {
  WECHAT_APPID: 'wxd678efh567hg6787',
  WECHAT_SECRET: 'own-mini-program-secret',
  WECHATPAY_MCHID: '1230000109',
  WECHATPAY_APIV3_KEY: 'a'.repeat(32),
  WECHATPAY_MERCHANT_SERIAL: 'MERCHANTSERIAL01',
  WECHATPAY_MERCHANT_KEY_FILE: '/etc/lunchrush/merchant.pem',
  WECHATPAY_PLATFORM_CERTS: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1=/etc/lunchrush/platform.pem',
} as const;

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('WeChat modes: real unless development mode is asked for', () => {
  it('without development mode both modes are real, and a missing credential is named', () => {
    expect(refusal({ ...OWN_SECRETS })).toMatch(
      /^WECHAT_APPID is required \(WECHAT_MODE is real unless GATEWAY_DEV_SECRETS=1/,
    );
    expect(refusal({ ...OWN_SECRETS, WECHAT_APPID: 'wx1', WECHAT_SECRET: 'x' })).toMatch(
      /^WECHATPAY_APIV3_KEY is required \(WECHATPAY_MODE is real unless GATEWAY_DEV_SECRETS=1/,
    );
    const { WECHATPAY_PLATFORM_CERTS: _, ...noPlatformKey } = REAL_WECHAT;
    expect(refusal({ ...OWN_SECRETS, ...noPlatformKey })).toMatch(
      /WECHATPAY_PLATFORM_CERTS or WECHATPAY_PUBLIC_KEY_ID\/_FILE \(or both\) are required/,
    );
    const c = parseConfig({ ...OWN_SECRETS, ...REAL_WECHAT });
    expect(c.wechat.mode).toBe('real');
    expect(c.wechatPay.mode).toBe('real');
  });

  it('a production configuration with a simulator mode set refuses to start, naming the problem', () => {
    for (const [name, harm] of [
      ['WECHATPAY_MODE', 'mark an order paid without paying'],
      ['WECHAT_MODE', 'log in as any diner'],
    ] as const) {
      // Without development mode, whatever the secrets.
      expect(refusal({ ...OWN_SECRETS, ...REAL_WECHAT, [name]: 'simulator' })).toBe(
        `${name}=simulator runs only in development mode (its simulator lets anyone ${harm}): set ${name}=real with the real credentials, or GATEWAY_DEV_SECRETS=1 for development`,
      );
    }
    // In development mode, with every secret its own…
    expect(refusal({ GATEWAY_DEV_SECRETS: '1', ...OWN_SECRETS, WECHATPAY_MODE: 'simulator' })).toMatch(
      /^WECHATPAY_MODE=simulator with a production configuration \(GATEWAY_QR_KEYS, .* are all set, none to its development value\)/,
    );
    // … or with credentials only the real service uses.
    expect(refusal({ GATEWAY_DEV_SECRETS: '1', WECHATPAY_MERCHANT_KEY_FILE: '/etc/lunchrush/merchant.pem' })).toMatch(
      /^WECHATPAY_MODE=simulator \(the default with GATEWAY_DEV_SECRETS=1\) with a production configuration \(WECHATPAY_MERCHANT_KEY_FILE is set for the real service\)/,
    );
    expect(refusal({ GATEWAY_DEV_SECRETS: '1', WECHATPAY_MODE: 'real', ...REAL_WECHAT })).toMatch(
      /^WECHAT_MODE=simulator \(the default with GATEWAY_DEV_SECRETS=1\) with a production configuration \(WECHAT_SECRET is set for the real service\)/,
    );
  });

  it('development mode keeps the simulators as before, also with a key of its own', () => {
    const dev = parseConfig({ GATEWAY_DEV_SECRETS: '1' });
    expect([dev.wechat.mode, dev.wechatPay.mode]).toEqual(['simulator', 'simulator']);
    const rotated = parseConfig({ GATEWAY_DEV_SECRETS: '1', GATEWAY_QR_KEYS: OWN_SECRETS.GATEWAY_QR_KEYS });
    expect([rotated.wechat.mode, rotated.wechatPay.mode]).toEqual(['simulator', 'simulator']);
    const realLogin = parseConfig({
      GATEWAY_DEV_SECRETS: '1',
      WECHAT_MODE: 'real',
      WECHAT_APPID: 'wx1',
      WECHAT_SECRET: 'x',
    });
    expect([realLogin.wechat.mode, realLogin.wechatPay.mode]).toEqual(['real', 'simulator']);
  });
});
