import { describe, expect, it } from 'vitest';
import { isRejection, replay } from '@lunchrush/engine';
import {
  ID_RE,
  decideSale,
  evolveSale,
  initialSale,
  restaurantActors,
  saleActorId,
  saleRef,
  stockRef,
  type SaleChannel,
  type SaleCommand,
  type SaleResult,
  type SaleState,
} from '@lunchrush/actors';
import { STORE, T0, ctxOf, expectOk, expectRejected, send, setupStore, stock } from './helpers.js';

const at = T0;
type Line = { skuId: string; qty: number };
const sellCmd = (channel: SaleChannel, ref: string, lines: Line[]): SaleCommand => ({
  type: 'sell',
  channel,
  ref,
  lines,
  at,
});
type Rt = ReturnType<typeof setupStore>;
const sale = (rt: Rt, ref: string, lines: Line[], channel: SaleChannel = 'pos') =>
  send<SaleResult>(rt, saleRef(STORE, saleActorId(channel, ref)), sellCmd(channel, ref, lines));
const levels = (rt: Rt, ...skus: string[]) => skus.map((k) => [stock(rt, k).available, stock(rt, k).sold]);

describe('sale: one channel sale, one idempotent business fact', () => {
  it('sells every SKU under the channel id (lines of one SKU add up) and records the sale', () => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    const r = expectOk(
      sale(rt, 's-1', [
        { skuId: 'cuke', qty: 2 },
        { skuId: 'cola', qty: 1 },
        { skuId: 'cuke', qty: 1 },
      ]),
    );
    expect(r).toEqual({
      channel: 'pos',
      ref: 's-1',
      duplicate: false,
      skus: [
        { skuId: 'cuke', qty: 3, available: 2 },
        { skuId: 'cola', qty: 1, available: 4 },
      ],
      at,
    });
    expect(levels(rt, 'cuke', 'cola')).toEqual([
      [2, 3],
      [4, 1],
    ]);
    expect(rt.state<SaleState>(saleRef(STORE, saleActorId('pos', 's-1'))).sale).toMatchObject({
      channel: 'pos',
      ref: 's-1',
      skus: r.skus,
    });
  });

  it('the same id with the same lines (split or ordered otherwise) answers the first outcome and sells nothing', () => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    const first = expectOk(
      sale(
        rt,
        'd-1',
        [
          { skuId: 'cuke', qty: 2 },
          { skuId: 'cola', qty: 1 },
        ],
        'delivery',
      ),
    );
    expectOk(send(rt, stockRef(STORE, 'cuke'), { type: 'restock', qty: 10, at }));
    const again = expectOk(
      sale(
        rt,
        'd-1',
        [
          { skuId: 'cola', qty: 1 },
          { skuId: 'cuke', qty: 1 },
          { skuId: 'cuke', qty: 1 },
        ],
        'delivery',
      ),
    );
    expect(again).toEqual({ ...first, duplicate: true });
    expect(levels(rt, 'cuke', 'cola')).toEqual([
      [13, 2],
      [4, 1],
    ]);
  });

  it.each([
    ['another SKU', [{ skuId: 'cola', qty: 2 }]],
    [
      'an added line',
      [
        { skuId: 'cuke', qty: 2 },
        { skuId: 'cola', qty: 1 },
      ],
    ],
    ['another quantity', [{ skuId: 'cuke', qty: 3 }]],
  ])('the same id with %s is idempotency_conflict and sells nothing', (_what, lines) => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    expectOk(sale(rt, 's-7', [{ skuId: 'cuke', qty: 2 }]));
    const r = expectRejected(sale(rt, 's-7', lines), 'idempotency_conflict');
    expect(r.details).toEqual({ key: 'pos:s-7', lines: [{ skuId: 'cuke', qty: 2 }] });
    expect(levels(rt, 'cuke', 'cola')).toEqual([
      [3, 2],
      [5, 0],
    ]);
  });

  it('the same ref on the other channel is another sale', () => {
    const rt = setupStore({ stock: { cuke: 5 } });
    expectOk(sale(rt, 'x1', [{ skuId: 'cuke', qty: 1 }], 'pos'));
    expect(expectOk(sale(rt, 'x1', [{ skuId: 'cuke', qty: 2 }], 'delivery')).duplicate).toBe(false);
    expect(levels(rt, 'cuke')).toEqual([[2, 3]]);
  });
});

describe('sale: remembered, and refused whole', () => {
  it('is remembered after 10,000 later sales of the same SKU (the SKU itself forgets after 4,096–8,192)', () => {
    const rt = setupStore({ stock: { cola: 20_000 } });
    const first = expectOk(sale(rt, 'early', [{ skuId: 'cola', qty: 2 }]));
    for (let i = 0; i < 10_000; i++) expectOk(sale(rt, `later-${i}`, [{ skuId: 'cola', qty: 1 }]));
    const before = levels(rt, 'cola');
    expect(before).toEqual([[20_000 - 10_002, 10_002]]);
    expect(expectOk(sale(rt, 'early', [{ skuId: 'cola', qty: 2 }]))).toEqual({ ...first, duplicate: true });
    expectRejected(sale(rt, 'early', [{ skuId: 'cola', qty: 3 }]), 'idempotency_conflict');
    expect(levels(rt, 'cola')).toEqual(before);
    // Without the sale actor, the SKU's own memory of the key is gone by now: it would sell again.
    const bare = expectOk(
      send<{ duplicate?: boolean }>(rt, stockRef(STORE, 'cola'), {
        type: 'sell',
        channel: 'pos',
        ref: 'early',
        qty: 2,
        at,
      }),
    );
    expect(bare.duplicate).toBeUndefined();
  });

  it('an unknown SKU is unknown_sku naming every unknown one; nothing is sold or recorded', () => {
    const rt = setupStore({ stock: { cuke: 5 } });
    const r = expectRejected(
      sale(rt, 's-u', [
        { skuId: 'cuke', qty: 1 },
        { skuId: 'no-such', qty: 1 },
        { skuId: 'nor-this', qty: 1 },
      ]),
      'unknown_sku',
    );
    expect(r.details).toEqual({ skuIds: ['no-such', 'nor-this'] });
    expect(r.message).toContain('no-such, nor-this');
    expect(levels(rt, 'cuke')).toEqual([[5, 0]]);
    expect(rt.state<SaleState>(saleRef(STORE, saleActorId('pos', 's-u'))).sale).toBeNull();
    // A SKU with stock but off this store's menu (hidden, or never on it) is unknown too.
    expectOk(send(rt, stockRef(STORE, 'ghost'), { type: 'set', available: 9, at }));
    expectRejected(sale(rt, 's-g', [{ skuId: 'ghost', qty: 1 }]), 'unknown_sku');
    expect(stock(rt, 'ghost').available).toBe(9);
  });

  it('a short SKU sells nothing, names every short SKU, records nothing: a retry after a restock sells', () => {
    const rt = setupStore({ stock: { cuke: 1, cola: 5, beer: 0 } });
    const lines = [
      { skuId: 'cola', qty: 2 },
      { skuId: 'cuke', qty: 2 },
      { skuId: 'beer', qty: 1 },
    ];
    const r = expectRejected(sale(rt, 's-2', lines), 'sold_out');
    expect(r.details).toEqual({
      skus: [
        { skuId: 'cuke', requested: 2, available: 1 },
        { skuId: 'beer', requested: 1, available: 0 },
      ],
    });
    expect(r.message).toBe('cuke: 1 left, 2 wanted; beer: 0 left, 1 wanted');
    expect(levels(rt, 'cola', 'cuke', 'beer')).toEqual([
      [5, 0],
      [1, 0],
      [0, 0],
    ]);
    expect(rt.state<SaleState>(saleRef(STORE, saleActorId('pos', 's-2'))).sale).toBeNull();
    expectOk(send(rt, stockRef(STORE, 'cuke'), { type: 'restock', qty: 1, at }));
    expectOk(send(rt, stockRef(STORE, 'beer'), { type: 'restock', qty: 1, at }));
    expect(expectOk(sale(rt, 's-2', lines)).duplicate).toBe(false);
    expect(levels(rt, 'cola', 'cuke', 'beer')).toEqual([
      [3, 2],
      [0, 2],
      [0, 1],
    ]);
  });
});

describe('sale: finished after an older gateway, and replayed', () => {
  it('finishes what an older gateway began under the same key, and records it', () => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    // Before the sale actor: one SKU reserved under the key (reserve + commit), another sold directly.
    expectOk(send(rt, stockRef(STORE, 'cola'), { type: 'reserve', channel: 'pos', ref: 'old-1', qty: 1, at }));
    expectOk(send(rt, stockRef(STORE, 'cuke'), { type: 'sell', channel: 'pos', ref: 'old-1', qty: 2, at }));
    const lines = [
      { skuId: 'cuke', qty: 2 },
      { skuId: 'cola', qty: 1 },
    ];
    const r = expectOk(sale(rt, 'old-1', lines));
    expect(r).toMatchObject({
      duplicate: false,
      skus: [
        { skuId: 'cuke', qty: 2 },
        { skuId: 'cola', qty: 1 },
      ],
    });
    expect(levels(rt, 'cuke', 'cola')).toEqual([
      [3, 2],
      [4, 1],
    ]);
    expect(stock(rt, 'cola').reserved).toBe(0);

    // A sale an older gateway finished whole is a duplicate the first time the sale actor sees it.
    expectOk(send(rt, stockRef(STORE, 'cuke'), { type: 'sell', channel: 'delivery', ref: 'mt.9', qty: 1, at }));
    expect(expectOk(sale(rt, 'mt.9', [{ skuId: 'cuke', qty: 1 }], 'delivery')).duplicate).toBe(true);
    expect(levels(rt, 'cuke')).toEqual([[2, 3]]);

    // An open reservation of another quantity is the conflict the stock names; nothing moves.
    expectOk(send(rt, stockRef(STORE, 'cola'), { type: 'reserve', channel: 'pos', ref: 'old-2', qty: 2, at }));
    expectRejected(
      sale(rt, 'old-2', [
        { skuId: 'cuke', qty: 1 },
        { skuId: 'cola', qty: 1 },
      ]),
      'idempotency_conflict',
    );
    expect(levels(rt, 'cuke', 'cola')).toEqual([
      [2, 3],
      [2, 1],
    ]);
  });

  it('replaying the log gives the live states (what a restart rebuilds)', () => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    expectOk(sale(rt, 'r-1', [{ skuId: 'cuke', qty: 2 }]));
    expectOk(sale(rt, 'r-2', [{ skuId: 'cola', qty: 1 }], 'delivery'));
    expectRejected(sale(rt, 'r-3', [{ skuId: 'cola', qty: 9 }]), 'sold_out');
    const states = replay(restaurantActors, rt.log);
    for (const ref of [
      saleRef(STORE, saleActorId('pos', 'r-1')),
      saleRef(STORE, saleActorId('delivery', 'r-2')),
      stockRef(STORE, 'cuke'),
      stockRef(STORE, 'cola'),
    ]) {
      expect(states.get(`${ref.type}.${ref.store}.${ref.id}`)).toEqual(rt.state(ref));
    }
    expect(states.has(`sale.${STORE}.${saleActorId('pos', 'r-3')}`)).toBe(false);
  });
});

describe('sale: pure rules', () => {
  const id = saleActorId('pos', 'p-1');
  const recorded: SaleState = evolveSale(initialSale(STORE, id), {
    type: 'SaleRecorded',
    channel: 'pos',
    ref: 'p-1',
    skus: [{ skuId: 'cuke', qty: 2, available: 3 }],
    at,
  });
  const ctx = ctxOf(saleRef(STORE, id));

  it('a recorded sale answers repeats and conflicts by itself, without calling anyone', () => {
    const d = decideSale(recorded, sellCmd('pos', 'p-1', [{ skuId: 'cuke', qty: 2 }]), ctx);
    expect(d).toEqual({
      result: { channel: 'pos', ref: 'p-1', duplicate: true, skus: [{ skuId: 'cuke', qty: 2, available: 3 }], at },
    });
    const c = decideSale(recorded, sellCmd('pos', 'p-1', [{ skuId: 'cuke', qty: 1 }]), ctx);
    expect(isRejection(c) && c.reject.code).toBe('idempotency_conflict');
  });

  it('refuses a sale sent to another sale id, malformed sales, the mini-program channel, and needs the engine', () => {
    const other = decideSale(recorded, sellCmd('pos', 'p-2', [{ skuId: 'cuke', qty: 2 }]), ctx);
    expect(isRejection(other) && other.reject.code).toBe('invalid_command');
    const bad = (c: unknown) => {
      const d = decideSale(initialSale(STORE, id), c as SaleCommand, ctx);
      return isRejection(d) && d.reject.code;
    };
    expect(bad(sellCmd('pos', 'p-1', []))).toBe('invalid_command');
    expect(bad(sellCmd('pos', 'p-1', [{ skuId: 'cuke', qty: 0 }]))).toBe('invalid_command');
    expect(bad({ type: 'sell', channel: 'miniprogram', ref: 'p-1', lines: [{ skuId: 'cuke', qty: 1 }], at })).toBe(
      'invalid_command',
    );
    const noEngine = decideSale(initialSale(STORE, id), sellCmd('pos', 'p-1', [{ skuId: 'cuke', qty: 1 }]));
    expect(isRejection(noEngine) && noEngine.reject.code).toBe('invalid_command');
  });

  it('get answers the recorded sale, or null', () => {
    expect(decideSale(initialSale(STORE, id), { type: 'get' }, ctx)).toEqual({ result: null });
    expect(decideSale(recorded, { type: 'get' }, ctx)).toMatchObject({ result: { duplicate: true, ref: 'p-1' } });
  });

  it('sale actor ids are valid engine ids, one per channel and ref, readable when short', () => {
    const refs = ['a.b', 'a_db', 'a_b', 'a__b', 'a:b', 'a_cb', 'a-b', 'meituan.123', `meituan.${'9'.repeat(64)}`];
    const ids = new Set<string>();
    for (const ch of ['pos', 'delivery'] as const) {
      for (const ref of refs) {
        const sid = saleActorId(ch, ref);
        expect(sid).toMatch(ID_RE);
        ids.add(sid);
      }
    }
    expect(ids.size).toBe(refs.length * 2);
    expect(saleActorId('delivery', 'meituan.123')).toBe('dlv_meituan_d123');
    expect(saleActorId('pos', 'x'.repeat(60))).toBe(`pos_${'x'.repeat(60)}`); // just fits
    expect(saleActorId('pos', 'x'.repeat(61))).toMatch(/^pos-[A-Za-z0-9_-]{43}$/);
    expect(saleActorId('pos', 'x'.repeat(61))).not.toBe(saleActorId('pos', 'x'.repeat(62)));
  });
});
