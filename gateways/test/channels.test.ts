import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { saleActorId, type StockResult } from '@lunchrush/actors';
import { unseal } from '../src/pii.js';
import { call, idemKey, seatedDiner, signed, startStack, type Stack, type ErrorAnswer } from '@lunchrush/stack/testing';
import type { DeliverySale, OrderDetail, Placed, PosSale, Prepay, SimPay, StaffOrderDetail } from './answers.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack({ WECHATPAY_QUERY_AFTER_S: '1', WECHATPAY_QUERY_INTERVAL_MS: '100' });
});
afterAll(() => s?.close());

const stock = (skuId: string): Promise<StockResult> =>
  s.client.send<StockResult>('001', 'stock', skuId, { type: 'get' });

const pos = (saleId: string, lines: { skuId: string; qty: number }[]) => {
  const req = signed(s.cfg.posSecret, { saleId, lines });
  return call<PosSale>(s.url, 'POST', '/v1/channels/pos/001/sales', { raw: req.raw, headers: req.headers });
};
const delivery = (platformOrderId: string, lines: { skuId: string; qty: number }[]) => {
  const req = signed(s.cfg.deliverySecret, { platform: 'eleme', platformOrderId, lines });
  return call<DeliverySale>(s.url, 'POST', '/v1/channels/delivery/001/orders', {
    raw: req.raw,
    headers: req.headers,
  });
};

describe('POS and delivery webhooks: a sale deducts once', () => {
  it('a one-line sale left reserved (or reserved by an earlier gateway) is finished on retry; another quantity is refused', async () => {
    await s.client.send('001', 'stock', 'wanglaoji', { type: 'set', available: 20, at: Date.now() });
    const saleId = `pos-open-${Date.now()}`;
    await s.client.send('001', 'stock', 'wanglaoji', {
      type: 'reserve',
      channel: 'pos',
      ref: saleId,
      qty: 2,
      at: Date.now(),
    });
    const path = '/v1/channels/pos/001/sales';
    const req = signed(s.cfg.posSecret, { saleId, lines: [{ skuId: 'wanglaoji', qty: 2 }] });
    const r = await call<PosSale>(s.url, 'POST', path, { raw: req.raw, headers: req.headers });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ duplicate: false, skus: [{ skuId: 'wanglaoji', qty: 2, available: 18 }] });
    expect(await stock('wanglaoji')).toMatchObject({ available: 18, reserved: 0 });
    const other = signed(s.cfg.posSecret, { saleId, lines: [{ skuId: 'wanglaoji', qty: 5 }] });
    const bad = await call<ErrorAnswer>(s.url, 'POST', path, { raw: other.raw, headers: other.headers });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('idempotency_conflict');
    expect((await stock('wanglaoji')).available).toBe(18);
  });

  it('a sale of several SKUs sells them together; a repeat is harmless; one an older gateway began is finished', async () => {
    await s.client.send('001', 'stock', 'wanglaoji', { type: 'set', available: 30, at: Date.now() });
    await s.client.send('001', 'stock', 'jiucai-hezi', { type: 'set', available: 30, at: Date.now() });
    const path = '/v1/channels/pos/001/sales';
    const lines = [
      { skuId: 'wanglaoji', qty: 2 },
      { skuId: 'jiucai-hezi', qty: 1 },
      { skuId: 'wanglaoji', qty: 1 },
    ];
    const req = signed(s.cfg.posSecret, { saleId: `pos-multi-${Date.now()}`, lines });
    const first = await call<PosSale>(s.url, 'POST', path, { raw: req.raw, headers: req.headers });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      duplicate: false,
      skus: [
        { skuId: 'wanglaoji', qty: 3, available: 27 },
        { skuId: 'jiucai-hezi', qty: 1, available: 29 },
      ],
    });
    const again = await call<PosSale>(s.url, 'POST', path, { raw: req.raw, headers: req.headers });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    expect(await stock('wanglaoji')).toMatchObject({ available: 27, reserved: 0 });
    expect(await stock('jiucai-hezi')).toMatchObject({ available: 29, reserved: 0 });

    // An older gateway reserved one SKU of this sale and stopped: the retry finishes it by reserve + commit.
    const saleId = `pos-half-${Date.now()}`;
    await s.client.send('001', 'stock', 'jiucai-hezi', {
      type: 'reserve',
      channel: 'pos',
      ref: saleId,
      qty: 1,
      at: Date.now(),
    });
    const half = signed(s.cfg.posSecret, { saleId, lines: lines.slice(0, 2) });
    const done = await call<PosSale>(s.url, 'POST', path, { raw: half.raw, headers: half.headers });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.duplicate).toBe(false);
    expect(await stock('wanglaoji')).toMatchObject({ available: 25, reserved: 0 });
    expect(await stock('jiucai-hezi')).toMatchObject({ available: 28, reserved: 0 });
  });

  it('a signed POS sale deducts once; a repeat is harmless; unsigned, forged and stale are refused', async () => {
    await s.client.send('001', 'stock', 'wanglaoji', { type: 'set', available: 50, at: Date.now() });
    const sale = { saleId: `pos-${Date.now()}`, lines: [{ skuId: 'wanglaoji', qty: 3 }] };
    const path = '/v1/channels/pos/001/sales';
    const req = signed(s.cfg.posSecret, sale);
    const first = await call<PosSale>(s.url, 'POST', path, { raw: req.raw, headers: req.headers });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ duplicate: false, skus: [{ skuId: 'wanglaoji', qty: 3, available: 47 }] });
    const again = await call<PosSale>(s.url, 'POST', path, { raw: req.raw, headers: req.headers });
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
    expect((await stock('wanglaoji')).available).toBe(47);

    const unsigned = await call<ErrorAnswer>(s.url, 'POST', path, { body: sale });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.code).toBe('invalid_signature');
    const wrongSecret = signed(s.cfg.deliverySecret, sale); // the delivery secret does not sign POS sales
    expect((await call(s.url, 'POST', path, { raw: wrongSecret.raw, headers: wrongSecret.headers })).status).toBe(401);
    const tampered = await call<ErrorAnswer>(s.url, 'POST', path, {
      raw: req.raw.replace('"qty":3', '"qty":1'),
      headers: req.headers,
    });
    expect(tampered.status).toBe(401);
    const stale = signed(
      s.cfg.posSecret,
      { ...sale, saleId: `${sale.saleId}-old` },
      Math.floor(Date.now() / 1000) - 3600,
    );
    const old = await call<ErrorAnswer>(s.url, 'POST', path, { raw: stale.raw, headers: stale.headers });
    expect(old.status).toBe(400);
    expect(old.body.code).toBe('stale_timestamp');
    expect((await stock('wanglaoji')).available).toBe(47);
  });
});

describe('POS and delivery webhooks: delivery orders and their customers', () => {
  it('a delivery order deducts the same stock, all or nothing, and keeps the customer encrypted', async () => {
    await s.client.send('001', 'stock', 'xiaolongbao', { type: 'set', available: 4, at: Date.now() });
    await s.client.send('001', 'stock', 'jiucai-hezi', { type: 'set', available: 10, at: Date.now() });
    const path = '/v1/channels/delivery/001/orders';
    const order = {
      platform: 'meituan',
      platformOrderId: `mt${Date.now()}`,
      lines: [
        { skuId: 'jiucai-hezi', qty: 2 },
        { skuId: 'xiaolongbao', qty: 5 },
      ],
      customer: { name: '王女士', phone: '138-0013-8000', address: '长沙市芙蓉区五一大道 1 号' },
    };
    const short = signed(s.cfg.deliverySecret, order);
    const refused = await call<ErrorAnswer>(s.url, 'POST', path, { raw: short.raw, headers: short.headers });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'sold_out',
      details: { skus: [{ skuId: 'xiaolongbao', requested: 5, available: 4 }] },
    });
    expect((await stock('jiucai-hezi')).available).toBe(10); // the line that fitted was given back

    const ok = signed(s.cfg.deliverySecret, {
      ...order,
      platformOrderId: `${order.platformOrderId}b`,
      lines: [{ skuId: 'xiaolongbao', qty: 4 }],
    });
    const r = await call<PosSale>(s.url, 'POST', path, { raw: ok.raw, headers: ok.headers });
    expect(r.status).toBe(200);
    expect(r.body.skus[0]).toMatchObject({ available: 0 });
    const again = await call<PosSale>(s.url, 'POST', path, { raw: ok.raw, headers: ok.headers });
    expect(again.body.duplicate).toBe(true);

    // A POS sale now finds the same SKU sold out: one stock for every channel.
    const pos = signed(s.cfg.posSecret, { saleId: `pos-x-${Date.now()}`, lines: [{ skuId: 'xiaolongbao', qty: 1 }] });
    expect(
      (await call<ErrorAnswer>(s.url, 'POST', '/v1/channels/pos/001/sales', { raw: pos.raw, headers: pos.headers }))
        .body.code,
    ).toBe('sold_out');

    const id = `dlv:001:meituan.${order.platformOrderId}b`;
    const sealed = (await s.t.redis!.get(`${s.t.ns}:gw:pii:${id}`))!;
    expect(sealed).toMatch(/^g1\./);
    expect(sealed).not.toContain('0013');
    expect(JSON.parse(unseal(s.cfg.piiKeys, sealed, id))).toEqual(order.customer);
    expect(() => unseal(s.cfg.piiKeys, sealed, 'dlv:001:another')).toThrow();
  });

  it("a diner's delivery address and phone are sealed; the engine sees the last four digits", async () => {
    const d = await seatedDiner(s, 2);
    const r = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: {
        channel: 'delivery',
        lines: [{ skuId: 'huiguo-rou', qty: 1 }],
        delivery: { address: '长沙市岳麓区麓山南路 932 号', contact: '李先生', phone: '13912345678' },
      },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const orderId = r.body.order.orderId;
    const staffView = await call<StaffOrderDetail>(s.url, 'GET', `/v1/staff/stores/001/orders/${orderId}`, {
      token: (await import('@lunchrush/stack/testing')).staff(s, 'waiter'),
    });
    expect(staffView.body.delivery).toEqual({
      address: '长沙市岳麓区麓山南路 932 号',
      contact: '李先生',
      phone: '13912345678',
    });
    const raw = JSON.stringify(await s.client.send('001', 'order', orderId, { type: 'get' }));
    expect(raw).not.toContain('13912345678');
    expect(raw).not.toContain('麓山南路');
  });
});

describe('POS and delivery webhooks: a sale id keeps its first outcome', () => {
  it('a sale id sent again with another SKU, an added line or another quantity is 422 and sells nothing', async () => {
    for (const sku of ['nongjia-xiaochaorou', 'wanglaoji']) {
      await s.client.send('001', 'stock', sku, { type: 'set', available: 40, at: Date.now() });
    }
    const levels = async () => [(await stock('nongjia-xiaochaorou')).available, (await stock('wanglaoji')).available];
    const first = [{ skuId: 'nongjia-xiaochaorou', qty: 1 }];
    const others = [
      [{ skuId: 'wanglaoji', qty: 1 }],
      [...first, { skuId: 'wanglaoji', qty: 2 }],
      [{ skuId: 'nongjia-xiaochaorou', qty: 2 }],
    ];
    for (const [channel, send] of [
      ['pos', pos],
      ['delivery', delivery],
    ] as const) {
      const id = `${channel}-again-${Date.now()}`;
      const r = await send(id, first);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ duplicate: false, skus: [{ skuId: 'nongjia-xiaochaorou', qty: 1 }] });
      const after = await levels();
      for (const lines of others) {
        const again = await send(id, lines);
        expect([channel, lines, again.status, again.body.code]).toEqual([channel, lines, 422, 'idempotency_conflict']);
      }
      expect(await levels()).toEqual(after);
      const same = await send(id, first);
      expect(same.status).toBe(200);
      expect(same.body).toEqual({ ...r.body, duplicate: true });
    }
    expect(await levels()).toEqual([38, 40]);
  });

  it('a sale of an SKU that is not on the menu is 422 unknown_sku and sells nothing', async () => {
    await s.client.send('001', 'stock', 'wanglaoji', { type: 'set', available: 10, at: Date.now() });
    const lines = [
      { skuId: 'wanglaoji', qty: 1 },
      { skuId: 'no-such-dish', qty: 1 },
    ];
    for (const r of [
      await pos(`pos-unknown-${Date.now()}`, lines),
      await delivery(`el-unknown-${Date.now()}`, lines),
    ]) {
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body).toMatchObject({ code: 'unknown_sku', details: { skuIds: ['no-such-dish'] } });
    }
    expect((await stock('wanglaoji')).available).toBe(10);
  });

  it('a sale id answers its first outcome after 10,000 later sales of its SKU and an engine restart', async () => {
    const sku = 'maoshi-hongshaorou';
    await s.client.send('001', 'stock', sku, { type: 'set', available: 20_000, at: Date.now() });
    const run = Date.now();
    const saleId = `pos-early-${run}`;
    const first = await pos(saleId, [{ skuId: sku, qty: 2 }]);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ duplicate: false, skus: [{ skuId: sku, qty: 2, available: 19_998 }] });

    // 10,000 later sales of the same SKU under other ids, straight to the engine as the route sends them
    // (HTTP took ~12 s for these), 500 at a time.
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, j) => {
          const ref = `pos-later-${run}-${i + j}`;
          return s.client.send('001', 'sale', saleActorId('pos', ref), {
            type: 'sell',
            channel: 'pos',
            ref,
            lines: [{ skuId: sku, qty: 1 }],
            at: Date.now(),
          });
        }),
      );
    }
    const before = await stock(sku);
    expect(before).toMatchObject({ available: 9_998, sold: 10_002 });

    await s.restartEngine();
    const again = await waitFor(
      async () => {
        const r = await pos(saleId, [{ skuId: sku, qty: 2 }]);
        return r.status === 503 ? undefined : r; // the store's partition may still be settling on the new engine
      },
      { what: 'the repeat to be answered' },
    );
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    const other = await pos(saleId, [{ skuId: sku, qty: 3 }]);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_conflict');
    expect(await stock(sku)).toMatchObject({ available: before.available, sold: before.sold });
  });
});

describe('WeChat Pay callbacks', () => {
  async function pendingOrder(
    table: number,
  ): Promise<{ orderId: string; prepayId: string; token: string; totalFen: number }> {
    const d = await seatedDiner(s, table);
    const o = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'fanqie-chaodan', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    const orderId = o.body.order.orderId;
    const p = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    expect(p.status).toBe(200);
    return { orderId, prepayId: p.body.prepayId, token: d.token, totalFen: o.body.order.totalFen };
  }
  const status = async (token: string, orderId: string): Promise<string> =>
    (await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token })).body.status;

  it('forged callbacks are refused and change nothing; the real one is 204 and the order is paid', async () => {
    const o = await pendingOrder(20);
    const expected: Record<string, [number, string]> = {
      signature: [401, 'invalid_signature'],
      serial: [401, 'invalid_signature'],
      probe: [401, 'invalid_signature'],
      ciphertext: [401, 'invalid_signature'],
      stale: [400, 'stale_timestamp'],
      amount: [400, 'payment_amount_mismatch'],
    };
    for (const [tamper, [code, name]] of Object.entries(expected)) {
      const r = await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', {
        body: { prepayId: o.prepayId, tamper },
      });
      expect(r.status).toBe(200);
      expect([tamper, r.body.callbackStatus]).toEqual([tamper, code]);
      expect((JSON.parse(r.body.callbackBody!) as ErrorAnswer).code).toBe(name);
    }
    expect(await status(o.token, o.orderId)).toBe('pending_payment');

    const paid = await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: o.prepayId } });
    expect(paid.body.callbackStatus).toBe(204);
    expect(await status(o.token, o.orderId)).toBe('paid');
  });

  it('a duplicate callback (signed with either kind of WeChat Pay key) is 204 and records nothing twice', async () => {
    const o = await pendingOrder(21);
    const paid = await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: o.prepayId } });
    expect(paid.body.callbackStatus).toBe(204);
    const sim = s.gw.deps.simulator!;
    const tx = (await sim.queryOrder(o.orderId))!;
    const serials = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const cb = sim.buildCallback(tx);
      serials.add(cb.headers['wechatpay-serial']!);
      const r = await call(s.url, 'POST', '/v1/payments/wechatpay/notify', { raw: cb.body, headers: cb.headers });
      expect(r.status).toBe(204);
    }
    expect(serials.size).toBe(2); // a platform-certificate serial and a PUB_KEY_ID_
    expect([...serials].some((x) => x.startsWith('PUB_KEY_ID_'))).toBe(true);
    const order = await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${o.orderId}`, { token: o.token });
    expect(order.body).toMatchObject({ status: 'paid', paidFen: o.totalFen, refundedFen: 0 });
  });

  it('an unsigned or garbage callback is 4xx', async () => {
    const r = await call(s.url, 'POST', '/v1/payments/wechatpay/notify', {
      raw: '{"id":"x"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(401);
    const sim = s.gw.deps.simulator!;
    const cb = sim.buildCallback({
      appid: s.cfg.wechatPay.appId,
      mchid: 'someone-else',
      out_trade_no: 'o_001_nope',
      transaction_id: '4200000',
      trade_state: 'SUCCESS',
      success_time: '2026-01-01T12:00:00+08:00',
      amount: { total: 100, currency: 'CNY' },
    });
    const foreign = await call<ErrorAnswer>(s.url, 'POST', '/v1/payments/wechatpay/notify', {
      raw: cb.body,
      headers: cb.headers,
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('payment_unknown_order');
  });

  it('a payment whose callback never comes is found by asking the provider', async () => {
    const o = await pendingOrder(22);
    const r = await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', {
      body: { prepayId: o.prepayId, notify: false },
    });
    expect(r.body.notified).toBe(false);
    await waitFor(async () => (await status(o.token, o.orderId)) === 'paid', {
      what: 'the order query to record the payment',
    });
  });
});
