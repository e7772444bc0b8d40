/**
 * Request schemas of the HTTP API. Wherever the domain has a schema, the API uses
 * it (cart and order lines are actors' `QuoteLineSchema`, delivery is
 * `DeliverySchema`, …), so the gateway refuses exactly what the actors would and the
 * OpenAPI document shows the same constraints. None of them has a price field.
 * Every object is strict: a key beside the listed ones (`priceFen`, or `lins` for
 * `lines`) is refused with `validation_failed` naming it, never dropped, because a
 * dropped misspelt key changes the meaning (no `lines` orders the table's cart).
 */
import { z } from 'zod';
import {
  DeliverySchema,
  GeoPointSchema,
  IdSchema,
  OptionPickSchema,
  OrderIdSchema,
  QuoteLineSchema,
  RefundLineSchema,
  StoreIdSchema,
} from '@lunchrush/actors';

export const StoreParams = z.strictObject({ store: StoreIdSchema });
export const OrderParams = z.strictObject({ orderId: OrderIdSchema });
export const StoreOrderParams = z.strictObject({ store: StoreIdSchema, orderId: OrderIdSchema });
export const TableIdSchema = z.string().regex(/^\d{13}$/, 'expected a 13-digit table code');
export const StoreTableParams = z.strictObject({ store: StoreIdSchema, tableId: TableIdSchema });
export const StoreSkuParams = z.strictObject({ store: StoreIdSchema, skuId: IdSchema });
export const LineIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1–64 of A–Z a–z 0–9 _ . : -');
export const ReasonSchema = z.string().trim().min(1).max(200);

export const LoginBody = z.strictObject({ code: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'a wx.login() code') });
export const ScanBody = z.strictObject({
  tableToken: z.string().min(1).max(200),
  partySize: z.number().int().min(1).max(50).default(1),
});
export const AddLineBody = z.strictObject({
  /** Chosen by the phone (e.g. `<n>`), so a retried add is harmless; made up when absent. */
  lineId: LineIdSchema.optional(),
  skuId: IdSchema,
  qty: z.number().int().min(1).max(99),
  options: z.array(OptionPickSchema).max(30).default([]),
  note: z.string().max(100).optional(),
});
export const UpdateLineBody = z.strictObject({ qty: z.number().int().min(0).max(99) });
export const LineParams = z.strictObject({ lineId: LineIdSchema });
export const DinerChannelSchema = z.enum(['dine_in', 'takeaway', 'delivery']);
export const QuoteBody = z.strictObject({
  channel: DinerChannelSchema.default('dine_in'),
  /** Absent: quote the table's shared cart. */
  lines: z.array(QuoteLineSchema).min(1).max(50).optional(),
  store: StoreIdSchema.optional(),
});
/**
 * The delivery address, and where it is (GCJ-02, as `wx.chooseLocation` gives it): a delivery order
 * with a location and no store is routed to the store that serves it best.
 */
export const DeliveryBody = DeliverySchema.extend({ location: GeoPointSchema.optional() });

export const PlaceOrderBody = z
  .strictObject({
    /** Absent: the table's shared cart becomes the order (dine-in). */
    lines: z.array(QuoteLineSchema).min(1).max(50).optional(),
    channel: DinerChannelSchema.optional(),
    /** Needed for takeaway/delivery when the diner has not scanned a table; a delivery with a location may leave it out. */
    store: StoreIdSchema.optional(),
    delivery: DeliveryBody.optional(),
    /**
     * Pay with the member card too: coupons (`best` or ids), points (`max` or a number), stored value
     * (`max` or fen). The card holds them for the order; WeChat Pay collects the rest.
     */
    pay: z
      .strictObject({
        couponIds: z.union([z.literal('best'), z.array(IdSchema).max(2)]).optional(),
        points: z.union([z.literal('max'), z.number().int().min(0).max(1_000_000_000)]).optional(),
        balanceFen: z.union([z.literal('max'), z.number().int().min(0).max(10_000_000_000)]).optional(),
      })
      .optional(),
  })
  .superRefine((b, ctx) => {
    if (b.lines === undefined && (b.channel ?? 'dine_in') !== 'dine_in')
      ctx.addIssue({ code: 'custom', path: ['lines'], message: 'takeaway and delivery orders list their lines' });
    if (b.channel === 'delivery' && b.delivery === undefined)
      ctx.addIssue({ code: 'custom', path: ['delivery'], message: 'delivery orders need an address' });
  });
export const CancelBody = z.strictObject({ reason: ReasonSchema.optional() });
export const RefundBody = z.strictObject({
  refundId: IdSchema.optional(),
  lines: z.array(RefundLineSchema).min(1).max(50).optional(),
  reason: ReasonSchema,
  /** Managers only: what lets a refund after serving through. */
  overrideReason: ReasonSchema.optional(),
});
export const ReviewBody = z.strictObject({
  rating: z.number().int().min(1).max(5),
  comment: z.string().max(500).optional(),
});
/**
 * The one lenient schema: `/qr?t=` is a URL printed on a table, opened by browsers and
 * by WeChat, which append their own parameters to shared links (`from=singlemessage`,
 * `isappinstalled=0`); refusing them would break a printed code. Only `t` is read.
 */
export const QrQuery = z.object({ t: z.string().min(1).max(200) });
export const TokenQuery = z.strictObject({ token: z.string().min(1).max(200) });

// staff
export const OpenTableBody = z.strictObject({ partySize: z.number().int().min(1).max(50) });
export const CloseTableBody = z.strictObject({ force: z.boolean().default(false) });
export const MergeBody = z.strictObject({ intoTableId: TableIdSchema });
export const TransferBody = z.strictObject({ toTableId: TableIdSchema });
export const ConfigureTableBody = z.strictObject({
  label: z.string().trim().min(1).max(40),
  areaName: z.string().trim().min(1).max(40),
  seats: z.number().int().min(1).max(50),
});
export const StationParams = z.strictObject({
  store: StoreIdSchema,
  orderId: OrderIdSchema,
  station: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/),
});
export const RefundParams = z.strictObject({ store: StoreIdSchema, orderId: OrderIdSchema, refundId: IdSchema });
export const RejectRefundBody = z.strictObject({ reason: ReasonSchema });
export const StockSetBody = z.strictObject({
  available: z.number().int().min(0).max(1_000_000),
  reason: ReasonSchema.optional(),
});
export const RestockBody = z.strictObject({ qty: z.number().int().min(1).max(1_000_000) });
export const EightySixBody = z.strictObject({ on: z.boolean().default(true), reason: ReasonSchema.optional() });
export const QrBatchQuery = z.strictObject({
  format: z.enum(['png', 'pdf']).default('pdf'),
  perPage: z.coerce.number().int().min(1).max(12).optional(),
});
export const ExportQuery = z.strictObject({ format: z.enum(['json', 'csv']).default('json') });

// channels
const ChannelLine = z.strictObject({ skuId: IdSchema, qty: z.number().int().min(1).max(999) });
export const ChannelRefSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1–64 of A–Z a–z 0–9 _ . : -');
export const PosSaleBody = z.strictObject({
  saleId: ChannelRefSchema,
  lines: z.array(ChannelLine).min(1).max(50),
  soldAt: z.number().int().min(0).optional(),
});
export const DeliveryOrderBody = z.strictObject({
  platform: z.enum(['meituan', 'eleme', 'douyin']),
  platformOrderId: ChannelRefSchema,
  lines: z.array(ChannelLine).min(1).max(50),
  customer: z
    .strictObject({
      name: z.string().trim().min(1).max(40),
      phone: z.string().regex(/^[0-9+\- ]{5,20}$/),
      address: z.string().trim().min(1).max(200),
    })
    .optional(),
  placedAt: z.number().int().min(0).optional(),
});
