/**
 * What payments are configured with and what they ask of the rest of a process. The gateway
 * reads the variables (`WECHATPAY_*`, gateways/src/config.ts: development mode alone allows
 * the simulator) and hands the parsed values in; nothing here reads the environment.
 */
import type { CommandSender } from '@lunchrush/actors';

/** WeChat Pay v3: the merchant, its keys, WeChat's keys, and how often to ask about an order. */
export interface WeChatPayConfig {
  /** `simulator`: the local WeChat Pay (development only); `real`: WeChat Pay APIv3. */
  readonly mode: 'simulator' | 'real';
  readonly mchId: string;
  readonly appId: string;
  readonly apiV3Key: string;
  readonly merchantSerial: string;
  readonly merchantKeyFile: string;
  /** `serial=path.pem` pairs: WeChat Pay platform certificates. */
  readonly platformCerts: readonly { serial: string; file: string }[];
  readonly publicKeyId: string;
  readonly publicKeyFile: string;
  readonly apiBase: string;
  readonly notifyUrl: string;
  /** Ask WeChat about an order this long after its prepay when no callback came. */
  readonly queryAfterS: number;
  /** How often each process looks for such orders. */
  readonly queryIntervalMs: number;
  /** First delay before asking again about a refund WeChat is still paying out (doubling). */
  readonly refundQueryMs: number;
}

export interface PaymentsConfig {
  readonly wechatPay: WeChatPayConfig;
  /** A signed timestamp further than this from now is refused (`stale_timestamp`). */
  readonly signatureToleranceS: number;
}

/**
 * How payments reach the order actors: the gateway's `EngineGate` (its in-flight limit and
 * deadline), or any client with the same `send`; payments send through the actors' typed
 * handles over it (`orderOf(engine, store, orderId)`).
 */
export type PaymentsEngine = CommandSender;
