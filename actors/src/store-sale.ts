/**
 * A store's channel sale (`sell`: a POS ticket, a platform order): every SKU's stock `sell`s its
 * quantity under the channel's id, all or nothing.
 */
import { reject, type DecideContext, type Rejection } from '@lunchrush/engine';
import { ActorTypes, type SalesChannel } from './domain.js';
import { ErrorCode, errorKind, refuse } from './errors.js';
import { MAX_STOCK_QTY, type StockResult } from './stock.js';

/** What a store `sell` did: one stock result per SKU (lines of the same SKU add up), in first-seen order. */
export interface ChannelSale {
  readonly channel: SalesChannel;
  readonly ref: string;
  /** Every SKU had sold under this id before: nothing changed. */
  readonly duplicate: boolean;
  readonly skus: readonly (StockResult & { readonly requested: number })[];
}

/** `details` of a store `sell` refused as sold out: each short SKU and what it has left. */
export interface ShortSkus {
  readonly skus: readonly { readonly skuId: string; readonly requested: number; readonly available: number }[];
}

/** The lines of a `sell`, as its command gives them. */
export interface SellCommand {
  readonly channel: SalesChannel;
  readonly ref: string;
  readonly lines: readonly { readonly skuId: string; readonly qty: number }[];
  readonly at: number;
}

export function sellLines(c: SellCommand, ctx: DecideContext | undefined): { result: ChannelSale } | Rejection {
  if (ctx === undefined)
    return refuse(ErrorCode.InvalidCommand, 'a store sale needs the engine (it calls stock actors)');
  const bySku = new Map<string, number>();
  for (const l of c.lines) bySku.set(l.skuId, (bySku.get(l.skuId) ?? 0) + l.qty);
  const skus: (StockResult & { requested: number })[] = [];
  const short: { skuId: string; requested: number; available: number }[] = [];
  for (const [skuId, qty] of bySku) {
    if (qty > MAX_STOCK_QTY) return refuse(ErrorCode.InvalidCommand, `${skuId}: at most ${MAX_STOCK_QTY} per sale`);
    const r = ctx.call<StockResult>(ActorTypes.Stock, skuId, {
      type: 'sell',
      channel: c.channel,
      ref: c.ref,
      qty,
      at: c.at,
    });
    if (r.ok) {
      skus.push({ ...r.result, requested: qty });
      continue;
    }
    // Anything but "short" (an id used another way before, …) is the answer as it stands.
    if (r.code !== ErrorCode.SoldOut) return reject(r.code, r.message, r.details, errorKind(r.code));
    const available = (r.details as { available?: number } | undefined)?.available ?? 0;
    short.push({ skuId, requested: qty, available });
  }
  if (short.length > 0) {
    // Refusing discards the sales of the SKUs that had enough: all or nothing.
    return refuse(
      ErrorCode.SoldOut,
      short.map((x) => `${x.skuId}: ${x.available} left, ${x.requested} wanted`).join('; '),
      { skus: short } satisfies ShortSkus,
    );
  }
  const sale: ChannelSale = {
    channel: c.channel,
    ref: c.ref,
    duplicate: skus.every((k) => k.duplicate === true),
    skus,
  };
  return { result: sale };
}
