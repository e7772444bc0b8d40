/**
 * The table's commands and their schemas: diners' (open, the shared cart,
 * submit), staff's (close, cleaned, merge, transfer) and the internal ones
 * tables and orders send each other.
 */
import { z } from 'zod';
import { AuditEntryInputSchema } from '../audit.js';
import { ActorSchema, AtSchema, IdSchema, OrderIdSchema } from '../domain.js';
import { OrderMemberSchema } from '../order/commands.js';
import { OptionPickSchema, QuoteLineSchema } from '../pricing.js';

export const MAX_CART_LINES = 100;
const LineIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1–64 of A–Z a–z 0–9 _ . : -');
const DinerIdSchema = z.string().min(1).max(64);
const TableIdSchema = z.string().regex(/^\d{13}$/, 'expected a 13-digit table code');

export const TableConfigSchema = z.object({
  label: z.string().trim().min(1).max(40),
  areaName: z.string().trim().min(1).max(40),
  seats: z.number().int().min(1).max(50),
});
export type TableConfig = z.output<typeof TableConfigSchema>;

const CartLineSchema = z.object({
  lineId: LineIdSchema,
  dinerId: DinerIdSchema,
  skuId: IdSchema,
  qty: z.number().int().min(1).max(99),
  options: z.array(OptionPickSchema).max(30),
  note: z.string().max(100).nullable(),
  name: z.string().max(60),
  spec: z.string().max(30),
  unitPriceFen: z.number().int(),
  addedAt: AtSchema,
});
const SessionSchema = z.object({
  sessionId: z.string().min(1).max(64),
  partySize: z.number().int().min(0).max(500),
  openedAt: AtSchema,
  diners: z.array(DinerIdSchema).max(500),
  cart: z.array(CartLineSchema).max(MAX_CART_LINES * 10),
  orders: z
    .array(
      z.object({ orderId: OrderIdSchema, state: z.enum(['unpaid', 'paid', 'cancelled']), totalFen: z.number().int() }),
    )
    .max(1000),
  mergedFrom: z.array(TableIdSchema).max(50),
});

/**
 * A staff action's entry in the store's audit trail, written by the table in the same transaction
 * (one append): the action is in the trail exactly when it is done.
 */
const StaffAudit = AuditEntryInputSchema.optional();

export const TableCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('configure'), config: TableConfigSchema, at: AtSchema }),
  /** A diner scanned the QR code: opens the session, or joins the one already open. */
  z.object({
    type: z.literal('open'),
    sessionId: IdSchema,
    partySize: z.number().int().min(1).max(50),
    dinerId: DinerIdSchema,
    audit: StaffAudit,
    at: AtSchema,
  }),
  z.object({
    type: z.literal('addLine'),
    lineId: LineIdSchema,
    dinerId: DinerIdSchema,
    skuId: IdSchema,
    qty: z.number().int().min(1).max(99),
    options: z.array(OptionPickSchema).max(30).default([]),
    note: z.string().max(100).optional(),
    at: AtSchema,
  }),
  /** `qty: 0` removes the line. */
  z.object({ type: z.literal('updateLine'), lineId: LineIdSchema, qty: z.number().int().min(0).max(99), at: AtSchema }),
  z.object({ type: z.literal('removeLine'), lineId: LineIdSchema, at: AtSchema }),
  /**
   * Turns the whole cart into one order (id chosen by the gateway), or, with `lines`, orders
   * those lines at this table and leaves the cart as it is: either way the order carries the
   * table's label and session and appears on the table's board.
   */
  z.object({
    type: z.literal('submit'),
    orderId: OrderIdSchema,
    dinerId: DinerIdSchema,
    lines: z.array(QuoteLineSchema).min(1).max(50).optional(),
    /** The digest of the request that chose `orderId` (see the order's `place`): repeats are told apart by it. */
    requestHash: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    /** What the diner's member card set aside for the order (the order's `place.member`). */
    member: OrderMemberSchema.optional(),
    at: AtSchema,
  }),
  z.object({ type: z.literal('orderPaid'), orderId: OrderIdSchema, at: AtSchema }),
  z.object({ type: z.literal('orderCancelled'), orderId: OrderIdSchema, at: AtSchema }),
  /** The party leaves. Refused while an order is unpaid unless staff force it. */
  z.object({
    type: z.literal('close'),
    by: ActorSchema,
    force: z.boolean().default(false),
    audit: StaffAudit,
    at: AtSchema,
  }),
  z.object({ type: z.literal('cleaned'), audit: StaffAudit, at: AtSchema }),
  z.object({ type: z.literal('merge'), intoTableId: TableIdSchema, audit: StaffAudit, at: AtSchema }),
  z.object({ type: z.literal('transfer'), toTableId: TableIdSchema, audit: StaffAudit, at: AtSchema }),
  /** Internal (merge): another table's session joins this one. */
  z.object({ type: z.literal('absorb'), fromTableId: TableIdSchema, session: SessionSchema, at: AtSchema }),
  /** Internal (transfer): a session arrives from another table. */
  z.object({ type: z.literal('receive'), fromTableId: TableIdSchema, session: SessionSchema, at: AtSchema }),
  /** Internal (close of a merged session): this table's party left with the others. */
  z.object({ type: z.literal('release'), at: AtSchema }),
  z.object({ type: z.literal('get') }),
]);
export type TableCommand = z.input<typeof TableCommandSchema>;
/** A command as `parse` gives it (every default filled in): what `decide` takes, and `ActorHandle.sendParsed` sends. */
export type Parsed = z.output<typeof TableCommandSchema>;
