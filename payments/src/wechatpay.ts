/**
 * WeChat Pay APIv3, by WeChat's rules:
 *
 * - Callbacks (and API responses) are signed SHA256-with-RSA (PKCS#1 v1.5) over
 *   `<Wechatpay-Timestamp>\n<Wechatpay-Nonce>\n<raw body>\n`, with the WeChat Pay
 *   key that `Wechatpay-Serial` names: a platform certificate's serial number or,
 *   for merchants on the newer scheme, a WeChat Pay public key id (`PUB_KEY_ID_…`).
 *   Both kinds are kept side by side, because WeChat migrates merchants from one to
 *   the other and signs with either during the switch.
 * - The timestamp must be within 5 minutes; signatures starting
 *   `WECHATPAY/SIGNTEST/` are WeChat's probes that a merchant really verifies, and
 *   must fail.
 * - The body's `resource` is AEAD_AES_256_GCM: key = the merchant's APIv3 key (32
 *   bytes), IV = `resource.nonce`, AAD = `resource.associated_data`, and the last
 *   16 bytes of the base64 `ciphertext` are the tag.
 * - Requests to WeChat carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,
 *   nonce_str=…, signature=…, timestamp=…, serial_no=…`, the signature over
 *   `<METHOD>\n<path?query>\n<timestamp>\n<nonce>\n<body>\n` with the merchant key.
 * - `wx.requestPayment`'s `paySign` is the merchant key's signature over
 *   `<appId>\n<timeStamp>\n<nonceStr>\nprepay_id=<id>\n`.
 *
 * RSA-2048 signing costs ~0.5–1 ms of CPU, so every signature made while serving
 * requests goes through `rsaSign`: node:crypto's `sign` with a callback runs on
 * libuv's thread pool, off the event loop (verifying costs ~30 µs and stays inline).
 */
import {
  X509Certificate,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ensureError } from '@lunchrush/engine';
import type { WeChatPayConfig } from './config.js';
import { PaymentError, PaymentErrorCode as ErrorCode } from './errors.js';
import { randomText } from './random.js';
import type { PaymentProvider, PrepayRequest, PrepayResult, Refund, RefundRequest, Transaction } from './provider.js';
import { RefundSchema, TransactionSchema } from './provider.js';

export const SIGNATURE_TYPE = 'WECHATPAY2-SHA256-RSA2048';
export const PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

/** WeChat Pay verification keys by serial: platform certificate serials (upper-case hex) and public key ids. */
export class WeChatPayKeys {
  private readonly keys = new Map<string, KeyObject>();

  add(serial: string, key: KeyObject): this {
    this.keys.set(normalSerial(serial), key);
    return this;
  }

  addCertificate(pem: string | Buffer): string {
    const cert = new X509Certificate(pem);
    this.add(cert.serialNumber, cert.publicKey);
    return normalSerial(cert.serialNumber);
  }

  get(serial: string): KeyObject | undefined {
    return this.keys.get(normalSerial(serial));
  }

  get serials(): string[] {
    return [...this.keys.keys()];
  }
}

function normalSerial(s: string): string {
  return /^[0-9A-Fa-f]+$/.test(s) ? s.toUpperCase() : s;
}

/** Checks a callback's (or a response's) signature headers against the raw body; throws PaymentError. */
export function verifyWeChatPaySignature(
  keys: WeChatPayKeys,
  headers: Readonly<Record<string, string>>,
  rawBody: Buffer,
  toleranceS: number,
  nowMs = Date.now(),
): { serial: string } {
  const ts = headers['wechatpay-timestamp'];
  const nonce = headers['wechatpay-nonce'];
  const signature = headers['wechatpay-signature'];
  const serial = headers['wechatpay-serial'];
  const type = headers['wechatpay-signature-type'];
  if (ts === undefined || nonce === undefined || signature === undefined || serial === undefined)
    throw new PaymentError(
      ErrorCode.InvalidSignature,
      'Wechatpay-Timestamp, -Nonce, -Signature and -Serial are required',
    );
  if (type !== undefined && type !== SIGNATURE_TYPE)
    throw new PaymentError(ErrorCode.InvalidSignature, `unsupported Wechatpay-Signature-Type ${type}`);
  if (signature.startsWith(PROBE_PREFIX))
    throw new PaymentError(
      ErrorCode.InvalidSignature,
      'a WeChat Pay signature probe (WECHATPAY/SIGNTEST/) never verifies',
    );
  if (!/^\d{1,12}$/.test(ts)) throw new PaymentError(ErrorCode.InvalidSignature, 'Wechatpay-Timestamp is not a number');
  const key = keys.get(serial);
  if (key === undefined)
    throw new PaymentError(ErrorCode.InvalidSignature, `no WeChat Pay certificate or public key with serial ${serial}`);
  const message = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), rawBody, Buffer.from('\n')]);
  let ok: boolean;
  try {
    ok = verify('sha256', message, key, Buffer.from(signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw new PaymentError(ErrorCode.InvalidSignature, 'the WeChat Pay signature does not verify');
  if (Math.abs(nowMs / 1000 - Number(ts)) > toleranceS)
    throw new PaymentError(ErrorCode.StaleTimestamp, `Wechatpay-Timestamp is more than ${toleranceS} s from now`);
  return { serial };
}

export const NotificationSchema = z.object({
  id: z.string().min(1).max(64),
  create_time: z.string(),
  event_type: z.string().min(1).max(64),
  resource_type: z.string(),
  summary: z.string().optional(),
  resource: z.object({
    algorithm: z.string(),
    ciphertext: z.string().min(1),
    nonce: z.string().min(1).max(64),
    associated_data: z.string().optional(),
    original_type: z.string().optional(),
  }),
});
export type Notification = z.infer<typeof NotificationSchema>;

/** AEAD_AES_256_GCM decryption of a notification's `resource`. Throws PaymentError. */
export function decryptResource(apiV3Key: string, resource: Notification['resource']): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM')
    throw new PaymentError(ErrorCode.BadRequest, `unsupported resource algorithm ${resource.algorithm}`);
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length <= 16) throw new PaymentError(ErrorCode.BadRequest, 'resource ciphertext is too short');
  try {
    const d = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key), Buffer.from(resource.nonce));
    d.setAAD(Buffer.from(resource.associated_data ?? ''));
    d.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString('utf8');
  } catch {
    throw new PaymentError(ErrorCode.InvalidSignature, 'the resource does not decrypt with the APIv3 key');
  }
}

/** Parses a verified notification's body and decrypts a transaction out of it. */
export function openTransaction(
  apiV3Key: string,
  rawBody: Buffer,
): { notification: Notification; transaction?: Transaction } {
  let notification: Notification;
  try {
    notification = NotificationSchema.parse(JSON.parse(rawBody.toString('utf8')));
  } catch (e) {
    throw new PaymentError(
      ErrorCode.BadRequest,
      `not a WeChat Pay notification: ${ensureError(e).message.slice(0, 200)}`,
    );
  }
  if (!notification.event_type.startsWith('TRANSACTION.')) return { notification };
  const plain = decryptResource(apiV3Key, notification.resource);
  const parsed = TransactionSchema.safeParse(JSON.parse(plain));
  if (!parsed.success) throw new PaymentError(ErrorCode.BadRequest, 'the decrypted resource is not a transaction');
  return { notification, transaction: parsed.data };
}

/** SHA256-with-RSA (PKCS#1 v1.5) on libuv's thread pool; base64. */
export function rsaSign(data: string, key: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(data), key, (err, sig) =>
      err === null ? resolve(sig.toString('base64')) : reject(err),
    );
  });
}

export function nonceStr(): string {
  return randomText(16, 'hex');
}

/** The `Authorization` header of a request to WeChat Pay. */
export async function authorization(
  mchId: string,
  serial: string,
  key: KeyObject,
  method: string,
  pathWithQuery: string,
  body: string,
  nowMs = Date.now(),
): Promise<string> {
  const ts = Math.floor(nowMs / 1000);
  const nonce = nonceStr();
  const sig = await rsaSign(`${method}\n${pathWithQuery}\n${ts}\n${nonce}\n${body}\n`, key);
  return `${SIGNATURE_TYPE} mchid="${mchId}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${serial}"`;
}

/** What `wx.requestPayment` needs, signed by the merchant key. */
export async function requestPaymentParams(
  appId: string,
  prepayId: string,
  key: KeyObject,
  nowMs = Date.now(),
): Promise<PrepayResult['requestPayment']> {
  const timeStamp = String(Math.floor(nowMs / 1000));
  const nonce = nonceStr();
  const pkg = `prepay_id=${prepayId}`;
  const paySign = await rsaSign(`${appId}\n${timeStamp}\n${nonce}\n${pkg}\n`, key);
  return { timeStamp, nonceStr: nonce, package: pkg, signType: 'RSA', paySign };
}

/**
 * WeChat Pay's answer to a refund it did not take. Its 5xx, `SYSTEM_ERROR`, `FREQUENCY_LIMITED` (a
 * second refund of one order within a minute) and `NOT_ENOUGH` (the merchant's balance is short)
 * pass with time: retryable (503). Anything else (`INVALID_REQUEST`: more than is left to refund,
 * `USER_ACCOUNT_ABNORMAL`, …) will not: 409 `payment_refused`.
 */
export function refundRefusal(status: number, data: unknown): PaymentError {
  const code = typeof (data as { code?: unknown })?.code === 'string' ? (data as { code: string }).code : '';
  const message =
    typeof (data as { message?: unknown })?.message === 'string' ? (data as { message: string }).message : '';
  const what = `WeChat Pay refused the refund (${status}${code === '' ? '' : ` ${code}`}${message === '' ? '' : `: ${message}`})`;
  if (status >= 500 || status === 429 || ['SYSTEM_ERROR', 'FREQUENCY_LIMITED', 'NOT_ENOUGH'].includes(code))
    return new PaymentError(ErrorCode.ProviderError, what, { retryAfterS: 60, details: data });
  return new PaymentError(ErrorCode.Refused, what, { details: { status, code, message } });
}

/** RFC 3339 with +08:00, as WeChat Pay writes times. */
export function rfc3339China(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

/** The real WeChat Pay APIv3 (JSAPI/mini-program payments). */
export class WeChatPayV3 implements PaymentProvider {
  readonly name = 'wechatpay';
  private readonly merchantKey: KeyObject;
  readonly keys = new WeChatPayKeys();

  constructor(
    private readonly cfg: WeChatPayConfig,
    private readonly toleranceS: number,
  ) {
    this.merchantKey = createPrivateKey(readFileSync(cfg.merchantKeyFile));
    for (const c of cfg.platformCerts) {
      const serial = this.keys.addCertificate(readFileSync(c.file));
      if (serial !== c.serial)
        throw new Error(`WECHATPAY_PLATFORM_CERTS: ${c.file} has serial ${serial}, not ${c.serial}`);
    }
    if (cfg.publicKeyId !== '') this.keys.add(cfg.publicKeyId, createPublicKey(readFileSync(cfg.publicKeyFile)));
  }

  get apiV3Key(): string {
    return this.cfg.apiV3Key;
  }

  private async call(
    method: 'GET' | 'POST',
    pathWithQuery: string,
    body?: unknown,
  ): Promise<{ status: number; data: unknown }> {
    const text = body === undefined ? '' : JSON.stringify(body);
    let r: Response;
    try {
      r = await fetch(`${this.cfg.apiBase}${pathWithQuery}`, {
        method,
        headers: {
          authorization: await authorization(
            this.cfg.mchId,
            this.cfg.merchantSerial,
            this.merchantKey,
            method,
            pathWithQuery,
            text,
          ),
          accept: 'application/json',
          'content-type': 'application/json',
          'user-agent': 'lunchrush-gateway',
        },
        ...(body === undefined ? {} : { body: text }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch (e) {
      throw new PaymentError(ErrorCode.ProviderError, `WeChat Pay did not answer: ${ensureError(e).message}`, {
        retryAfterS: 1,
      });
    }
    const raw = Buffer.from(await r.arrayBuffer());
    const headers: Record<string, string> = {};
    r.headers.forEach((v, k) => (headers[k] = v));
    // A 2xx answer without a valid signature is forged or tampered (WeChat's rule).
    if (r.status >= 200 && r.status < 300) verifyWeChatPaySignature(this.keys, headers, raw, this.toleranceS);
    return { status: r.status, data: raw.length === 0 ? {} : JSON.parse(raw.toString('utf8')) };
  }

  async prepay(p: PrepayRequest): Promise<PrepayResult> {
    const { status, data } = await this.call('POST', '/v3/pay/transactions/jsapi', {
      appid: this.cfg.appId,
      mchid: this.cfg.mchId,
      description: p.description.slice(0, 127),
      out_trade_no: p.orderId,
      time_expire: rfc3339China(p.expireAt),
      notify_url: this.cfg.notifyUrl,
      amount: { total: p.amountFen, currency: 'CNY' },
      payer: { openid: p.openid },
    });
    const prepayId = (data as { prepay_id?: string }).prepay_id;
    if (status !== 200 || prepayId === undefined)
      throw new PaymentError(ErrorCode.ProviderError, `WeChat Pay refused the prepay (${status})`, {
        details: data,
      });
    return { prepayId, requestPayment: await requestPaymentParams(this.cfg.appId, prepayId, this.merchantKey) };
  }

  async refund(r: RefundRequest): Promise<Refund> {
    const { status, data } = await this.call('POST', '/v3/refund/domestic/refunds', {
      ...(r.transactionId === null ? { out_trade_no: r.outTradeNo } : { transaction_id: r.transactionId }),
      out_refund_no: r.outRefundNo,
      reason: r.reason.slice(0, 80),
      amount: { refund: r.amountFen, total: r.totalFen, currency: 'CNY' },
    });
    if (status === 200) return RefundSchema.parse(data);
    throw refundRefusal(status, data);
  }

  async queryRefund(outRefundNo: string): Promise<Refund | undefined> {
    const { status, data } = await this.call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`);
    if (status === 404) return undefined;
    if (status !== 200) throw refundRefusal(status, data);
    return RefundSchema.parse(data);
  }

  async queryOrder(orderId: string): Promise<Transaction | undefined> {
    const { status, data } = await this.call(
      'GET',
      `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderId)}?mchid=${encodeURIComponent(this.cfg.mchId)}`,
    );
    if (status === 404) return undefined;
    if (status !== 200) throw new PaymentError(ErrorCode.ProviderError, `WeChat Pay order query failed (${status})`);
    return TransactionSchema.parse(data);
  }
}
