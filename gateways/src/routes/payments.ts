/**
 * `POST /v1/payments/wechatpay/notify`: WeChat Pay's callback. 204 only once the
 * engine holds the payment; any refusal is 4xx (bad signature 401, stale
 * timestamp, wrong amount or unknown order 400) and any outage 5xx, so WeChat
 * retries. With `WECHATPAY_MODE=simulator`, `POST /v1/simulator/wechatpay/pay`
 * plays the diner paying (and can forge bad callbacks).
 */
import type { z } from 'zod';
import { SimPayAnswer } from '../answers.js';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type Route } from '../http.js';
import { SimPayRequestSchema } from '@lunchrush/payments';

export function paymentRoutes(deps: GatewayDeps): Route[] {
  const routes: Route[] = [
    route({
      method: 'post',
      path: '/v1/payments/wechatpay/notify',
      tag: 'payments',
      summary: 'WeChat Pay v3 payment callback (signature and AEAD_AES_256_GCM resource checked by WeChat rules)',
      description:
        'Verified on the raw body: Wechatpay-Timestamp within 5 minutes, SHA256-with-RSA over "timestamp\\nnonce\\nbody\\n" with the key named by Wechatpay-Serial (platform certificate serial or public key id). 204 once the payment is durable in the engine; a repeat is 204 again and changes nothing.',
      auth: 'signed',
      rateLimited: false,
      responseStatus: 204,
      headers: [
        { name: 'Wechatpay-Timestamp', required: true, description: 'unix seconds' },
        { name: 'Wechatpay-Nonce', required: true, description: 'random string' },
        { name: 'Wechatpay-Signature', required: true, description: 'base64 SHA256-with-RSA signature' },
        { name: 'Wechatpay-Serial', required: true, description: 'platform certificate serial or PUB_KEY_ID_…' },
      ],
      errors: [
        ErrorCode.InvalidSignature,
        ErrorCode.StaleTimestamp,
        ErrorCode.BadRequest,
        ErrorCode.PayloadTooLarge,
        ErrorCode.PaymentAmountMismatch,
        ErrorCode.PaymentUnknownOrder,
        'order_not_found',
        'amount_mismatch',
        'already_paid',
        ...ENGINE_ERRORS,
      ],
      async handle(req) {
        await deps.payments.notify(req.headers, req.body);
        return { status: 204 };
      },
    }),
  ];
  const sim = deps.simulator;
  if (sim !== undefined) {
    routes.push(
      route({
        method: 'post',
        path: '/v1/simulator/wechatpay/pay',
        response: SimPayAnswer,
        tag: 'simulator',
        summary:
          'Simulator only: the diner pays a prepay; WeChat-signed callback to the notify URL (or a forged one with tamper)',
        auth: 'none',
        rateLimited: false,
        body: SimPayRequestSchema,
        errors: [ErrorCode.NotFound, ErrorCode.ValidationFailed, ErrorCode.BadRequest],
        async handle(_req, { body }: { body: z.output<typeof SimPayRequestSchema> }) {
          if (deps.simulator === undefined) throw new HttpError(ErrorCode.NotFound, 'no simulator');
          return { body: await sim.pay(body) };
        },
      }),
    );
  }
  return routes;
}
