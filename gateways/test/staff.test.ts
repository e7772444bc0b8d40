import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, seatedDiner, staff, startStack, type Stack, type ErrorAnswer } from '@lunchrush/stack/testing';
import type {
  Board,
  CatalogDoc,
  Menu,
  OrderDetail,
  OrderSummary,
  Placed,
  Prepay,
  StaffOrderDetail,
  StockLevels,
  StockResult,
  TableView,
} from './answers.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());

const tables = (): string[] => s.data.stores[0]!.tables.map((t) => t.tableId);

describe('staff authentication', () => {
  it('no token, a malformed token or a forged token is 401', async () => {
    const path = '/v1/staff/stores/001/board';
    expect((await call(s.url, 'GET', path)).status).toBe(401);
    expect((await call(s.url, 'GET', path, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const token = staff(s, 'manager');
    const [a, b, c, d] = token.split('.');
    const forged = [
      a,
      b,
      Buffer.from(JSON.stringify({ s: '001', r: 'manager', u: 'x', e: 9_999_999_999 })).toString('base64url'),
      d,
    ].join('.');
    const r = await call<ErrorAnswer>(s.url, 'GET', path, { token: forged });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('unauthorized');
    expect(c).toBeDefined();
  });

  it('a role may only do what it is allowed; another store is 403', async () => {
    const t = tables()[20]!;
    const kitchenCloses = await call<ErrorAnswer>(s.url, 'POST', `/v1/staff/stores/001/tables/${t}/close`, {
      token: staff(s, 'kitchen'),
      body: {},
    });
    expect(kitchenCloses.status).toBe(403);
    expect(kitchenCloses.body.code).toBe('role_forbidden');
    const waiterStock = await call(s.url, 'POST', '/v1/staff/stores/001/stock/mifan-s/set', {
      token: staff(s, 'waiter'),
      body: { available: 5 },
    });
    expect(waiterStock.status).toBe(403);
    const waiterImport = await call(s.url, 'PUT', '/v1/staff/stores/001/catalog', {
      token: staff(s, 'waiter'),
      raw: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(waiterImport.status).toBe(403);
    const otherStore = await call<ErrorAnswer>(s.url, 'GET', '/v1/staff/stores/002/board', {
      token: staff(s, 'manager'),
    });
    expect(otherStore.status).toBe(403);
    expect(otherStore.body.code).toBe('store_forbidden');
    const kitchenBoard = await call<Board>(s.url, 'GET', '/v1/staff/stores/001/board', { token: staff(s, 'kitchen') });
    expect(kitchenBoard.status).toBe(200);
    expect(kitchenBoard.body.tables).toHaveLength(tables().length);
  });
});

describe('tables', () => {
  it('open, merge, transfer and close show on the board', async () => {
    const [t1, t2, t3, t4] = tables().slice(14, 18) as [string, string, string, string];
    const waiter = staff(s, 'waiter');
    const base = '/v1/staff/stores/001/tables';
    expect(
      (await call<TableView>(s.url, 'POST', `${base}/${t1}/open`, { token: waiter, body: { partySize: 3 } })).body
        .status,
    ).toBe('seated');
    expect((await call(s.url, 'POST', `${base}/${t2}/open`, { token: waiter, body: { partySize: 2 } })).status).toBe(
      200,
    );
    const merged = await call<TableView>(s.url, 'POST', `${base}/${t2}/merge`, {
      token: waiter,
      body: { intoTableId: t1 },
    });
    expect(merged.body.status).toBe('merged');
    expect((await call(s.url, 'POST', `${base}/${t3}/open`, { token: waiter, body: { partySize: 4 } })).status).toBe(
      200,
    );
    const moved = await call(s.url, 'POST', `${base}/${t3}/transfer`, { token: waiter, body: { toTableId: t4 } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const occupied = await call(s.url, 'POST', `${base}/${t1}/transfer`, { token: waiter, body: { toTableId: t4 } });
    expect(occupied.status).toBe(409);
    const board = await call<Board>(s.url, 'GET', '/v1/staff/stores/001/board', { token: waiter });
    const byId = new Map(board.body.tables.map((t) => [t.tableId, t]));
    expect(byId.get(t1)!.partySize).toBe(5);
    expect(byId.get(t2)!.status).toBe('merged');
    expect(byId.get(t3)!.status).toBe('cleaning');
    expect(byId.get(t4)).toMatchObject({ status: 'seated', partySize: 4 });
    expect((await call<TableView>(s.url, 'POST', `${base}/${t1}/close`, { token: waiter, body: {} })).body.status).toBe(
      'cleaning',
    );
    expect((await call<TableView>(s.url, 'POST', `${base}/${t1}/cleaned`, { token: waiter })).body.status).toBe('free');
  });

  it('a bad table id is 400; a table of another store is 400 from the domain', async () => {
    const r = await call(s.url, 'POST', '/v1/staff/stores/001/tables/123/open', {
      token: staff(s, 'waiter'),
      body: { partySize: 2 },
    });
    expect(r.status).toBe(400);
    const other = await call<ErrorAnswer>(s.url, 'PUT', '/v1/staff/stores/001/tables/0020001000015', {
      token: staff(s, 'manager'),
      body: { label: 'Z1', areaName: '大厅', seats: 4 },
    });
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('invalid_table_code');
  });
});

describe('orders in the kitchen', () => {
  it('accept, start, bump, serve; a diner refund request is approved or rejected by staff', async () => {
    const d = await seatedDiner(s, 30);
    const o = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: {
        lines: [
          { skuId: 'yuxiang-rousi', qty: 1 },
          { skuId: 'pai-huanggua', qty: 1 },
        ],
      },
      headers: { 'idempotency-key': idemKey() },
    });
    const orderId = o.body.order.orderId;
    const base = `/v1/staff/stores/001/orders/${orderId}`;
    const early = await call<ErrorAnswer>(s.url, 'POST', `${base}/accept`, { token: staff(s, 'waiter') });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('invalid_transition');
    const pay = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.body.prepayId } });
    expect((await call<OrderSummary>(s.url, 'POST', `${base}/accept`, { token: staff(s, 'waiter') })).body.status).toBe(
      'sent_to_kitchen',
    );
    const detail = await call<StaffOrderDetail>(s.url, 'GET', base, { token: staff(s, 'kitchen') });
    const stations = detail.body.stations.map((x) => x.station);
    expect(stations.length).toBeGreaterThan(0);
    const waiterBump = await call(s.url, 'POST', `${base}/stations/${stations[0]}/bump`, { token: staff(s, 'waiter') });
    expect(waiterBump.status).toBe(403);
    expect(
      (await call<OrderSummary>(s.url, 'POST', `${base}/stations/${stations[0]}/start`, { token: staff(s, 'kitchen') }))
        .body.status,
    ).toBe('cooking');

    const req = await call<OrderSummary>(s.url, 'POST', `/v1/diner/orders/${orderId}/refunds`, {
      token: d.token,
      body: { refundId: 'r-cold', reason: 'too cold' },
    });
    expect(req.body.status).toBe('refund_requested');
    const kitchenRejects = await call(s.url, 'POST', `${base}/refunds/r-cold/reject`, {
      token: staff(s, 'kitchen'),
      body: { reason: 'no' },
    });
    expect(kitchenRejects.status).toBe(403);
    const rejected = await call<OrderSummary>(s.url, 'POST', `${base}/refunds/r-cold/reject`, {
      token: staff(s, 'manager'),
      body: { reason: 'it was hot' },
    });
    expect(rejected.body.status).toBe('cooking');
    const unknown = await call<ErrorAnswer>(s.url, 'POST', `${base}/refunds/r-none/approve`, {
      token: staff(s, 'manager'),
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown_refund');

    for (const st of stations) await call(s.url, 'POST', `${base}/stations/${st}/bump`, { token: staff(s, 'kitchen') });
    expect((await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token: d.token })).body.status).toBe(
      'ready',
    );
    expect((await call<OrderSummary>(s.url, 'POST', `${base}/serve`, { token: staff(s, 'waiter') })).body.status).toBe(
      'served',
    );
    const review = await call(s.url, 'POST', `/v1/diner/orders/${orderId}/review`, {
      token: d.token,
      body: { rating: 5, comment: '好吃' },
    });
    expect(review.status).toBe(409); // reviewable once completed, not just served
  });
});

describe('stock and catalog', () => {
  it('set, restock and 86 change what diners see', async () => {
    const kitchen = staff(s, 'kitchen');
    const base = '/v1/staff/stores/001/stock/suanla-tang';
    expect((await call(s.url, 'POST', `${base}/set`, { token: kitchen, body: { available: 3 } })).body).toMatchObject({
      available: 3,
      level: 'low',
    });
    expect(
      (await call<StockResult>(s.url, 'POST', `${base}/restock`, { token: kitchen, body: { qty: 20 } })).body.available,
    ).toBe(23);
    expect(
      (await call(s.url, 'POST', `${base}/86`, { token: kitchen, body: { reason: 'pot broke' } })).body,
    ).toMatchObject({ eightySixed: true, level: 'out' });
    await waitFor(
      async () => {
        const st = await call<StockLevels>(s.url, 'GET', '/v1/stores/001/stock');
        return st.body.skus.find((x) => x.skuId === 'suanla-tang')!.level === 'out';
      },
      { what: 'the stock cache to show the 86' },
    );
    const bad = await call(s.url, 'POST', `${base}/set`, { token: kitchen, body: { available: -1 } });
    expect(bad.status).toBe(400);
  });

  it('exports JSON and CSV, imports CSV (the menu changes) and reports every bad row', async () => {
    const manager = staff(s, 'manager');
    const json = await call<CatalogDoc>(s.url, 'GET', '/v1/staff/stores/001/catalog', { token: manager });
    expect(json.status).toBe(200);
    expect(json.body.spus.length).toBeGreaterThan(40);
    const csv = await call(s.url, 'GET', '/v1/staff/stores/001/catalog?format=csv', { token: manager });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^spu_id,name,category/);

    const before = await call(s.url, 'GET', '/v1/stores/001/menu');
    const header = lines[0]!;
    const row = lines.find((l) => l.startsWith('pai-huanggua,'))!;
    const local = `${header}\n${row.replace('拍黄瓜', '拍黄瓜(本店)')}\n`;
    const imported = await call(s.url, 'PUT', '/v1/staff/stores/001/catalog', {
      token: manager,
      raw: local,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    const after = await call<Menu>(s.url, 'GET', '/v1/stores/001/menu', {
      headers: { 'if-none-match': before.headers.get('etag')! },
    });
    expect(after.status).toBe(200);
    expect(after.body.spus.find((x) => x.spuId === 'pai-huanggua')!.name).toBe('拍黄瓜(本店)');

    const broken = `${header}\n${row.replace(/,1200,/, ',12.00,')}\n`;
    const refused = await call<ErrorAnswer & { details: { issues: unknown[] } }>(
      s.url,
      'PUT',
      '/v1/staff/stores/001/catalog',
      {
        token: manager,
        raw: broken,
        headers: { 'content-type': 'text/csv' },
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('catalog_invalid');
    expect(refused.body.details.issues[0]).toMatchObject({ row: 2, field: 'price_fen' });
    const wrongType = await call(s.url, 'PUT', '/v1/staff/stores/001/catalog', {
      token: manager,
      raw: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('mounted beside the API', () => {
  it('printable QR batches carry signed tokens that resolve; only managers print them', async () => {
    const pdf = await fetch(`${s.url}/v1/staff/stores/001/tables/qr?format=pdf`, {
      headers: { authorization: `Bearer ${staff(s, 'manager')}` },
    });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const waiter = await call(s.url, 'GET', '/v1/staff/stores/001/tables/qr', { token: staff(s, 'waiter') });
    expect(waiter.status).toBe(403);
    const { token } = (await import('@lunchrush/stack/testing')).tableToken(s, 0);
    const landing = await call(s.url, 'GET', `/qr?t=${token}`);
    expect(landing.body).toMatchObject({ store: '001', tableToken: token });
  });

  it('the push socket takes staff tokens and seated diner sessions, and refuses anything else', async () => {
    const { WebSocket } = await import('ws');
    const welcome = (token: string): Promise<any> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}`);
        ws.once('message', (m: Buffer) => {
          resolve(JSON.parse(m.toString()));
          ws.close();
        });
        ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
        ws.once('error', reject);
      });
    expect(await welcome(staff(s, 'kitchen'))).toMatchObject({
      type: 'welcome',
      kind: 'staff',
      store: '001',
      role: 'kitchen',
    });
    const d = await seatedDiner(s, 33);
    expect(await welcome(d.token)).toMatchObject({ type: 'welcome', kind: 'diner', tableId: d.tableId });
    expect(await welcome('ds_forgedforgedforgedforgedforgedfo')).toEqual({ status: 401 });
  });

  it('serves the kitchen display and the table board', async () => {
    const r = await fetch(`${s.url}/screens/kitchen`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
