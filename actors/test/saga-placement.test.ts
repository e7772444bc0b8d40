/** The placement saga: every line reserved across catalog, stock and order actors, all or nothing. */
import { describe, expect, it } from 'vitest';
import { catalogRef, storeRef, type OrderCommand } from '@lunchrush/actors';
import { STORE, T0, expectOk, expectRejected, order, send, setupStore, stock } from './helpers.js';
import { DEADLINE, place, spicy } from './saga-support.js';

describe("placement: priced by the catalog, with the channel's fees", () => {
  it('prices from the catalog and reserves every SKU', () => {
    const rt = setupStore();
    const d = expectOk(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'noodle-l', qty: 2, options: [...spicy, { group: 'extra', choice: 'egg' }] },
          { skuId: 'cola', qty: 1 },
        ]),
      ),
    );
    expect(d.status).toBe('pending_payment');
    expect(d.lines.map((l) => [l.skuId, l.unitPriceFen, l.amountFen])).toEqual([
      ['noodle-l', 3000, 6000],
      ['cola', 600, 600],
    ]);
    expect(d.totalFen).toBe(6600);
    expect(d.deadline).toBe(DEADLINE);
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 8, reserved: 2 });
    expect(stock(rt, 'cola')).toMatchObject({ available: 49, reserved: 1 });
    expect(rt.timers()).toMatchObject([
      { key: 'payment-timeout', at: DEADLINE, command: { type: 'paymentTimeout', at: DEADLINE } },
    ]);
  });

  it('never takes a price from the client', () => {
    const rt = setupStore();
    const cheat = {
      type: 'place',
      channel: 'dine_in',
      dinerId: 'd1',
      at: T0,
      totalFen: 1,
      lines: [{ skuId: 'cola', qty: 1, priceFen: 1, unitPriceFen: 1 }],
    };
    // A price in a line is not a field of the command at all: refused as malformed, nothing reserved.
    const r = expectRejected(order(rt, 'o_1', cheat as unknown as OrderCommand), 'invalid_command');
    expect(r.message).toMatch(/priceFen|unrecognized/i);
    expect(stock(rt, 'cola').reserved).toBe(0);
    expect(expectOk(order(rt, 'o_2', place([{ skuId: 'cola', qty: 1 }]))).totalFen).toBe(600);
  });

  it('uses the store price when the store overrides the template', () => {
    const rt = setupStore();
    expectOk(send(rt, catalogRef(STORE), { type: 'setPrice', skuId: 'cola', priceFen: 500, at: T0 }));
    expect(expectOk(order(rt, 'o_1', place([{ skuId: 'cola', qty: 2 }]))).totalFen).toBe(1000);
  });

  it('charges packaging and delivery fees by channel', () => {
    const rt = setupStore();
    const delivery = { address: '岳麓区麓山南路 1 号', contact: '王先生', phone: '13800000000' };
    const small = expectOk(
      order(
        rt,
        'o_1',
        place(
          [
            { skuId: 'noodle-s', qty: 1, options: spicy },
            { skuId: 'cola', qty: 1 },
          ],
          { channel: 'delivery', delivery },
        ),
      ),
    );
    expect(small).toMatchObject({ itemsFen: 2800, packagingFeeFen: 100, deliveryFeeFen: 500, totalFen: 3400 });
    const big = expectOk(
      order(rt, 'o_2', place([{ skuId: 'noodle-l', qty: 4, options: spicy }], { channel: 'delivery', delivery })),
    );
    expect(big).toMatchObject({ itemsFen: 11200, packagingFeeFen: 400, deliveryFeeFen: 0, totalFen: 11600 });
    expectRejected(
      order(rt, 'o_3', place([{ skuId: 'beer', qty: 1 }], { channel: 'takeaway' })),
      'channel_not_allowed',
    );
  });
});

describe('placement: reserve every line, all or nothing', () => {
  it('any short line refuses the order, naming the lines and what remains, and reserves nothing', () => {
    const rt = setupStore({ stock: { 'noodle-l': 10, cuke: 1, cola: 0, bun: 0, beer: 5, 'noodle-s': 0, dumpling: 0 } });
    const before = rt.log.length;
    const out = order(
      rt,
      'o_1',
      place([
        { skuId: 'noodle-l', qty: 3, options: spicy },
        { skuId: 'cuke', qty: 2 },
        { skuId: 'cola', qty: 1 },
      ]),
    );
    const r = expectRejected(out, 'sold_out');
    expect(r.details).toMatchObject({
      lines: [
        { lineNo: 2, skuId: 'cuke', name: '拍黄瓜', qty: 2, available: 1 },
        { lineNo: 3, skuId: 'cola', name: '可乐', qty: 1, available: 0 },
      ],
    });
    expect(r.message).toBe('拍黄瓜: 1 left, 2 wanted; 可乐 (330ml) sold out');
    // all or nothing: the noodle reservation made before the refusal is gone too
    expect(stock(rt, 'noodle-l')).toMatchObject({ available: 10, reserved: 0 });
    expect(stock(rt, 'cuke')).toMatchObject({ available: 1, reserved: 0 });
    expect(rt.log.length).toBe(before);
    expect(rt.timers()).toEqual([]);
  });

  it('adds up lines of the same SKU before reserving', () => {
    const rt = setupStore({ stock: { 'noodle-l': 5, cola: 10 } });
    const r = expectRejected(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'noodle-l', qty: 3, options: spicy },
          { skuId: 'noodle-l', qty: 3, options: [{ group: 'spice', choice: 'none' }] },
        ]),
      ),
      'sold_out',
    );
    expect(r.details).toMatchObject({
      lines: [
        { lineNo: 1, available: 5 },
        { lineNo: 2, available: 5 },
      ],
      skus: [{ skuId: 'noodle-l', requested: 6, available: 5 }],
    });
  });

  it('passes on catalog refusals per line', () => {
    const rt = setupStore();
    const r = expectRejected(
      order(
        rt,
        'o_1',
        place([
          { skuId: 'bun', qty: 1 },
          { skuId: 'nope', qty: 1 },
          { skuId: 'noodle-l', qty: 1 },
        ]),
      ),
      'outside_availability_window',
    );
    expect(r.details).toMatchObject({
      lines: [
        { lineNo: 1, code: 'outside_availability_window' },
        { lineNo: 2, code: 'unknown_sku' },
        { lineNo: 3, code: 'invalid_option', message: '辣度: pick at least 1' },
      ],
    });
  });

  it('is refused when the store is closed', () => {
    const rt = setupStore();
    expectOk(send(rt, storeRef(STORE), { type: 'close', at: T0 }));
    expectRejected(order(rt, 'o_1', place([{ skuId: 'cola', qty: 1 }])), 'store_closed');
    expect(stock(rt, 'cola').reserved).toBe(0);
  });
});
