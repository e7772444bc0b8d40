/**
 * A store's automatic promotions (`promotions` actor, one per store, id
 * `promotions`): member prices, combos, second half price, time-of-day
 * discounts. In the store's partition, so the placement saga reads them in the
 * same transaction as it prices and reserves (`promotions.ts` applies them).
 */
import { z } from 'zod';
import { defineActor, type ActorRef, type Decision, type Rejection } from '@lunchrush/engine';
import { ActorTypes, AtSchema, parseCommand } from './domain.js';
import { ErrorCode, refuse } from './errors.js';
import { PromotionSchema, type Promotion } from './promotions.js';

export const PROMOTIONS_ACTOR_ID = 'promotions';
export const MAX_PROMOTIONS = 50;

export const PromotionsCommandSchema = z.discriminatedUnion('type', [
  /** Replaces the store's promotions (ids unique). */
  z.strictObject({ type: z.literal('set'), promotions: z.array(PromotionSchema).max(MAX_PROMOTIONS), at: AtSchema }),
  z.strictObject({ type: z.literal('get') }),
]);
export type PromotionsCommand = z.input<typeof PromotionsCommandSchema>;
type Parsed = z.output<typeof PromotionsCommandSchema>;

export type PromotionsEvent = { type: 'PromotionsSet'; promotions: Promotion[]; at: number };

export interface PromotionsState {
  readonly promotions: readonly Promotion[];
  /** Changes so far. */
  readonly rev: number;
}

export interface PromotionsView {
  readonly promotions: readonly Promotion[];
  readonly rev: number;
}

export const promotionsRef = (store: string): ActorRef => ({
  store,
  type: ActorTypes.Promotions,
  id: PROMOTIONS_ACTOR_ID,
});

export const initialPromotions = (): PromotionsState => ({ promotions: [], rev: 0 });

function decidePromotions(s: PromotionsState, c: Parsed): Decision<PromotionsEvent, PromotionsView, never> | Rejection {
  if (c.type === 'get') return { result: { promotions: s.promotions, rev: s.rev } };
  const ids = c.promotions.map((p) => p.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) return refuse(ErrorCode.InvalidCommand, `promotion id ${twice} twice`);
  return {
    events: [{ type: 'PromotionsSet', promotions: c.promotions, at: c.at }],
    result: { promotions: c.promotions, rev: s.rev + 1 },
  };
}

export function evolvePromotions(s: PromotionsState, e: PromotionsEvent): PromotionsState {
  return { promotions: e.promotions, rev: s.rev + 1 };
}

export const promotionsActor = defineActor<PromotionsState, Parsed, PromotionsEvent, PromotionsView>({
  name: ActorTypes.Promotions,
  initial: initialPromotions,
  parse: (command) => parseCommand(PromotionsCommandSchema, command),
  decide: decidePromotions,
  evolve: evolvePromotions,
});
