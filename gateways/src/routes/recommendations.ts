/**
 * `GET /v1/stores/{store}/recommendations`: what to suggest to a table now, from the models in
 * memory (`../recommendations.ts`): 为你推荐 on the menu (`context=menu`) or "often ordered
 * with" for what the cart holds (`context=cart&cart=sku,sku`), and the hour's hot list. No
 * login needed, like the menu; sold-out and out-of-window dishes are never in it.
 */
import { z } from 'zod';
import { ErrorCode as D, IdSchema } from '@lunchrush/actors';
import { answerRegistry } from '../answers.js';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type Route } from '../http.js';
import type { Recommendations } from '../recommendations.js';
import { StoreParams, TableIdSchema } from '../schemas.js';
import { DINER_ERRORS, INPUT_ERRORS, seated } from './diner/common.js';

export const DEFAULT_RECO_LIMIT = 6;

/** What both routes take; the store's route also takes the table (the diner's has it in the session). */
const QUERY = {
  context: z.enum(['menu', 'cart']).default('menu'),
  /** The SKUs on the table's cart, comma-separated (at most 50). */
  cart: z
    .string()
    .max(2_000)
    .default('')
    .transform((s) => (s === '' ? [] : [...new Set(s.split(','))]))
    .pipe(z.array(IdSchema).max(50)),
  channel: z.enum(['dine_in', 'takeaway', 'delivery']).default('dine_in'),
  /** People at the table: the hot list leans to what parties of that size order. */
  party: z
    .string()
    .regex(/^\d{1,2}$/, 'expected 1–50')
    .transform(Number)
    .pipe(z.number().int().min(1).max(50))
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,2}$/, 'expected 1–20')
    .default(String(DEFAULT_RECO_LIMIT))
    .transform(Number)
    .pipe(z.number().int().min(1).max(20)),
};

export const RecommendationsQuery = z.strictObject({
  ...QUERY,
  /** The 13-digit table code: decides the A/B arm (stable per table). */
  table: TableIdSchema.optional(),
});
export const DinerRecommendationsQuery = z.strictObject(QUERY);

const RecoItemAnswer = z.object({
  skuId: z.string(),
  spuId: z.string(),
  name: z.string(),
  spec: z.string(),
  priceFen: z.number().int(),
  image: z.string().nullable(),
  score: z.number(),
  reason: z.enum(['with_cart', 'for_you', 'hot', 'similar']),
});

export const RecommendationsAnswer = z.object({
  store: z.string(),
  context: z.enum(['menu', 'cart']),
  variant: z.enum(['reco', 'control']),
  period: z.enum(['lunch', 'dinner', 'other']),
  hour: z.number().int(),
  model: z.object({ builtAt: z.number().int(), trainedTo: z.string(), scope: z.string() }).nullable(),
  items: z.array(RecoItemAnswer),
  hot: z.array(RecoItemAnswer),
});
answerRegistry.add(RecommendationsAnswer, {
  id: 'Recommendations',
  description:
    "Suggestions for a table (`items`: for the menu, or with the cart) and the hour's hot list; `variant` is the A/B arm",
});

export const RecoEventsBody = z.strictObject({
  events: z
    .array(
      z.strictObject({
        type: z.enum(['shown', 'clicked']),
        skuId: IdSchema,
        context: z.enum(['menu', 'cart', 'hot']),
        position: z.number().int().min(0).max(99),
      }),
    )
    .min(1)
    .max(50),
});

const RecoEventsAnswer = z.object({ accepted: z.number().int(), variant: z.enum(['reco', 'control']) });
answerRegistry.add(RecoEventsAnswer, {
  id: 'RecoEventsAccepted',
  description: 'Impressions and clicks stored, and the A/B arm of the table they were counted in',
});

/** `POST …/recommendations/events`: a seated diner's impressions and clicks, for the click-through views. */
function eventsRoute(reco: Recommendations): Route {
  return route({
    method: 'post',
    path: '/v1/stores/{store}/recommendations/events',
    response: RecoEventsAnswer,
    responseStatus: 202,
    tag: 'diner',
    summary: "Log recommendations shown and clicked at the diner's table (analytics: reco_ctr, reco_ab)",
    description:
      'The table, the diner and the A/B arm come from the session, never from the body. Stored in JetStream ' +
      '(`<NS>_RECO_EVENTS`) before the answer; analytics loads them into ClickHouse.',
    auth: 'diner',
    params: StoreParams,
    body: RecoEventsBody,
    errors: [...DINER_ERRORS, ErrorCode.NoTable, ErrorCode.StoreForbidden, ...INPUT_ERRORS, ...ENGINE_ERRORS],
    async handle(
      req,
      { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof RecoEventsBody> },
    ) {
      const { store, tableId, s } = seated(req);
      if (store !== params.store)
        throw new HttpError(ErrorCode.StoreForbidden, `this session is seated in store ${store}`);
      const variant = reco.variantOf(store, tableId);
      const at = Date.now();
      await reco.record(
        store,
        body.events.map((e) => ({
          type: e.type === 'shown' ? ('RecoShown' as const) : ('RecoClicked' as const),
          skuId: e.skuId,
          context: e.context,
          variant,
          position: e.position,
          tableId,
          dinerId: s.dinerId,
          at,
        })),
      );
      return { status: 202, body: { accepted: body.events.length, variant } };
    },
  });
}

/** `GET /v1/diner/recommendations`: the same for a seated diner, with their own history (for you). */
function dinerRoute(reco: Recommendations): Route {
  return route({
    method: 'get',
    path: '/v1/diner/recommendations',
    response: RecommendationsAnswer,
    tag: 'diner',
    summary: "Recommendations for the diner's table, with what this diner has ordered before",
    description:
      'As GET /v1/stores/{store}/recommendations for the store and table of the session, blended with the ' +
      "diner's own purchase counts from the last training (none for a new diner); the A/B arm is the table's.",
    auth: 'diner',
    query: DinerRecommendationsQuery,
    errors: [...DINER_ERRORS, ErrorCode.NoTable, D.StoreNotConfigured, D.UnknownSku, ...INPUT_ERRORS, ...ENGINE_ERRORS],
    async handle(req, { query }: { query: z.output<typeof DinerRecommendationsQuery> }) {
      const { store, tableId, s } = seated(req);
      const history = await reco.historyOf(s.dinerId);
      return { body: await reco.answer(store, { ...query, table: tableId }, history) };
    },
  });
}

export function recommendationRoutes(deps: GatewayDeps, reco: Recommendations): Route[] {
  return [
    dinerRoute(reco),
    eventsRoute(reco),
    route({
      method: 'get',
      path: '/v1/stores/{store}/recommendations',
      response: RecommendationsAnswer,
      tag: 'diner',
      summary: 'Recommendations for a table: 为你推荐, often ordered with the cart, and the hot list',
      description:
        'Served from the models in memory (item-CF, Slope One, hot lists and content similarity, trained by analytics ' +
        '`recommend-train`), blended for the meal period, hour and cart; never a sold-out, switched-off or ' +
        'out-of-window dish. `table` puts the table in its A/B arm (GATEWAY_RECO_SHARE_PERCENT).',
      auth: 'none',
      params: StoreParams,
      query: RecommendationsQuery,
      errors: [D.StoreNotConfigured, D.UnknownSku, ErrorCode.RateLimited, ...INPUT_ERRORS, ...ENGINE_ERRORS],
      async handle(
        _req,
        { params, query }: { params: z.output<typeof StoreParams>; query: z.output<typeof RecommendationsQuery> },
      ) {
        return { body: await reco.answer(params.store, query) };
      },
    }),
  ];
}
