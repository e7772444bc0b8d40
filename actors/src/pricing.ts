/**
 * Server-side price computation. The diner sends SKU ids, quantities and
 * option picks; every amount comes from the store's effective catalog at
 * order time. All amounts are integer fen:
 *
 *   unit price    = SKU price + Σ option deltas
 *   line amount   = unit price × qty
 *   items         = Σ line amounts
 *   packaging fee = Σ SPU packaging fee × qty          (takeaway, delivery, retail)
 *   delivery fee  = catalog fee, waived from `freeDeliveryOverFen` on  (delivery)
 *   discount      = Σ server-side discounts, capped at items + packaging  (the slot)
 *   total         = items + packaging + delivery − discount
 */
import { z } from 'zod';
import type { ServiceChannel } from './domain.js';
import { IdSchema } from './domain.js';
import { ErrorCode, type DomainErrorCode } from './errors.js';
import { isWithin } from './hours.js';
import { FenSchema, mulFen, sumFen, type Fen } from './money.js';
import type { EffectiveCatalog, Sku, Spu } from './menu.js';

export const MAX_LINE_QTY = 99;

export const OptionPickSchema = z.strictObject({
  group: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  choice: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
});
export type OptionPick = z.infer<typeof OptionPickSchema>;

/** What a diner may say about a line: never a price. */
export const QuoteLineSchema = z.strictObject({
  skuId: IdSchema,
  qty: z.number().int().min(1).max(MAX_LINE_QTY),
  options: z.array(OptionPickSchema).max(30).default([]),
  note: z.string().max(100).optional(),
});
export type QuoteLine = z.input<typeof QuoteLineSchema>;

/**
 * A server-side discount (coupon, member price, campaign). The slot exists so
 * totals, events and refunds already account for it; nothing fills it yet, and
 * it is never taken from a diner's request.
 */
export const DiscountSchema = z.object({
  id: z.string().min(1).max(64),
  label: z.string().max(60),
  amountFen: FenSchema,
});
export type Discount = z.infer<typeof DiscountSchema>;

export interface PricedOption {
  readonly group: string;
  readonly choice: string;
  readonly name: string;
  readonly priceDeltaFen: Fen;
}

export interface PricedLine {
  /** 1-based position in the order. */
  readonly lineNo: number;
  readonly skuId: string;
  readonly spuId: string;
  readonly name: string;
  readonly spec: string;
  /** The SPU's menu category: what category-scoped coupons and promotions match (absent in orders priced before it was kept). */
  readonly category?: string;
  readonly qty: number;
  readonly basePriceFen: Fen;
  readonly options: readonly PricedOption[];
  readonly unitPriceFen: Fen;
  readonly amountFen: Fen;
  readonly packagingFeeFen: Fen;
  readonly costFen?: Fen;
  readonly station: string;
  readonly prepTimeSec: number;
  readonly note?: string;
}

export interface Quote {
  readonly catalogRev: number;
  readonly channel: ServiceChannel;
  readonly lines: readonly PricedLine[];
  readonly itemsFen: Fen;
  readonly packagingFeeFen: Fen;
  readonly deliveryFeeFen: Fen;
  readonly discountFen: Fen;
  readonly discounts: readonly Discount[];
  readonly totalFen: Fen;
}

export interface LineError {
  readonly lineNo: number;
  readonly skuId: string;
  readonly code: DomainErrorCode;
  readonly message: string;
}

export interface PriceInput {
  readonly channel: ServiceChannel;
  readonly lines: readonly z.output<typeof QuoteLineSchema>[];
  readonly at: number;
  readonly discounts?: readonly Discount[];
}

const PACKAGED: ReadonlySet<ServiceChannel> = new Set<ServiceChannel>(['takeaway', 'delivery', 'retail']);

/** Prices every line or lists every line that cannot be sold, with a code each. */
export function priceLines(
  catalog: EffectiveCatalog,
  input: PriceInput,
  catalogRev: number,
): { ok: true; quote: Quote } | { ok: false; errors: LineError[] } {
  const lines: PricedLine[] = [];
  const errors: LineError[] = [];
  input.lines.forEach((l, i) => {
    const r = priceLine(catalog, input, l, i + 1);
    if ('code' in r) errors.push(r);
    else lines.push(r);
  });
  if (errors.length > 0) return { ok: false, errors };

  const itemsFen = sumFen(lines.map((l) => l.amountFen));
  const packagingFeeFen = sumFen(lines.map((l) => l.packagingFeeFen));
  const fees = catalog.fees;
  const deliveryFeeFen =
    input.channel !== 'delivery' || (fees.freeDeliveryOverFen !== undefined && itemsFen >= fees.freeDeliveryOverFen)
      ? 0
      : fees.deliveryFeeFen;
  const discounts = input.discounts ?? [];
  const discountFen = Math.min(sumFen(discounts.map((d) => d.amountFen)), itemsFen + packagingFeeFen);
  return {
    ok: true,
    quote: {
      catalogRev,
      channel: input.channel,
      lines,
      itemsFen,
      packagingFeeFen,
      deliveryFeeFen,
      discountFen,
      discounts,
      totalFen: itemsFen + packagingFeeFen + deliveryFeeFen - discountFen,
    },
  };
}

function priceLine(
  catalog: EffectiveCatalog,
  input: PriceInput,
  l: PriceInput['lines'][number],
  lineNo: number,
): PricedLine | LineError {
  const fail = (code: DomainErrorCode, message: string): LineError => ({ lineNo, skuId: l.skuId, code, message });
  const found = lookup(catalog, l.skuId);
  if (found === undefined) return fail(ErrorCode.UnknownSku, `no SKU ${l.skuId} on the menu`);
  const { spu, sku } = found;
  const label = sku.spec === '' ? spu.name : `${spu.name} (${sku.spec})`;
  if (!spu.available) return fail(ErrorCode.ItemUnavailable, `${label} is off the menu right now`);
  if (!spu.channels.includes(input.channel))
    return fail(ErrorCode.ChannelNotAllowed, `${label} is not sold for ${input.channel}`);
  if (!isWithin(spu.windows, input.at, catalog.tzOffsetMin))
    return fail(ErrorCode.OutsideAvailabilityWindow, `${label} is not served at this hour`);

  const options: PricedOption[] = [];
  const picked = new Map<string, number>();
  for (const pick of l.options) {
    const group = spu.optionGroups.find((g) => g.id === pick.group);
    if (group === undefined) return fail(ErrorCode.InvalidOption, `${label} has no option group ${pick.group}`);
    const choice = group.choices.find((c) => c.id === pick.choice);
    if (choice === undefined) return fail(ErrorCode.InvalidOption, `${group.name} has no choice ${pick.choice}`);
    if (!choice.available) return fail(ErrorCode.ItemUnavailable, `${group.name}: ${choice.name} is unavailable`);
    if (options.some((o) => o.group === group.id && o.choice === choice.id))
      return fail(ErrorCode.InvalidOption, `${group.name}: ${choice.name} picked twice`);
    picked.set(group.id, (picked.get(group.id) ?? 0) + 1);
    options.push({ group: group.id, choice: choice.id, name: choice.name, priceDeltaFen: choice.priceDeltaFen });
  }
  for (const g of spu.optionGroups) {
    const n = picked.get(g.id) ?? 0;
    if (n < g.min) return fail(ErrorCode.InvalidOption, `${g.name}: pick at least ${g.min}`);
    if (n > g.max) return fail(ErrorCode.InvalidOption, `${g.name}: pick at most ${g.max}`);
  }

  const unitPriceFen = sku.priceFen + sumFen(options.map((o) => o.priceDeltaFen));
  if (unitPriceFen < 0) return fail(ErrorCode.InvalidOption, `options take ${label} below zero`);
  // One literal, then the optional fields assigned: spreading it into a new object with fields it
  // lacks (`{ ...line, costFen }`) gave V8 a slow-mode object of ~600 bytes instead of ~170, and an
  // order keeps its lines for its whole life in memory (a quarter of the engine's heap in a paid rush).
  const line: { -readonly [K in keyof PricedLine]: PricedLine[K] } = {
    lineNo,
    skuId: sku.skuId,
    spuId: spu.spuId,
    name: spu.name,
    spec: sku.spec,
    category: spu.category,
    qty: l.qty,
    basePriceFen: sku.priceFen,
    options,
    unitPriceFen,
    amountFen: mulFen(unitPriceFen, l.qty),
    packagingFeeFen: PACKAGED.has(input.channel) ? mulFen(spu.packagingFeeFen, l.qty) : 0,
    station: spu.station,
    prepTimeSec: spu.prepTimeSec,
  };
  if (sku.costFen !== undefined) line.costFen = sku.costFen;
  if (l.note !== undefined) line.note = l.note;
  return line;
}

/**
 * A line as a diner (or anyone outside the chain's office) may see it: without `costFen`,
 * the chain's cost of goods. The events keep the cost for analytics; answers never do.
 */
export function publicLine(line: PricedLine): PricedLine {
  if (line.costFen === undefined) return line;
  const { costFen: _cost, ...rest } = line;
  return rest;
}

/** `publicLine` of every line, the same array when none has a cost. */
export function publicLines(lines: readonly PricedLine[]): readonly PricedLine[] {
  return lines.some((l) => l.costFen !== undefined) ? lines.map(publicLine) : lines;
}

// Kept here rather than imported from catalog.ts so the two modules have no value import cycle.
function lookup(c: EffectiveCatalog, skuId: string): { spu: Spu; sku: Sku } | undefined {
  if (!Object.hasOwn(c.bySku, skuId)) return undefined;
  const [i, j] = c.bySku[skuId]!;
  const spu = c.doc.spus[i]!;
  return { spu, sku: spu.skus[j]! };
}

/** What a refund of `qty` units of a line gives back: its share of amount and packaging. */
export function lineRefundFen(line: PricedLine, qty: number): Fen {
  return mulFen(line.unitPriceFen, qty) + Math.floor((line.packagingFeeFen * qty) / line.qty);
}
