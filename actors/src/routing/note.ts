/**
 * What an order routed to its store keeps of the decision (`place.routing`, recorded in its
 * `Created` event, shown in its detail to staff and diner): which routing placed it, where its store
 * ranked, and the store's scores. The router (router.ts) keeps the whole ranking and every attempt.
 */
import { z } from 'zod';

export const ROUTING_ID_RE = /^rt_[A-Za-z0-9_-]{1,61}$/;

export const RoutingNoteSchema = z.strictObject({
  routingId: z.string().regex(ROUTING_ID_RE, 'expected rt_ and up to 61 of A–Z a–z 0–9 _ -'),
  /** 1 for the best store; higher when better stores refused (sold out, paused). */
  rank: z.number().int().min(1).max(1_000),
  /** How many stores could serve it when it was routed. */
  of: z.number().int().min(1).max(1_000),
  score: z.number().min(0),
  distanceM: z.number().int().min(0),
  kitchenMin: z.number().min(0),
  rideMin: z.number().int().min(0),
  etaMin: z.number().min(0),
  feeFen: z.number().int().min(0),
});
export type RoutingNote = z.infer<typeof RoutingNoteSchema>;
