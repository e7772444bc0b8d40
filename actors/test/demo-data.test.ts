import { describe, expect, it } from 'vitest';
import { MemoryRuntime } from '@lunchrush/engine';
import {
  CHAIN_STORE_ID,
  ID_RE,
  catalogRef,
  orderRef,
  parseTableCode,
  restaurantActors,
  skuIdsOf,
  tableRef,
  type CatalogState,
  type OrderDetail,
  type StockState,
} from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';
import { T0, expectOk } from './helpers.js';

const data = generateDemoData();

describe('demo data', () => {
  it('has 20 stores by default, each with 30–60 tables in 2–4 areas', () => {
    expect(data.stores).toHaveLength(20);
    expect(data.stores.map((s) => s.storeId)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(3, '0')),
    );
    for (const s of data.stores) {
      expect(s.tables.length).toBeGreaterThanOrEqual(30);
      expect(s.tables.length).toBeLessThanOrEqual(60);
      const areas = new Set(s.tables.map((t) => t.area));
      expect(areas.size).toBeGreaterThanOrEqual(2);
      expect(areas.size).toBeLessThanOrEqual(4);
      expect(new Set(s.tables.map((t) => t.tableId)).size).toBe(s.tables.length);
      for (const t of s.tables) {
        const code = parseTableCode(t.code);
        expect(code.store).toBe(s.storeId);
        expect(t.tableId).toBe(t.code.replace(/-/g, ''));
      }
      expect(s.settings.name).toMatch(/^湘川小馆·/);
    }
    expect(new Set(data.stores.map((s) => s.settings.name)).size).toBe(20);
  });

  it('has a realistic Chinese menu of about 60 SKUs over the nine categories', () => {
    const t = data.template;
    const skus = skuIdsOf(t);
    expect(skus.length).toBeGreaterThanOrEqual(55);
    expect(skus.length).toBeLessThanOrEqual(65);
    expect(new Set(skus).size).toBe(skus.length);
    skus.forEach((id) => expect(id).toMatch(ID_RE));
    expect(t.categories).toEqual(['招牌', '热销', '凉菜', '热菜', '主食', '汤', '饮品', '套餐', '预制菜零售']);
    for (const c of t.categories) expect(t.spus.some((s) => s.category === c)).toBe(true);
    expect(t.spus.find((s) => s.name === '宫保鸡丁')).toMatchObject({ allergens: ['花生'], station: 'wok' });
    expect(
      t.spus
        .filter((s) => s.category === '预制菜零售')
        .every((s) => s.channels.includes('retail') && !s.channels.includes('dine_in')),
    ).toBe(true);
    expect(t.spus.some((s) => s.windows.length > 0)).toBe(true);
    for (const s of data.stores) expect(Object.keys(s.stock).sort()).toEqual([...skus].sort());
  });

  it("keeps a dish's sizes in order in every store, whatever prices a store changed", () => {
    // Store 001 of the default seed once priced 小碗 rice at ¥6 and 大碗 at ¥3; 200 stores of
    // several seeds give the price changes many chances to cross a sibling size.
    const seeds = [data, generateDemoData({ stores: 200, seed: 1 }), generateDemoData({ stores: 200, seed: 99 })];
    let crossingsTried = 0;
    for (const d of seeds) {
      for (const store of d.stores) {
        for (const spu of d.template.spus) {
          if (spu.skus.length < 2) continue;
          const priced = spu.skus.map((k) => ({ k, fen: store.prices[k.skuId] ?? k.priceFen }));
          if (spu.skus.some((k) => store.prices[k.skuId] !== undefined)) crossingsTried++;
          for (const a of priced)
            for (const b of priced)
              if (a.k.priceFen > b.k.priceFen) expect(a.fen, `${store.storeId} ${spu.name}`).toBeGreaterThan(b.fen);
          for (const p of priced) expect(p.fen).toBeGreaterThanOrEqual(100);
        }
      }
    }
    expect(crossingsTried).toBeGreaterThan(10);
    const rice = data.template.spus.find((x) => x.spuId === 'mifan')!;
    const store1 = data.stores[0]!;
    const fen = (id: string): number => store1.prices[id] ?? rice.skus.find((k) => k.skuId === id)!.priceFen;
    expect(fen('mifan-l')).toBeGreaterThan(fen('mifan-s'));
  });

  it('is deterministic for a seed and different for another', () => {
    expect(generateDemoData({ stores: 3, seed: 7 })).toEqual(generateDemoData({ stores: 3, seed: 7 }));
    expect(generateDemoData({ stores: 3, seed: 7 })).not.toEqual(generateDemoData({ stores: 3, seed: 8 }));
    expect(generateDemoData({ stores: 120 }).stores[119]!.storeId).toBe('120');
  });
});

describe('demo data on the engine', () => {
  it('loads into the engine and takes orders', () => {
    const small = generateDemoData({ stores: 2, seed: 3 });
    const rt = new MemoryRuntime(restaurantActors);
    const cmds = demoSetupCommands(small, T0);
    for (const c of cmds) expectOk(rt.send(c.ref, c.command, { id: c.id }));
    const logged = rt.log.length;
    for (const c of cmds) expectOk(rt.send(c.ref, c.command, { id: c.id }));
    expect(rt.log.length).toBe(logged);

    expect(rt.state<CatalogState>(catalogRef(CHAIN_STORE_ID)).effective.doc.spus).toHaveLength(
      small.template.spus.length,
    );
    const store = small.stores[1]!;
    const t = store.tables[0]!;
    const sku = Object.entries(store.stock).find(([id, n]) => n > 0 && id.startsWith('gongbao-jiding'))![0];
    expectOk(
      rt.send(tableRef(store.storeId, t.tableId), {
        type: 'open',
        sessionId: 's1',
        partySize: 2,
        dinerId: 'd',
        at: T0,
      }),
    );
    expectOk(
      rt.send(tableRef(store.storeId, t.tableId), {
        type: 'addLine',
        lineId: 'l1',
        dinerId: 'd',
        skuId: sku,
        qty: 1,
        options: [{ group: 'spice', choice: 'mild' }],
        at: T0,
      }),
    );
    expectOk(rt.send(tableRef(store.storeId, t.tableId), { type: 'submit', orderId: 'o_demo', dinerId: 'd', at: T0 }));
    const d = expectOk(rt.send<OrderDetail>(orderRef(store.storeId, 'o_demo'), { type: 'get' }));
    expect(d).toMatchObject({ status: 'pending_payment', tableId: t.tableId, totalFen: store.prices[sku] ?? 3200 });
    expect(rt.state<StockState>({ store: store.storeId, type: 'stock', id: sku }).reserved).toBe(1);
  });
});
