/**
 * Sales channels other than the mini-program, deducting the same stock actors:
 *
 * - `POST /v1/channels/pos/{store}/sales`: a POS sale;
 * - `POST /v1/channels/delivery/{store}/orders`: a delivery-platform order.
 *
 * Each is signed with its channel's secret: `X-Lunchrush-Timestamp: <unix s>` and
 * `X-Lunchrush-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`,
 * checked on the exact bytes received, timestamps within 5 minutes.
 *
 * A sale is one idempotent business fact, kept by its own `sale` actor in the store's
 * partition under the channel's id (`saleId`; `<platform>.<platformOrderId>`): one engine
 * command checks every SKU against the store's menu (422 `unknown_sku`), then sells each
 * SKU's units in one transaction, all or nothing (one short SKU and nothing is sold: 409
 * `sold_out` naming what remains), and records the sale's lines and answer. The same id
 * with the same lines (however split or ordered) answers that first outcome with
 * `duplicate: true` and never touches stock again, for as long as the engine keeps the
 * store's actors, whatever the SKUs sell in between; the same id with other lines is 422
 * `idempotency_conflict`. A refused sale is not recorded: a retry after a restock may sell.
 * (A sale an older gateway began with reserve + commit is finished the same way.)
 */
import { ErrorCode as D, saleActorId, type SaleChannel } from '@lunchrush/actors';
import type { z } from 'zod';
import { DeliverySaleAnswer, PosSaleAnswer } from '../answers.js';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode } from '../errors.js';
import { route, type RequestInfo, type Route } from '../http.js';
import { seal } from '../pii.js';
import { DeliveryOrderBody, PosSaleBody, StoreParams } from '../schemas.js';
import { verifyWebhook } from '../tokens.js';

const ERRORS = [
  ErrorCode.InvalidSignature,
  ErrorCode.StaleTimestamp,
  ErrorCode.BadRequest,
  ErrorCode.ValidationFailed,
  ErrorCode.PayloadTooLarge,
  ErrorCode.UnsupportedMediaType,
  D.UnknownSku,
  D.SoldOut,
  D.ReservationReleased,
  D.IdempotencyConflict,
  D.InvalidCommand,
  ...ENGINE_ERRORS,
] as const;

type StoreKey = z.output<typeof StoreParams>;

const SIGNED_HEADERS = [
  { name: 'X-Lunchrush-Timestamp', required: true, description: 'unix seconds when signed' },
  {
    name: 'X-Lunchrush-Signature',
    required: true,
    description: 'sha256=<hex HMAC-SHA256(channel secret, "<timestamp>.<raw body>")>',
  },
];

async function sell(
  deps: GatewayDeps,
  store: string,
  channel: SaleChannel,
  ref: string,
  lines: { skuId: string; qty: number }[],
  req: string,
): Promise<{ duplicate: boolean; skus: { skuId: string; qty: number; available: number }[] }> {
  const v = await deps.engine
    .sale(store, saleActorId(channel, ref))
    .send({ type: 'sell', channel, ref, lines, at: Date.now() }, { req });
  return { duplicate: v.duplicate, skus: v.skus.map((k) => ({ skuId: k.skuId, qty: k.qty, available: k.available })) };
}

export function channelRoutes(deps: GatewayDeps): Route[] {
  const { cfg } = deps;
  /** A channel's webhook under its store: signed with the channel's secret, checked before the body is parsed. */
  const signedBy = (secret: Buffer) => ({
    tag: 'channels',
    auth: 'signed' as const,
    rateLimited: false,
    params: StoreParams,
    headers: SIGNED_HEADERS,
    errors: ERRORS,
    verify: (req: RequestInfo) => verifyWebhook(secret, req.headers, req.body, cfg.signatureToleranceS),
  });
  return [
    route({
      method: 'post',
      path: '/v1/channels/pos/{store}/sales',
      response: PosSaleAnswer,
      summary: 'A POS sale deducts stock (HMAC-signed with the POS secret, idempotent by saleId)',
      ...signedBy(cfg.posSecret),
      body: PosSaleBody,
      async handle(req, { params, body }: { params: StoreKey; body: z.output<typeof PosSaleBody> }) {
        const r = await sell(deps, params.store, 'pos', body.saleId, body.lines, req.id);
        return { body: { saleId: body.saleId, ...r } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/channels/delivery/{store}/orders',
      response: DeliverySaleAnswer,
      summary:
        'A delivery-platform order deducts stock (HMAC-signed with the delivery secret, idempotent by platform order id)',
      description: "The customer's phone and address are stored AES-256-GCM encrypted; the engine never sees them.",
      ...signedBy(cfg.deliverySecret),
      body: DeliveryOrderBody,
      async handle(req, { params, body }: { params: StoreKey; body: z.output<typeof DeliveryOrderBody> }) {
        const ref = `${body.platform}.${body.platformOrderId}`;
        if (body.customer !== undefined) {
          const id = `dlv:${params.store}:${ref}`;
          await deps.redis.set(
            `${deps.prefix}:pii:${id}`,
            seal(cfg.piiKeys, JSON.stringify(body.customer), id),
            'EX',
            90 * 86_400,
          );
        }
        const r = await sell(deps, params.store, 'delivery', ref, body.lines, req.id);
        return { body: { platform: body.platform, platformOrderId: body.platformOrderId, ...r } };
      },
    }),
  ];
}
