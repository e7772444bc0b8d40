/**
 * Demo data for `npm start`, tests and the bench (`@lunchrush/actors/demo`): the
 * chain template menu of a Hunan/Sichuan-style restaurant (`demo-menu.ts`), and N
 * stores (default 20) in 长沙, each on the map (`geo/demo-sites.ts`), with 30–60
 * tables in 2–4 areas, stock levels and a few store prices.
 * Deterministic: the same seed gives the same data.
 */
import type { ActorRef } from '@lunchrush/engine';
import { chainTemplate } from './demo-menu.js';
import { DEMO_CITY, demoSite } from './geo/demo-sites.js';
import type { CatalogDoc } from './menu.js';
import { catalogRef, CHAIN_STORE_ID, stockRef, storeRef, tableRef } from './domain.js';
import type { CatalogCommand } from './catalog.js';
import type { StockCommand } from './stock.js';
import type { StoreCommand, StoreSettings } from './store.js';
import type { TableCommand, TableConfig } from './table/index.js';
import { formatTableCode, makeTableCode, tableId } from './table-code.js';

export { chainTemplate };

export const DEFAULT_DEMO_STORES = 20;
export const DEFAULT_DEMO_SEED = 20240611;

/** mulberry32: a tiny seeded PRNG, good enough for demo data (not a decider: no replay involved). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const AREAS = ['大厅', '包间', '二楼', '露台', '靠窗区'];
const AREA_LETTERS = ['A', 'B', 'C', 'D', 'E'];

export interface DemoTable {
  /** The table actor id: 13 digits. */
  readonly tableId: string;
  /** As printed under the QR code: SSS-AAAA-TTTTT-C. */
  readonly code: string;
  readonly area: string;
  readonly config: TableConfig;
}

export interface DemoStore {
  readonly storeId: string;
  readonly settings: StoreSettings;
  readonly tables: readonly DemoTable[];
  /** Opening stock per SKU id. */
  readonly stock: Readonly<Record<string, number>>;
  /** Store prices that differ from the template. */
  readonly prices: Readonly<Record<string, number>>;
}

export interface DemoData {
  readonly seed: number;
  readonly template: CatalogDoc;
  readonly stores: readonly DemoStore[];
}

export interface DemoOptions {
  readonly stores?: number;
  readonly seed?: number;
  /** Real opening hours (10:00–22:00, some stores from 07:00). Off by default so a bench at night still finds stores open. */
  readonly openingHours?: boolean;
  readonly paymentTimeoutMs?: number;
}

export function generateDemoData(opts: DemoOptions = {}): DemoData {
  const n = opts.stores ?? DEFAULT_DEMO_STORES;
  if (!Number.isInteger(n) || n < 1 || n > 999) throw new RangeError(`stores must be 1–999, got ${n}`);
  const seed = opts.seed ?? DEFAULT_DEMO_SEED;
  const rnd = seededRandom(seed);
  const between = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const template = chainTemplate();

  const stores: DemoStore[] = [];
  for (let k = 1; k <= n; k++) {
    const storeId = String(k).padStart(3, '0');
    const { place, site } = demoSite(k, opts.openingHours === true);
    const breakfast = rnd() < 0.3;
    const settings: StoreSettings = {
      name: `湘川小馆·${DEMO_CITY}${place}店`,
      hours: opts.openingHours === true ? [{ from: breakfast ? '07:00' : '10:00', to: '22:00' }] : [],
      tzOffsetMin: 480,
      paymentTimeoutMs: opts.paymentTimeoutMs ?? 15 * 60_000,
      busyThresholdTickets: between(30, 60),
      site,
    };

    const areaCount = between(2, 4);
    const tableCount = between(30, 60);
    const tables: DemoTable[] = [];
    for (let t = 0; t < tableCount; t++) {
      const a = t % areaCount;
      const perArea = Math.floor(t / areaCount) + 1;
      const code = makeTableCode(storeId, a + 1, perArea);
      const privateRoom = AREAS[a] === '包间';
      tables.push({
        tableId: tableId(code),
        code: formatTableCode(code),
        area: code.area,
        config: {
          label: `${AREA_LETTERS[a]!}${String(perArea).padStart(2, '0')}`,
          areaName: AREAS[a]!,
          seats: privateRoom ? [8, 10, 12][between(0, 2)]! : [2, 4, 4, 6][between(0, 3)]!,
        },
      });
    }

    const stock: Record<string, number> = {};
    for (const spu of template.spus) {
      for (const sku of spu.skus) {
        const base =
          spu.category === '招牌'
            ? between(20, 60)
            : spu.category === '预制菜零售'
              ? between(10, 40)
              : spu.category === '饮品'
                ? between(120, 300)
                : spu.spuId === 'mifan'
                  ? 600
                  : between(40, 120);
        stock[sku.skuId] = rnd() < 0.03 ? 0 : base;
      }
    }

    const prices: Record<string, number> = {};
    const skus = template.spus.flatMap((spu) => spu.skus.map((sku) => ({ spu, sku })));
    const priceOf = (skuId: string, template: number): number => prices[skuId] ?? template;
    const changes = between(0, 3);
    for (let i = 0; i < changes; i++) {
      const { spu, sku } = skus[between(0, skus.length - 1)]!;
      const delta = between(-3, 5) * 100;
      const price = Math.max(100, priceOf(sku.skuId, sku.priceFen) + delta);
      // A dish's sizes keep their order (小碗 never dearer than 大碗): a change that would
      // cross a sibling moves the whole dish by the same amount, the cheapest size staying ≥ ¥1.
      const crosses = spu.skus.some((o) => {
        if (o === sku) return false;
        const before = Math.sign(o.priceFen - sku.priceFen);
        return Math.sign(priceOf(o.skuId, o.priceFen) - price) !== before;
      });
      if (!crosses) {
        prices[sku.skuId] = price;
        continue;
      }
      const cheapest = Math.min(...spu.skus.map((o) => priceOf(o.skuId, o.priceFen)));
      const shift = Math.max(delta, 100 - cheapest);
      for (const o of spu.skus) prices[o.skuId] = priceOf(o.skuId, o.priceFen) + shift;
    }
    stores.push({ storeId, settings, tables, stock, prices });
  }
  return { seed, template, stores };
}

export interface SetupCommand {
  readonly ref: ActorRef;
  readonly command: StoreCommand | CatalogCommand | StockCommand | TableCommand;
  /** Stable command id: running the setup twice changes nothing. */
  readonly id: string;
}

/**
 * The commands that load demo data into an engine, in order: the chain
 * template into store 000's catalog, then per store its settings, opening,
 * template and prices, tables and stock. Send them in this order, one after
 * another: a store opens only once it is configured. Each carries a stable
 * command id, so sending them twice changes nothing.
 */
export function demoSetupCommands(data: DemoData, at: number): SetupCommand[] {
  const out: SetupCommand[] = [
    {
      ref: catalogRef(CHAIN_STORE_ID),
      command: { type: 'import', catalog: data.template, at },
      id: `setup:template:${data.template.version}`,
    },
  ];
  for (const s of data.stores) {
    out.push({
      ref: storeRef(s.storeId),
      command: { type: 'configure', settings: s.settings, at },
      id: `setup:store:${s.storeId}`,
    });
    out.push({ ref: storeRef(s.storeId), command: { type: 'open', at }, id: `setup:open:${s.storeId}` });
    out.push({
      ref: catalogRef(s.storeId),
      command: { type: 'setTemplate', template: data.template, at },
      id: `setup:template:${s.storeId}:${data.template.version}`,
    });
    for (const [skuId, priceFen] of Object.entries(s.prices)) {
      out.push({
        ref: catalogRef(s.storeId),
        command: { type: 'setPrice', skuId, priceFen, at },
        id: `setup:price:${s.storeId}:${skuId}`,
      });
    }
    for (const t of s.tables) {
      out.push({
        ref: tableRef(s.storeId, t.tableId),
        command: { type: 'configure', config: t.config, at },
        id: `setup:table:${t.tableId}`,
      });
    }
    for (const [skuId, available] of Object.entries(s.stock)) {
      out.push({
        ref: stockRef(s.storeId, skuId),
        command: { type: 'set', available, reason: 'opening stock', at },
        id: `setup:stock:${s.storeId}:${skuId}`,
      });
    }
  }
  return out;
}
