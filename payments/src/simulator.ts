/**
 * A local WeChat Pay v3, the default provider in development, tests and the bench.
 * It signs exactly like WeChat: two RSA-2048 keys made with node:crypto, one
 * standing for a platform certificate (a hex serial) and one for a WeChat Pay
 * public key (`PUB_KEY_ID_…`), used in turn; resources are AEAD_AES_256_GCM under
 * a generated APIv3 key. The keys live in Redis (created once, SET NX), so every
 * gateway process of a deployment verifies what any of them signed.
 *
 * `pay()` plays the diner confirming in WeChat: the order becomes SUCCESS and a
 * signed callback goes to the notify URL. `tamper` sends deliberately bad
 * callbacks instead (bad signature, unknown serial, stale timestamp, a signature
 * probe, a tampered ciphertext, a wrong amount) — the gateway must refuse each.
 */
import {
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PaymentError, PaymentErrorCode as ErrorCode } from './errors.js';
import { randomText } from './random.js';
import { RedisWrites } from './redis-writes.js';
import type { PaymentProvider, PrepayRequest, PrepayResult, Refund, RefundRequest, Transaction } from './provider.js';
import {
  PROBE_PREFIX,
  SIGNATURE_TYPE,
  WeChatPayKeys,
  refundRefusal,
  requestPaymentParams,
  rfc3339China,
  rsaSign,
} from './wechatpay.js';

const REFUND_TTL_S = 400 * 86_400;

/**
 * Takes a refund number once, and only while the order's refunds stay within what was paid:
 * KEYS[1] the order's refunds (hash: refund number → fen), KEYS[2] the refund's record.
 * ARGV: refund number, record, amount, paid total, ttl. Answers {0, record} when taken, {1, record}
 * for a number already taken (nothing refunded again), {2, already refunded} when it would pass
 * the total. One script, so two gateways refunding one order at once cannot both pass the check.
 */
const TAKE_REFUND = `
local existing = redis.call('GET', KEYS[2])
if existing then return {1, existing} end
local sum = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do sum = sum + tonumber(v) end
if sum + tonumber(ARGV[3]) > tonumber(ARGV[4]) then return {2, tostring(sum)} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[5])
return {0, ARGV[2]}
`;

const CALLBACK_TIMEOUT_MS = 10_000;

// Callbacks go out on kept-alive connections through node:http: under load, `fetch` (WHATWG
// streams, an AbortSignal per call) cost the simulator more CPU than its RSA signature.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

function postKeepAlive(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  const agent = u.protocol === 'https:' ? agents['https:'] : agents['http:'];
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(payload.length) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.origin} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export const TAMPER_MODES = ['signature', 'serial', 'stale', 'probe', 'ciphertext', 'amount'] as const;
export type TamperMode = (typeof TAMPER_MODES)[number];

interface SimKeys {
  certSerial: string;
  certKey: string;
  publicKeyId: string;
  publicKey: string;
  merchantKey: string;
  apiV3Key: string;
}

interface UnsignedCallback {
  body: string;
  ts: string;
  sigNonce: string;
  serial: string;
  key: KeyObject;
  /** What the signature covers. */
  payload: string;
}

interface SimOrder {
  orderId: string;
  prepayId: string;
  amountFen: number;
  openid: string;
  expireAt: number;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED';
  transactionId?: string;
  successTime?: string;
}

export const SimPayRequestSchema = z.strictObject({
  prepayId: z.string().regex(/^sim_[A-Za-z0-9_-]{8,64}$/),
  /** Send a deliberately bad callback instead of the real one (the order stays unpaid). */
  tamper: z.enum(TAMPER_MODES).optional(),
  /** false: mark the order paid but send no callback, so only the order query finds it. */
  notify: z.boolean().default(true),
});

export interface SimPayResult {
  readonly orderId: string;
  readonly transactionId: string;
  readonly notified: boolean;
  /** The gateway's answer to the callback. */
  readonly callbackStatus: number | null;
  readonly callbackBody: string | null;
}

export class WeChatPaySimulator implements PaymentProvider {
  readonly name = 'wechatpay-simulator';
  readonly keys = new WeChatPayKeys();
  private useCert = false;

  private readonly writes: RedisWrites;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly mchId: string,
    private readonly appId: string,
    private readonly notifyUrl: () => string,
    private readonly sim: SimKeys,
    private readonly certKey: KeyObject,
    private readonly pubKey: KeyObject,
    private readonly merchantKey: KeyObject,
  ) {
    this.writes = new RedisWrites(redis);
    this.keys.add(sim.certSerial, createPublicKey(certKey));
    this.keys.add(sim.publicKeyId, createPublicKey(pubKey));
  }

  static async open(
    redis: Redis,
    prefix: string,
    opts: { mchId: string; appId: string; notifyUrl: () => string; apiV3Key?: string },
  ): Promise<WeChatPaySimulator> {
    const k = `${prefix}:sim:wechatpay:keys`;
    let raw = await redis.get(k);
    if (raw === null) {
      const pem = (): string =>
        generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString();
      const fresh: SimKeys = {
        certSerial: randomBytes(20).toString('hex').toUpperCase(),
        certKey: pem(),
        publicKeyId: `PUB_KEY_ID_${randomBytes(12).toString('hex').toUpperCase()}`,
        publicKey: pem(),
        merchantKey: pem(),
        apiV3Key: opts.apiV3Key !== undefined && opts.apiV3Key !== '' ? opts.apiV3Key : randomBytes(16).toString('hex'),
      };
      await redis.set(k, JSON.stringify(fresh), 'NX');
      raw = (await redis.get(k))!;
    }
    const sim = JSON.parse(raw) as SimKeys;
    return new WeChatPaySimulator(
      redis,
      prefix,
      opts.mchId,
      opts.appId,
      opts.notifyUrl,
      sim,
      createPrivateKey(sim.certKey),
      createPrivateKey(sim.publicKey),
      createPrivateKey(sim.merchantKey),
    );
  }

  get apiV3Key(): string {
    return this.sim.apiV3Key;
  }

  private orderKey(orderId: string): string {
    return `${this.prefix}:sim:wechatpay:order:${orderId}`;
  }

  private paidKey(orderId: string): string {
    return `${this.prefix}:sim:wechatpay:paid:${orderId}`;
  }

  private prepayKey(prepayId: string): string {
    return `${this.prefix}:sim:wechatpay:prepay:${prepayId}`;
  }

  async prepay(p: PrepayRequest): Promise<PrepayResult> {
    const existing = await this.redis.get(this.orderKey(p.orderId));
    let prepayId: string;
    if (existing !== null) {
      const o = JSON.parse(existing) as SimOrder;
      // WeChat refuses a second prepay of the same out_trade_no with another amount.
      if (o.amountFen !== p.amountFen)
        throw new PaymentError(ErrorCode.ProviderError, 'the simulator has this order with another amount');
      prepayId = o.prepayId;
    } else {
      prepayId = `sim_${randomText(16, 'base64url')}`;
      const o: SimOrder = { ...p, prepayId, state: 'NOTPAY' };
      const ttl = Math.max(3600, Math.ceil((p.expireAt - Date.now()) / 1000) + 86_400);
      await this.writes.run([
        { set: this.orderKey(p.orderId), value: JSON.stringify(o), ttlS: ttl },
        { set: this.prepayKey(prepayId), value: p.orderId, ttlS: ttl },
      ]);
    }
    return { prepayId, requestPayment: await requestPaymentParams(this.appId, prepayId, this.merchantKey) };
  }

  private refundKey(outRefundNo: string): string {
    return `${this.prefix}:sim:wechatpay:refund:${outRefundNo}`;
  }

  private orderRefundsKey(orderId: string): string {
    return `${this.prefix}:sim:wechatpay:refunds:${orderId}`;
  }

  /**
   * As WeChat Pay: the payment must be SUCCESS and its total as given; refunds of one order never
   * pass what was paid; a refund number already seen answers that refund and refunds nothing more.
   * A new refund is PROCESSING; the first query after finds it SUCCESS (WeChat settles refunds
   * asynchronously: its answer to the request is rarely final).
   */
  async refund(r: RefundRequest): Promise<Refund> {
    const raw = await this.redis.get(this.orderKey(r.outTradeNo));
    const o = raw === null ? undefined : (JSON.parse(raw) as SimOrder);
    if (o === undefined || o.state !== 'SUCCESS')
      throw refundRefusal(404, { code: 'RESOURCE_NOT_EXISTS', message: `no paid order ${r.outTradeNo}` });
    if (r.transactionId !== null && r.transactionId !== o.transactionId)
      throw refundRefusal(400, { code: 'INVALID_REQUEST', message: 'transaction_id does not match the order' });
    if (r.totalFen !== o.amountFen)
      throw refundRefusal(400, {
        code: 'INVALID_REQUEST',
        message: `total ${r.totalFen} is not the order's ${o.amountFen}`,
      });
    if (!Number.isInteger(r.amountFen) || r.amountFen <= 0)
      throw refundRefusal(400, { code: 'PARAM_ERROR', message: 'amount.refund must be a positive whole number' });
    const record: Refund = {
      refund_id: `50000${Date.now()}${randomText(4, 'hex')}`,
      out_refund_no: r.outRefundNo,
      out_trade_no: r.outTradeNo,
      ...(o.transactionId === undefined ? {} : { transaction_id: o.transactionId }),
      status: 'PROCESSING',
      create_time: rfc3339China(Date.now()),
      amount: { refund: r.amountFen, total: o.amountFen, currency: 'CNY', payer_refund: r.amountFen },
    };
    const [taken, value] = (await this.redis.eval(
      TAKE_REFUND,
      2,
      this.orderRefundsKey(r.outTradeNo),
      this.refundKey(r.outRefundNo),
      r.outRefundNo,
      JSON.stringify(record),
      r.amountFen,
      o.amountFen,
      REFUND_TTL_S,
    )) as [number, string];
    if (taken === 2)
      throw refundRefusal(400, {
        code: 'INVALID_REQUEST',
        message: `${r.amountFen} more would pass the paid ${o.amountFen} (refunded ${value})`,
      });
    return JSON.parse(value) as Refund;
  }

  async queryRefund(outRefundNo: string): Promise<Refund | undefined> {
    const r = await this.readRefund(outRefundNo);
    return r === undefined ? undefined : this.settle(r, 'SUCCESS');
  }

  /** Every refund held against one trade (its out_trade_no), as the merchant platform lists them, unsettled. */
  async tradeRefunds(outTradeNo: string): Promise<Refund[]> {
    const numbers = await this.redis.hkeys(this.orderRefundsKey(outTradeNo));
    const found = await Promise.all(numbers.map((no) => this.readRefund(no)));
    return found.filter((r): r is Refund => r !== undefined);
  }

  /** The refund as the simulator holds it, without settling it (what WeChat's merchant platform shows). */
  async readRefund(outRefundNo: string): Promise<Refund | undefined> {
    const raw = await this.redis.get(this.refundKey(outRefundNo));
    return raw === null ? undefined : (JSON.parse(raw) as Refund);
  }

  /** Ends a refund that is still PROCESSING (the query does this with SUCCESS; tests pick ABNORMAL or CLOSED). */
  async settleRefund(outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED'): Promise<Refund | undefined> {
    const r = await this.readRefund(outRefundNo);
    return r === undefined ? undefined : this.settle(r, status);
  }

  private async settle(r: Refund, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED'): Promise<Refund> {
    if (r.status !== 'PROCESSING') return r;
    const done: Refund = { ...r, status, ...(status === 'SUCCESS' ? { success_time: rfc3339China(Date.now()) } : {}) };
    await this.redis.set(this.refundKey(r.out_refund_no), JSON.stringify(done), 'KEEPTTL');
    if (status === 'CLOSED' && r.out_trade_no !== undefined)
      await this.redis.hdel(this.orderRefundsKey(r.out_trade_no), r.out_refund_no);
    return done;
  }

  async queryOrder(orderId: string): Promise<Transaction | undefined> {
    const raw = await this.redis.get(this.orderKey(orderId));
    if (raw === null) return undefined;
    return this.transactionOf(JSON.parse(raw) as SimOrder);
  }

  private transactionOf(o: SimOrder, amountFen = o.amountFen): Transaction {
    return {
      appid: this.appId,
      mchid: this.mchId,
      out_trade_no: o.orderId,
      ...(o.transactionId === undefined ? {} : { transaction_id: o.transactionId }),
      trade_type: 'JSAPI',
      trade_state: o.state,
      trade_state_desc: o.state === 'SUCCESS' ? '支付成功' : '未支付',
      ...(o.successTime === undefined ? {} : { success_time: o.successTime }),
      payer: { openid: o.openid },
      amount: { total: amountFen, payer_total: amountFen, currency: 'CNY', payer_currency: 'CNY' },
    };
  }

  /** The diner pays (or an attacker forges a callback, with `tamper`). */
  async pay(req: z.output<typeof SimPayRequestSchema>): Promise<SimPayResult> {
    const orderId = await this.redis.get(this.prepayKey(req.prepayId));
    if (orderId === null) throw new PaymentError(ErrorCode.NotFound, `the simulator has no prepay ${req.prepayId}`);
    const raw = await this.redis.get(this.orderKey(orderId));
    if (raw === null) throw new PaymentError(ErrorCode.NotFound, `the simulator has no order ${orderId}`);
    let o = JSON.parse(raw) as SimOrder;
    if (req.tamper === undefined && o.state === 'NOTPAY') {
      // One transaction per order, as WeChat: of two pays of one prepay at once (a double tap), the
      // first to claim the order makes the transaction and the other reports that one.
      const mine = `42000${Date.now()}${randomText(4, 'hex')}|${rfc3339China(Date.now())}`;
      const claimed = await this.redis.set(this.paidKey(orderId), mine, 'EX', REFUND_TTL_S, 'NX');
      const [transactionId, successTime] = (
        claimed === 'OK' ? mine : ((await this.redis.get(this.paidKey(orderId))) ?? mine)
      ).split('|');
      o = { ...o, state: 'SUCCESS', transactionId: transactionId!, successTime: successTime! };
      await this.redis.set(this.orderKey(orderId), JSON.stringify(o), 'KEEPTTL');
    }
    const forged: SimOrder =
      req.tamper === undefined
        ? o
        : {
            ...o,
            state: 'SUCCESS',
            transactionId: `42000forged${randomText(6, 'hex')}`,
            successTime: rfc3339China(Date.now()),
          };
    if (!req.notify && req.tamper === undefined)
      return { orderId, transactionId: o.transactionId!, notified: false, callbackStatus: null, callbackBody: null };
    const tx = this.transactionOf(forged, req.tamper === 'amount' ? forged.amountFen + 1 : forged.amountFen);
    const { status, body } = await this.sendCallback(tx, req.tamper);
    return {
      orderId,
      transactionId: forged.transactionId!,
      notified: true,
      callbackStatus: status,
      callbackBody: body,
    };
  }

  /** Builds a callback exactly as WeChat Pay does (or spoils one part of it). */
  buildCallback(
    tx: Transaction,
    tamper?: TamperMode,
    nowMs = Date.now(),
  ): { headers: Record<string, string>; body: string } {
    const u = this.unsignedCallback(tx, tamper, nowMs);
    return this.signedCallback(u, sign('sha256', Buffer.from(u.payload), u.key).toString('base64'), tamper);
  }

  /** `buildCallback` with the RSA signature made on libuv's thread pool. */
  async buildCallbackAsync(
    tx: Transaction,
    tamper?: TamperMode,
    nowMs = Date.now(),
  ): Promise<{ headers: Record<string, string>; body: string }> {
    const u = this.unsignedCallback(tx, tamper, nowMs);
    return this.signedCallback(u, await rsaSign(u.payload, u.key), tamper);
  }

  private unsignedCallback(tx: Transaction, tamper: TamperMode | undefined, nowMs: number): UnsignedCallback {
    const nonce = randomText(6, 'base64url').slice(0, 12);
    const aad = 'transaction';
    const c = createCipheriv('aes-256-gcm', Buffer.from(this.sim.apiV3Key), Buffer.from(nonce));
    c.setAAD(Buffer.from(aad));
    let ciphertext = Buffer.concat([c.update(JSON.stringify(tx), 'utf8'), c.final(), c.getAuthTag()]);
    if (tamper === 'ciphertext') {
      ciphertext = Buffer.from(ciphertext);
      ciphertext[0] = ciphertext[0]! ^ 0xff;
    }
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: rfc3339China(nowMs),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: ciphertext.toString('base64'),
        associated_data: aad,
        nonce,
      },
    });
    const ts = String(Math.floor(nowMs / 1000) - (tamper === 'stale' ? 600 : 0));
    const sigNonce = randomText(16, 'hex').toUpperCase();
    this.useCert = !this.useCert;
    const [serial, key] = this.useCert ? [this.sim.certSerial, this.certKey] : [this.sim.publicKeyId, this.pubKey];
    return { body, ts, sigNonce, serial, key, payload: `${ts}\n${sigNonce}\n${body}\n` };
  }

  private signedCallback(
    u: UnsignedCallback,
    signature: string,
    tamper: TamperMode | undefined,
  ): { headers: Record<string, string>; body: string } {
    if (tamper === 'signature') {
      const bytes = Buffer.from(signature, 'base64');
      bytes[10] = bytes[10]! ^ 0x01;
      signature = bytes.toString('base64');
    }
    if (tamper === 'probe') signature = `${PROBE_PREFIX}${signature}`;
    return {
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': u.ts,
        'wechatpay-nonce': u.sigNonce,
        'wechatpay-signature': signature,
        'wechatpay-serial': tamper === 'serial' ? 'PUB_KEY_ID_UNKNOWN0000' : u.serial,
        'wechatpay-signature-type': SIGNATURE_TYPE,
      },
      body: u.body,
    };
  }

  async sendCallback(tx: Transaction, tamper?: TamperMode): Promise<{ status: number; body: string }> {
    const cb = await this.buildCallbackAsync(tx, tamper);
    return postKeepAlive(this.notifyUrl(), cb.headers, cb.body, CALLBACK_TIMEOUT_MS);
  }
}
