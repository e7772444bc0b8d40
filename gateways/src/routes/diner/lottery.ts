/**
 * Lotteries (抽奖) for diners: a lottery's prizes and how many are left, and a draw with an
 * Idempotency-Key (a retry is the same draw, answered the same prize). The random number is
 * drawn here with the CSPRNG and recorded by the lottery actor with what it gave, so the event
 * log is the audit trail. Entries: a paid order of the diner's in this store, or none (a free
 * lottery); a points entry needs the points held on the card first, which no route does yet.
 */
import { randomInt } from 'node:crypto';
import { LotteryErrorCode as L, RAND_MAX, lotteryOf } from '@lunchrush/actors/campaigns';
import type { z } from 'zod';
import { LotteryAnswer } from '../../campaign-answers.js';
import { DrawBody, StoreLotteryParams } from '../../campaign-schemas.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import { route, type Route } from '../../http.js';
import { idFor } from '../../share-codes.js';
import { DINER_ERRORS, INPUT_ERRORS, dinerAuth, session } from './common.js';
import { IDEMPOTENCY_HEADER, idempotencyKey } from '../../idempotency.js';

type Params = z.output<typeof StoreLotteryParams>;
const BASE = '/v1/diner/stores/{store}/lotteries/{lotteryId}';
const doc = { tag: 'diner', ...dinerAuth, params: StoreLotteryParams };

export function lotteryRoutes(deps: GatewayDeps): Route[] {
  return [
    route({
      method: 'get',
      path: BASE,
      response: LotteryAnswer,
      summary: 'A lottery: its prizes, how many of each are left, the odds, draws so far',
      ...doc,
      errors: [...DINER_ERRORS, ...ENGINE_ERRORS, L.NotFound],
      async handle(_req, { params }: { params: Params }) {
        const v = await lotteryOf(deps.engine, params.store, params.lotteryId).send({ type: 'get' });
        if (v.name === null) throw new HttpError(L.NotFound, `no lottery ${params.lotteryId}`);
        return { body: v };
      },
    }),
    route({
      method: 'post',
      path: `${BASE}/draw`,
      response: LotteryAnswer,
      summary: 'Draw once (decided on the server, recorded for the audit); a prize is never given past its quantity',
      ...doc,
      body: DrawBody,
      headers: IDEMPOTENCY_HEADER,
      errors: [
        ...DINER_ERRORS,
        ...INPUT_ERRORS,
        ...ENGINE_ERRORS,
        ErrorCode.MissingIdempotencyKey,
        L.NotFound,
        L.NotOpen,
        L.WrongEntry,
        L.EntryUsed,
        L.EntryNotPaid,
        L.DailyLimitReached,
      ],
      async handle(req, { params, body }: { params: Params; body: z.output<typeof DrawBody> }) {
        const s = session(req);
        const drawId = idFor('d', s.dinerId, idempotencyKey(req));
        const v = await lotteryOf(deps.engine, params.store, params.lotteryId).send({
          type: 'draw',
          drawId,
          memberId: s.dinerId,
          entry: body.entry,
          rand: randomInt(0, RAND_MAX),
          at: Date.now(),
        });
        return { body: v };
      },
    }),
  ];
}
