/**
 * Store and SKU mapping between a platform and us: a platform names a store by its own id
 * (美团 `app_poi_code`, 饿了么 `shopId`) and a dish by its SKU id or the merchant's code; we name
 * them by store id and `skuId`. One `PlatformMapping` per platform, from configuration
 * (`PLATFORMS_MAPPING_FILE`) or, for the demo chain, `demoMapping`.
 */
import { z } from 'zod';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import { PLATFORMS, type PlatformName } from './platform.js';

const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
export const StoreMappingSchema = z.strictObject({
  store: z.string().regex(/^\d{3}$/),
  poi: Id,
  /** Our skuId → the platform's SKU id. */
  skus: z.record(Id, Id),
});
export type StoreMapping = z.infer<typeof StoreMappingSchema>;
export const MappingFileSchema = z.strictObject({
  meituan: z.array(StoreMappingSchema).default([]),
  eleme: z.array(StoreMappingSchema).default([]),
});
export type MappingFile = z.infer<typeof MappingFileSchema>;

export class PlatformMapping {
  private readonly byPoi = new Map<string, StoreMapping>();
  private readonly byStore = new Map<string, StoreMapping>();
  private readonly ours = new Map<string, Map<string, string>>();

  constructor(
    readonly platform: PlatformName,
    entries: readonly StoreMapping[],
  ) {
    for (const m of entries) {
      if (this.byPoi.has(m.poi) || this.byStore.has(m.store))
        throw new Error(`${platform} mapping: store ${m.store} or poi ${m.poi} appears twice`);
      this.byPoi.set(m.poi, m);
      this.byStore.set(m.store, m);
      const back = new Map<string, string>();
      for (const [sku, theirs] of Object.entries(m.skus)) {
        if (back.has(theirs)) throw new Error(`${platform} mapping: store ${m.store} maps two SKUs to ${theirs}`);
        back.set(theirs, sku);
      }
      this.ours.set(m.store, back);
    }
  }

  stores(): string[] {
    return [...this.byStore.keys()];
  }

  storeOf(poi: string): string {
    const m = this.byPoi.get(poi);
    if (m === undefined) throw new PlatformError(E.UnknownStore, `门店 ${poi} 未绑定`);
    return m.store;
  }

  poiOf(store: string): string | undefined {
    return this.byStore.get(store)?.poi;
  }

  ourSku(store: string, theirs: string): string {
    const sku = this.ours.get(store)?.get(theirs);
    if (sku === undefined) throw new PlatformError(E.UnknownSku, `商品 ${theirs} 未绑定`);
    return sku;
  }

  platformSku(store: string, skuId: string): string | undefined {
    return this.byStore.get(store)?.skus[skuId];
  }
}

/**
 * The demo chain on both platforms: 美团 stores `mt<store>` with our SKU ids as the merchant's
 * codes; 饿了么 shops `5000<store>` with their own SKU ids (`el-<skuId>`), so both directions of
 * the mapping are exercised.
 */
export function demoMapping(stores: readonly string[], skuIds: readonly string[]): MappingFile {
  const skus = (f: (s: string) => string): Record<string, string> => Object.fromEntries(skuIds.map((s) => [s, f(s)]));
  return {
    meituan: stores.map((store) => ({ store, poi: `mt${store}`, skus: skus((s) => s) })),
    eleme: stores.map((store) => ({ store, poi: `5000${store}`, skus: skus((s) => `el-${s}`) })),
  };
}

export function mappings(file: MappingFile): Record<PlatformName, PlatformMapping> {
  const out = {} as Record<PlatformName, PlatformMapping>;
  for (const p of PLATFORMS) out[p] = new PlatformMapping(p, file[p]);
  return out;
}
