/**
 * The WeChat Pay simulator in a process of its own: `POST /v1/simulator/wechatpay/pay`
 * on its own port, sending the signed callback over HTTP to `WECHATPAY_NOTIFY_URL`
 * (a gateway). It shares the gateway's keys and simulated orders through Redis (same
 * `ENGINE_NAMESPACE`), so whatever a gateway prepaid it can pay. WeChat does its own
 * signing on its own machines; the bench starts this so that the RSA signature and
 * the outgoing callback of every simulated payment are not charged to the gateway
 * under test (the gateway still verifies every callback).
 *
 *   GATEWAY_DEV_SECRETS=1 ENGINE_NAMESPACE=lr GATEWAY_PORT=8090 \
 *     WECHATPAY_NOTIFY_URL=http://127.0.0.1:8080/v1/payments/wechatpay/notify \
 *     node --import tsx gateways/src/simulator-main.ts
 *
 * Configuration is the gateway's (`parseConfig`); it uses `REDIS_URL`,
 * `ENGINE_NAMESPACE`, `GATEWAY_HOST`/`GATEWAY_PORT`, `WECHATPAY_MCHID`/`APPID`/
 * `APIV3_KEY`/`NOTIFY_URL`. Prints `SIMULATOR READY port=<p>` once it listens.
 */
import { Redis } from 'ioredis';
import type { us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { parseConfigOrExit } from './config.js';
import { ErrorCode, HttpError, ensureError, toHttpError } from './errors.js';
import { captureRequest, errorReply, readBody, send } from './http.js';
import { SimPayRequestSchema, WeChatPaySimulator } from '@lunchrush/payments';
import { stopOnSignals } from '@lunchrush/engine/process';
import { uws } from './uws.js';

async function main(): Promise<void> {
  const cfg = parseConfigOrExit();
  if (cfg.wechatPay.mode !== 'simulator') {
    // Development only, like the gateway's own simulator route (see config.ts).
    console.error(
      'configuration error: the WeChat Pay simulator runs only with WECHATPAY_MODE=simulator (GATEWAY_DEV_SECRETS=1)',
    );
    process.exit(2);
  }
  const redis = new Redis(cfg.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 2 });
  const sim = await WeChatPaySimulator.open(redis, `${cfg.namespace}:gw`, {
    mchId: cfg.wechatPay.mchId,
    appId: cfg.wechatPay.appId,
    notifyUrl: () => cfg.wechatPay.notifyUrl,
    apiV3Key: cfg.wechatPay.apiV3Key,
  });
  const app = uws.App();
  app.post('/v1/simulator/wechatpay/pay', (res, req) => {
    const info = captureRequest(res, req, [], false);
    res.onAborted(() => (info.aborted = true));
    readBody(res, info, cfg.maxBodyBytes)
      .then(async (body) => {
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          throw new HttpError(ErrorCode.BadRequest, 'the body is not valid JSON');
        }
        const parsed = SimPayRequestSchema.safeParse(json);
        if (!parsed.success)
          throw new HttpError(ErrorCode.ValidationFailed, `invalid body: ${parsed.error.issues[0]?.message ?? ''}`);
        return { body: await sim.pay(parsed.data) };
      })
      .catch((e: unknown) => errorReply(toHttpError(e, cfg.retryAfterS)))
      .then((reply) => send(res, info, reply))
      .catch((e: unknown) => console.error(ensureError(e)));
  });
  app.any('/*', (res, req) => {
    const info = captureRequest(res, req, [], false);
    res.onAborted(() => (info.aborted = true));
    send(res, info, errorReply(new HttpError(ErrorCode.NotFound, `no route ${info.url}`)), true);
  });
  const socket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen(cfg.host, cfg.port, (s) =>
      s === false ? reject(new Error(`cannot listen on ${cfg.host}:${cfg.port}`)) : resolve(s),
    ),
  );
  console.log(`SIMULATOR READY port=${uws.us_socket_local_port(socket)} notify=${cfg.wechatPay.notifyUrl}`);
  stopOnSignals(() => {
    uws.us_listen_socket_close(socket);
    redis.disconnect();
  });
}

main().catch((e: unknown) => {
  console.error(ensureError(e));
  process.exit(1);
});
