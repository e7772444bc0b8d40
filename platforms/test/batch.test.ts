import { describe, expect, it } from 'vitest';
import { nextBatch } from '../src/batch.js';
import { menuDelta } from '../src/menu-delta.js';
import type { OutboxEntry } from '../src/outbox.js';

const stock = (skuId: string, level: number, seq?: number, store = '001'): OutboxEntry =>
  seq === undefined
    ? { kind: 'stock', store, skuId, stock: level, at: 1 }
    : { kind: 'stock', store, skuId, stock: level, seq, at: 1 };
const catalog = (rev: number, store = '001'): OutboxEntry => ({ kind: 'catalog', store, rev, at: 1 });
const sent = (b: ReturnType<typeof nextBatch>): string[] =>
  b?.kind === 'stock' ? b.send.map((e) => `${e.skuId}=${e.stock}`) : [];

describe('nextBatch', () => {
  it('sends the newest waiting level of each SKU once, in the order the SKUs first changed', () => {
    const b = nextBatch([stock('a', 7, 1), stock('b', 3, 1), stock('a', 0, 2), stock('a', 9, 3)], new Map(), 100);
    expect(b).toMatchObject({ kind: 'stock', take: 4 });
    expect(sent(b)).toEqual(['a=9', 'b=3']);
  });

  it('stops at a catalog change: the stock before it, then the menu (consecutive changes one call), then the rest', () => {
    const head = [stock('a', 1, 1), catalog(1), catalog(2), stock('a', 0, 2)];
    const first = nextBatch(head, new Map(), 100);
    expect(first).toMatchObject({ kind: 'stock', take: 1 });
    expect(sent(first)).toEqual(['a=1']);
    expect(nextBatch(head.slice(1), new Map(), 100)).toMatchObject({
      kind: 'catalog',
      take: 2,
      entry: { rev: 2 },
      full: false,
    });
    const repair: OutboxEntry = { kind: 'catalog', store: '001', rev: 0, at: 1, full: true };
    expect(nextBatch([repair, catalog(3)], new Map(), 100)).toMatchObject({ take: 2, full: true });
    expect(sent(nextBatch(head.slice(3), new Map(), 100))).toEqual(['a=0']);
  });

  it('never reaches past another store', () => {
    const b = nextBatch([stock('a', 1, 1), stock('a', 2, 1, '002')], new Map(), 100);
    expect(b).toMatchObject({ kind: 'stock', store: '001', take: 1 });
  });

  it('takes at most max SKUs, but further levels of SKUs already in the call', () => {
    const b = nextBatch([stock('a', 1, 1), stock('b', 1, 1), stock('a', 2, 2), stock('c', 1, 1)], new Map(), 2);
    expect(b).toMatchObject({ take: 3 });
    expect(sent(b)).toEqual(['a=2', 'b=1']);
  });

  it('skips what the platform already has, and a redelivered older change after a newer one', () => {
    const had = new Map([['001/a', 5]]);
    expect(sent(nextBatch([stock('a', 1, 4), stock('a', 2, 5)], had, 100))).toEqual([]);
    expect(nextBatch([stock('a', 1, 4), stock('a', 2, 5)], had, 100)).toMatchObject({ take: 2 });
    expect(sent(nextBatch([stock('b', 1, 8), stock('b', 2, 7)], had, 100))).toEqual(['b=1']);
  });

  it('a repair (no version) counts as the newest where it stands', () => {
    expect(sent(nextBatch([stock('a', 1, 9), stock('a', 4)], new Map([['001/a', 9]]), 100))).toEqual(['a=4']);
    expect(sent(nextBatch([stock('a', 4), stock('a', 1, 10)], new Map([['001/a', 9]]), 100))).toEqual(['a=1']);
  });

  it('an order status is a call of its own', () => {
    const o: OutboxEntry = { kind: 'order', store: '001', platformOrderId: 'x', status: 'confirmed', at: 1 };
    expect(nextBatch([o, o], new Map(), 100)).toMatchObject({ kind: 'order', take: 1, entry: o });
    expect(nextBatch([], new Map(), 100)).toBeUndefined();
  });
});

describe('menuDelta', () => {
  const a = { sku: 'a', name: '酸梅汤', priceFen: 800 };
  const b = { sku: 'b', name: '王老吉', priceFen: 700 };
  it('sends what changed or was never sent; everything without a record', () => {
    const sent = new Map([
      ['a', '酸梅汤|800'],
      ['b', '王老吉|600'],
    ]);
    expect(menuDelta([a, b], sent)).toEqual([b]);
    expect(menuDelta([a, b, { sku: 'c', name: '新菜', priceFen: 1 }], sent).map((i) => i.sku)).toEqual(['b', 'c']);
    expect(menuDelta([a, b], new Map([['a', '酸梅汤 大|800']]))).toEqual([a, b]);
    expect(menuDelta([a, b], undefined)).toEqual([a, b]);
  });
});
