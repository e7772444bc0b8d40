/** Placing, paying, urging and cancelling a diner's orders through the API. */
import { describe, expect, it } from 'vitest';
import { call, idemKey, seatedDiner, tableToken, type Answer, type ErrorAnswer } from '@lunchrush/stack/testing';
import type {
  OrderDetail,
  OrderList,
  OrderSummary,
  Placed,
  Prepay,
  Quote,
  SimPay,
  StockLevels,
  TableView,
  ValidationDetails,
} from './answers.js';
import { s, useDinerStack } from './diner-support.js';

useDinerStack();

describe('placing orders: one order per Idempotency-Key, however often it is sent', () => {
  it('the same Idempotency-Key returns the same answer; another body with it is 422; none is 400', async () => {
    const d = await seatedDiner(s, 7);
    const key = idemKey();
    const body = { lines: [{ skuId: 'pai-huanggua', qty: 1 }] };
    const first = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    const again = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 2 }] },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    const none = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/orders', { token: d.token, body });
    expect(none.status).toBe(400);
    expect(none.body.code).toBe('missing_idempotency_key');
    const list = await call<OrderList>(s.url, 'GET', '/v1/diner/orders', { token: d.token });
    expect(list.body.orders.map((o) => o.orderId)).toEqual([first.body.order.orderId]);
  });

  it('a refused body does not hold its Idempotency-Key; a bad session is 401 before the body is judged', async () => {
    const d = await seatedDiner(s, 16);
    const key = idemKey();
    const bad = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 0 }] },
      headers: { 'idempotency-key': key },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    const good = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 1 }] },
      headers: { 'idempotency-key': key },
    });
    expect(good.status, JSON.stringify(good.body)).toBe(201);
    const stranger = await call(s.url, 'POST', '/v1/diner/orders', {
      token: `ds_${'x'.repeat(32)}`,
      body: { lines: 'nonsense' },
      headers: { 'idempotency-key': key },
    });
    expect(stranger.status).toBe(401);
  });

  it('two identical requests at once place one order: the other is answered 201 replayed or 409 in progress', async () => {
    const d = await seatedDiner(s, 14);
    const key = idemKey();
    const send = (): Promise<Answer<Placed>> =>
      call<Placed>(s.url, 'POST', '/v1/diner/orders', {
        token: d.token,
        body: { lines: [{ skuId: 'suanni-bairou', qty: 1 }] },
        headers: { 'idempotency-key': key },
      });
    const answers = await Promise.all([send(), send()]);
    const statuses = answers.map((a) => a.status).sort();
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    const busy = answers.find((a) => a.status === 409);
    if (busy !== undefined) {
      expect(busy.body.code).toBe('idempotency_in_progress');
      expect(busy.headers.get('retry-after')).toBe('1');
    }
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.order.orderId));
    expect(ids.size).toBe(1);
    const mine = await call<OrderList>(s.url, 'GET', '/v1/diner/orders', { token: d.token });
    expect(mine.body.orders).toHaveLength(1);
  });
});

describe("placing orders: prices, keys and the store are the server's", () => {
  it('prices come from the catalog: a price or total sent by the client is refused, naming the key', async () => {
    const d = await seatedDiner(s, 8);
    const key = idemKey();
    const r = await call<ErrorAnswer & { details: ValidationDetails }>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: {
        lines: [{ skuId: 'pidan-doufu', qty: 3, priceFen: 1, unitPriceFen: 1 }],
        totalFen: 3,
      },
      headers: { 'idempotency-key': key },
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.details.issues.map((i) => i.path).sort()).toEqual([
      'body.lines.0.priceFen',
      'body.lines.0.unitPriceFen',
      'body.totalFen',
    ]);
    const ok = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pidan-doufu', qty: 3 }] },
      headers: { 'idempotency-key': key },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.order.lines[0]!.unitPriceFen).toBe(1500);
    expect(ok.body.order.totalFen).toBe(4500);
  });

  it('a misspelt key is refused: it never means "order the table\'s cart" and leaves the cart alone', async () => {
    const builder = await seatedDiner(s, 20);
    const other = await seatedDiner(s, 20);
    expect(
      (
        await call(s.url, 'POST', '/v1/diner/table/cart', {
          token: builder.token,
          body: { lineId: 'b-1', skuId: 'pai-huanggua', qty: 2 },
        })
      ).status,
    ).toBe(201);
    for (const body of [
      { lins: [{ skuId: 'pidan-doufu', qty: 1 }] },
      { chanel: 'takeaway' },
      { lines: [{ skuId: 'pidan-doufu', qty: 1, opitons: [] }] },
    ]) {
      const r = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/orders', {
        token: other.token,
        body,
        headers: { 'idempotency-key': idemKey() },
      });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      const misspelt = Object.keys(body)[0] === 'lines' ? 'lines.0.opitons' : Object.keys(body)[0]!;
      expect(r.body.message).toContain(`body.${misspelt}`);
      expect(r.body.message).toContain('unknown key');
    }
    for (const [path, body] of [
      ['/v1/diner/table/cart', { skuId: 'pai-huanggua', qty: 1, qyt: 2 }],
      ['/v1/diner/quote', { line: [] }],
      ['/v1/diner/scan', { tableToken: tableToken(s, 20).token, partysize: 2 }],
    ] as const) {
      const r = await call<ErrorAnswer>(s.url, 'POST', path, { token: other.token, body });
      expect(r.status, path).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const table = await call<TableView>(s.url, 'GET', '/v1/diner/table', { token: builder.token });
    expect(table.body.cart.map((l) => [l.lineId, l.qty])).toEqual([['b-1', 2]]);
    expect(table.body.orders).toEqual([]);
  });

  it('a dine-in order goes to the store of the table: another store is 422 and nothing is placed', async () => {
    const d = await seatedDiner(s, 21);
    const r = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 1 }], store: '002' },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('table_not_in_store');
    const q = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/quote', { token: d.token, body: { store: '002' } });
    expect(q.status).toBe(422);
    expect(q.body.code).toBe('table_not_in_store');
    expect((await call<OrderList>(s.url, 'GET', '/v1/diner/orders', { token: d.token })).body.orders).toEqual([]);
    // The order actor checks it too: a table of 001 cannot be named by an order of 002.
    const direct = await s.client
      .send('002', 'order', 'o_002_cross_store_table', {
        type: 'place',
        channel: 'dine_in',
        lines: [{ skuId: 'pai-huanggua', qty: 1 }],
        dinerId: d.dinerId,
        tableId: d.tableId,
        at: Date.now(),
      })
      .then(
        () => 'placed',
        (e: { reason?: string }) => e.reason,
      );
    expect(direct).toBe('table_not_in_store');
  });
});

describe('placed orders: urged, and shown at their table', () => {
  it('urge: once, then 409 until the interval has passed', async () => {
    const d = await seatedDiner(s, 15);
    const o = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'di-sanxian', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    const orderId = o.body.order.orderId;
    const pay = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.body.prepayId } });
    const first = await call<OrderSummary>(s.url, 'POST', `/v1/diner/orders/${orderId}/urge`, { token: d.token });
    expect(first.status).toBe(200);
    const again = await call<ErrorAnswer>(s.url, 'POST', `/v1/diner/orders/${orderId}/urge`, { token: d.token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'urge_too_soon', details: { retryAt: expect.any(Number) as unknown } });
  });

  it('an order placed with lines at a table carries the table label and shows on the table', async () => {
    const d = await seatedDiner(s, 22);
    const label = s.data.stores[0]!.tables[22]!.config.label;
    await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { lineId: 'keep-1', skuId: 'pai-huanggua', qty: 1 },
    });
    const r = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pidan-doufu', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.order).toMatchObject({ channel: 'dine_in', tableId: d.tableId, tableLabel: label });
    const table = await call<TableView>(s.url, 'GET', '/v1/diner/table', { token: d.token });
    expect(table.body.orders.map((o) => o.orderId)).toEqual([r.body.order.orderId]);
    // The cart someone was building stays as it was.
    expect(table.body.cart.map((l) => l.lineId)).toEqual(['keep-1']);
  });
});

describe('placed orders: without costs, sold out, paid and cancelled', () => {
  it('diners never see the cost of goods: not in a quote, an order, or the order read back', async () => {
    const d = await seatedDiner(s, 23);
    const withCost = s.data.template.spus.flatMap((x) => x.skus).find((k) => k.costFen !== undefined)!;
    expect(withCost).toBeDefined();
    const lines = [{ skuId: withCost.skuId, qty: 1 }];
    const quote = await call<Quote>(s.url, 'POST', '/v1/diner/quote', { token: d.token, body: { lines } });
    const placed = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(quote.status).toBe(200);
    expect(placed.status).toBe(201);
    const read = await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${placed.body.order.orderId}`, {
      token: d.token,
    });
    expect(read.status).toBe(200);
    for (const a of [quote, placed, read]) expect(JSON.stringify(a.body)).not.toMatch(/cost/i);
  });

  it('sold out is 409 with what remains, and nothing is reserved', async () => {
    await s.client.send('001', 'stock', 'kekou-kele', { type: 'set', available: 2, at: Date.now() });
    const d = await seatedDiner(s, 9);
    await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { lineId: 'c-1', skuId: 'kekou-kele', qty: 3 },
    });
    await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { lineId: 'c-2', skuId: 'pai-huanggua', qty: 1 },
    });
    const r = await call<ErrorAnswer & { details: { lines: unknown } }>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: {},
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('sold_out');
    expect(r.body.details.lines).toEqual([
      expect.objectContaining({ skuId: 'kekou-kele', available: 2, qty: 3, lineId: 'c-1' }) as unknown,
    ]);
    const stock = await call<StockLevels>(s.url, 'GET', '/v1/stores/001/stock');
    expect(stock.body.skus.find((x) => x.skuId === 'kekou-kele')).toMatchObject({ available: 2, level: 'low' });
  });

  it('a paid order is paid once the simulator pays it; the diner can then cancel it for a refund', async () => {
    const d = await seatedDiner(s, 10);
    const o = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'liangban-muer', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    const orderId = o.body.order.orderId;
    const pay = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    expect(pay.status).toBe(200);
    expect(pay.body.requestPayment).toMatchObject({ package: `prepay_id=${pay.body.prepayId}`, signType: 'RSA' });
    const sim = await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', {
      body: { prepayId: pay.body.prepayId },
    });
    expect(sim.body.callbackStatus).toBe(204);
    expect((await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token: d.token })).body.status).toBe(
      'paid',
    );
    const c = await call<OrderSummary>(s.url, 'POST', `/v1/diner/orders/${orderId}/cancel`, {
      token: d.token,
      body: { reason: 'changed my mind' },
    });
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('refund_requested');
    // Someone else's order is not visible.
    const stranger = await seatedDiner(s, 11);
    const peek = await call<ErrorAnswer>(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token: stranger.token });
    expect(peek.status).toBe(403);
    expect(peek.body.code).toBe('not_your_order');
  });
});
