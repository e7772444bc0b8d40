/**
 * The chain's member programme for managers: level thresholds on yearly spend, points earned per
 * yuan with each level's bonus, what a point is worth and how long it lives, the share of an order
 * points may pay, top-up bonus tiers (top up 500 get 50), sign-up, birthday and check-in points.
 * Chain-wide (one actor in the chain's partition) though the route sits under a store, as staff
 * tokens and campaigns do; audited like every staff change. A change applies to what happens
 * next: the card's events keep what earlier rules gave.
 */
import { STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { memberProgramOf } from '@lunchrush/actors/members';
import type { z } from 'zod';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS } from '../../errors.js';
import type { Route } from '../../http.js';
import { MemberProgramAnswer } from '../../member-answers.js';
import { programReader } from '../../member-program.js';
import { MemberProgramBody } from '../../member-schemas.js';
import { StoreParams } from '../../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, by, staffRoute } from './common.js';

export function memberProgramRoutes(deps: GatewayDeps): Route[] {
  const doc = { params: StoreParams };
  return [
    staffRoute({
      method: 'get',
      path: `${base}/member-program`,
      response: MemberProgramAnswer,
      summary: "The chain's member programme: levels, points, top-up bonuses, gifts (the defaults until set)",
      ...doc,
      roles: MAY.view,
      errors: [...ENGINE_ERRORS],
      async handle() {
        const view = await memberProgramOf(deps.engine).send({ type: 'get' });
        programReader(deps).remember(view);
        return { body: view };
      },
    }),
    staffRoute({
      method: 'put',
      path: `${base}/member-program`,
      response: MemberProgramAnswer,
      summary:
        "Set the chain's member programme (managers): level thresholds, points rule and expiry, top-up bonus tiers, gifts, check-in",
      ...doc,
      roles: MAY.setup,
      body: MemberProgramBody,
      errors: [...BODY_ERRORS, ...ENGINE_ERRORS],
      async handle(req, { body }: { body: z.output<typeof MemberProgramBody> }) {
        const view = await memberProgramOf(deps.engine).send({
          type: 'set',
          program: body,
          by: by(req).id,
          at: Date.now(),
        });
        programReader(deps).remember(view);
        return { body: view };
      },
    }),
  ];
}
