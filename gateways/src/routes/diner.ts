/**
 * What the mini-program calls: log in, scan a table, read the menu, share the
 * table's cart, quote, place (with an Idempotency-Key), pay, follow, cancel, urge,
 * ask for a refund and review. Every price comes from the catalog actor.
 */
import { gzipSync } from 'node:zlib';
import {
  ActorTypes,
  CATALOG_ACTOR_ID,
  ErrorCode as D,
  STORE_ACTOR_ID,
  orderIdFor,
  publicLines,
  storeOfOrderId,
  type OrderDetail,
  type Quote,
  type StoreView,
  type TableResult,
  type TableView,
} from '@lunchrush/actors';
import { EngineError } from '@lunchrush/engine';
import type { z } from 'zod';
import { randomText } from '../random.js';
import type { GatewayDeps } from '../deps.js';
import { GenerationCache } from '../generation-cache.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { JSON_CONTENT, route, type Reply, type RequestInfo, type Route } from '../http.js';
import { IDEMPOTENCY_KEY_RE, InFlight, bodyHash } from '../idempotency.js';
import type { MenuEntry } from '../menu.js';
import { maskPhone, seal } from '../pii.js';
import {
  AddLineBody,
  CancelBody,
  LineParams,
  LoginBody,
  OrderParams,
  PlaceOrderBody,
  QuoteBody,
  RefundBody,
  ReviewBody,
  ScanBody,
  StoreParams,
  TokenQuery,
  QrQuery,
  UpdateLineBody,
} from '../schemas.js';
import {
  CartLineAddedAnswer,
  LoginAnswer,
  MenuAnswer,
  OrderDetailAnswer,
  OrderListAnswer,
  OrderSummaryAnswer,
  PlacedOrderAnswer,
  PrepayAnswer,
  QrTableAnswer,
  QuoteAnswer,
  ScanAnswer,
  StockLevelsAnswer,
  TableRefAnswer,
  TableViewAnswer,
} from '../answers.js';
import { dinerIdOf, type DinerSession } from '../sessions.js';

const ORDER_ERRORS = [D.OrderNotFound, ErrorCode.NotYourOrder, D.InvalidTransition, D.Forbidden] as const;
const DINER_ERRORS = [ErrorCode.Unauthorized, ErrorCode.TokenExpired, ErrorCode.RateLimited] as const;
const LINE_ERRORS = [
  D.UnknownSku,
  D.ItemUnavailable,
  D.ChannelNotAllowed,
  D.OutsideAvailabilityWindow,
  D.InvalidOption,
] as const;
const INPUT_ERRORS = [
  ErrorCode.BadRequest,
  ErrorCode.ValidationFailed,
  ErrorCode.PayloadTooLarge,
  ErrorCode.UnsupportedMediaType,
] as const;

function session(req: RequestInfo): DinerSession {
  return req.diner!.session;
}

function seated(req: RequestInfo): { store: string; tableId: string; s: DinerSession } {
  const s = session(req);
  if (s.store === undefined || s.tableId === undefined)
    throw new HttpError(ErrorCode.NoTable, 'scan a table QR code first (POST /v1/diner/scan)');
  return { store: s.store, tableId: s.tableId, s };
}

function diner(s: DinerSession): { role: 'diner'; id: string } {
  return { role: 'diner', id: s.dinerId };
}

export interface OrderOwner {
  dinerId: string | null;
  tableId: string | null;
}

/**
 * Owners of orders this process placed or read, so acting on one's own order does not read it
 * first: an owner never changes once placed (a table move changes its table, which is why a
 * table-mate's access is checked against the order itself, not this copy).
 */
export class OwnerCache extends GenerationCache<string, OrderOwner> {}

/** The order's own diner, or a diner at its table. */
function mayFollow(s: DinerSession, o: OrderOwner): boolean {
  return o.dinerId === s.dinerId || (o.tableId !== null && o.tableId === s.tableId);
}

/**
 * The order, read from its actor and checked against the diner: theirs, or their table's. The
 * order's own state says whose it is (its diner and table), so nothing else is asked.
 */
async function readOwnOrder(
  deps: GatewayDeps,
  owners: OwnerCache,
  req: RequestInfo,
  orderId: string,
): Promise<{ store: string; order: OrderDetail }> {
  const store = storeOfOrderId(orderId);
  if (store === undefined) throw new HttpError(D.OrderNotFound, `no order ${orderId}`);
  const order = await deps.engine.send<OrderDetail>(store, ActorTypes.Order, orderId, { type: 'get' });
  owners.set(orderId, { dinerId: order.dinerId, tableId: order.tableId });
  if (!mayFollow(session(req), order)) throw new HttpError(ErrorCode.NotYourOrder, `order ${orderId} is not yours`);
  return { store, order };
}

/** The store of an order the diner may act on; the order is read only when this process does not know it. */
async function orderAccess(deps: GatewayDeps, owners: OwnerCache, req: RequestInfo, orderId: string): Promise<string> {
  const known = owners.get(orderId);
  const store = storeOfOrderId(orderId);
  if (known !== undefined && store !== undefined && known.dinerId === session(req).dinerId) return store;
  return (await readOwnOrder(deps, owners, req, orderId)).store;
}

// A menu's UTF-8 bytes, and the same gzipped, made once per cached entry: uWS would otherwise encode
// the ~29 KB string on every read, and gzip makes it ~4 KB on the wire (every diner's first read).
const MENU_BYTES = new WeakMap<MenuEntry, { plain: Buffer; gzip?: Buffer }>();
function menuBytes(m: MenuEntry, gzip: boolean): Buffer {
  let b = MENU_BYTES.get(m);
  if (b === undefined) MENU_BYTES.set(m, (b = { plain: Buffer.from(m.body, 'utf8') }));
  if (!gzip) return b.plain;
  return (b.gzip ??= gzipSync(b.plain));
}

/** Whether `Accept-Encoding` takes gzip (`gzip` or `*`, not with `q=0`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*' && coding !== 'x-gzip') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** If-None-Match matches `etag` (weak comparison, as RFC 9110 says for it). */
function notModified(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((x) => x.trim().replace(/^W\//, '') === etag);
}

export function dinerRoutes(deps: GatewayDeps): Route[] {
  const { engine, redis, prefix, cfg } = deps;
  const owners = new OwnerCache();
  const attempts = new InFlight();
  const dinerAuth = { auth: 'diner' as const };

  /** The placement (or its repeat) as the actors answer it; 422 when another request chose this order id. */
  const place = async (
    req: RequestInfo,
    body: z.output<typeof PlaceOrderBody>,
    key: string,
    at: number,
  ): Promise<OrderDetail> => {
    const s = session(req);
    const requestHash = bodyHash(body);
    // No command id (not even the client's own, `null`): a repeat must reach the actors, which know
    // whether it is one and what it asked, for as long as the order exists (the engine's window of
    // ids would answer a repeat with another body the first order, and forget the id after a
    // while); and the engine then neither remembers nor logs the answer (~1.5 KB an order).
    try {
      if ((body.channel ?? 'dine_in') === 'dine_in') {
        // Dine-in goes through the table, with the cart or with the lines given: the order
        // carries the table's label and session and shows on its board, and its store is the
        // table's own (a table of 001 never orders into 002's kitchen).
        const t = seated(req);
        if (body.store !== undefined && body.store !== t.store)
          throw new HttpError(
            D.TableNotInStore,
            `your table is in store ${t.store}, not ${body.store}: dine-in orders go to the table's store`,
            { details: { store: body.store, tableStore: t.store } },
          );
        const orderId = orderIdFor(t.store, s.dinerId, key);
        const r = await engine.send<TableResult>(
          t.store,
          ActorTypes.Table,
          t.tableId,
          {
            type: 'submit',
            orderId,
            dinerId: s.dinerId,
            ...(body.lines === undefined ? {} : { lines: body.lines }),
            requestHash,
            at,
          },
          null,
        );
        // A table actor of an older gateway answers a repeat without the order: read it.
        return 'order' in r
          ? r.order
          : {
              ...(await engine.send<OrderDetail>(t.store, ActorTypes.Order, orderId, { type: 'get' })),
              duplicate: true,
            };
      }
      // Takeaway and delivery: any store the diner names (lines are required by the schema).
      const store = body.store ?? s.store;
      if (store === undefined)
        throw new HttpError(ErrorCode.ValidationFailed, 'store is required when no table is scanned');
      const orderId = orderIdFor(store, s.dinerId, key);
      const order = await engine.send<OrderDetail>(
        store,
        ActorTypes.Order,
        orderId,
        {
          type: 'place',
          channel: body.channel,
          lines: body.lines,
          dinerId: s.dinerId,
          // The phone and address are sealed at rest; the engine keeps only a reference and the last four digits.
          ...(body.delivery === undefined
            ? {}
            : {
                delivery: {
                  address: `sealed ${orderId}`,
                  contact: `${body.delivery.contact.slice(0, 1)}*`,
                  phone: maskPhone(body.delivery.phone),
                },
              }),
          requestHash,
          at,
        },
        null,
      );
      if (body.delivery !== undefined) {
        // Written once the order holds this request (placed, or placed before by the same body), so a
        // request refused for another body never replaces the contact; a repeat writes it again.
        await redis.set(
          `${prefix}:pii:order:${orderId}`,
          seal(cfg.piiKeys, JSON.stringify(body.delivery), `order:${orderId}`),
          'EX',
          90 * 86_400,
        );
      }
      return order;
    } catch (e) {
      if (e instanceof EngineError && e.reason === D.IdempotencyConflict)
        throw new HttpError(ErrorCode.IdempotencyKeyReused, 'this Idempotency-Key was used with another body');
      throw e;
    }
  };

  const placeOrder = async (req: RequestInfo, body: z.output<typeof PlaceOrderBody>): Promise<Reply> => {
    const s = session(req);
    const key = req.headers['idempotency-key'];
    if (key === undefined || !IDEMPOTENCY_KEY_RE.test(key))
      throw new HttpError(
        ErrorCode.MissingIdempotencyKey,
        'an Idempotency-Key header (8–64 of A–Z a–z 0–9 _ -) is required',
      );
    if (!attempts.enter(s.dinerId, key))
      throw new HttpError(
        ErrorCode.IdempotencyInProgress,
        'the first request with this Idempotency-Key is still running',
        { retryAfterS: cfg.retryAfterS },
      );
    const at = Date.now();
    let order: OrderDetail;
    try {
      order = await place(req, body, key, at);
    } finally {
      attempts.leave(s.dinerId, key);
    }
    owners.set(order.orderId, { dinerId: order.dinerId, tableId: order.tableId });
    if (order.duplicate === true) {
      // The first answer again: the order as it is now, without the actors' repeat mark.
      const { duplicate: _, ...first } = order;
      return {
        status: 201,
        body: JSON.stringify({ order: first }),
        contentType: JSON_CONTENT,
        headers: { 'idempotent-replayed': 'true' },
      };
    }
    deps.orderLists.noteLocal(s.dinerId, order.orderId, at);
    return { status: 201, body: JSON.stringify({ order }), contentType: JSON_CONTENT };
  };

  const updateCartLine: Omit<Route<z.output<typeof LineParams>, unknown, z.output<typeof UpdateLineBody>>, 'method'> = {
    path: '/v1/diner/table/cart/{lineId}',
    tag: 'diner',
    summary: 'Change the quantity of a cart line (0 removes it)',
    response: TableViewAnswer,
    ...dinerAuth,
    params: LineParams,
    body: UpdateLineBody,
    errors: [...DINER_ERRORS, ...INPUT_ERRORS, ...ENGINE_ERRORS, ErrorCode.NoTable, D.NoSession, D.UnknownLine],
    async handle(req, { params, body }) {
      const t = seated(req);
      return {
        body: await engine.send<TableView>(t.store, ActorTypes.Table, t.tableId, {
          type: 'updateLine',
          lineId: params.lineId,
          qty: body.qty,
          at: Date.now(),
        }),
      };
    },
  };

  return [
    route({
      method: 'post',
      path: '/v1/diner/login',
      tag: 'diner',
      summary: 'Log in with a wx.login() code (WeChat code2session)',
      description:
        'Answers a signed session token (send it as a bearer token); it expires after expiresInS unless renewed: an answer to a request made with a token past half its life carries a renewed one in the Session-Token header. Rate-limited across every gateway (each attempt costs a code2session call).',
      auth: 'none',
      globalRateLimit: true,
      body: LoginBody,
      response: LoginAnswer,
      errors: [ErrorCode.LoginFailed, ErrorCode.Unavailable, ErrorCode.RateLimited, ...INPUT_ERRORS],
      async handle(_req, { body }: { body: z.output<typeof LoginBody> }) {
        const who = await deps.login.code2session(body.code);
        const { token, session: s } = deps.sessions.create(dinerIdOf(cfg.wechat.appId, who.openid), who.openid);
        return { body: { sessionToken: token, dinerId: s.dinerId, expiresInS: cfg.sessionTtlS } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/diner/logout',
      tag: 'diner',
      summary:
        'Log out: every token of this session (the login, the scans, the renewals) stops working on every gateway',
      description:
        'The session goes on a revocation list that every gateway process holds in memory (pushed over NATS, kept in Redis until its tokens would have expired); its tokens answer 401 from then on. Logging in again makes a new session.',
      ...dinerAuth,
      responseStatus: 204,
      errors: [...DINER_ERRORS],
      async handle(req) {
        req.diner!.renew = false;
        await deps.revocations.revokeSession(session(req).sessionId);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/v1/tables/resolve',
      response: TableRefAnswer,
      tag: 'diner',
      summary: 'What a table QR token names (store, area, table), without logging in',
      auth: 'none',
      query: TokenQuery,
      errors: [ErrorCode.InvalidQrToken, ErrorCode.QrKeyRetired, ErrorCode.RateLimited, ...INPUT_ERRORS],
      handle(_req, { query }: { query: z.output<typeof TokenQuery> }) {
        const t = deps.auth.verifyTableToken(query.token);
        return Promise.resolve({ body: { store: t.store, area: t.area, table: t.table, tableId: t.tableId } });
      },
    }),
    route({
      method: 'get',
      path: '/qr',
      response: QrTableAnswer,
      tag: 'diner',
      summary:
        "Where a printed table QR code points (`?t=<token>`): the table it names; the mini-program opens with this URL's query",
      auth: 'none',
      query: QrQuery,
      errors: [ErrorCode.InvalidQrToken, ErrorCode.QrKeyRetired, ErrorCode.RateLimited, ...INPUT_ERRORS],
      handle(_req, { query }: { query: z.output<typeof QrQuery> }) {
        const t = deps.auth.verifyTableToken(query.t);
        return Promise.resolve({
          body: { store: t.store, area: t.area, table: t.table, tableId: t.tableId, tableToken: query.t },
        });
      },
    }),
    route({
      method: 'post',
      path: '/v1/diner/scan',
      response: ScanAnswer,
      tag: 'diner',
      summary: 'Sit at the table of a scanned QR code: opens its session or joins the one open',
      description:
        'Answers a new session token (sessionToken, and the Session-Token header) that names the table: send it from then on. The token sent stays valid for what needs no table.',
      ...dinerAuth,
      body: ScanBody,
      errors: [
        ...DINER_ERRORS,
        ...INPUT_ERRORS,
        ...ENGINE_ERRORS,
        ErrorCode.InvalidQrToken,
        ErrorCode.QrKeyRetired,
        D.TableNotConfigured,
        D.TableNotReady,
        D.InvalidTableCode,
      ],
      async handle(req, { body }: { body: z.output<typeof ScanBody> }) {
        const t = deps.auth.verifyTableToken(body.tableToken);
        const s = session(req);
        const at = Date.now();
        const [table, store] = await Promise.all([
          engine.send<TableView>(t.store, ActorTypes.Table, t.tableId, {
            type: 'open',
            sessionId: `ts_${randomText(9, 'base64url')}`,
            partySize: body.partySize,
            dinerId: s.dinerId,
            at,
          }),
          engine.send<StoreView>(t.store, ActorTypes.Store, STORE_ACTOR_ID, { type: 'get', at }),
        ]);
        const tableId = table.mergedInto ?? t.tableId;
        // The same session, now seated: a new token names the table (the one sent stays valid, unseated).
        const seatedAt: Omit<DinerSession, 'expiresAt'> = {
          sessionId: s.sessionId,
          dinerId: s.dinerId,
          openid: s.openid,
          createdAt: s.createdAt,
          store: t.store,
          tableId,
          ...(table.sessionId === null ? {} : { tableSessionId: table.sessionId }),
        };
        const { token } = deps.sessions.issue(seatedAt);
        req.diner!.renew = false;
        return {
          body: {
            store: { storeId: t.store, name: store.name, status: store.status },
            table,
            menuUrl: `/v1/stores/${t.store}/menu`,
            sessionToken: token,
            expiresInS: cfg.sessionTtlS,
          },
          headers: { 'session-token': token },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/stores/{store}/menu',
      response: MenuAnswer,
      tag: 'diner',
      summary: 'The store menu (ETag; send If-None-Match for 304; gzip when Accept-Encoding allows)',
      description: 'Cached in-process and in Redis and invalidated by catalog events; cost prices are never included.',
      auth: 'none',
      params: StoreParams,
      headers: [{ name: 'If-None-Match', required: false, description: 'an ETag from an earlier answer' }],
      errors: [D.StoreNotConfigured, ErrorCode.RateLimited, ...INPUT_ERRORS, ...ENGINE_ERRORS],
      async handle(req, { params }: { params: z.output<typeof StoreParams> }) {
        const m = await deps.menu.get(params.store);
        if (notModified(req.headers['if-none-match'], m.etag))
          return { status: 304, headers: { etag: m.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' } };
        const gzip = acceptsGzip(req.headers['accept-encoding']);
        const headers: Record<string, string> = { etag: m.etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
        if (gzip) headers['content-encoding'] = 'gzip';
        return { body: menuBytes(m, gzip), contentType: JSON_CONTENT, headers };
      },
    }),
    route({
      method: 'get',
      path: '/v1/stores/{store}/stock',
      response: StockLevelsAnswer,
      tag: 'diner',
      summary: 'Stock level (ok/low/out) and remaining count of every SKU on the menu',
      auth: 'none',
      params: StoreParams,
      errors: [D.StoreNotConfigured, ErrorCode.RateLimited, ...INPUT_ERRORS, ...ENGINE_ERRORS],
      async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
        return { body: await deps.menu.stockLevels(params.store) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/diner/table',
      response: TableViewAnswer,
      tag: 'diner',
      summary: "The diner's table: status, party, shared cart, orders",
      ...dinerAuth,
      errors: [...DINER_ERRORS, ...ENGINE_ERRORS, ErrorCode.NoTable],
      async handle(req) {
        const t = seated(req);
        return { body: await engine.send<TableView>(t.store, ActorTypes.Table, t.tableId, { type: 'get' }) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/diner/table/cart',
      response: CartLineAddedAnswer,
      tag: 'diner',
      summary: "Add a line to the table's shared cart (every diner at the table sees it)",
      ...dinerAuth,
      body: AddLineBody,
      responseStatus: 201,
      errors: [
        ...DINER_ERRORS,
        ...INPUT_ERRORS,
        ...ENGINE_ERRORS,
        ...LINE_ERRORS,
        ErrorCode.NoTable,
        D.NoSession,
        D.IdempotencyConflict,
        D.InvalidCommand,
      ],
      async handle(req, { body }: { body: z.output<typeof AddLineBody> }) {
        const t = seated(req);
        const lineId = body.lineId ?? `${t.s.dinerId.slice(2, 10)}-${randomText(6, 'base64url')}`;
        const view = await engine.send<TableView>(t.store, ActorTypes.Table, t.tableId, {
          type: 'addLine',
          lineId,
          dinerId: t.s.dinerId,
          skuId: body.skuId,
          qty: body.qty,
          options: body.options,
          ...(body.note === undefined ? {} : { note: body.note }),
          at: Date.now(),
        });
        return { status: 201, body: { lineId, table: view } };
      },
    }),
    route({ method: 'patch', ...updateCartLine }),
    // wx.request cannot send PATCH: the mini-program uses PUT.
    route({ method: 'put', ...updateCartLine, summary: `${updateCartLine.summary} (PUT for clients without PATCH)` }),
    route({
      method: 'del',
      path: '/v1/diner/table/cart/{lineId}',
      response: TableViewAnswer,
      tag: 'diner',
      summary: 'Remove a cart line',
      ...dinerAuth,
      params: LineParams,
      errors: [...DINER_ERRORS, ...ENGINE_ERRORS, ErrorCode.NoTable, D.NoSession, D.UnknownLine],
      async handle(req, { params }: { params: z.output<typeof LineParams> }) {
        const t = seated(req);
        return {
          body: await engine.send<TableView>(t.store, ActorTypes.Table, t.tableId, {
            type: 'removeLine',
            lineId: params.lineId,
            at: Date.now(),
          }),
        };
      },
    }),
    route({
      method: 'post',
      path: '/v1/diner/quote',
      response: QuoteAnswer,
      tag: 'diner',
      summary: 'Server-computed totals for lines, or for the table cart when no lines are given',
      ...dinerAuth,
      body: QuoteBody,
      errors: [
        ...DINER_ERRORS,
        ...INPUT_ERRORS,
        ...ENGINE_ERRORS,
        ...LINE_ERRORS,
        ErrorCode.NoTable,
        D.EmptyCart,
        D.TableNotInStore,
      ],
      async handle(req, { body }: { body: z.output<typeof QuoteBody> }) {
        let lines = body.lines;
        const s = session(req);
        const store = body.store ?? s.store;
        if (store === undefined) throw new HttpError(ErrorCode.NoTable, 'scan a table, or name the store');
        if (lines === undefined) {
          const t = seated(req);
          if (store !== t.store)
            throw new HttpError(D.TableNotInStore, `your table's cart is in store ${t.store}, not ${store}`, {
              details: { store, tableStore: t.store },
            });
          const view = await engine.send<TableView>(t.store, ActorTypes.Table, t.tableId, { type: 'get' });
          if (view.cart.length === 0) throw new HttpError(D.EmptyCart, 'the table cart is empty');
          lines = view.cart.map((l) => ({
            skuId: l.skuId,
            qty: l.qty,
            options: [...l.options],
            ...(l.note === null ? {} : { note: l.note }),
          }));
        }
        const quote = await engine.send<Quote>(store, ActorTypes.Catalog, CATALOG_ACTOR_ID, {
          type: 'quote',
          channel: body.channel,
          lines,
          at: Date.now(),
        });
        // The catalog's quote carries costs for the order's events; a diner never sees them.
        return { body: { ...quote, lines: publicLines(quote.lines) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/diner/orders',
      response: PlacedOrderAnswer,
      tag: 'diner',
      summary: 'Place an order: the table cart (no lines) or the given lines; Idempotency-Key required',
      description:
        "A repeat with the same Idempotency-Key and body returns the order it placed, as it is now (header Idempotent-Replayed: true), for as long as the order exists; the same key with another body is 422. Use a new key for each new attempt. Prices come from the catalog only, and a body with any key beyond `lines`, `channel`, `store` and `delivery` (a price, a misspelt `lins`) is refused with 400 validation_failed naming it. Dine-in orders (the default channel) go to the table the diner scanned: with `lines` those lines, without them the shared cart; a `store` other than the table's is 422 table_not_in_store.",
      ...dinerAuth,
      body: PlaceOrderBody,
      headers: [
        { name: 'Idempotency-Key', required: true, description: '8–64 of A–Z a–z 0–9 _ -, new for each order attempt' },
      ],
      responseStatus: 201,
      errors: [
        ...DINER_ERRORS,
        ...INPUT_ERRORS,
        ...ENGINE_ERRORS,
        ...LINE_ERRORS,
        ErrorCode.MissingIdempotencyKey,
        ErrorCode.IdempotencyKeyReused,
        ErrorCode.IdempotencyInProgress,
        ErrorCode.NoTable,
        D.TableNotInStore,
        D.SoldOut,
        D.StoreClosed,
        D.StoreNotConfigured,
        D.EmptyCart,
        D.NoSession,
        D.IdempotencyConflict,
        D.InvalidCommand,
      ],
      async handle(req, { body }: { body: z.output<typeof PlaceOrderBody> }) {
        return placeOrder(req, body);
      },
    }),
    route({
      method: 'get',
      path: '/v1/diner/orders',
      response: OrderListAnswer,
      tag: 'diner',
      summary: "The diner's recent orders (newest first)",
      description:
        'Built from the event log by a consumer beside the gateways: an order placed through another gateway process may show a moment (milliseconds when they keep up) after it was placed; one placed through this process shows at once.',
      ...dinerAuth,
      errors: [...DINER_ERRORS, ...ENGINE_ERRORS],
      async handle(req) {
        // A projection of the event log: an order placed through another gateway shows a moment later.
        const ids = await deps.orderLists.recent(session(req).dinerId, 20);
        const orders = await Promise.all(
          ids.map((id) =>
            engine.send<OrderDetail>(storeOfOrderId(id)!, ActorTypes.Order, id, { type: 'get' }).catch(() => null),
          ),
        );
        return { body: { orders: orders.filter((o) => o !== null) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/diner/orders/{orderId}',
      response: OrderDetailAnswer,
      tag: 'diner',
      summary: 'An order: status, priced lines, stations, refunds',
      ...dinerAuth,
      params: OrderParams,
      errors: [...DINER_ERRORS, ...ENGINE_ERRORS, ...ORDER_ERRORS, ErrorCode.ValidationFailed],
      async handle(req, { params }: { params: z.output<typeof OrderParams> }) {
        return { body: (await readOwnOrder(deps, owners, req, params.orderId)).order };
      },
    }),
    route({
      method: 'post',
      path: '/v1/diner/orders/{orderId}/pay',
      response: PrepayAnswer,
      tag: 'diner',
      summary: 'Prepay: the parameters for wx.requestPayment (the simulator in development)',
      ...dinerAuth,
      params: OrderParams,
      errors: [
        ...DINER_ERRORS,
        ...ENGINE_ERRORS,
        ...ORDER_ERRORS,
        ErrorCode.PaymentProviderError,
        ErrorCode.ValidationFailed,
      ],
      async handle(req, { params }: { params: z.output<typeof OrderParams> }) {
        const { store, order } = await readOwnOrder(deps, owners, req, params.orderId);
        if (order.status !== 'pending_payment')
          throw new HttpError(D.InvalidTransition, `order ${order.orderId} is ${order.status}, not awaiting payment`, {
            details: { status: order.status },
          });
        const p = await deps.payments.prepay(order, store, session(req).openid);
        return {
          body: {
            orderId: order.orderId,
            amountFen: order.totalFen,
            deadline: order.deadline,
            provider: deps.payments.provider.name,
            prepayId: p.prepayId,
            requestPayment: p.requestPayment,
            ...(deps.simulator === undefined
              ? {}
              : { simulator: { payUrl: '/v1/simulator/wechatpay/pay', body: { prepayId: p.prepayId } } }),
          },
        };
      },
    }),
    ...(
      [
        ['cancel', 'Cancel an order (unpaid: stock released; paid, before acceptance: refunded in full)', CancelBody],
        ['urge', 'Urge the kitchen (催单), once per 5 minutes', undefined],
        [
          'refunds',
          'Ask for a refund, full or per line; the refund rules decide if it is approved at once',
          RefundBody,
        ],
        ['review', 'Review a served order', ReviewBody],
      ] as const
    ).map(([action, summary, schema]) =>
      route({
        method: 'post',
        path: `/v1/diner/orders/{orderId}/${action}`,
        response: OrderSummaryAnswer,
        tag: 'diner',
        summary,
        ...dinerAuth,
        params: OrderParams,
        ...(schema === undefined ? {} : { body: schema }),
        errors: [
          ...DINER_ERRORS,
          ...INPUT_ERRORS,
          ...ENGINE_ERRORS,
          ...ORDER_ERRORS,
          ...(action === 'urge' ? [D.UrgeTooSoon] : []),
          ...(action === 'refunds' ? [D.RefundNotAllowed, D.RefundInProgress, D.NothingToRefund, D.UnknownLine] : []),
        ],
        async handle(req: RequestInfo, { params, body }: { params: z.output<typeof OrderParams>; body: any }) {
          const store = await orderAccess(deps, owners, req, params.orderId);
          const s = session(req);
          const at = Date.now();
          const by = diner(s);
          const command =
            action === 'cancel'
              ? { type: 'cancel', by, ...(body?.reason === undefined ? {} : { reason: body.reason }), at }
              : action === 'urge'
                ? { type: 'urge', by, at }
                : action === 'review'
                  ? {
                      type: 'review',
                      rating: body.rating,
                      ...(body.comment === undefined ? {} : { comment: body.comment }),
                      at,
                    }
                  : {
                      type: 'requestRefund',
                      refundId: body.refundId ?? `r${randomText(8, 'base64url')}`,
                      ...(body.lines === undefined ? {} : { lines: body.lines }),
                      reason: body.reason,
                      by,
                      at,
                    };
          return { body: await engine.send(store, ActorTypes.Order, params.orderId, command) };
        },
      }),
    ),
  ];
}
