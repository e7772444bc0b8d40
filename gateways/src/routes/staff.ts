/**
 * Staff endpoints, under `/v1/staff/stores/{store}/…`, for a staff token of that
 * store. Who may call each is the actors' table of staff permissions
 * (`STAFF_PERMISSIONS`, actors/src/staff-rules.ts), and the order actions (accept,
 * start, bump, serve) are the same commands a kitchen display sends on its socket
 * (`staffOrderCommand`).
 */
import { randomText } from '../random.js';
import {
  ActorTypes,
  CATALOG_ACTOR_ID,
  ErrorCode as D,
  STORE_ACTOR_ID,
  catalogToCsv,
  catalogToJson,
  parseCatalogCsv,
  parseCatalogJson,
  parseTableCode,
  staffOrderCommand,
  STAFF_PERMISSIONS as MAY,
  type Actor,
  type CatalogDoc,
  type OrderDetail,
  type StoreView,
  type TableView,
} from '@lunchrush/actors';
import type { z } from 'zod';
import { staffActor } from '../auth.js';
import {
  BoardAnswer,
  CatalogExportAnswer,
  CatalogImportedAnswer,
  OrderSummaryAnswer,
  QrSheetAnswer,
  StaffOrderDetailAnswer,
  StockResultAnswer,
  StockViewAnswer,
  TableViewAnswer,
} from '../answers.js';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type RequestInfo, type Route } from '../http.js';
import { unseal } from '../pii.js';
import { QrBatchError, renderQrBatch, tableQrUrl } from '../qr/index.js';
import { signTableToken } from '../tokens.js';
import {
  CloseTableBody,
  ConfigureTableBody,
  EightySixBody,
  ExportQuery,
  QrBatchQuery,
  MergeBody,
  OpenTableBody,
  RefundBody,
  RefundParams,
  RejectRefundBody,
  RestockBody,
  StationParams,
  StockSetBody,
  StoreOrderParams,
  StoreParams,
  StoreSkuParams,
  StoreTableParams,
  TransferBody,
  CancelBody,
} from '../schemas.js';
import type { StaffRole } from '../tokens.js';

const STAFF_ERRORS = [
  ErrorCode.Unauthorized,
  ErrorCode.TokenExpired,
  ErrorCode.RoleForbidden,
  ErrorCode.StoreForbidden,
  ErrorCode.ValidationFailed,
  ErrorCode.RateLimited,
] as const;
const BODY_ERRORS = [ErrorCode.BadRequest, ErrorCode.PayloadTooLarge, ErrorCode.UnsupportedMediaType] as const;

/** The Redis set of a store's table ids (filled by configuring tables and by the demo seed). */
export const tablesKey = (prefix: string, store: string): string => `${prefix}:tables:${store}`;

export function staffRoutes(deps: GatewayDeps): Route[] {
  const { engine, redis, prefix, cfg } = deps;
  const base = '/v1/staff/stores/{store}';
  const by = (req: RequestInfo): Actor => staffActor(req.staff!);

  const tableAction = (
    action: 'open' | 'close' | 'cleaned' | 'merge' | 'transfer',
    summary: string,
    body: z.ZodType | undefined,
    extraErrors: readonly string[],
  ): Route =>
    route({
      method: 'post',
      path: `${base}/tables/{tableId}/${action}`,
      response: TableViewAnswer,
      tag: 'staff',
      summary,
      auth: 'staff',
      roles: MAY.tables,
      params: StoreTableParams,
      ...(body === undefined ? {} : { body }),
      errors: [
        ...STAFF_ERRORS,
        ...BODY_ERRORS,
        ...ENGINE_ERRORS,
        D.TableNotConfigured,
        D.InvalidTableCode,
        ...extraErrors,
      ],
      async handle(req, { params, body: b }: { params: z.output<typeof StoreTableParams>; body: any }) {
        const at = Date.now();
        const command =
          action === 'open'
            ? {
                type: 'open',
                sessionId: `ts_${randomText(9, 'base64url')}`,
                partySize: b.partySize,
                dinerId: `staff:${req.staff!.staffId}`,
                at,
              }
            : action === 'close'
              ? { type: 'close', by: by(req), force: b?.force ?? false, at }
              : action === 'cleaned'
                ? { type: 'cleaned', at }
                : action === 'merge'
                  ? { type: 'merge', intoTableId: b.intoTableId, at }
                  : { type: 'transfer', toTableId: b.toTableId, at };
        return { body: await engine.send<TableView>(params.store, ActorTypes.Table, params.tableId, command) };
      },
    });

  const orderAction = (
    path: string,
    summary: string,
    roles: readonly StaffRole[],
    params: z.ZodObject,
    body: z.ZodType | undefined,
    extraErrors: readonly string[],
    command: (req: RequestInfo, p: any, b: any, at: number) => Record<string, unknown>,
  ): Route =>
    route({
      method: 'post',
      path: `${base}/orders/{orderId}${path}`,
      response: OrderSummaryAnswer,
      tag: 'staff',
      summary,
      auth: 'staff',
      roles,
      params,
      ...(body === undefined ? {} : { body }),
      errors: [
        ...STAFF_ERRORS,
        ...BODY_ERRORS,
        ...ENGINE_ERRORS,
        D.OrderNotFound,
        D.InvalidTransition,
        D.Forbidden,
        ...extraErrors,
      ],
      async handle(req, { params: p, body: b }: { params: any; body: any }) {
        return { body: await engine.send(p.store, ActorTypes.Order, p.orderId, command(req, p, b, Date.now())) };
      },
    });

  const stockAction = (action: 'set' | 'restock' | '86', summary: string, body: z.ZodType): Route =>
    route({
      method: 'post',
      path: `${base}/stock/{skuId}/${action}`,
      response: StockResultAnswer,
      tag: 'staff',
      summary,
      auth: 'staff',
      roles: MAY.stock,
      params: StoreSkuParams,
      body,
      errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, D.InvalidCommand],
      async handle(req, { params, body: b }: { params: z.output<typeof StoreSkuParams>; body: any }) {
        const at = Date.now();
        const who = `${req.staff!.role}:${req.staff!.staffId}`;
        const command =
          action === 'set'
            ? { type: 'set', available: b.available, reason: b.reason ?? `stocktake by ${who}`, at }
            : action === 'restock'
              ? { type: 'restock', qty: b.qty, at }
              : { type: 'set86', on: b.on, reason: b.reason ?? `86 by ${who}`, at };
        return { body: await engine.send(params.store, ActorTypes.Stock, params.skuId, command) };
      },
    });

  return [
    route({
      method: 'get',
      path: `${base}/board`,
      response: BoardAnswer,
      tag: 'staff',
      summary: 'The table board: store load and every table with its status, party, cart and orders',
      auth: 'staff',
      roles: MAY.view,
      params: StoreParams,
      errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
      async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
        const ids = (await redis.smembers(tablesKey(prefix, params.store))).sort();
        const at = Date.now();
        const [store, ...tables] = await Promise.all([
          engine.send<StoreView>(params.store, ActorTypes.Store, STORE_ACTOR_ID, { type: 'get', at }),
          ...ids.map((id) => engine.send<TableView>(params.store, ActorTypes.Table, id, { type: 'get' })),
        ]);
        return { body: { store, tables, at } };
      },
    }),
    route({
      method: 'put',
      path: `${base}/tables/{tableId}`,
      response: TableViewAnswer,
      tag: 'staff',
      summary: 'Set up a table (label, area name, seats); its id is its 13-digit table code',
      auth: 'staff',
      roles: MAY.setup,
      params: StoreTableParams,
      body: ConfigureTableBody,
      errors: [...STAFF_ERRORS, ...BODY_ERRORS, ...ENGINE_ERRORS, D.InvalidTableCode],
      async handle(
        _req,
        { params, body }: { params: z.output<typeof StoreTableParams>; body: z.output<typeof ConfigureTableBody> },
      ) {
        let code;
        try {
          code = parseTableCode(params.tableId);
        } catch (e) {
          throw new HttpError(D.InvalidTableCode, (e as Error).message);
        }
        if (code.store !== params.store)
          throw new HttpError(D.InvalidTableCode, `table ${params.tableId} is not in store ${params.store}`);
        const view = await engine.send<TableView>(params.store, ActorTypes.Table, params.tableId, {
          type: 'configure',
          config: body,
          at: Date.now(),
        });
        await redis.sadd(tablesKey(prefix, params.store), params.tableId);
        return { body: view };
      },
    }),
    route({
      method: 'get',
      path: `${base}/tables/qr`,
      response: QrSheetAnswer,
      tag: 'staff',
      summary: "Printable table QR codes of the store's tables (PNG sheet or PDF), signed with the current QR key",
      description:
        'Each code carries `<public URL>/qr?t=<signed table token>`; reprint after rotating GATEWAY_QR_KEYS. Rendered on a worker pool.',
      auth: 'staff',
      roles: MAY.setup,
      params: StoreParams,
      query: QrBatchQuery,
      errors: [...STAFF_ERRORS, ...ENGINE_ERRORS, D.TableNotConfigured],
      async handle(
        _req,
        { params, query }: { params: z.output<typeof StoreParams>; query: z.output<typeof QrBatchQuery> },
      ) {
        const ids = (await redis.smembers(tablesKey(prefix, params.store))).sort();
        if (ids.length === 0) throw new HttpError(D.TableNotConfigured, `store ${params.store} has no tables set up`);
        const at = Date.now();
        const [store, ...views] = await Promise.all([
          engine.send<StoreView>(params.store, ActorTypes.Store, STORE_ACTOR_ID, { type: 'get', at }),
          ...ids.map((id) => engine.send<TableView>(params.store, ActorTypes.Table, id, { type: 'get' })),
        ]);
        const tables = views.map((v) => {
          const code = parseTableCode(v.tableId);
          return {
            label: v.label === '' ? v.tableId : v.label,
            url: tableQrUrl(`${deps.publicUrl()}/qr`, signTableToken(cfg.qrKeys, code)),
            caption: `${code.store}-${code.area}-${code.table}-${code.check}`,
          };
        });
        let file: Buffer;
        try {
          file = await renderQrBatch({
            tables,
            format: query.format,
            title: store.name,
            ...(query.perPage === undefined ? {} : { perPage: query.perPage }),
          });
        } catch (e) {
          if (e instanceof QrBatchError) throw new HttpError(ErrorCode.ValidationFailed, e.message);
          throw e;
        }
        return {
          body: file,
          contentType: query.format === 'png' ? 'image/png' : 'application/pdf',
          headers: { 'content-disposition': `attachment; filename="tables-${params.store}.${query.format}"` },
        };
      },
    }),
    tableAction('open', 'Seat a party at a table', OpenTableBody, [D.TableNotReady]),
    tableAction('close', 'The party leaves (force: even with unpaid orders)', CloseTableBody, [
      D.UnpaidOrders,
      D.TableMerged,
      D.NoSession,
    ]),
    tableAction('cleaned', 'The table is clean and free again', undefined, [D.InvalidTransition]),
    tableAction('merge', "Merge this table's party into another table's session", MergeBody, [
      D.TableMerged,
      D.TableNotReady,
      D.NoSession,
      D.InvalidCommand,
    ]),
    tableAction('transfer', 'Move the whole session to a free table', TransferBody, [
      D.TableOccupied,
      D.TableMerged,
      D.NoSession,
    ]),
    route({
      method: 'get',
      path: `${base}/orders/{orderId}`,
      response: StaffOrderDetailAnswer,
      tag: 'staff',
      summary: 'An order, with the delivery contact decrypted for staff',
      auth: 'staff',
      roles: MAY.view,
      params: StoreOrderParams,
      errors: [...STAFF_ERRORS, ...ENGINE_ERRORS, D.OrderNotFound],
      async handle(_req, { params }: { params: z.output<typeof StoreOrderParams> }) {
        const order = await engine.send<OrderDetail>(params.store, ActorTypes.Order, params.orderId, { type: 'get' });
        const sealed = await redis.get(`${prefix}:pii:order:${params.orderId}`);
        const delivery =
          sealed === null ? null : (JSON.parse(unseal(cfg.piiKeys, sealed, `order:${params.orderId}`)) as unknown);
        return { body: { ...order, delivery } };
      },
    }),
    orderAction(
      '/accept',
      'Accept a paid order: its tickets go to the kitchen stations',
      MAY.accept,
      StoreOrderParams,
      undefined,
      [],
      (req, _p, _b, at) => staffOrderCommand('accept', { by: by(req), at }),
    ),
    orderAction(
      '/stations/{station}/start',
      'A station starts cooking its part of the order',
      MAY.stations,
      StationParams,
      undefined,
      [D.UnknownStation],
      (req, p, _b, at) => staffOrderCommand('start', { by: by(req), station: p.station, at }),
    ),
    orderAction(
      '/stations/{station}/bump',
      "Bump: the station's part is done (every station done → ready)",
      MAY.stations,
      StationParams,
      undefined,
      [D.UnknownStation],
      (req, p, _b, at) => staffOrderCommand('finish', { by: by(req), station: p.station, at }),
    ),
    orderAction('/serve', 'Served at the table', MAY.serve, StoreOrderParams, undefined, [], (req, _p, _b, at) =>
      staffOrderCommand('serve', { by: by(req), at }),
    ),
    orderAction(
      '/cancel',
      'The store cancels the order (paid orders are refunded in full)',
      MAY.refunds,
      StoreOrderParams,
      CancelBody,
      [],
      (req, _p, b, at) => ({
        type: 'cancel',
        by: by(req),
        ...(b?.reason === undefined ? {} : { reason: b.reason }),
        at,
      }),
    ),
    orderAction(
      '/refunds',
      'Start a refund (approved at once for staff; after serving a manager needs overrideReason)',
      MAY.refunds,
      StoreOrderParams,
      RefundBody,
      [D.RefundNotAllowed, D.RefundInProgress, D.NothingToRefund, D.UnknownLine],
      (req, _p, b, at) => ({
        type: 'requestRefund',
        refundId: b.refundId ?? `r${randomText(8, 'base64url')}`,
        ...(b.lines === undefined ? {} : { lines: b.lines }),
        reason: b.reason,
        by: by(req),
        ...(b.overrideReason === undefined ? {} : { overrideReason: b.overrideReason }),
        at,
      }),
    ),
    orderAction(
      '/refunds/{refundId}/approve',
      "Approve a diner's refund request",
      MAY.refunds,
      RefundParams,
      undefined,
      [D.UnknownRefund],
      (req, p, _b, at) => ({ type: 'approveRefund', refundId: p.refundId, by: by(req), at }),
    ),
    orderAction(
      '/refunds/{refundId}/reject',
      "Reject a diner's refund request",
      MAY.refunds,
      RefundParams,
      RejectRefundBody,
      [D.UnknownRefund],
      (req, p, b, at) => ({ type: 'rejectRefund', refundId: p.refundId, by: by(req), reason: b.reason, at }),
    ),
    route({
      method: 'get',
      path: `${base}/stock/{skuId}`,
      response: StockViewAnswer,
      tag: 'staff',
      summary: 'A SKU: available, reserved, sold, level, 86',
      auth: 'staff',
      roles: MAY.view,
      params: StoreSkuParams,
      errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
      async handle(_req, { params }: { params: z.output<typeof StoreSkuParams> }) {
        return { body: await engine.send(params.store, ActorTypes.Stock, params.skuId, { type: 'get' }) };
      },
    }),
    stockAction('set', 'Stocktake: set the available count', StockSetBody),
    stockAction('restock', 'Add units', RestockBody),
    stockAction('86', '86 a SKU (every channel sees it sold out) or bring it back with on: false', EightySixBody),
    route({
      method: 'get',
      path: `${base}/catalog`,
      response: CatalogExportAnswer,
      tag: 'staff',
      summary: 'Export the effective menu as JSON or CSV (actors catalog-io format, with cost prices)',
      auth: 'staff',
      roles: MAY.setup,
      params: StoreParams,
      query: ExportQuery,
      errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
      async handle(
        _req,
        { params, query }: { params: z.output<typeof StoreParams>; query: z.output<typeof ExportQuery> },
      ) {
        const r = await engine.send<{ rev: number; catalog: CatalogDoc }>(
          params.store,
          ActorTypes.Catalog,
          CATALOG_ACTOR_ID,
          {
            type: 'get',
          },
        );
        const headers = {
          'x-catalog-rev': String(r.rev),
          'content-disposition': `attachment; filename="catalog-${params.store}.${query.format}"`,
        };
        return query.format === 'csv'
          ? { body: catalogToCsv(r.catalog), contentType: 'text/csv; charset=utf-8', headers }
          : { body: catalogToJson(r.catalog), contentType: 'application/json; charset=utf-8', headers };
      },
    }),
    route({
      method: 'put',
      path: `${base}/catalog`,
      response: CatalogImportedAnswer,
      tag: 'staff',
      summary: "Import the store's own menu layer from JSON or CSV (Content-Type decides)",
      description:
        'Problems are all reported at once in details.issues, each with row and field. The menu cache is invalidated on success.',
      auth: 'staff',
      roles: MAY.setup,
      params: StoreParams,
      bodyTypes: ['application/json', 'text/csv'],
      maxBodyBytes: cfg.maxImportBytes,
      errors: [
        ...STAFF_ERRORS,
        ...BODY_ERRORS,
        ...ENGINE_ERRORS,
        D.CatalogInvalid,
        D.CatalogConflict,
        D.InvalidCommand,
      ],
      async handle(req, { params }: { params: z.output<typeof StoreParams> }) {
        const text = req.body.toString('utf8');
        const csv = (req.headers['content-type'] ?? '').startsWith('text/csv');
        const catalog = csv ? parseCatalogCsv(text) : parseCatalogJson(text);
        const r = await engine.send<{ rev: number }>(params.store, ActorTypes.Catalog, CATALOG_ACTOR_ID, {
          type: 'import',
          catalog,
          at: Date.now(),
        });
        deps.menu.announce(deps.nc, cfg.namespace, params.store, r.rev);
        return { body: { rev: r.rev, spus: catalog.spus.length } };
      },
    }),
  ];
}
