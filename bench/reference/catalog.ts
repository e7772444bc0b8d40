/** The menu and prices, from the same demo data the engine is loaded with. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { DemoData } from '@lunchrush/actors/demo';
import { Fail } from './http.js';

export interface Menu {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

export class Catalog {
  private readonly skuPrice = new Map<string, number>();
  /** Each store's menu as JSON, and gzipped. */
  readonly menus = new Map<string, Menu>();

  constructor(private readonly data: DemoData) {
    for (const spu of data.template.spus) for (const k of spu.skus) this.skuPrice.set(k.skuId, k.priceFen);
    for (const s of data.stores) {
      const doc = {
        storeId: s.storeId,
        name: s.settings.name,
        spus: data.template.spus.map((spu) => ({
          ...spu,
          skus: spu.skus.map((k) => ({ ...k, priceFen: s.prices[k.skuId] ?? k.priceFen, costFen: undefined })),
        })),
      };
      const body = Buffer.from(JSON.stringify(doc));
      // Served gzipped to clients that take it, as the gateway does (nginx's gzip_static, in effect).
      this.menus.set(s.storeId, {
        body,
        gzip: gzipSync(body),
        etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
      });
    }
  }

  priceOf(store: string, sku: string): number {
    const s = this.data.stores.find((x) => x.storeId === store);
    const p = s?.prices[sku] ?? this.skuPrice.get(sku);
    if (p === undefined) throw new Fail(422, 'unknown_sku', `unknown SKU ${sku}`);
    return p;
  }
}
