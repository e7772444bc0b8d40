/**
 * Payments as configured: WeChat Pay APIv3 (`real`), or the local simulator (development
 * only), and the `Payments` service over it. The simulator keeps its keys in Redis, so it is
 * opened (the keys made or read) before anything is served.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PaymentsConfig, PaymentsEngine } from './config.js';
import { Payments } from './service.js';
import { WeChatPaySimulator } from './simulator.js';
import { WeChatPayV3 } from './wechatpay.js';

export interface OpenPaymentsOptions {
  readonly cfg: PaymentsConfig;
  readonly engine: PaymentsEngine;
  readonly redis: Redis;
  /** Redis key prefix (`<namespace>:gw`): every process of a deployment shares the records and keys. */
  readonly prefix: string;
  /** Where the simulator sends its callbacks (a gateway on port 0 knows it once it listens). */
  readonly notifyUrl: () => string;
  readonly log: Logger;
  readonly registry: Registry;
}

export interface OpenedPayments {
  readonly payments: Payments;
  /** Present in simulator mode: the gateway mounts its pay route. */
  readonly simulator: WeChatPaySimulator | undefined;
}

export async function openPayments(o: OpenPaymentsOptions): Promise<OpenedPayments> {
  const { cfg } = o;
  if (cfg.wechatPay.mode === 'simulator') {
    const simulator = await WeChatPaySimulator.open(o.redis, o.prefix, {
      mchId: cfg.wechatPay.mchId,
      appId: cfg.wechatPay.appId,
      notifyUrl: o.notifyUrl,
      apiV3Key: cfg.wechatPay.apiV3Key,
    });
    const keys = simulator.keys;
    const payments = new Payments(
      o.engine,
      o.redis,
      o.prefix,
      simulator,
      keys,
      simulator.apiV3Key,
      cfg,
      o.log,
      o.registry,
    );
    return { payments, simulator };
  }
  const real = new WeChatPayV3(cfg.wechatPay, cfg.signatureToleranceS);
  const payments = new Payments(o.engine, o.redis, o.prefix, real, real.keys, real.apiV3Key, cfg, o.log, o.registry);
  return { payments, simulator: undefined };
}
