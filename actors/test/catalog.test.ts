import { describe, expect, it } from 'vitest';
import { MemoryRuntime, decode, encode, replay } from '@lunchrush/engine';
import {
  CATALOG_ACTOR_ID,
  CatalogDocSchema,
  catalogActor,
  catalogRef,
  mergeCatalog,
  type CatalogCommand,
  type CatalogDoc,
  type CatalogResult,
  type CatalogState,
  type Quote,
} from '@lunchrush/actors';
import { priceLines } from '../src/pricing.js';
import { STORE, T0, expectOk, expectRejected, send, smallCatalog } from './helpers.js';

const doc = (): CatalogDoc => CatalogDocSchema.parse(smallCatalog());
const cat = (rt: MemoryRuntime, c: CatalogCommand) => send<CatalogResult>(rt, catalogRef(STORE), c);
const effective = (rt: MemoryRuntime) => rt.state<CatalogState>(catalogRef(STORE)).effective.doc;
const quote = (rt: MemoryRuntime, skuId: string, extra: Partial<Extract<CatalogCommand, { type: 'quote' }>> = {}) =>
  send<Quote>(rt, catalogRef(STORE), {
    type: 'quote',
    channel: 'dine_in',
    lines: [{ skuId, qty: 1 }],
    at: T0,
    ...extra,
  });

/** Chain template: the small menu. Store local layer: one store-only dish and a replaced cola. */
function chainAndStore(): MemoryRuntime {
  const rt = new MemoryRuntime([catalogActor]);
  expectOk(cat(rt, { type: 'setTemplate', template: smallCatalog(), at: T0 }));
  expectOk(
    cat(rt, {
      type: 'import',
      catalog: {
        version: 'local-1',
        spus: [
          {
            spuId: 'stinky-tofu',
            name: '臭豆腐',
            category: '小吃',
            station: 'wok',
            skus: [{ skuId: 'stinky-tofu', priceFen: 1500 }],
          },
          {
            spuId: 'cola',
            name: '可乐(冰)',
            category: '饮品',
            station: 'bar',
            skus: [{ skuId: 'cola', spec: '330ml', priceFen: 700 }],
          },
        ],
      },
      at: T0,
    }),
  );
  return rt;
}

const refusals: [string, CatalogCommand, string][] = [
  ['remove a template SPU', { type: 'removeSpu', spuId: 'noodle', at: T0 }, 'unknown_spu'],
  ['remove an unknown SPU', { type: 'removeSpu', spuId: 'ghost', at: T0 }, 'unknown_spu'],
  ['price an unknown SKU', { type: 'setPrice', skuId: 'ghost', priceFen: 100, at: T0 }, 'unknown_sku'],
  ['a negative price', { type: 'setPrice', skuId: 'cola', priceFen: -1, at: T0 }, 'invalid_command'],
  ['a fractional price', { type: 'setPrice', skuId: 'cola', priceFen: 12.5, at: T0 }, 'invalid_command'],
  ['switch an unknown SPU', { type: 'setAvailability', spuId: 'ghost', available: false, at: T0 }, 'unknown_spu'],
  ['hide an unknown SPU', { type: 'hideSpu', spuId: 'ghost', hidden: true, at: T0 }, 'unknown_spu'],
  [
    'a local SPU claiming a template SKU id',
    {
      type: 'upsertSpu',
      spu: {
        spuId: 'cola2',
        name: '可乐2',
        category: '饮品',
        station: 'bar',
        skus: [{ skuId: 'cuke', priceFen: 1 }],
      },
      at: T0,
    },
    'catalog_conflict',
  ],
  [
    'a template with a duplicate SKU',
    {
      type: 'setTemplate',
      template: {
        spus: [
          {
            spuId: 'a',
            name: 'A',
            category: 'x',
            station: 's',
            skus: [
              { skuId: 'k', priceFen: 1 },
              { skuId: 'k', priceFen: 2 },
            ],
          },
        ],
      },
      at: T0,
    },
    'invalid_command',
  ],
  [
    'an option group asking for more picks than it has',
    {
      type: 'upsertSpu',
      spu: {
        spuId: 'a',
        name: 'A',
        category: 'x',
        station: 's',
        skus: [{ skuId: 'a', priceFen: 1 }],
        optionGroups: [{ id: 'g', name: 'G', min: 2, max: 2, choices: [{ id: 'c', name: 'C' }] }],
      },
      at: T0,
    },
    'invalid_command',
  ],
];

describe('catalog actor: template inheritance and overrides', () => {
  it('the store sells the template plus its own SPUs; its SPUs replace template SPUs of the same id', () => {
    const rt = chainAndStore();
    const d = effective(rt);
    expect(d.spus.map((s) => s.spuId)).toEqual([
      'bun',
      'noodle',
      'cucumber',
      'beer',
      'cola',
      'dumpling',
      'stinky-tofu',
    ]);
    expect(d.categories).toEqual(['主食', '凉菜', '饮品', '预制菜零售', '小吃']);
    expect(d.spus.find((s) => s.spuId === 'cola')!.name).toBe('可乐(冰)');
    expect(d.version).toBe('t1+local-1');
    expect(d.fees).toEqual({ deliveryFeeFen: 500, freeDeliveryOverFen: 8800 });
  });

  it('every change tells the gateways on catalog.<store> and the platform sync (durable) with the new revision; a rejected one says nothing', () => {
    const rt = chainAndStore();
    const before = rt.outputs.length;
    const r = expectOk(cat(rt, { type: 'setPrice', skuId: 'noodle-l', priceFen: 3100, at: T0 })) as { rev: number };
    expectRejected(cat(rt, { type: 'setPrice', skuId: 'ghost', priceFen: 100, at: T0 }), 'unknown_sku');
    // The memory runtime lists JetStream outputs first.
    expect(rt.outputs.slice(before)).toEqual([
      {
        subject: `sync.${STORE}`,
        id: `sync:catalog:${STORE}:${r.rev}`,
        data: { kind: 'catalog', store: STORE, rev: r.rev, at: T0 },
        jetstream: true,
      },
      {
        subject: `catalog.${STORE}`,
        id: `catalog:${STORE}:${r.rev}`,
        data: { kind: 'catalog', store: STORE, rev: r.rev },
        jetstream: false,
      },
    ]);
  });

  it('store prices, switches and hidden dishes survive a new template', () => {
    const rt = chainAndStore();
    expectOk(cat(rt, { type: 'setPrice', skuId: 'noodle-l', priceFen: 3000, at: T0 }));
    expectOk(cat(rt, { type: 'setAvailability', spuId: 'cucumber', available: false, at: T0 }));
    expectOk(cat(rt, { type: 'hideSpu', spuId: 'beer', hidden: true, at: T0 }));
    const next = smallCatalog();
    next.version = 't2';
    next.spus![0]!.skus[0]!.priceFen = 2900;
    expectOk(cat(rt, { type: 'setTemplate', template: next, at: T0 + 1 }));
    const d = effective(rt);
    expect(d.spus.find((s) => s.spuId === 'noodle')!.skus[0]!.priceFen).toBe(3000);
    expect(d.spus.find((s) => s.spuId === 'noodle')!.skus[1]!.priceFen).toBe(2200);
    expect(d.spus.find((s) => s.spuId === 'cucumber')!.available).toBe(false);
    expect(d.spus.some((s) => s.spuId === 'beer')).toBe(false);
    // back to the inherited values
    expectOk(cat(rt, { type: 'setPrice', skuId: 'noodle-l', priceFen: null, at: T0 + 2 }));
    expectOk(cat(rt, { type: 'setAvailability', spuId: 'cucumber', available: null, at: T0 + 2 }));
    expectOk(cat(rt, { type: 'hideSpu', spuId: 'beer', hidden: false, at: T0 + 2 }));
    const e = effective(rt);
    expect(e.spus.find((s) => s.spuId === 'noodle')!.skus[0]!.priceFen).toBe(2900);
    expect(e.spus.find((s) => s.spuId === 'cucumber')!.available).toBe(true);
    expect(e.spus.some((s) => s.spuId === 'beer')).toBe(true);
  });

  it('upserts and removes the store’s own SPUs, sets fees, bumps the revision', () => {
    const rt = chainAndStore();
    const rev0 = rt.state<CatalogState>(catalogRef(STORE)).rev;
    expectOk(
      cat(rt, {
        type: 'upsertSpu',
        spu: {
          spuId: 'stinky-tofu',
          name: '长沙臭豆腐',
          category: '小吃',
          station: 'wok',
          skus: [{ skuId: 'stinky-tofu', priceFen: 1600 }],
        },
        at: T0,
      }),
    );
    expect(effective(rt).spus.find((s) => s.spuId === 'stinky-tofu')!.name).toBe('长沙臭豆腐');
    expectOk(cat(rt, { type: 'removeSpu', spuId: 'stinky-tofu', at: T0 }));
    expect(effective(rt).spus.some((s) => s.spuId === 'stinky-tofu')).toBe(false);
    expectOk(cat(rt, { type: 'setFees', fees: { deliveryFeeFen: 300 }, at: T0 }));
    expect(effective(rt).fees).toEqual({ deliveryFeeFen: 300 });
    expectOk(cat(rt, { type: 'setFees', fees: null, at: T0 }));
    expect(effective(rt).fees).toEqual({ deliveryFeeFen: 500, freeDeliveryOverFen: 8800 });
    expect(rt.state<CatalogState>(catalogRef(STORE)).rev).toBe(rev0 + 4);
  });
});

describe('catalog actor: refusals, reads and snapshots', () => {
  it.each(refusals)('refuses %s', (_n, c, code) => {
    const rt = chainAndStore();
    const before = rt.log.length;
    expectRejected(cat(rt, c), code);
    expect(rt.log.length).toBe(before);
  });

  it('get and quote are reads: nothing is logged', () => {
    const rt = chainAndStore();
    const before = rt.log.length;
    expect(expectOk(cat(rt, { type: 'get' }))).toMatchObject({ rev: 2 });
    expectOk(quote(rt, 'cola'));
    expect(rt.log.length).toBe(before);
  });

  it('snapshots leave out the derived menu and rebuild it; replay equals live', () => {
    const rt = chainAndStore();
    expectOk(cat(rt, { type: 'setPrice', skuId: 'cola', priceFen: 650, at: T0 }));
    const live = rt.state<CatalogState>(catalogRef(STORE));
    const raw = decode(encode(catalogActor.snapshot!.encode(live)));
    expect(raw).not.toHaveProperty('effective');
    expect(catalogActor.snapshot!.decode(raw)).toEqual(live);
    expect(replay([catalogActor], rt.log).get(`catalog.${STORE}.${CATALOG_ACTOR_ID}`)).toEqual(live);
  });
});

const c = mergeCatalog(null, doc(), { prices: {}, availability: {}, hidden: [] }).catalog;
const price = (
  lines: { skuId: string; qty: number; options?: { group: string; choice: string }[] }[],
  channel: 'dine_in' | 'takeaway' | 'delivery' | 'retail' = 'dine_in',
  at = T0,
) => priceLines(c, { channel, at, lines: lines.map((l) => ({ options: [], ...l })) }, 7);

const errors: [string, Parameters<typeof price>, string, string][] = [
  ['unknown SKU', [[{ skuId: 'ghost', qty: 1 }]], 'unknown_sku', 'no SKU ghost on the menu'],
  [
    'outside the window',
    [[{ skuId: 'bun', qty: 1 }]],
    'outside_availability_window',
    '包子 is not served at this hour',
  ],
  [
    'not on this channel',
    [[{ skuId: 'beer', qty: 1 }], 'takeaway'],
    'channel_not_allowed',
    '啤酒 is not sold for takeaway',
  ],
  ['required option missing', [[{ skuId: 'noodle-s', qty: 1 }]], 'invalid_option', '辣度: pick at least 1'],
  [
    'too many picks',
    [
      [
        {
          skuId: 'noodle-s',
          qty: 1,
          options: [
            { group: 'spice', choice: 'hot' },
            { group: 'spice', choice: 'none' },
          ],
        },
      ],
    ],
    'invalid_option',
    '辣度: pick at most 1',
  ],
  [
    'unknown group',
    [[{ skuId: 'noodle-s', qty: 1, options: [{ group: 'size', choice: 'xl' }] }]],
    'invalid_option',
    '牛肉面 (小碗) has no option group size',
  ],
  [
    'unknown choice',
    [[{ skuId: 'noodle-s', qty: 1, options: [{ group: 'spice', choice: 'nuclear' }] }]],
    'invalid_option',
    '辣度 has no choice nuclear',
  ],
  [
    'unavailable choice',
    [
      [
        {
          skuId: 'noodle-s',
          qty: 1,
          options: [
            { group: 'spice', choice: 'hot' },
            { group: 'extra', choice: 'gone' },
          ],
        },
      ],
    ],
    'item_unavailable',
    '加料: 加虾 is unavailable',
  ],
  [
    'same pick twice',
    [
      [
        {
          skuId: 'noodle-s',
          qty: 1,
          options: [
            { group: 'spice', choice: 'hot' },
            { group: 'extra', choice: 'egg' },
            { group: 'extra', choice: 'egg' },
          ],
        },
      ],
    ],
    'invalid_option',
    '加料: 加蛋 picked twice',
  ],
];

describe('pricing: prices, fees and discounts', () => {
  it('unit price = SKU price + option deltas; line = unit × qty; total in integer fen', () => {
    const r = price([
      {
        skuId: 'noodle-l',
        qty: 3,
        options: [
          { group: 'spice', choice: 'hot' },
          { group: 'extra', choice: 'egg' },
          { group: 'extra', choice: 'beef' },
        ],
      },
      { skuId: 'cola', qty: 2 },
    ]);
    if (!r.ok) expect.fail(JSON.stringify(r.errors));
    expect(r.quote.lines[0]).toMatchObject({
      basePriceFen: 2800,
      unitPriceFen: 3800,
      amountFen: 11400,
      station: 'staple',
      costFen: 900,
    });
    expect(r.quote).toMatchObject({
      catalogRev: 7,
      itemsFen: 12600,
      packagingFeeFen: 0,
      deliveryFeeFen: 0,
      discountFen: 0,
      discounts: [],
      totalFen: 12600,
    });
  });

  it('packaging per unit for takeaway; delivery fee waived from the threshold', () => {
    const take = price([{ skuId: 'cuke', qty: 2 }], 'takeaway');
    expect(take.ok && take.quote).toMatchObject({ packagingFeeFen: 200, deliveryFeeFen: 0, totalFen: 2600 });
    const small = price([{ skuId: 'cuke', qty: 2 }], 'delivery');
    expect(small.ok && small.quote).toMatchObject({ packagingFeeFen: 200, deliveryFeeFen: 500, totalFen: 3100 });
    const big = price([{ skuId: 'cuke', qty: 8 }], 'delivery');
    expect(big.ok && big.quote).toMatchObject({ itemsFen: 9600, deliveryFeeFen: 0 });
  });

  it('the discount slot takes server-side discounts, never below zero', () => {
    const r = priceLines(
      c,
      {
        channel: 'dine_in',
        at: T0,
        lines: [{ skuId: 'cola', qty: 1, options: [] }],
        discounts: [{ id: 'coupon-1', label: '满减', amountFen: 1000 }],
      },
      1,
    );
    expect(r.ok && r.quote).toMatchObject({ itemsFen: 600, discountFen: 600, totalFen: 0 });
  });
});

describe('pricing: refusals and availability', () => {
  it.each(errors)('line error: %s', (_n, args, code, message) => {
    const r = price(...args);
    expect(r).toEqual({ ok: false, errors: [{ lineNo: 1, skuId: args[0][0]!.skuId, code, message }] });
  });

  it('breakfast-only dishes sell at breakfast (Beijing time)', () => {
    const breakfast = Date.UTC(2025, 2, 14, 0, 30); // 08:30 in Beijing
    expect(price([{ skuId: 'bun', qty: 1 }], 'dine_in', breakfast).ok).toBe(true);
  });

  it('a dish switched off is unavailable on every channel', () => {
    const off = mergeCatalog(null, doc(), { prices: {}, availability: { cola: false }, hidden: [] }).catalog;
    const r = priceLines(off, { channel: 'dine_in', at: T0, lines: [{ skuId: 'cola', qty: 1, options: [] }] }, 1);
    expect(r).toMatchObject({ ok: false, errors: [{ code: 'item_unavailable' }] });
  });

  it('refuses a SKU id of __proto__, and sells a SKU named like an Object method as any other', () => {
    const withSku = (skuId: string) => {
      const d = smallCatalog(); // the cola's SPU has no options to pick
      return {
        ...d,
        spus: (d.spus ?? []).map((spu) =>
          spu.skus.some((k) => k.skuId === 'cola') ? { ...spu, skus: [{ ...spu.skus[0]!, skuId }] } : spu,
        ),
      };
    };
    expect(CatalogDocSchema.safeParse(withSku('__proto__')).success).toBe(false);
    const ctor = mergeCatalog(null, CatalogDocSchema.parse(withSku('constructor')), {
      prices: {},
      availability: {},
      hidden: [],
    }).catalog;
    const r = priceLines(
      ctor,
      { channel: 'dine_in', at: T0, lines: [{ skuId: 'constructor', qty: 2, options: [] }] },
      1,
    );
    expect(r).toMatchObject({ ok: true });
    const unknown = priceLines(
      ctor,
      { channel: 'dine_in', at: T0, lines: [{ skuId: 'toString', qty: 1, options: [] }] },
      1,
    );
    expect(unknown).toMatchObject({ ok: false, errors: [{ code: 'unknown_sku' }] });
  });

  it('the catalog actor refuses a quote with every bad line in the details', () => {
    const rt = chainAndStore();
    const out = send(rt, catalogRef(STORE), {
      type: 'quote',
      channel: 'dine_in',
      lines: [
        { skuId: 'ghost', qty: 1 },
        { skuId: 'cola', qty: 1 },
        { skuId: 'bun', qty: 1 },
      ],
      at: T0,
    });
    const r = expectRejected(out, 'unknown_sku');
    expect(r.details).toMatchObject({
      lines: [
        { lineNo: 1, code: 'unknown_sku' },
        { lineNo: 3, code: 'outside_availability_window' },
      ],
    });
  });
});
