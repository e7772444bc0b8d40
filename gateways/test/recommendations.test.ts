/**
 * Recommendations on the real stack: the models arrive through the KV bucket (the test stands
 * in for analytics' training job and publishes hand-made ones), the gateway serves them from
 * memory, changes its answer with the cart and with a new model, never suggests a sold-out
 * SKU, finds a dish newer than the model by its content, and refuses bad queries with codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { waitFor } from '@lunchrush/testkit';
import { recoBucket, recoDinerKey, recoModelKey, type RecoModel } from '@lunchrush/actors/wire';
import { LogReader, decodeRecord } from '@lunchrush/engine/log';
import { names } from '@lunchrush/engine/names';
import { RECO_EVENTS_STREAM, type RecoEvent } from '@lunchrush/actors';
import { call, login, seatedDiner, staff, startStack, type ErrorAnswer, type Stack } from '@lunchrush/stack/testing';
import { Recommendations } from '../src/recommendations.js';
import type { ValidationDetails } from './answers.js';

interface Item {
  skuId: string;
  name: string;
  priceFen: number;
  reason: string;
}
interface Answer {
  variant: string;
  model: { builtAt: number; scope: string } | null;
  items: Item[];
  hot: Item[];
}

let s: Stack;
const path = '/v1/stores/001/recommendations';
const HOT: [string, number][] = [
  ['mapo-doufu', 40],
  ['mifan-l', 30],
  ['qingdao-pijiu', 20],
  ['gongbao-jiding', 10],
];

/** A store model whose neighbours hold whatever the meal period (they are under `all`). */
function model(builtAt: number, shrimp: [string, number][]): RecoModel {
  return {
    v: 1,
    scope: '001',
    builtAt,
    trainedFrom: '2026-09-01',
    trainedTo: '2026-11-30',
    orders: 1000,
    cf: {
      all: {
        'kouwei-xia-l': shrimp,
        'kele-jichi': [
          ['kekou-kele', 0.6],
          ['fanqie-chaodan', 0.3],
        ],
      },
    },
    slope: {},
    hot: Object.fromEntries(Array.from({ length: 24 }, (_, h) => [String(h), HOT])),
    content: {},
  };
}

async function publish(m: RecoModel): Promise<void> {
  const kv = await new Kvm(s.t.nc).create(recoBucket(s.t.ns), { history: 1 });
  await kv.put(recoModelKey(m.scope), JSON.stringify(m));
}

const ask = async (query: string): Promise<Answer> => {
  const r = await call<Answer>(s.url, 'GET', `${path}?${query}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};
const skus = (items: Item[]): string[] => items.map((i) => i.skuId);

beforeAll(async () => {
  // Stock read fresh on every request, so a sold-out SKU is seen by the next answer.
  s = await startStack({ GATEWAY_STOCK_CACHE_MS: '0' });
});
afterAll(() => s?.close());

describe('recommendations: models, carts and stock', () => {
  it('answers without a model yet (nothing but content), then serves the published one', async () => {
    const none = await ask('context=menu');
    expect(none.model).toBeNull();
    expect(none.hot).toEqual([]);
    await publish(
      model(1, [
        ['qingdao-pijiu', 0.5],
        ['laocu-huasheng', 0.4],
        ['suanmei-tang-l', 0.3],
      ]),
    );
    await waitFor(async () => (await ask('context=menu')).model?.builtAt === 1, { what: 'the model served' });
    const menu = await ask('context=menu&limit=3');
    expect(skus(menu.items)).toEqual(['mapo-doufu', 'mifan-l', 'qingdao-pijiu']);
    expect(menu.items[0]).toMatchObject({ name: '麻婆豆腐', priceFen: expect.any(Number) as unknown, reason: 'hot' });
    expect(menu.variant).toBe('reco');
  });

  it('the cart suggestion changes with the cart', async () => {
    const shrimp = await ask('context=cart&cart=kouwei-xia-l&limit=3');
    const wings = await ask('context=cart&cart=kele-jichi&limit=3');
    expect(skus(shrimp.items).slice(0, 2)).toEqual(['qingdao-pijiu', 'laocu-huasheng']);
    expect(skus(wings.items).slice(0, 2)).toEqual(['kekou-kele', 'fanqie-chaodan']);
    expect(shrimp.items[0]!.reason).toBe('with_cart');
    // Nothing of what the cart holds, nor another size of it.
    const both = await ask('context=cart&cart=kouwei-xia-l,kele-jichi&limit=10');
    expect(skus(both.items)).not.toContain('kouwei-xia-s');
    expect(skus(both.items)).not.toContain('kele-jichi');
  });

  it('a sold-out SKU is never recommended', async () => {
    const kitchen = staff(s, 'kitchen');
    const set = (sku: string, available: number) =>
      call(s.url, 'POST', `/v1/staff/stores/001/stock/${sku}/set`, { token: kitchen, body: { available } });
    expect((await set('qingdao-pijiu', 0)).status).toBe(200);
    const r = await ask('context=cart&cart=kouwei-xia-l&limit=10');
    expect(skus(r.items)).not.toContain('qingdao-pijiu');
    expect(skus(r.hot)).not.toContain('qingdao-pijiu');
    expect(skus(r.items)[0]).toBe('laocu-huasheng');
    expect((await set('qingdao-pijiu', 50)).status).toBe(200);
    expect(skus((await ask('context=cart&cart=kouwei-xia-l&limit=3')).items)[0]).toBe('qingdao-pijiu');
  });

  it('a level push takes a SKU out at once, before the next stock read', async () => {
    // A gateway's recommendations reading stock once a minute: only the push can tell it.
    const slow = new Recommendations({
      nc: s.t.nc,
      namespace: s.t.ns,
      menu: s.gw.deps.menu,
      sharePercent: 100,
      stockCacheMs: 60_000,
      log: s.gw.deps.log,
    });
    await slow.start();
    try {
      const q = { context: 'cart' as const, cart: ['kouwei-xia-l'], channel: 'dine_in' as const, limit: 10 };
      await waitFor(() => slow.model('001')?.builtAt === 1, { what: 'the model in the second instance' });
      expect(skus((await slow.answer('001', q)).items)).toContain('laocu-huasheng');
      const kitchen = staff(s, 'kitchen');
      const set = (available: number) =>
        call(s.url, 'POST', '/v1/staff/stores/001/stock/laocu-huasheng/set', { token: kitchen, body: { available } });
      expect((await set(0)).status).toBe(200);
      await waitFor(async () => !skus((await slow.answer('001', q)).items).includes('laocu-huasheng'), {
        what: 'the out push laid over the stock read',
      });
      expect((await set(40)).status).toBe(200);
      await waitFor(async () => skus((await slow.answer('001', q)).items).includes('laocu-huasheng'), {
        what: 'the ok push',
      });
    } finally {
      slow.stop();
    }
  });
});

describe('recommendations: new dishes, new models, bad queries', () => {
  it('a new dish with no history is recommended by its content', async () => {
    const manager = staff(s, 'manager');
    const layer = {
      spus: [
        {
          spuId: 'suanla-xiaolongxia',
          name: '蒜蓉小龙虾',
          category: '招牌',
          station: 'wok',
          skus: [{ skuId: 'suanla-xiaolongxia', spec: '', priceFen: 9800 }],
          tags: ['辣', '新品'],
          ingredients: ['小龙虾', '紫苏'],
        },
      ],
    };
    const imported = await call(s.url, 'PUT', '/v1/staff/stores/001/catalog', { token: manager, body: layer });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const kitchen = staff(s, 'kitchen');
    const stocked = await call(s.url, 'POST', '/v1/staff/stores/001/stock/suanla-xiaolongxia/set', {
      token: kitchen,
      body: { available: 20 },
    });
    expect(stocked.status).toBe(200);
    const r = await ask('context=cart&cart=kouwei-xia-l&limit=3');
    expect(r.items).toHaveLength(3);
    expect(r.items[2]).toMatchObject({ skuId: 'suanla-xiaolongxia', name: '蒜蓉小龙虾', reason: 'similar' });
    // The model knows nothing of it.
    expect(JSON.stringify(r.model)).not.toContain('suanla');
  });

  it('a new model replaces the old one in memory', async () => {
    await publish(
      model(2, [
        ['laocu-huasheng', 0.7],
        ['qingdao-pijiu', 0.2],
      ]),
    );
    await waitFor(async () => (await ask('context=menu')).model?.builtAt === 2, { what: 'the new model served' });
    expect(skus((await ask('context=cart&cart=kouwei-xia-l&limit=2')).items)[0]).toBe('laocu-huasheng');
  });

  it('refuses bad queries with codes, naming the key', async () => {
    const unknownKey = await call<ErrorAnswer & { details: ValidationDetails }>(s.url, 'GET', `${path}?carts=mifan-l`);
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body.code).toBe('validation_failed');
    expect(JSON.stringify(unknownKey.body.details)).toContain('carts');
    expect((await call(s.url, 'GET', `${path}?party=6`)).status).toBe(200);
    for (const q of [
      'limit=0',
      'limit=21',
      'limit=x',
      'context=home',
      'channel=retail',
      'table=12',
      'cart=a%20b',
      'party=0',
      'party=51',
      'party=x',
    ]) {
      const r = await call<ErrorAnswer>(s.url, 'GET', `${path}?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code, q).toBe('validation_failed');
    }
    const unknownSku = await call<ErrorAnswer>(s.url, 'GET', `${path}?cart=mifan-l,no-such-dish`);
    expect(unknownSku.status).toBe(422);
    expect(unknownSku.body.code).toBe('unknown_sku');
    expect(unknownSku.body.message).toContain('no-such-dish');
    const noStore = await call<ErrorAnswer>(s.url, 'GET', '/v1/stores/999/recommendations');
    expect(noStore.body.code).toBe('store_not_configured');
  });
});

describe("recommendations: a seated diner's history and events", () => {
  it("a seated diner's own history comes first as 'for you'; the table comes from the session", async () => {
    const d = await seatedDiner(s, 5);
    const kv = await new Kvm(s.t.nc).open(recoBucket(s.t.ns));
    await kv.put(recoDinerKey(d.dinerId), JSON.stringify({ v: 1, builtAt: 2, skus: [['suanmei-tang-l', 6]] }));
    const r = await call<Answer>(s.url, 'GET', '/v1/diner/recommendations?context=menu&limit=4', { token: d.token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items[0]).toMatchObject({ skuId: 'suanmei-tang-l', reason: 'for_you' });
    // Someone else at the store's route, without the history.
    expect(skus((await ask('context=menu&limit=4')).items)).not.toContain('suanmei-tang-l');
    // A diner with no history gets the same as the store's route.
    const fresh = await seatedDiner(s, 6);
    const plain = await call<Answer>(s.url, 'GET', '/v1/diner/recommendations?context=menu&limit=4', {
      token: fresh.token,
    });
    expect(skus(plain.body.items)).toEqual(skus((await ask('context=menu&limit=4')).items));
    const tableInQuery = await call<ErrorAnswer>(s.url, 'GET', `/v1/diner/recommendations?table=${d.tableId}`, {
      token: d.token,
    });
    expect([tableInQuery.status, tableInQuery.body.code]).toEqual([400, 'validation_failed']);
    const unseated = await login(s);
    const noTable = await call<ErrorAnswer>(s.url, 'GET', '/v1/diner/recommendations', { token: unseated.token });
    expect(noTable.body.code).toBe('no_table');
    expect((await call(s.url, 'GET', '/v1/diner/recommendations')).status).toBe(401);
  });

  it('a seated diner logs impressions and clicks; table, diner and arm come from the session', async () => {
    const d = await seatedDiner(s, 2);
    const events = [
      { type: 'shown', skuId: 'qingdao-pijiu', context: 'cart', position: 0 },
      { type: 'clicked', skuId: 'qingdao-pijiu', context: 'cart', position: 0 },
    ];
    const r = await call<{ accepted: number; variant: string }>(s.url, 'POST', `${path}/events`, {
      token: d.token,
      body: { events },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body).toEqual({ accepted: 2, variant: 'reco' });
    // Stored before the answer, in the engine's record format, on the stream analytics reads.
    const reader = new LogReader(s.t.nc, names(s.t.ns).outputStream(RECO_EVENTS_STREAM));
    const bounds = await reader.bounds();
    expect(bounds).toEqual({ first: 1, last: 1 });
    const stored: { a: string[]; ev: RecoEvent[] }[] = [];
    for await (const m of reader.read({ from: 1, to: 1 })) {
      const record = decodeRecord(m.data);
      if (record.k === 'b') stored.push(...(record.x as unknown as { a: string[]; ev: RecoEvent[] }[]));
    }
    expect(stored).toEqual([
      {
        a: ['reco', '001', d.tableId],
        ev: events.map(
          (e) =>
            expect.objectContaining({
              type: e.type === 'shown' ? 'RecoShown' : 'RecoClicked',
              skuId: 'qingdao-pijiu',
              context: 'cart',
              variant: 'reco',
              tableId: d.tableId,
              dinerId: d.dinerId,
            }) as unknown,
        ),
      },
    ]);

    const extra = await call<ErrorAnswer>(s.url, 'POST', `${path}/events`, {
      token: d.token,
      body: { events: [{ ...events[0], tableId: 'x' }] },
    });
    expect([extra.status, extra.body.code]).toEqual([400, 'validation_failed']);
    const none = await call<ErrorAnswer>(s.url, 'POST', `${path}/events`, { token: d.token, body: { events: [] } });
    expect(none.status).toBe(400);
    const other = await call<ErrorAnswer>(s.url, 'POST', '/v1/stores/002/recommendations/events', {
      token: d.token,
      body: { events },
    });
    expect([other.status, other.body.code]).toEqual([403, 'store_forbidden']);
    const unseated = await login(s);
    const noTable = await call<ErrorAnswer>(s.url, 'POST', `${path}/events`, {
      token: unseated.token,
      body: { events },
    });
    expect(noTable.body.code).toBe('no_table');
    expect((await call(s.url, 'POST', `${path}/events`, { body: { events } })).status).toBe(401);
  });
});

describe('recommendations: the A/B switch', () => {
  it('the A/B switch puts a stable share of tables in each arm', () => {
    const half = new Recommendations({
      nc: s.t.nc,
      namespace: s.t.ns,
      menu: s.gw.deps.menu,
      sharePercent: 30,
      stockCacheMs: 1000,
      log: s.gw.deps.log,
    });
    const tables = Array.from({ length: 1000 }, (_, i) => `0011000${String(i).padStart(6, '0')}`);
    const arms = tables.map((t) => half.variantOf('001', t));
    const share = arms.filter((a) => a === 'reco').length / tables.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    expect(tables.map((t) => half.variantOf('001', t))).toEqual(arms);
  });
});
