/**
 * Lotteries (抽奖) for diners: a lottery's prizes and how many are left, and a draw with an
 * Idempotency-Key (a retry is the same draw, answered the same prize). The random number is
 * drawn here with the CSPRNG and recorded by the lottery actor with what it gave, so the event
 * log is the audit trail. Entries: a paid order of the diner's in this store, the lottery's points
 * cost from the diner's member card, or none (a free lottery).
 *
 * A points entry: the card lives in a partition of its own, so the points are held on it first
 * (`hold`, keyed by the draw's key shaped as an order id; refused `insufficient_points` when short),
 * then the draw names the hold and, in its own transaction, tells the card to spend it
 * (`members.<memberId>`, the member forwarder). A draw refused (closed, the daily limit) gives the
 * hold back; a gateway gone between the two leaves a hold that goes back by itself. A retry with
 * the same key finds its hold spent (`hold_settled`) and its draw made, and answers that draw.
 */
import { randomInt } from 'node:crypto';
import { ErrorCode as D, orderIdFor } from '@lunchrush/actors';
import {
  LotteryErrorCode as L,
  RAND_MAX,
  lotteryOf,
  type LotteryCommand,
  type LotteryView,
} from '@lunchrush/actors/campaigns';
import { memberOf } from '@lunchrush/actors/members';
import { EngineError } from '@lunchrush/engine';
import type { z } from 'zod';
import { LotteryAnswer } from '../../campaign-answers.js';
import { DrawBody, StoreLotteryParams } from '../../campaign-schemas.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { Route } from '../../http.js';
import { idFor } from '../../share-codes.js';
import { DINER_STORE_BASE, INPUT_ERRORS, dinerRoute, session } from './common.js';
import { IDEMPOTENCY_HEADER, idempotencyKey } from '../../idempotency.js';

type Params = z.output<typeof StoreLotteryParams>;
const BASE = `${DINER_STORE_BASE}/lotteries/{lotteryId}`;
const doc = { params: StoreLotteryParams };

export function lotteryRoutes(deps: GatewayDeps): Route[] {
  return [
    dinerRoute({
      method: 'get',
      path: BASE,
      response: LotteryAnswer,
      summary: 'A lottery: its prizes, how many of each are left, the odds, draws so far',
      ...doc,
      errors: [...ENGINE_ERRORS, L.NotFound],
      async handle(_req, { params }: { params: Params }) {
        const v = await lotteryOf(deps.engine, params.store, params.lotteryId).send({ type: 'get' });
        if (v.name === null) throw new HttpError(L.NotFound, `no lottery ${params.lotteryId}`);
        return { body: v };
      },
    }),
    dinerRoute({
      method: 'post',
      path: `${BASE}/draw`,
      response: LotteryAnswer,
      summary: 'Draw once (decided on the server, recorded for the audit); a prize is never given past its quantity',
      ...doc,
      body: DrawBody,
      headers: IDEMPOTENCY_HEADER,
      errors: [
        ...INPUT_ERRORS,
        ...ENGINE_ERRORS,
        ErrorCode.MissingIdempotencyKey,
        L.NotFound,
        L.NotOpen,
        L.WrongEntry,
        L.EntryUsed,
        L.EntryNotPaid,
        L.DailyLimitReached,
        D.NotEnrolled,
        D.InsufficientPoints,
      ],
      async handle(req, { params, body }: { params: Params; body: z.output<typeof DrawBody> }) {
        const s = session(req);
        const key = idempotencyKey(req);
        const drawId = idFor('d', s.dinerId, key);
        const lottery = lotteryOf(deps.engine, params.store, params.lotteryId);
        const at = Date.now();
        const draw = (entry: LotteryEntry) =>
          lottery.send({ type: 'draw', drawId, memberId: s.dinerId, entry, rand: randomInt(0, RAND_MAX), at });
        if (body.entry.kind !== 'points') return { body: await draw(body.entry) };
        return { body: await drawForPoints(deps, params, s.dinerId, key, at, draw) };
      },
    }),
  ];
}

type LotteryEntry = Extract<LotteryCommand, { type: 'draw' }>['entry'];

/** A points entry: the cost held on the card, the draw that spends it, the hold back when refused. */
async function drawForPoints(
  deps: GatewayDeps,
  params: Params,
  memberId: string,
  key: string,
  at: number,
  draw: (entry: LotteryEntry) => Promise<LotteryView>,
): Promise<LotteryView> {
  const v = await lotteryOf(deps.engine, params.store, params.lotteryId).send({ type: 'get' });
  if (v.name === null) throw new HttpError(L.NotFound, `no lottery ${params.lotteryId}`);
  if (v.entry !== 'points' || v.pointsCost === null)
    throw new HttpError(L.WrongEntry, `${v.name} is entered by ${v.entry ?? 'nothing'}, not points`);
  const holdId = orderIdFor(params.store, memberId, `lottery:${params.lotteryId}:${key}`);
  const card = memberOf(deps.engine, memberId);
  try {
    await card.send({ type: 'hold', orderId: holdId, points: v.pointsCost, balanceFen: 0, couponIds: [], at });
  } catch (e) {
    // A retry whose first try drew: the points are spent, the draw answers as it did.
    if (!(e instanceof EngineError && e.reason === D.HoldSettled)) throw e;
  }
  try {
    return await draw({ kind: 'points', holdId, points: v.pointsCost });
  } catch (e) {
    if (e instanceof EngineError && !e.retryable)
      await card.send({ type: 'release', orderId: holdId, reason: 'refused', at }).catch(() => undefined);
    throw e;
  }
}
