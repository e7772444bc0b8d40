import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import http from 'node:http';
import { parseTableCode } from '@lunchrush/actors';
import { waitFor } from '@lunchrush/testkit';
import { parseKeyRing } from '../src/config.js';
import { signTableToken, verifyTableToken } from '../src/tokens.js';
import {
  call,
  idemKey,
  login,
  seatedDiner,
  startStack,
  tableToken,
  type Answer,
  type Stack,
} from '@lunchrush/stack/testing';

// k2 signs new codes; k1 (the development key) still verifies codes printed before the rotation.
const K1 = 'k1:ZGV2LXFyLWtleS0xLWx1bmNocnVzaC1ub3Qtc2VjcmV0';
const K2 = `k2:${Buffer.from('second-qr-key-for-rotation-test!').toString('base64')}`;

let s: Stack;
beforeAll(async () => {
  s = await startStack({ GATEWAY_QR_KEYS: `${K2},${K1}`, GATEWAY_RATE_DEVICE: '5' });
});
afterAll(() => s?.close());

describe('table QR tokens', () => {
  it('a good token resolves to its store and table; new tokens are signed with the first key', async () => {
    const { token, tableId } = tableToken(s, 3);
    expect(token.startsWith('t1.k2.')).toBe(true);
    const r = await call(s.url, 'GET', `/v1/tables/resolve?token=${token}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ store: '001', tableId });
  });

  it('tampered, forged or malformed tokens are refused with 401', async () => {
    const { token } = tableToken(s, 0);
    const parts = token.split('.');
    const otherTable = tableToken(s, 1).tableId;
    const forged = [parts[0], parts[1], otherTable, parts[3]].join('.'); // another table's digits, this table's MAC
    const sig = parts[3]!;
    const flipped = [parts[0], parts[1], parts[2], (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)].join('.');
    for (const bad of [forged, flipped, 'not-a-token', `${token}x`]) {
      const r = await call(s.url, 'GET', `/v1/tables/resolve?token=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(401);
      expect(r.body.code).toBe('invalid_qr_token');
      expect(typeof r.body.message).toBe('string');
    }
  });

  it('rotation: codes signed with a key still in the ring work; a retired key is refused', async () => {
    const code = parseTableCode(s.data.stores[0]!.tables[2]!.tableId);
    const oldRing = parseKeyRing('old', K1);
    const printedBefore = signTableToken(oldRing, code);
    expect((await call(s.url, 'GET', `/v1/tables/resolve?token=${printedBefore}`)).status).toBe(200);
    const retired = signTableToken(
      parseKeyRing('gone', `k0:${Buffer.from('a-key-that-was-rotated-out-long-ago').toString('base64')}`),
      code,
    );
    const r = await call(s.url, 'GET', `/v1/tables/resolve?token=${retired}`);
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('qr_key_retired');
    // After k1 is dropped from the ring, what it signed stops working.
    expect(() => verifyTableToken(parseKeyRing('new', K2), printedBefore)).toThrow(/retired/);
  });
});

describe('menu', () => {
  it('answers 304 to its ETag, and a catalog change gives a new ETag and price', async () => {
    const first = await call(s.url, 'GET', '/v1/stores/001/menu');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"m\d+-/);
    const spu = first.body.spus.find((x: any) => x.spuId === 'laocu-huasheng');
    expect(spu.skus[0]).not.toHaveProperty('costFen');
    const again = await call(s.url, 'GET', '/v1/stores/001/menu', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);

    // A change made straight in the engine (not through this gateway) reaches the cache through the catalog's events.
    await s.client.send('001', 'catalog', 'menu', {
      type: 'setPrice',
      skuId: 'laocu-huasheng',
      priceFen: 1450,
      at: Date.now(),
    });
    const changed = await waitFor(
      async () => {
        const r = await call(s.url, 'GET', '/v1/stores/001/menu', { headers: { 'if-none-match': etag } });
        return r.status === 200 ? r : undefined;
      },
      { what: 'the menu to change' },
    );
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.body.spus.find((x: any) => x.spuId === 'laocu-huasheng').skus[0].priceFen).toBe(1450);
  });

  it('is gzipped when the client takes gzip, the same JSON either way; W/ ETags match too', async () => {
    // node:http, not fetch: fetch asks for gzip itself and unzips before the test could look.
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }>((resolve, reject) => {
        http
          .get(`${s.url}/v1/stores/001/menu`, { headers }, (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, bytes: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
    const plain = await get({});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get({ 'accept-encoding': 'br, gzip;q=0.8' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.bytes.length).toBeLessThan(plain.bytes.length / 3);
    expect(gunzipSync(zipped.bytes).equals(plain.bytes)).toBe(true);
    expect(JSON.parse(plain.bytes.toString('utf8'))).toMatchObject({ store: '001' });
    expect((await get({ 'accept-encoding': 'gzip;q=0, identity' })).headers['content-encoding']).toBeUndefined();
    const etag = plain.headers.etag as string;
    expect((await get({ 'if-none-match': `"x", W/${etag}` })).status).toBe(304);
    expect((await get({ 'if-none-match': '"m0-nope"' })).status).toBe(200);
  });

  it('an unknown store is 404; a malformed store id is 400', async () => {
    expect((await call(s.url, 'GET', '/v1/stores/987/menu')).body.code).toBe('store_not_configured');
    const r = await call(s.url, 'GET', '/v1/stores/abc/menu');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
  });
});

describe('the shared table cart', () => {
  it('two diners at one table add to one cart and both see every line', async () => {
    const a = await seatedDiner(s, 5);
    const b = await seatedDiner(s, 5);
    expect(a.dinerId).not.toBe(b.dinerId);
    const ra = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: a.token,
      body: { lineId: 'a-1', skuId: 'yuxiang-rousi', qty: 1 },
    });
    const rb = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: b.token,
      body: { lineId: 'b-1', skuId: 'mapo-doufu', qty: 2, options: [{ group: 'spice', choice: 'hot' }] },
    });
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    for (const who of [a, b]) {
      const t = await call(s.url, 'GET', '/v1/diner/table', { token: who.token });
      expect(t.body.cart.map((l: any) => [l.lineId, l.dinerId])).toEqual([
        ['a-1', a.dinerId],
        ['b-1', b.dinerId],
      ]);
      expect(t.body.diners).toEqual(expect.arrayContaining([a.dinerId, b.dinerId]));
    }
    const q = await call(s.url, 'POST', '/v1/diner/quote', { token: b.token, body: {} });
    expect(q.status).toBe(200);
    expect(q.body.totalFen).toBe(2900 + 2 * 2200);
    const removed = await call(s.url, 'DELETE', '/v1/diner/table/cart/a-1', { token: b.token });
    expect(removed.body.cart.map((l: any) => l.lineId)).toEqual(['b-1']);
    // A quantity change in place, by PATCH or by PUT (wx.request cannot send PATCH).
    for (const [method, qty] of [
      ['PATCH', 3],
      ['PUT', 4],
    ] as const) {
      const changed = await call(s.url, method, '/v1/diner/table/cart/b-1', { token: a.token, body: { qty } });
      expect(changed.status).toBe(200);
      expect(changed.body.cart.map((l: any) => [l.lineId, l.qty])).toEqual([['b-1', qty]]);
    }
  });

  it('cart routes need a session and a scanned table', async () => {
    expect((await call(s.url, 'GET', '/v1/diner/table')).status).toBe(401);
    const d = await login(s);
    const r = await call(s.url, 'GET', '/v1/diner/table', { token: d.token });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('no_table');
    expect((await call(s.url, 'GET', '/v1/diner/table', { token: 'ds_forgedforgedforgedforgedforgedfo' })).status).toBe(
      401,
    );
  });
});

describe('placing orders', () => {
  it('the same Idempotency-Key returns the same answer; another body with it is 422; none is 400', async () => {
    const d = await seatedDiner(s, 7);
    const key = idemKey();
    const body = { lines: [{ skuId: 'pai-huanggua', qty: 1 }] };
    const first = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    const again = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 2 }] },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    const none = await call(s.url, 'POST', '/v1/diner/orders', { token: d.token, body });
    expect(none.status).toBe(400);
    expect(none.body.code).toBe('missing_idempotency_key');
    const list = await call(s.url, 'GET', '/v1/diner/orders', { token: d.token });
    expect(list.body.orders.map((o: any) => o.orderId)).toEqual([first.body.order.orderId]);
  });

  it('a refused body does not hold its Idempotency-Key; a bad session is 401 before the body is judged', async () => {
    const d = await seatedDiner(s, 16);
    const key = idemKey();
    const bad = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 0 }] },
      headers: { 'idempotency-key': key },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    const good = await call(s.url, 'POST', '/v1/diner/orders', {
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
    const send = (): Promise<Answer> =>
      call(s.url, 'POST', '/v1/diner/orders', {
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
    const mine = await call(s.url, 'GET', '/v1/diner/orders', { token: d.token });
    expect(mine.body.orders).toHaveLength(1);
  });

  it('urge: once, then 409 until the interval has passed', async () => {
    const d = await seatedDiner(s, 15);
    const o = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'di-sanxian', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    const orderId = o.body.order.orderId as string;
    const pay = await call(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.body.prepayId } });
    const first = await call(s.url, 'POST', `/v1/diner/orders/${orderId}/urge`, { token: d.token });
    expect(first.status).toBe(200);
    const again = await call(s.url, 'POST', `/v1/diner/orders/${orderId}/urge`, { token: d.token });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'urge_too_soon', details: { retryAt: expect.any(Number) } });
  });

  it('prices come from the catalog: a price or total sent by the client is refused, naming the key', async () => {
    const d = await seatedDiner(s, 8);
    const key = idemKey();
    const r = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: {
        lines: [{ skuId: 'pidan-doufu', qty: 3, priceFen: 1, unitPriceFen: 1 }],
        totalFen: 3,
      },
      headers: { 'idempotency-key': key },
    });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.details.issues.map((i: any) => i.path).sort()).toEqual([
      'body.lines.0.priceFen',
      'body.lines.0.unitPriceFen',
      'body.totalFen',
    ]);
    const ok = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pidan-doufu', qty: 3 }] },
      headers: { 'idempotency-key': key },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.order.lines[0].unitPriceFen).toBe(1500);
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
      const r = await call(s.url, 'POST', '/v1/diner/orders', {
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
      const r = await call(s.url, 'POST', path, { token: other.token, body });
      expect(r.status, path).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    const table = await call(s.url, 'GET', '/v1/diner/table', { token: builder.token });
    expect(table.body.cart.map((l: any) => [l.lineId, l.qty])).toEqual([['b-1', 2]]);
    expect(table.body.orders).toEqual([]);
  });

  it('a dine-in order goes to the store of the table: another store is 422 and nothing is placed', async () => {
    const d = await seatedDiner(s, 21);
    const r = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 1 }], store: '002' },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('table_not_in_store');
    const q = await call(s.url, 'POST', '/v1/diner/quote', { token: d.token, body: { store: '002' } });
    expect(q.status).toBe(422);
    expect(q.body.code).toBe('table_not_in_store');
    expect((await call(s.url, 'GET', '/v1/diner/orders', { token: d.token })).body.orders).toEqual([]);
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

  it('an order placed with lines at a table carries the table label and shows on the table', async () => {
    const d = await seatedDiner(s, 22);
    const label = s.data.stores[0]!.tables[22]!.config.label;
    await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { lineId: 'keep-1', skuId: 'pai-huanggua', qty: 1 },
    });
    const r = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pidan-doufu', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.order).toMatchObject({ channel: 'dine_in', tableId: d.tableId, tableLabel: label });
    const table = await call(s.url, 'GET', '/v1/diner/table', { token: d.token });
    expect(table.body.orders.map((o: any) => o.orderId)).toEqual([r.body.order.orderId]);
    // The cart someone was building stays as it was.
    expect(table.body.cart.map((l: any) => l.lineId)).toEqual(['keep-1']);
  });

  it('diners never see the cost of goods: not in a quote, an order, or the order read back', async () => {
    const d = await seatedDiner(s, 23);
    const withCost = s.data.template.spus.flatMap((x) => x.skus).find((k) => k.costFen !== undefined)!;
    expect(withCost).toBeDefined();
    const lines = [{ skuId: withCost.skuId, qty: 1 }];
    const quote = await call(s.url, 'POST', '/v1/diner/quote', { token: d.token, body: { lines } });
    const placed = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(quote.status).toBe(200);
    expect(placed.status).toBe(201);
    const read = await call(s.url, 'GET', `/v1/diner/orders/${placed.body.order.orderId}`, { token: d.token });
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
    const r = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: {},
      headers: { 'idempotency-key': idemKey() },
    });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('sold_out');
    expect(r.body.details.lines).toEqual([
      expect.objectContaining({ skuId: 'kekou-kele', available: 2, qty: 3, lineId: 'c-1' }),
    ]);
    const stock = await call(s.url, 'GET', '/v1/stores/001/stock');
    expect(stock.body.skus.find((x: any) => x.skuId === 'kekou-kele')).toMatchObject({ available: 2, level: 'low' });
  });

  it('a paid order is paid once the simulator pays it; the diner can then cancel it for a refund', async () => {
    const d = await seatedDiner(s, 10);
    const o = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'liangban-muer', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    const orderId = o.body.order.orderId;
    const pay = await call(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    expect(pay.status).toBe(200);
    expect(pay.body.requestPayment).toMatchObject({ package: `prepay_id=${pay.body.prepayId}`, signType: 'RSA' });
    const sim = await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.body.prepayId } });
    expect(sim.body.callbackStatus).toBe(204);
    expect((await call(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token: d.token })).body.status).toBe('paid');
    const c = await call(s.url, 'POST', `/v1/diner/orders/${orderId}/cancel`, {
      token: d.token,
      body: { reason: 'changed my mind' },
    });
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('refund_requested');
    // Someone else's order is not visible.
    const stranger = await seatedDiner(s, 11);
    const peek = await call(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token: stranger.token });
    expect(peek.status).toBe(403);
    expect(peek.body.code).toBe('not_your_order');
  });
});

describe('bad input and limits', () => {
  it('malformed JSON, wrong types and bad values are 400 with a code and a message naming the field', async () => {
    const d = await seatedDiner(s, 12);
    const bad = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: '{"skuId": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad_request');
    const zero = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { skuId: 'pai-huanggua', qty: 0 },
    });
    expect(zero.status).toBe(400);
    expect(zero.body).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('body.qty') });
    const typed = await call(s.url, 'POST', '/v1/diner/table/cart', { token: d.token, body: { skuId: 42, qty: '2' } });
    expect(typed.status).toBe(400);
    expect(typed.body.details.issues.map((i: any) => i.path)).toEqual(['body.skuId', 'body.qty']);
    const text = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: 'skuId=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const unknown = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { skuId: 'no-such-dish', qty: 1 },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('unknown_sku');
  });

  it('ill-formed text is refused, never stored changed: a lone surrogate or bytes that are not UTF-8', async () => {
    const d = await seatedDiner(s, 24);
    const lone = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: '{"lineId":"s-1","skuId":"pai-huanggua","qty":1,"note":"\\ud800 no ice"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(lone.status).toBe(400);
    expect(lone.body).toMatchObject({ code: 'bad_request', details: { path: 'body.note' } });
    const bytes = Buffer.concat([
      Buffer.from('{"lineId":"s-2","skuId":"pai-huanggua","qty":1,"note":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const latin = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: bytes,
      headers: { 'content-type': 'application/json' },
    });
    expect(latin.status).toBe(400);
    expect(latin.body.message).toContain('UTF-8');
    // A real pair (an emoji, escaped or not) is text like any other and comes back as sent.
    const note = '少辣 \ud83c\udf36 🌶';
    const ok = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { lineId: 's-3', skuId: 'pai-huanggua', qty: 1, note },
    });
    expect(ok.status).toBe(201);
    const table = await call(s.url, 'GET', '/v1/diner/table', { token: d.token });
    expect(table.body.cart.map((l: any) => [l.lineId, l.note])).toEqual([['s-3', note]]);
  });

  it('a body over the limit is 413, whether declared or streamed', async () => {
    const d = await seatedDiner(s, 13);
    const big = JSON.stringify({ skuId: 'pai-huanggua', qty: 1, note: 'x'.repeat(40_000) });
    const r = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('payload_too_large');
  });

  it('past the per-device limit requests are 429 with Retry-After', async () => {
    const device = `device-${process.pid}-${Date.now()}`;
    const statuses: number[] = [];
    const answers = [];
    for (let i = 0; i < 7; i++) {
      const r = await call(s.url, 'GET', '/v1/stores/001/stock', { headers: { 'x-device-id': device } });
      statuses.push(r.status);
      answers.push(r);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const last = answers[6]!;
    expect(last.body.code).toBe('rate_limited');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another device from the same IP is not affected.
    expect(
      (await call(s.url, 'GET', '/v1/stores/001/stock', { headers: { 'x-device-id': `${device}-b` } })).status,
    ).toBe(200);
  });

  it('diner routes: the session and the limits in one check; an unknown session is 401 and counts nothing', async () => {
    const d = await seatedDiner(s, 14);
    const device = `dev-d-${process.pid}-${Date.now()}`;
    const ghost = `ds_${'A'.repeat(32)}`; // well-formed, names no session
    for (let i = 0; i < 7; i++) {
      const r = await call(s.url, 'GET', '/v1/diner/table', { token: ghost, headers: { 'x-device-id': device } });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthorized');
    }
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await call(s.url, 'GET', '/v1/diner/table', { token: d.token, headers: { 'x-device-id': device } })).status,
      );
    // The ghost's seven did not count against the device: five answers, then the limit.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const other = await call(s.url, 'GET', '/v1/diner/table', {
      token: d.token,
      headers: { 'x-device-id': `${device}-b` },
    });
    expect(other.status).toBe(200);
    expect(other.body.tableId).toBe(d.tableId);
  });
});
