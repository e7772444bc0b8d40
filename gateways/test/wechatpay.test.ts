/**
 * The real WeChat Pay APIv3 provider against a local stand-in of api.mch.weixin.qq.com
 * (node:http): requests must carry a valid WECHATPAY2-SHA256-RSA2048 Authorization
 * made with the merchant key; answers are signed with a platform key named either
 * by a platform certificate serial (a test certificate in fixtures/) or by a public
 * key id, and an answer with a bad signature must be refused.
 */
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync, sign, verify, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { WeChatPayV3, verifyWeChatPaySignature, WeChatPayKeys } from '@lunchrush/payments';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const CERT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const PUB_KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';

let server: Server;
let base: string;
let merchantPublic: KeyObject;
let certKey: KeyObject;
let pubKeyKey: KeyObject;
let mode: { serial: 'cert' | 'pubkey'; corrupt: boolean } = { serial: 'cert', corrupt: false };
const seen: { method: string; url: string; authOk: boolean; body: string }[] = [];

/** The stand-in's refunds: create (PROCESSING) and query; FREQUENCY_LIMITED and INVALID_REQUEST on cue. */
function refundAnswer(method: string, url: string, body: string): ReturnType<typeof signedAnswer> | undefined {
  if (method === 'POST' && url === '/v3/refund/domestic/refunds') {
    const b = JSON.parse(body) as { out_refund_no: string; amount: { refund: number; total: number } };
    if (b.out_refund_no.endsWith('|busy'))
      return { ...signedAnswer(429, { code: 'FREQUENCY_LIMITED', message: '频率限制' }) };
    if (b.amount.refund > b.amount.total)
      return signedAnswer(400, { code: 'INVALID_REQUEST', message: '退款金额超过订单可退金额' });
    return signedAnswer(200, {
      refund_id: '50000000382019052709732678859',
      out_refund_no: b.out_refund_no,
      transaction_id: '1217752501201407033233368018',
      out_trade_no: 'o_001_paid',
      status: 'PROCESSING',
      create_time: '2026-11-22T12:05:00+08:00',
      amount: { refund: b.amount.refund, total: b.amount.total, currency: 'CNY', payer_refund: b.amount.refund },
    });
  }
  if (method === 'GET' && url.startsWith('/v3/refund/domestic/refunds/')) {
    if (url.endsWith('/o_001_paid%7Cr1'))
      return signedAnswer(200, {
        refund_id: '50000000382019052709732678859',
        out_refund_no: 'o_001_paid|r1',
        status: 'SUCCESS',
        success_time: '2026-11-22T12:06:00+08:00',
        amount: { refund: 1200, total: 3200, currency: 'CNY' },
      });
    return signedAnswer(404, { code: 'RESOURCE_NOT_EXISTS', message: '退款单不存在' });
  }
  return undefined;
}

function signedAnswer(
  status: number,
  body: unknown,
): { status: number; headers: Record<string, string>; text: string } {
  const text = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const [serial, key] = mode.serial === 'cert' ? [CERT_SERIAL, certKey] : [PUB_KEY_ID, pubKeyKey];
  let sig = sign('sha256', Buffer.from(`${ts}\n${nonce}\n${text}\n`), key).toString('base64');
  if (mode.corrupt) sig = `${sig.slice(0, -4)}AAA=`;
  return {
    status,
    text,
    headers: {
      'content-type': 'application/json',
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': sig,
      'wechatpay-serial': serial,
    },
  };
}

function checkAuthorization(method: string, url: string, body: string, header: string | undefined): boolean {
  const m =
    /^WECHATPAY2-SHA256-RSA2048 mchid="(\d+)",nonce_str="(\w+)",signature="([^"]+)",timestamp="(\d+)",serial_no="(\w+)"$/.exec(
      header ?? '',
    );
  if (m === null || m[1] !== '1230000109' || m[5] !== 'MERCHANTSERIAL01') return false;
  return verify(
    'sha256',
    Buffer.from(`${method}\n${url}\n${m[4]}\n${m[2]}\n${body}\n`),
    merchantPublic,
    Buffer.from(m[3]!, 'base64'),
  );
}

let provider: WeChatPayV3;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wxpay-'));
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  merchantPublic = merchant.publicKey;
  writeFileSync(path.join(dir, 'merchant.pem'), merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const pk = generateKeyPairSync('rsa', { modulusLength: 2048 });
  pubKeyKey = pk.privateKey;
  writeFileSync(path.join(dir, 'pub_key.pem'), pk.publicKey.export({ type: 'spki', format: 'pem' }));
  certKey = (await import('node:crypto')).createPrivateKey(
    readFileSync(path.join(FIXTURES, 'wechatpay-platform.key.pem')),
  );

  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const authOk = checkAuthorization(req.method!, req.url!, body, req.headers.authorization);
      seen.push({ method: req.method!, url: req.url!, authOk, body });
      const refund = authOk ? refundAnswer(req.method!, req.url!, body) : undefined;
      const a = !authOk
        ? { status: 401, headers: { 'content-type': 'application/json' }, text: '{"code":"SIGN_ERROR"}' }
        : refund !== undefined
          ? refund
          : req.url === '/v3/pay/transactions/jsapi'
            ? signedAnswer(200, { prepay_id: 'wx201410272009395522657a690389285100' })
            : req.url!.startsWith('/v3/pay/transactions/out-trade-no/o_001_paid?mchid=1230000109')
              ? signedAnswer(200, {
                  appid: 'wxd678efh567hg6787',
                  mchid: '1230000109',
                  out_trade_no: 'o_001_paid',
                  transaction_id: '1217752501201407033233368018',
                  trade_type: 'JSAPI',
                  trade_state: 'SUCCESS',
                  success_time: '2026-11-22T12:00:00+08:00',
                  amount: { total: 3200, payer_total: 3200, currency: 'CNY', payer_currency: 'CNY' },
                })
              : signedAnswer(404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' });
      res.writeHead(a.status, a.headers).end(a.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
  const cfg = parseConfig({
    GATEWAY_DEV_SECRETS: '1',
    WECHAT_APPID: 'wxd678efh567hg6787',
    WECHATPAY_MODE: 'real',
    WECHATPAY_MCHID: '1230000109',
    WECHATPAY_APIV3_KEY: 'a'.repeat(32),
    WECHATPAY_MERCHANT_SERIAL: 'MERCHANTSERIAL01',
    WECHATPAY_MERCHANT_KEY_FILE: path.join(dir, 'merchant.pem'),
    WECHATPAY_PLATFORM_CERTS: `${CERT_SERIAL}=${path.join(FIXTURES, 'wechatpay-platform.cert.pem')}`,
    WECHATPAY_PUBLIC_KEY_ID: PUB_KEY_ID,
    WECHATPAY_PUBLIC_KEY_FILE: path.join(dir, 'pub_key.pem'),
    WECHATPAY_API_BASE: base,
  });
  provider = new WeChatPayV3(cfg.wechatPay, cfg.signatureToleranceS);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('WeChat Pay APIv3 (real provider, local API stand-in): payments', () => {
  it('prepays with a signed request; the answer is verified; paySign is the merchant signature', async () => {
    for (const serial of ['cert', 'pubkey'] as const) {
      mode = { serial, corrupt: false };
      const r = await provider.prepay({
        orderId: 'o_001_abc',
        amountFen: 3200,
        description: '湘川小馆',
        openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
        expireAt: Date.now() + 900_000,
      });
      expect(r.prepayId).toBe('wx201410272009395522657a690389285100');
      const p = r.requestPayment;
      expect(p.package).toBe(`prepay_id=${r.prepayId}`);
      const msg = `wxd678efh567hg6787\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`;
      expect(verify('sha256', Buffer.from(msg), merchantPublic, Buffer.from(p.paySign, 'base64'))).toBe(true);
    }
    expect(seen.every((x) => x.authOk)).toBe(true);
  });

  it('queries an order; an unknown one is undefined', async () => {
    mode = { serial: 'pubkey', corrupt: false };
    const tx = await provider.queryOrder('o_001_paid');
    expect(tx).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 3200 } });
    expect(await provider.queryOrder('o_001_none')).toBeUndefined();
    expect(seen.at(-1)!.url).toBe('/v3/pay/transactions/out-trade-no/o_001_none?mchid=1230000109');
  });

  it('refuses a 2xx answer whose signature does not verify', async () => {
    mode = { serial: 'cert', corrupt: true };
    await expect(provider.queryOrder('o_001_paid')).rejects.toMatchObject({ code: 'invalid_signature' });
    mode = { serial: 'cert', corrupt: false };
  });

  it('verifies callbacks with a certificate serial in any letter case, and refuses an unknown one', () => {
    const keys = new WeChatPayKeys();
    expect(keys.addCertificate(readFileSync(path.join(FIXTURES, 'wechatpay-platform.cert.pem')))).toBe(CERT_SERIAL);
    const body = Buffer.from('{"id":"EV-1"}');
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = sign('sha256', Buffer.from(`${ts}\nn1\n${body.toString()}\n`), certKey).toString('base64');
    const h = { 'wechatpay-timestamp': ts, 'wechatpay-nonce': 'n1', 'wechatpay-signature': sig };
    expect(verifyWeChatPaySignature(keys, { ...h, 'wechatpay-serial': CERT_SERIAL.toLowerCase() }, body, 300)).toEqual({
      serial: CERT_SERIAL.toLowerCase(),
    });
    expect(() => verifyWeChatPaySignature(keys, { ...h, 'wechatpay-serial': 'ABCDEF' }, body, 300)).toThrow(
      /serial ABCDEF/,
    );
    expect(() =>
      verifyWeChatPaySignature(keys, { ...h, 'wechatpay-serial': CERT_SERIAL }, Buffer.from('{"id":"EV-2"}'), 300),
    ).toThrow(/does not verify/);
    expect(createPublicKey(certKey).asymmetricKeyType).toBe('rsa');
  });
});

describe('WeChat Pay APIv3 (real provider, local API stand-in): refunds', () => {
  it('refunds with a signed request naming the payment, the refund number and the amounts; queries a refund', async () => {
    mode = { serial: 'cert', corrupt: false };
    const r = await provider.refund({
      outRefundNo: 'o_001_paid|r1',
      outTradeNo: 'o_001_paid',
      transactionId: '1217752501201407033233368018',
      amountFen: 1200,
      totalFen: 3200,
      reason: '菜品售罄'.repeat(30),
    });
    expect(r).toMatchObject({ status: 'PROCESSING', out_refund_no: 'o_001_paid|r1', amount: { refund: 1200 } });
    const sent = seen.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', url: '/v3/refund/domestic/refunds', authOk: true });
    const body = JSON.parse(sent.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      transaction_id: '1217752501201407033233368018',
      out_refund_no: 'o_001_paid|r1',
      amount: { refund: 1200, total: 3200, currency: 'CNY' },
    });
    expect((body.reason as string).length).toBe(80); // WeChat takes at most 80
    // Without a transaction id the order number names the payment.
    await provider.refund({
      outRefundNo: 'o_001_x|r2',
      outTradeNo: 'o_001_x',
      transactionId: null,
      amountFen: 1,
      totalFen: 2,
      reason: 'r',
    });
    expect(JSON.parse(seen.at(-1)!.body)).toMatchObject({ out_trade_no: 'o_001_x' });
    expect(JSON.parse(seen.at(-1)!.body)).not.toHaveProperty('transaction_id');

    expect(await provider.queryRefund('o_001_paid|r1')).toMatchObject({ status: 'SUCCESS', amount: { refund: 1200 } });
    expect(seen.at(-1)!.url).toBe('/v3/refund/domestic/refunds/o_001_paid%7Cr1');
    expect(await provider.queryRefund('o_001_paid|none')).toBeUndefined();
  });

  it('tells a refund to try later (FREQUENCY_LIMITED) from one refused for good (INVALID_REQUEST)', async () => {
    mode = { serial: 'pubkey', corrupt: false };
    const base = { outTradeNo: 'o_001_paid', transactionId: null, totalFen: 3200, reason: 'r' };
    await expect(provider.refund({ ...base, outRefundNo: 'o_001_paid|busy', amountFen: 100 })).rejects.toMatchObject({
      code: 'payment_provider_error',
      status: 502,
    });
    await expect(provider.refund({ ...base, outRefundNo: 'o_001_paid|r9', amountFen: 5000 })).rejects.toMatchObject({
      code: 'payment_refused',
      status: 409,
    });
  });
});
