/**
 * Typed handles: each actor's handle takes its commands and resolves with the reply
 * its decide gives for that command (types pinned with expectTypeOf, values checked
 * against a MemoryRuntime behind the engine client's `send` shape).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { MemoryRuntime, SendOptions } from '@lunchrush/engine';
import {
  catalogOf,
  orderOf,
  saleActorId,
  saleOf,
  stockOf,
  storeOf,
  tableOf,
  type Admission,
  type ActorCommand,
  type CatalogDoc,
  type CommandSender,
  type OrderDetail,
  type OrderSummary,
  type Quote,
  type SaleResult,
  type StockResult,
  type StoreView,
  type TableView,
} from '@lunchrush/actors';
import { DINER, STAFF, STORE, T0, setupStore, table } from './helpers.js';

/** The engine client's shape over a MemoryRuntime; it records what it was handed. */
function senderOver(rt: MemoryRuntime): CommandSender & { sent: [string, string, ActorCommand, SendOptions?][] } {
  const sent: [string, string, ActorCommand, SendOptions?][] = [];
  return {
    sent,
    send<R>(store: string, type: string, id: string, command: ActorCommand, opts?: SendOptions): Promise<R> {
      sent.push([type, id, command, opts]);
      const out = rt.send<R>({ store, type, id }, command, opts?.id == null ? {} : { id: opts.id });
      return out.ok ? Promise.resolve(out.result) : Promise.reject(new Error(`${out.reason}: ${out.message}`));
    },
  };
}

const LINE = { skuId: 'cuke', qty: 1 };

describe('typed handles', () => {
  it('an order answers its detail to place and get, its summary to the staff actions', async () => {
    const sender = senderOver(setupStore());
    const order = orderOf(sender, STORE, 'o_1');
    const placing = order.send(
      { type: 'place', channel: 'takeaway', dinerId: 'd1', lines: [LINE], at: T0 },
      { id: null },
    );
    expectTypeOf(placing).toEqualTypeOf<Promise<OrderDetail>>();
    const placed = await placing;
    expect(placed.lines).toHaveLength(1);
    expect(sender.sent[0]).toEqual(['order', 'o_1', expect.objectContaining({ type: 'place' }), { id: null }]);

    const got = await order.send({ type: 'get' });
    expectTypeOf(got).toEqualTypeOf<OrderDetail>();
    expect(got.orderId).toBe('o_1');

    const cancelled = await order.send({ type: 'cancel', by: DINER, at: T0 + 1 });
    expectTypeOf(cancelled).toEqualTypeOf<OrderSummary>();
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled).not.toHaveProperty('lines');
  });

  it('a table answers its view, and a submit the order it placed beside it', async () => {
    const sender = senderOver(setupStore());
    const t = tableOf(sender, STORE, table(1));
    const opened = await t.send({ type: 'open', sessionId: 's1', partySize: 2, dinerId: 'd1', at: T0 });
    expectTypeOf(opened).toEqualTypeOf<TableView>();
    await t.send({ type: 'addLine', lineId: 'l1', dinerId: 'd1', skuId: 'cuke', qty: 1, at: T0 });
    const submitted = await t.send({ type: 'submit', orderId: 'o_2', dinerId: 'd1', at: T0 });
    expectTypeOf(submitted).toEqualTypeOf<TableView & { readonly order: OrderDetail }>();
    expect(submitted.order.orderId).toBe('o_2');
    expect(submitted.order.lines).toHaveLength(1);
  });

  it('stock, sale, catalog and store answer as their decide does', async () => {
    const sender = senderOver(setupStore());
    const level = await stockOf(sender, STORE, 'cuke').send({ type: 'get' });
    expectTypeOf(level).toEqualTypeOf<StockResult>();
    expect(level.skuId).toBe('cuke');

    const sale = saleOf(sender, STORE, saleActorId('pos', 'r1'));
    expectTypeOf(sale.send({ type: 'get' })).toEqualTypeOf<Promise<SaleResult | null>>();
    expect(await sale.send({ type: 'get' })).toBeNull();

    const catalog = catalogOf(sender, STORE);
    const doc = await catalog.send({ type: 'get' });
    expectTypeOf(doc).toEqualTypeOf<{ rev: number; catalog: CatalogDoc }>();
    expect(doc.catalog.spus.length).toBeGreaterThan(0);
    const quote = await catalog.send({ type: 'quote', channel: 'takeaway', lines: [LINE], at: T0 });
    expectTypeOf(quote).toEqualTypeOf<Quote>();
    expect(quote.lines).toHaveLength(1);
    const changed = await catalog.send({ type: 'hideSpu', spuId: 'cucumber', hidden: true, at: T0 });
    expectTypeOf(changed).toEqualTypeOf<{ rev: number }>();
    expect(changed.rev).toBe(doc.rev + 1);

    const store = storeOf(sender, STORE);
    const view = await store.send({ type: 'get', at: T0 });
    expectTypeOf(view).toEqualTypeOf<StoreView>();
    expect(view.store).toBe(STORE);
    const admission = await store.send({ type: 'admit', channel: 'takeaway', at: T0 });
    expectTypeOf(admission).toEqualTypeOf<Admission>();
    expect(admission.status).toBe('open');
    expect(sender.sent.map(([type, id]) => `${type}/${id}`)).toEqual([
      'stock/cuke',
      `sale/${saleActorId('pos', 'r1')}`,
      `sale/${saleActorId('pos', 'r1')}`,
      'catalog/menu',
      'catalog/menu',
      'catalog/menu',
      'store/store',
      'store/store',
    ]);
  });

  it("a handle takes only its actor's commands", () => {
    const sender = senderOver(setupStore());
    const t = tableOf(sender, STORE, table(1));
    const o = orderOf(sender, STORE, 'o_3');
    const refused = (p: Promise<unknown>) => expect(p).rejects.toThrow('invalid_command');
    // @ts-expect-error: accept is an order's command, not a table's
    const notTables = t.send({ type: 'accept', by: STAFF, at: T0 });
    // @ts-expect-error: an order's accept needs who accepted
    const withoutBy = o.send({ type: 'accept', at: T0 });
    return Promise.all([refused(notTables), refused(withoutBy)]);
  });
});
