/**
 * The vocabulary every restaurant actor shares: actor type names and ids, time,
 * channels, who is acting, and command validation.
 */
import { z } from 'zod';
import type { ActorRef, Rejection } from '@lunchrush/engine';
import { ErrorCode, refuse } from './errors.js';

/** Actor type names as registered in the engine. */
export const ActorTypes = {
  Store: 'store',
  Catalog: 'catalog',
  Stock: 'stock',
  Table: 'table',
  Order: 'order',
  Sale: 'sale',
  Member: 'member',
  Campaign: 'campaign',
  Promotions: 'promotions',
  /** A group-buy campaign (拼团) and its groups, in the store's partition. */
  GroupBuy: 'groupbuy',
  Group: 'group',
  /** A bargain campaign (砍价) with its daily help limits, and its bargains, in the store's partition. */
  Bargaining: 'bargaining',
  Bargain: 'bargain',
  /** A lottery (抽奖), in the store's partition. */
  Lottery: 'lottery',
  /** The routing of one order request to a store, in a partition of its own (`routingRef`). */
  Routing: 'routing',
  /** A delivery order's trip to the door (courier platform or store staff), id = the order id, in the store's partition. */
  Delivery: 'delivery',
} as const;

/**
 * Commands only actors send each other (or the engine's timers). A gateway
 * validates HTTP input with the same schemas and must refuse these types.
 */
export const INTERNAL_COMMANDS: Readonly<Record<(typeof ActorTypes)[keyof typeof ActorTypes], readonly string[]>> = {
  store: ['ticketsOpened', 'ticketsClosed'],
  catalog: [],
  stock: [],
  table: ['orderPaid', 'orderCancelled', 'absorb', 'receive', 'release'],
  order: ['paymentTimeout', 'relocate'],
  sale: [],
  member: ['hold', 'orderPaid', 'release', 'refund', 'topUp', 'grantCoupon'],
  campaign: [],
  promotions: [],
  groupbuy: ['seatTaken', 'seatFreed'],
  group: ['seatTimeout', 'deadline'],
  bargaining: ['countHelp'],
  bargain: ['deadline'],
  lottery: [],
  routing: [],
  delivery: ['open', 'acceptTimeout', 'arriveTimeout'],
};

/** The store actor and the catalog actor are singletons of their store, under these ids. */
export const STORE_ACTOR_ID = 'store';
export const CATALOG_ACTOR_ID = 'menu';

/** Stores are 3-digit ids (the table code's first part). `000` holds the chain's template catalog. */
export const CHAIN_STORE_ID = '000';
export const STORE_ID_RE = /^\d{3}$/;

/**
 * The engine's id alphabet: ids end up in subjects and KV keys. `__proto__` is refused: ids key plain
 * objects (a catalog's SKU index, overrides), where it would set the prototype, and msgpack readers
 * (msgpackr's guard against prototype pollution) read it back as `__proto_`.
 */
export const ID_RE = /^(?!__proto__$)[A-Za-z0-9_-]{1,64}$/;
export const IdSchema = z.string().regex(ID_RE, 'expected 1–64 of A–Z a–z 0–9 _ -');
export const StoreIdSchema = z.string().regex(STORE_ID_RE, 'expected a 3-digit store id');
/**
 * Order ids are `o_` and then the id alphabet, so they never collide with other ids in logs.
 * Orders diners place are `o_<store>_<digest>` (`orderIdFor`, `storeOfOrderId` in order-rules.ts).
 */
export const ORDER_ID_RE = /^o_[A-Za-z0-9_-]{1,62}$/;
export const OrderIdSchema = z.string().regex(ORDER_ID_RE, 'expected o_ and up to 62 of A–Z a–z 0–9 _ -');

/** Milliseconds since the epoch. Time always arrives in the command. */
export const AtSchema = z.number().int().min(0);

/**
 * How the diner receives the food; a catalog item lists the channels it is sold
 * on and pricing adds packaging and delivery fees by channel.
 */
export const ServiceChannelSchema = z.enum(['dine_in', 'takeaway', 'delivery', 'retail']);
export type ServiceChannel = z.infer<typeof ServiceChannelSchema>;
export const SERVICE_CHANNELS: readonly ServiceChannel[] = ServiceChannelSchema.options;

/**
 * Where a stock movement comes from. Every channel goes through the same SKU
 * actor, so a POS sale and a delivery-platform order see the mini-program's
 * reservations and vice versa.
 */
export const SalesChannelSchema = z.enum(['miniprogram', 'pos', 'delivery']);
export type SalesChannel = z.infer<typeof SalesChannelSchema>;

/** A value's type with its fields writable: for building an answer or a next state on one fresh literal. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Who issues a command, as authenticated by the gateway. */
export const RoleSchema = z.enum(['diner', 'staff', 'manager', 'system']);
export type Role = z.infer<typeof RoleSchema>;
export const ActorSchema = z.object({ role: RoleSchema, id: z.string().min(1).max(64) });
export type Actor = z.infer<typeof ActorSchema>;

export const storeRef = (store: string): ActorRef => ({ store, type: ActorTypes.Store, id: STORE_ACTOR_ID });
export const catalogRef = (store: string): ActorRef => ({ store, type: ActorTypes.Catalog, id: CATALOG_ACTOR_ID });
export const stockRef = (store: string, skuId: string): ActorRef => ({ store, type: ActorTypes.Stock, id: skuId });
export const tableRef = (store: string, tableId: string): ActorRef => ({ store, type: ActorTypes.Table, id: tableId });
export const orderRef = (store: string, orderId: string): ActorRef => ({ store, type: ActorTypes.Order, id: orderId });
/** A channel sale's actor: its id comes from the channel and the channel's own id (`saleActorId`). */
export const saleRef = (store: string, saleId: string): ActorRef => ({ store, type: ActorTypes.Sale, id: saleId });

/** Validates a command against its schema; a failure becomes an `invalid_command` refusal naming the field. */
export function parseCommand<T>(
  schema: z.ZodType<T>,
  command: unknown,
): { ok: true; value: T } | { ok: false; rejection: Rejection } {
  const r = schema.safeParse(command);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const first = issues[0];
  const where = first === undefined || first.path === '' ? '' : ` at ${first.path}`;
  return {
    ok: false,
    rejection: refuse(ErrorCode.InvalidCommand, `invalid command${where}: ${first?.message ?? 'malformed'}`, {
      issues,
    }),
  };
}
