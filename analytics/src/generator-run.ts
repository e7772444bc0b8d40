/**
 * What one run of the history generator keeps from day to day (its random
 * stream, the stock of every SKU, the order counter) and the pieces every
 * generated command is made of: a log entry, the stock events of a sale.
 */
import type { LogEntry } from '@lunchrush/engine/log';
import type { CatalogDoc, TimeWindow } from '@lunchrush/actors';
import type { Diner } from './generated-basket.js';

export const HOUR = 3_600_000;
export const MIN = 60_000;
export const TZ_OFFSET_MS = 8 * HOUR;

/** A command's entries, all in one record, as the engine writes them. */
export interface Cmd {
  at: number;
  store: string;
  entries: LogEntry[];
}

export type Sku = {
  skuId: string;
  spuId: string;
  name: string;
  spec: string;
  priceFen: number;
  costFen?: number;
  station: string;
  prepTimeSec: number;
  packagingFeeFen: number;
  category: string;
  channels: string[];
  tags: string[];
  windows: TimeWindow[];
};

export interface GeneratorRun {
  /** The one random stream: every figure of a history follows from the seed through it, in call order. */
  readonly rnd: () => number;
  readonly menu: readonly Sku[];
  /** How often each SKU of `menu` is ordered, relative to the others. */
  readonly popular: readonly number[];
  /** Units available per `<store>/<skuId>`. */
  readonly stock: Map<string, number>;
  /** Each store's regular diners, made on the store's first order. */
  readonly diners: Map<string, Diner[]>;
  orderNo: number;
}

export function skusOf(doc: CatalogDoc): Sku[] {
  return doc.spus.flatMap((spu) =>
    spu.skus.map((k) => ({
      skuId: k.skuId,
      spuId: spu.spuId,
      name: spu.name,
      spec: k.spec,
      priceFen: k.priceFen,
      ...(k.costFen === undefined ? {} : { costFen: k.costFen }),
      station: spu.station,
      prepTimeSec: spu.prepTimeSec,
      packagingFeeFen: spu.packagingFeeFen,
      category: spu.category,
      channels: spu.channels,
      tags: spu.tags,
      windows: spu.windows,
    })),
  );
}

export const pick = <T>(g: GeneratorRun, xs: readonly T[]): T => xs[Math.floor(g.rnd() * xs.length)]!;

export const normal = (g: GeneratorRun): number => {
  const u = 1 - g.rnd();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * g.rnd());
};

export const entry = (type: string, store: string, id: string, ev: unknown[]): LogEntry => ({
  a: [type, store, id],
  ev,
});

/** Takes units off a SKU: the stock events of a sale, with level changes. */
export function take(
  g: GeneratorRun,
  store: string,
  skuId: string,
  qty: number,
  ev: Record<string, unknown>,
  at: number,
): LogEntry {
  const key = `${store}/${skuId}`;
  const before = g.stock.get(key) ?? 0;
  const after = before - qty;
  g.stock.set(key, after);
  const events: unknown[] = [ev];
  if (after === 0 && before > 0) events.push({ type: 'LevelChanged', level: 'out', available: 0, at });
  else if (after <= 5 && before > 5) events.push({ type: 'LevelChanged', level: 'low', available: after, at });
  return entry('stock', store, skuId, events);
}
