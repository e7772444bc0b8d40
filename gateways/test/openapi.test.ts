/**
 * `/openapi.json` as a client's author uses it: it validates as OpenAPI 3, a client
 * generated from it (openapi-typescript) type-checks placing, paying and following an
 * order, and the answers the gateway really sends are what it documents (each parsed
 * with the route's own answer schema, and nothing sent that the schema does not list).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ErrorBody, answerMedia } from '../src/answers.js';
import type { Method } from '../src/http.js';
import {
  call,
  idemKey,
  signed,
  staff,
  startStack,
  tableToken,
  type Answer,
  type Stack,
} from '@lunchrush/stack/testing';
import type { Login, Menu, OpenApiDocument, OrderDetail, Placed, Prepay, Quote, Scan, SimPay } from './answers.js';

// Outside the repository: the type check of the repository must not see these files.
const OUT = mkdtempSync(join(tmpdir(), 'lunchrush-openapi-client-'));

let s: Stack;
let doc: OpenApiDocument;
beforeAll(async () => {
  s = await startStack({ WECHATPAY_MODE: 'simulator' });
  const r = await call<OpenApiDocument>(s.url, 'GET', '/openapi.json');
  expect(r.status).toBe(200);
  doc = r.body;
});
afterAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await s?.close();
});

// ---------------------------------------------------------------- the document and a generated client

/** What a mini-program author writes against the generated types: order, pay, follow. */
const CLIENT = `import type { components, paths } from './api.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Place = paths['/v1/diner/orders']['post'];
type PlaceBody = Json<NonNullable<Place['requestBody']>>;
type Placed = Json<Place['responses'][201]>;
type Refused = Json<Place['responses'][409]>;
type Pay = paths['/v1/diner/orders/{orderId}/pay']['post'];
type Prepay = Json<Pay['responses'][200]>;
type Get = paths['/v1/diner/orders/{orderId}']['get'];
type Order = Json<Get['responses'][200]>;

/** The app's fetch wrapper: only its types matter here. */
declare function request<T>(
  method: 'GET' | 'POST',
  path: string,
  init: { token: string; body?: unknown; headers?: Record<string, string> },
): Promise<T>;
declare function requestPayment(params: {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}): Promise<void>;

export function soldOut(e: Refused): boolean {
  return e.code === 'sold_out';
}

export async function orderPayFollow(token: string): Promise<components['schemas']['OrderStatus']> {
  const body: PlaceBody = {
    channel: 'takeaway',
    store: '001',
    lines: [{ skuId: 'mapo-doufu', qty: 1, options: [{ group: 'spice', choice: 'hot' }], note: '少放盐' }],
  };
  const placed = await request<Placed>('POST', '/v1/diner/orders', {
    token,
    body,
    headers: { 'Idempotency-Key': 'order-0001' },
  });
  const orderId: string = placed.order.orderId;
  const toPay: number = placed.order.totalFen;
  const dish: string | undefined = placed.order.lines[0]?.name;
  if (placed.order.status !== 'pending_payment') return placed.order.status;

  const pay = await request<Prepay>('POST', \`/v1/diner/orders/\${orderId}/pay\`, { token });
  const amount: number = pay.amountFen;
  const deadline: number = pay.deadline;
  await requestPayment(pay.requestPayment);
  const simulated: string | undefined = pay.simulator?.body.prepayId;

  const order: Order = await request<Order>('GET', \`/v1/diner/orders/\${orderId}\`, { token });
  const paid: number = order.paidFen;
  const tableId: string | null = order.tableId;
  const stations: string[] = order.stations.map((x) => x.station + ':' + x.state);
  void [toPay, dish, amount, deadline, simulated, paid, tableId, stations];
  return order.status;
}
`;

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts'],
  types: [],
  skipLibCheck: true,
};

// The standard library's files, parsed once for every program of this file.
const libFiles = new Map<string, ts.SourceFile | undefined>();

/** Writes the generated types and the client into `dir` and type-checks them: the compiler's messages. */
function typecheck(dir: string, api: string): string[] {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'api.d.ts'), api);
  writeFileSync(join(dir, 'client.ts'), CLIENT);
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const host = ts.createCompilerHost(OPTIONS);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, fresh) => {
    if (name.startsWith(dir)) return read(name, lang, onError, fresh);
    if (!libFiles.has(name)) libFiles.set(name, read(name, lang, onError, fresh));
    return libFiles.get(name);
  };
  const program = ts.createProgram([join(dir, 'client.ts')], OPTIONS, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) =>
      [
        d.file === undefined ? '' : `${d.file.fileName.slice(dir.length + 1)}: `,
        ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      ].join(''),
    );
}

/** A copy of the document as served, for a tool that takes it as its own OpenAPI type (it may change it). */
const served = <T>(document: OpenApiDocument): T => structuredClone(document) as unknown as T;

const generate = async (document: OpenApiDocument): Promise<string> =>
  astToString(await openapiTS(served<OpenAPI3>(document)));

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3 and gives every route a real answer schema', async () => {
    const r = await validate(served<Parameters<typeof validate>[0]>(doc));
    expect(r.valid ? [] : r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    for (const route of s.gw.routes) {
      const status = route.responseStatus ?? 200;
      const op = doc.paths[route.path]![route.method === 'del' ? 'delete' : route.method]!;
      if (status === 204) {
        expect(op.responses['204']!.content, `${route.method} ${route.path}`).toBeUndefined();
        continue;
      }
      expect(route.response, `${route.method} ${route.path} documents its answer`).toBeDefined();
      for (const [type, media] of Object.entries(op.responses[String(status)]!.content!))
        expect(media.schema, `${route.method} ${route.path} ${type}`).not.toEqual({ type: 'object' });
    }
    // Diners never see costs, not even in the documents.
    for (const name of ['OrderDetail', 'PricedLine', 'Quote', 'MenuSku', 'PlacedOrder'])
      expect(JSON.stringify(doc.components.schemas[name]), name).not.toContain('cost');
  });

  it('generates a client that type-checks placing, paying and following an order', async () => {
    expect(typecheck(join(OUT, 'live'), await generate(doc))).toEqual([]);
  });

  it('that client stops type-checking when the order answer loses orderId or status', async () => {
    for (const field of ['orderId', 'status']) {
      const broken = structuredClone(doc);
      const order = broken.components.schemas.OrderDetail!;
      delete order.properties![field];
      order.required = order.required!.filter((x) => x !== field);
      const errors = typecheck(join(OUT, `without-${field}`), await generate(broken));
      expect(errors.join('\n')).toContain(`Property '${field}' does not exist`);
    }
  });
});

// ---------------------------------------------------------------- real answers against their schemas

/** The answer schema the route table documents for `method path` (JSON, or the given media type). */
function documented(method: Method, path: string, type = 'application/json'): z.ZodType {
  const route = s.gw.routes.find((r) => r.method === method && r.path === path);
  expect(route?.response, `${method} ${path} documents its answer`).toBeDefined();
  return answerMedia(route!.response!)[type]!;
}

/**
 * The answer has the documented status, parses with the documented schema, and has nothing
 * the schema does not list (an object schema drops unknown keys, so the parsed copy would differ).
 */
function expectDocumented<T>(method: Method, path: string, r: Answer<T>): Answer<T>['body'] {
  const route = s.gw.routes.find((x) => x.method === method && x.path === path)!;
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(route.responseStatus ?? 200);
  const parsed = documented(method, path).safeParse(r.body);
  expect(parsed.success ? [] : parsed.error.issues, `${method} ${path}`).toEqual([]);
  expect(parsed.data, `${method} ${path} sends only what it documents`).toEqual(r.body);
  return r.body;
}

type CartLine = { skuId: string; qty: number; options?: { group: string; choice: string }[]; note?: string };

/** A diner logs in, resolves table 3's QR code and scans it: the session token that names the table. */
async function seatDiner(): Promise<string> {
  const login0 = await call<Login>(s.url, 'POST', '/v1/diner/login', { body: { code: `answers-${process.pid}-1` } });
  const unseated: string = expectDocumented('post', '/v1/diner/login', login0).sessionToken;
  const t = tableToken(s, 3);
  expectDocumented('get', '/v1/tables/resolve', await call(s.url, 'GET', `/v1/tables/resolve?token=${t.token}`));
  expectDocumented('get', '/qr', await call(s.url, 'GET', `/qr?t=${t.token}`));
  // The scan answers the token that names the table: the diner sends it from then on.
  const token: string = expectDocumented(
    'post',
    '/v1/diner/scan',
    await call<Scan>(s.url, 'POST', '/v1/diner/scan', {
      token: unseated,
      body: { tableToken: t.token, partySize: 2 },
    }),
  ).sessionToken;
  return token;
}

/** The menu and stock anyone reads; no cost price in the menu. */
async function readMenu(): Promise<void> {
  const menu = expectDocumented(
    'get',
    '/v1/stores/{store}/menu',
    await call<Menu>(s.url, 'GET', '/v1/stores/001/menu'),
  );
  expect(JSON.stringify(menu)).not.toContain('costFen');
  expectDocumented('get', '/v1/stores/{store}/stock', await call(s.url, 'GET', '/v1/stores/001/stock'));
}

/** Two lines in the table's cart, one changed; the table and quotes read back. */
async function fillCart(token: string, line: CartLine): Promise<void> {
  expectDocumented(
    'post',
    '/v1/diner/table/cart',
    await call(s.url, 'POST', '/v1/diner/table/cart', { token, body: { lineId: 'ans-1', ...line } }),
  );
  expectDocumented(
    'post',
    '/v1/diner/table/cart',
    await call(s.url, 'POST', '/v1/diner/table/cart', { token, body: { lineId: 'ans-2', skuId: 'mifan-s', qty: 1 } }),
  );
  expectDocumented(
    'patch',
    '/v1/diner/table/cart/{lineId}',
    await call(s.url, 'PATCH', '/v1/diner/table/cart/ans-2', { token, body: { qty: 2 } }),
  );
  expectDocumented('get', '/v1/diner/table', await call(s.url, 'GET', '/v1/diner/table', { token }));
  const cartQuote = expectDocumented(
    'post',
    '/v1/diner/quote',
    await call<Quote>(s.url, 'POST', '/v1/diner/quote', { token, body: {} }),
  );
  expect(JSON.stringify(cartQuote)).not.toContain('costFen');
  expectDocumented(
    'post',
    '/v1/diner/quote',
    await call(s.url, 'POST', '/v1/diner/quote', { token, body: { channel: 'takeaway', lines: [line] } }),
  );
}

/** The cart ordered to eat in and paid; a takeaway order placed and cancelled. The paid order's id. */
async function orderAndPay(token: string, line: CartLine): Promise<string> {
  const dineIn = expectDocumented(
    'post',
    '/v1/diner/orders',
    await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token,
      body: {},
      headers: { 'idempotency-key': idemKey() },
    }),
  );
  const takeaway = expectDocumented(
    'post',
    '/v1/diner/orders',
    await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token,
      body: { channel: 'takeaway', store: '001', lines: [line] },
      headers: { 'idempotency-key': idemKey() },
    }),
  );
  expect(JSON.stringify(takeaway)).not.toContain('costFen');
  const orderId = dineIn.order.orderId;
  const pay = expectDocumented(
    'post',
    '/v1/diner/orders/{orderId}/pay',
    await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token }),
  );
  const paid = expectDocumented(
    'post',
    '/v1/simulator/wechatpay/pay',
    await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.prepayId } }),
  );
  expect(paid).toMatchObject({ orderId, callbackStatus: 204 });
  const status = expectDocumented(
    'get',
    '/v1/diner/orders/{orderId}',
    await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token }),
  );
  expect(status).toMatchObject({ orderId, status: 'paid' });
  expectDocumented('get', '/v1/diner/orders', await call(s.url, 'GET', '/v1/diner/orders', { token }));
  expectDocumented(
    'post',
    '/v1/diner/orders/{orderId}/cancel',
    await call(s.url, 'POST', `/v1/diner/orders/${takeaway.order.orderId}/cancel`, { token, body: {} }),
  );
  return orderId;
}

/** Staff accept the paid order, read it and the board. */
async function staffTakeOn(orderId: string): Promise<void> {
  const waiter = staff(s, 'waiter');
  const base = `/v1/staff/stores/001/orders/${orderId}`;
  expectDocumented(
    'post',
    '/v1/staff/stores/{store}/orders/{orderId}/accept',
    await call(s.url, 'POST', `${base}/accept`, { token: waiter }),
  );
  expectDocumented(
    'get',
    '/v1/staff/stores/{store}/orders/{orderId}',
    await call(s.url, 'GET', base, { token: waiter }),
  );
  expectDocumented(
    'get',
    '/v1/staff/stores/{store}/board',
    await call(s.url, 'GET', '/v1/staff/stores/001/board', { token: waiter }),
  );
}

describe('real answers are what the document says', () => {
  it('a diner: login, table, menu, cart, quote, order, pay, status', async () => {
    const token = await seatDiner();
    await readMenu();
    const line = { skuId: 'mapo-doufu', qty: 2, options: [{ group: 'spice', choice: 'hot' }], note: '少放盐' };
    await fillCart(token, line);
    // The table's cart becomes a dine-in order; then a takeaway order of given lines.
    const orderId = await orderAndPay(token, line);
    // Staff take the paid order on.
    await staffTakeOn(orderId);

    // A refusal is an Error with its code.
    const unknown = await call(s.url, 'POST', '/v1/diner/quote', {
      token,
      body: { lines: [{ skuId: 'no-such-dish', qty: 1 }] },
    });
    expect(unknown.status).toBe(422);
    expect(ErrorBody.parse(unknown.body)).toEqual(unknown.body);
  });

  it('staff stock and catalog, POS and delivery sales, system routes', async () => {
    const kitchen = staff(s, 'kitchen');
    expectDocumented(
      'get',
      '/v1/staff/stores/{store}/stock/{skuId}',
      await call(s.url, 'GET', '/v1/staff/stores/001/stock/wanglaoji', { token: kitchen }),
    );
    expectDocumented(
      'post',
      '/v1/staff/stores/{store}/stock/{skuId}/restock',
      await call(s.url, 'POST', '/v1/staff/stores/001/stock/wanglaoji/restock', { token: kitchen, body: { qty: 5 } }),
    );
    const exported = await call(s.url, 'GET', '/v1/staff/stores/001/catalog?format=json', {
      token: staff(s, 'manager'),
    });
    expect(exported.status).toBe(200);
    const catalog = documented('get', '/v1/staff/stores/{store}/catalog').safeParse(exported.body);
    expect(catalog.success ? [] : catalog.error.issues).toEqual([]);
    expect(catalog.data).toEqual(exported.body);

    const sale = signed(s.cfg.posSecret, {
      saleId: `ans-${process.pid}-${Date.now()}`,
      lines: [{ skuId: 'wanglaoji', qty: 1 }],
    });
    expectDocumented(
      'post',
      '/v1/channels/pos/{store}/sales',
      await call(s.url, 'POST', '/v1/channels/pos/001/sales', { raw: sale.raw, headers: sale.headers }),
    );
    const multi = signed(s.cfg.posSecret, {
      saleId: `ans-m-${process.pid}-${Date.now()}`,
      lines: [
        { skuId: 'wanglaoji', qty: 1 },
        { skuId: 'mifan-s', qty: 1 },
      ],
    });
    expectDocumented(
      'post',
      '/v1/channels/pos/{store}/sales',
      await call(s.url, 'POST', '/v1/channels/pos/001/sales', { raw: multi.raw, headers: multi.headers }),
    );
    const delivery = signed(s.cfg.deliverySecret, {
      platform: 'meituan',
      platformOrderId: `ans-${process.pid}-${Date.now()}`,
      lines: [{ skuId: 'wanglaoji', qty: 1 }],
    });
    expectDocumented(
      'post',
      '/v1/channels/delivery/{store}/orders',
      await call(s.url, 'POST', '/v1/channels/delivery/001/orders', { raw: delivery.raw, headers: delivery.headers }),
    );

    expectDocumented('get', '/healthz', await call(s.url, 'GET', '/healthz'));
    expectDocumented('get', '/readyz', await call(s.url, 'GET', '/readyz'));
  });
});
