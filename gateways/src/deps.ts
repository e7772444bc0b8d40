/**
 * What routes (and the push and screens modules) are handed: configuration,
 * connections and the gateway's services. One object per gateway process.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Auth } from './auth.js';
import type { GatewayConfig } from './config.js';
import type { EngineGate } from './engine-gate.js';
import type { MenuCache } from './menu.js';
import type { OrderLists } from './order-list.js';
import type { Payments, WeChatPaySimulator } from '@lunchrush/payments';
import type { GlobalRateLimiter, TokenBuckets } from './ratelimit.js';
import type { Revocations } from './revocations.js';
import type { SessionTokens, WeChatLogin } from './sessions.js';
import type { StoreTables } from './store-tables.js';

export interface GatewayDeps {
  readonly cfg: GatewayConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly redis: Redis;
  readonly nc: NatsConnection;
  readonly engine: EngineGate;
  readonly auth: Auth;
  readonly sessions: SessionTokens;
  readonly revocations: Revocations;
  readonly login: WeChatLogin;
  /** Rate limits of this process (every route but login). */
  readonly rate: TokenBuckets;
  /** Rate limits across every gateway, in Redis (login). */
  readonly globalRate: GlobalRateLimiter;
  /** Diners' recent orders, from the event log. */
  readonly orderLists: OrderLists;
  /** A store's view with its table list (and the move of the list the gateway kept before stores did). */
  readonly storeTables: StoreTables;
  readonly menu: MenuCache;
  readonly payments: Payments;
  /** Present when `WECHATPAY_MODE=simulator`, which only development mode allows (see config.ts). */
  readonly simulator: WeChatPaySimulator | undefined;
  /** Redis key prefix (`<namespace>:gw`). */
  readonly prefix: string;
  /** The URL this gateway is reached at (known once it listens). */
  publicUrl(): string;
}
