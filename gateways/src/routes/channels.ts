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
 * A sale is all or nothing across its SKUs: one engine command sells every SKU
 * under the channel's own id (`pos:<saleId>`, `delivery:<platform>.<orderId>`) —
 * the SKU's stock `sell`, or for several SKUs the store's `sell`, which runs them
 * in one transaction; if any is short, nothing is sold and the answer is 409
 * `sold_out` naming what remains. (A sale that an older gateway began with reserve +
 * commit is finished that way.) The stock actors remember those ids, so a
 * platform retrying a webhook (they all do) deducts once: the repeat answers 200
 * with `duplicate: true`. A retry after a crash half-way finishes the job.
 */
import {
  ActorTypes,
  ErrorCode as D,
  STORE_ACTOR_ID,
  type ChannelSale,
  type ShortSkus,
  type StockResult,
} from '@lunchrush/actors';
import { EngineError } from '@lunchrush/engine';
import type { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type Route } from '../http.js';
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
  D.SoldOut,
  D.ReservationReleased,
  D.IdempotencyConflict,
  D.InvalidCommand,
  ...ENGINE_ERRORS,
] as const;

const SIGNED_HEADERS = [
  { name: 'X-Lunchrush-Timestamp', required: true, description: 'unix seconds when signed' },
  {
    name: 'X-Lunchrush-Signature',
    required: true,
    description: 'sha256=<hex HMAC-SHA256(channel secret, "<timestamp>.<raw body>")>',
  },
];

/** 409 sold_out naming each short line and what remains of it. */
function soldOut(short: readonly { skuId: string; requested: number; available: number }[]): HttpError {
  return new HttpError(
    D.SoldOut,
    short.map((s) => `${s.skuId}: ${s.available} left, ${s.requested} wanted`).join('; '),
    {
      details: { skus: short },
    },
  );
}

const shortOf = (skuId: string, requested: number, e: unknown) => ({
  skuId,
  requested,
  available: ((e as EngineError).details as { available?: number } | undefined)?.available ?? 0,
});

async function deduct(
  deps: GatewayDeps,
  store: string,
  channel: 'pos' | 'delivery',
  ref: string,
  lines: readonly { skuId: string; qty: number }[],
): Promise<{ duplicate: boolean; skus: { skuId: string; qty: number; available: number }[] }> {
  const bySku = new Map<string, number>();
  for (const l of lines) bySku.set(l.skuId, (bySku.get(l.skuId) ?? 0) + l.qty);
  const at = Date.now();
  const skus = [...bySku];
  try {
    if (skus.length === 1) {
      // One SKU: its stock actor's `sell` is all or nothing by itself.
      const [skuId, qty] = skus[0]!;
      const v = await deps.engine.send<StockResult>(store, ActorTypes.Stock, skuId, {
        type: 'sell',
        channel,
        ref,
        qty,
        at,
      });
      return { duplicate: v.duplicate === true, skus: [{ skuId: v.skuId, qty, available: v.available }] };
    }
    // Several SKUs: the store's `sell` sells each one in one engine transaction (one command, one
    // append), all or nothing; the stock actors remember the channel id just the same.
    const v = await deps.engine.send<ChannelSale>(store, ActorTypes.Store, STORE_ACTOR_ID, {
      type: 'sell',
      channel,
      ref,
      lines: skus.map(([skuId, qty]) => ({ skuId, qty })),
      at,
    });
    return {
      duplicate: v.duplicate,
      skus: v.skus.map((k) => ({ skuId: k.skuId, qty: k.requested, available: k.available })),
    };
  } catch (e) {
    if (e instanceof EngineError && e.reason === D.SoldOut) {
      const short = (e.details as Partial<ShortSkus> | undefined)?.skus;
      throw soldOut(short ?? skus.map(([skuId, qty]) => shortOf(skuId, qty, e)));
    }
    // A sale first tried through reserve + commit (a reservation left open, or an earlier gateway):
    // finish it that way below, which also answers a true conflict (another quantity) as before.
    if (!(e instanceof EngineError && e.reason === D.IdempotencyConflict)) throw e;
  }
  const reserved = await Promise.allSettled(
    skus.map(([skuId, qty]) =>
      deps.engine.send<StockResult>(store, ActorTypes.Stock, skuId, { type: 'reserve', channel, ref, qty, at }),
    ),
  );
  const failed = reserved.flatMap((r, i) => (r.status === 'rejected' ? [{ i, e: r.reason as unknown }] : []));
  if (failed.length > 0) {
    // Give back what was reserved, then answer with the first refusal (sold out, with what remains).
    await Promise.all(
      reserved.map((r, i) =>
        r.status === 'fulfilled'
          ? deps.engine.send(store, ActorTypes.Stock, skus[i]![0], {
              type: 'release',
              channel,
              ref,
              reason: 'sale refused',
              at,
            })
          : Promise.resolve(),
      ),
    );
    const short = failed
      .filter(({ e }) => e instanceof EngineError && e.reason === D.SoldOut)
      .map(({ i, e }) => shortOf(skus[i]![0], skus[i]![1], e));
    if (short.length > 0) throw soldOut(short);
    throw failed[0]!.e;
  }
  const committed = await Promise.all(
    skus.map(([skuId]) =>
      deps.engine.send<StockResult>(store, ActorTypes.Stock, skuId, { type: 'commit', channel, ref, at }),
    ),
  );
  // The stock actors' own memory of channel ids (not engine command ids) tells a repeat: it answers `duplicate`.
  const duplicate = committed.every((v) => v.duplicate === true);
  return { duplicate, skus: committed.map((v, i) => ({ skuId: v.skuId, qty: skus[i]![1], available: v.available })) };
}

export function channelRoutes(deps: GatewayDeps): Route[] {
  const { cfg } = deps;
  return [
    route({
      method: 'post',
      path: '/v1/channels/pos/{store}/sales',
      tag: 'channels',
      summary: 'A POS sale deducts stock (HMAC-signed with the POS secret, idempotent by saleId)',
      auth: 'signed',
      rateLimited: false,
      params: StoreParams,
      body: PosSaleBody,
      headers: SIGNED_HEADERS,
      errors: ERRORS,
      verify: (req) => verifyWebhook(cfg.posSecret, req.headers, req.body, cfg.signatureToleranceS),
      async handle(
        _req,
        { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof PosSaleBody> },
      ) {
        const r = await deduct(deps, params.store, 'pos', body.saleId, body.lines);
        return { body: { saleId: body.saleId, ...r } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/channels/delivery/{store}/orders',
      tag: 'channels',
      summary:
        'A delivery-platform order deducts stock (HMAC-signed with the delivery secret, idempotent by platform order id)',
      description: "The customer's phone and address are stored AES-256-GCM encrypted; the engine never sees them.",
      auth: 'signed',
      rateLimited: false,
      params: StoreParams,
      body: DeliveryOrderBody,
      headers: SIGNED_HEADERS,
      errors: ERRORS,
      verify: (req) => verifyWebhook(cfg.deliverySecret, req.headers, req.body, cfg.signatureToleranceS),
      async handle(
        _req,
        { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof DeliveryOrderBody> },
      ) {
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
        const r = await deduct(deps, params.store, 'delivery', ref, body.lines);
        return { body: { platform: body.platform, platformOrderId: body.platformOrderId, ...r } };
      },
    }),
  ];
}
