/**
 * A gateway started with its own secrets and real WeChat credentials, and no
 * WECHAT_MODE / WECHATPAY_MODE: what a deployment gets when it forgets them. WeChat
 * (code2session) and WeChat Pay (APIv3) are a local stand-in on node:http, as in
 * wechatpay.test.ts; answers are signed with the test platform certificate's key.
 * The simulators must be absent: no free orders, no logging in as whoever a code names.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OWN_SECRETS,
  call,
  idemKey,
  startStack,
  tableToken,
  type ErrorAnswer,
  type Stack,
} from '@lunchrush/stack/testing';
import type { Login, OrderDetail, Placed, Prepay, Scan } from './answers.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const CERT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';

let wechat: Server;
let platformKey: KeyObject;
/** Codes WeChat has issued to wx.login() and not yet traded (each works once). */
const issued = new Map<string, string>();
let s: Stack;

/** A WeChat Pay answer signed as WeChat signs it. */
function signedAnswer(
  status: number,
  body: unknown,
): { status: number; headers: Record<string, string>; text: string } {
  const text = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  return {
    status,
    text,
    headers: {
      'content-type': 'application/json',
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': sign('sha256', Buffer.from(`${ts}\n${nonce}\n${text}\n`), platformKey).toString('base64'),
      'wechatpay-serial': CERT_SERIAL,
    },
  };
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'safe-defaults-'));
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path.join(dir, 'merchant.pem'), merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  platformKey = createPrivateKey(readFileSync(path.join(FIXTURES, 'wechatpay-platform.key.pem')));
  wechat = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const u = new URL(req.url!, 'http://wechat');
      if (u.pathname === '/sns/jscode2session') {
        const code = u.searchParams.get('js_code') ?? '';
        const openid = issued.get(code);
        issued.delete(code);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            openid === undefined ? { errcode: 40029, errmsg: 'invalid code' } : { openid, session_key: 'k' },
          ),
        );
        return;
      }
      const a =
        req.method === 'POST' && u.pathname === '/v3/pay/transactions/jsapi'
          ? signedAnswer(200, { prepay_id: `wx${randomBytes(12).toString('hex')}` })
          : signedAnswer(404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' });
      res.writeHead(a.status, a.headers).end(a.text);
    });
  });
  await new Promise<void>((resolve) => wechat.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(wechat.address() as { port: number }).port}`;
  s = await startStack({
    GATEWAY_DEV_SECRETS: '0',
    ...OWN_SECRETS,
    WECHAT_APPID: 'wxd678efh567hg6787',
    WECHAT_SECRET: 'own-mini-program-secret',
    WECHAT_API_BASE: base,
    WECHATPAY_MCHID: '1230000109',
    WECHATPAY_APIV3_KEY: 'a'.repeat(32),
    WECHATPAY_MERCHANT_SERIAL: 'MERCHANTSERIAL01',
    WECHATPAY_MERCHANT_KEY_FILE: path.join(dir, 'merchant.pem'),
    WECHATPAY_PLATFORM_CERTS: `${CERT_SERIAL}=${path.join(FIXTURES, 'wechatpay-platform.cert.pem')}`,
    WECHATPAY_API_BASE: base,
  });
}, 60_000);
afterAll(async () => {
  await s?.close();
  await new Promise<void>((resolve) => wechat.close(() => resolve()));
});

/** What wx.login() gives a diner: a fresh code that WeChat will trade once for the openid. */
function wxLogin(openid: string): string {
  const code = `0${randomBytes(15).toString('hex')}`;
  issued.set(code, openid);
  return code;
}

describe('without development mode', () => {
  it('login goes to WeChat: a code WeChat did not issue is refused, whatever it names', async () => {
    for (const code of ['alice-1', 'manager-2']) {
      const r = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/login', { body: { code } });
      expect(r.status, code).toBe(401);
      expect(r.body.code).toBe('login_failed');
    }
    const ok = await call(s.url, 'POST', '/v1/diner/login', { body: { code: wxLogin('oAlice') } });
    expect(ok.status).toBe(200);
  });

  it('a diner cannot mark an order paid: the payment simulator is not mounted', async () => {
    const login = await call<Login>(s.url, 'POST', '/v1/diner/login', { body: { code: wxLogin('oBob') } });
    const scan = await call<Scan>(s.url, 'POST', '/v1/diner/scan', {
      token: login.body.sessionToken,
      body: { tableToken: tableToken(s, 0).token, partySize: 2 },
    });
    expect(scan.status).toBe(200);
    const token = scan.body.sessionToken; // the session seated at the table
    const o = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(o.status, JSON.stringify(o.body)).toBe(201);
    const orderId = o.body.order.orderId;
    const pay = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token });
    expect(pay.status, JSON.stringify(pay.body)).toBe(200);

    const sim = await call<ErrorAnswer>(s.url, 'POST', '/v1/simulator/wechatpay/pay', {
      body: { prepayId: pay.body.prepayId },
    });
    expect(sim.status).toBe(404);
    expect(sim.body).toMatchObject({ code: 'not_found', message: 'no route POST /v1/simulator/wechatpay/pay' });
    const after = await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token });
    expect(after.body.status).toBe('pending_payment');
    expect(pay.body.provider).toBe('wechatpay');
    expect(pay.body).not.toHaveProperty('simulator');
    const doc = await call<{ paths: Record<string, unknown> }>(s.url, 'GET', '/openapi.json');
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/v1/simulator'))).toEqual([]);
  });
});
