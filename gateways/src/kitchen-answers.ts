/**
 * What the kitchen-load routes answer, as zod schemas for the OpenAPI document (registered in
 * `answerRegistry` like `answers.ts`); the `Same` check at the end fails the type check when the
 * store actor's `load` answer and its schema part.
 */
import { StoreSiteSchema, type StoreLoad } from '@lunchrush/actors';
import { z } from 'zod';
import { answerRegistry } from './answers.js';

function named<T extends z.ZodType>(id: string, description: string, schema: T): T {
  answerRegistry.add(schema, { id, description });
  return schema;
}

const int = (): z.ZodNumber => z.number().int();
const LevelAnswer = z.enum(['normal', 'slow', 'paused']);
const ByAnswer = z.enum(['load', 'staff']);

export const KitchenWaitAnswer = named(
  'KitchenWait',
  "What a diner is told before ordering: the store's quoted wait in minutes, the kitchen's level, whether delivery and which stations are paused",
  z.object({
    store: z.string(),
    at: int(),
    quotedWaitMin: int(),
    kitchen: LevelAnswer,
    deliveryPaused: z.boolean(),
    pausedStations: z.array(z.string()),
  }),
);

export const StoreLoadAnswer = named(
  'StoreLoad',
  "A store's standing for staff and routing: status, site on the map, and the kitchen load per station (open tickets, oldest age, bumps per minute, quote, paused and by whom), with staff overrides",
  z.object({
    store: z.string(),
    status: z.enum(['open', 'busy', 'closed']),
    site: StoreSiteSchema.nullable(),
    kitchen: z.object({
      at: int(),
      quoteMin: int(),
      basePrepMin: int(),
      level: LevelAnswer,
      stations: z.array(
        z.object({
          station: z.string(),
          open: int(),
          oldestAgeMin: int(),
          bumpsPerMin: z.number(),
          quoteMin: int(),
          paused: z.boolean(),
          pausedBy: ByAnswer.optional(),
        }),
      ),
      deliveryPaused: z.boolean(),
      deliveryPausedBy: ByAnswer.optional(),
      overrides: z.record(z.string(), z.enum(['open', 'paused'])),
    }),
  }),
);

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
type Same<Doc extends z.ZodType, Code> = [DeepReadonly<Code>] extends [DeepReadonly<z.output<Doc>>]
  ? [DeepReadonly<z.output<Doc>>] extends [DeepReadonly<Code>]
    ? true
    : false
  : false;
type Expect<T extends true> = T;

export type _KitchenAgreement = [Expect<Same<typeof StoreLoadAnswer, StoreLoad>>];
