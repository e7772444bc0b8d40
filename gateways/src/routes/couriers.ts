/**
 * `POST /v1/couriers/sf/callback`: 顺丰同城's status callbacks (rider accepted, at the store,
 * picked up, delivered; cancelled; exception). `{error_code: 0}` only once the delivery holds the
 * step; a forged sign is 401, an old push 400, a step that goes back or names an abandoned
 * attempt 409, an outage 5xx, so the platform pushes again.
 */
import { DeliveryErrorCode } from '@lunchrush/actors';
import { CourierError, CourierErrorCode, SF_CALLBACK_OK } from '@lunchrush/couriers';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type Route } from '../http.js';
import type { Couriers } from '../couriers.js';

const CallbackQuery = z.strictObject({ sign: z.string().min(1).max(200) });
const CallbackAnswer = z.object({ error_code: z.literal(0), error_msg: z.string() });

export function courierRoutes(deps: GatewayDeps, couriers: Couriers | undefined): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/couriers/sf/callback',
      tag: 'couriers',
      summary:
        '顺丰同城 status callback (sign over the raw body with the developer key, push_time within the tolerance)',
      description:
        'Verified on the raw body: sign = base64(md5_hex(body + "&" + dev_id + "&" + dev_key)) in the query; push_time within COURIER_SIGNATURE_TOLERANCE_S of now; shop_order_id names the order and dispatch attempt. The step is then the delivery\'s to decide: a repeat changes nothing and is answered success again; a step before the one the delivery is at (a replay) or from an attempt it gave up is 409.',
      auth: 'signed',
      rateLimited: false,
      query: CallbackQuery,
      response: CallbackAnswer,
      errors: [
        CourierErrorCode.InvalidSignature,
        CourierErrorCode.StalePush,
        CourierErrorCode.BadCallback,
        DeliveryErrorCode.NotFound,
        DeliveryErrorCode.StaleAttempt,
        DeliveryErrorCode.StatusRegressed,
        DeliveryErrorCode.Closed,
        ErrorCode.PayloadTooLarge,
        ...ENGINE_ERRORS,
      ],
      async handle(req, { query }: { query: z.output<typeof CallbackQuery> }) {
        if (couriers === undefined) throw new HttpError(ErrorCode.NotFound, 'no courier platform is configured');
        try {
          await couriers.callbacks.handle(query.sign, req.body);
        } catch (e) {
          if (e instanceof CourierError) throw new HttpError(e.code, e.message);
          throw e;
        }
        return { body: SF_CALLBACK_OK };
      },
    }),
  ];
}
