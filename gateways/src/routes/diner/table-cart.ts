/**
 * The table a diner sits at: its view, the shared cart every diner at it sees and changes, and
 * a quote (server-computed totals) of the cart or of lines given.
 */
import { ErrorCode as D, publicLines, type QuoteLine, type TableCommand, type TableView } from '@lunchrush/actors';
import type { z } from 'zod';
import { CartLineAddedAnswer, QuoteAnswer, TableViewAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { RequestInfo, Route } from '../../http.js';
import { randomText } from '@lunchrush/payments';
import { AddLineBody, LineParams, QuoteBody, UpdateLineBody } from '../../schemas.js';
import { INPUT_ERRORS, LINE_ERRORS, dinerRoute, seated, session } from './common.js';

/** A command to the table the diner's session is seated at: the answer is the table's view. */
function atTable(deps: GatewayDeps, req: RequestInfo, command: TableCommand): Promise<TableView> {
  const t = seated(req);
  return deps.engine.table(t.store, t.tableId).send(command);
}

/** The table's shared cart as the lines of a quote or an order; refused `empty_cart` when it is empty. */
export async function cartLines(deps: GatewayDeps, store: string, tableId: string): Promise<QuoteLine[]> {
  const view = await deps.engine.table(store, tableId).send({ type: 'get' });
  if (view.cart.length === 0) throw new HttpError(D.EmptyCart, 'the table cart is empty');
  return view.cart.map((l) => ({
    skuId: l.skuId,
    qty: l.qty,
    options: [...l.options],
    ...(l.note === null ? {} : { note: l.note }),
  }));
}

export function tableCartRoutes(deps: GatewayDeps): Route[] {
  const updateLine = updateCartLine(deps);
  return [
    table(deps),
    addCartLine(deps),
    dinerRoute({ method: 'patch', ...updateLine }),
    // wx.request cannot send PATCH: the mini-program uses PUT.
    dinerRoute({ method: 'put', ...updateLine, summary: `${updateLine.summary} (PUT for clients without PATCH)` }),
    removeCartLine(deps),
    quote(deps),
  ];
}

/** `GET /v1/diner/table`: the diner's table. */
function table(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'get',
    path: '/v1/diner/table',
    response: TableViewAnswer,
    summary: "The diner's table: status, party, shared cart, orders",
    errors: [...ENGINE_ERRORS, ErrorCode.NoTable],
    async handle(req) {
      return { body: await atTable(deps, req, { type: 'get' }) };
    },
  });
}

/** `POST /v1/diner/table/cart`: a line in the table's shared cart. */
function addCartLine(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/table/cart',
    response: CartLineAddedAnswer,
    summary: "Add a line to the table's shared cart (every diner at the table sees it)",
    body: AddLineBody,
    responseStatus: 201,
    errors: [
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
      const view = await deps.engine.table(t.store, t.tableId).send({
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
  });
}

/** A cart line's new quantity: PATCH, and PUT for clients without PATCH (wx.request). */
function updateCartLine(
  deps: GatewayDeps,
): Omit<Route<z.output<typeof LineParams>, unknown, z.output<typeof UpdateLineBody>>, 'method' | 'tag' | 'auth'> {
  return {
    path: '/v1/diner/table/cart/{lineId}',
    summary: 'Change the quantity of a cart line (0 removes it)',
    response: TableViewAnswer,
    params: LineParams,
    body: UpdateLineBody,
    errors: [...INPUT_ERRORS, ...ENGINE_ERRORS, ErrorCode.NoTable, D.NoSession, D.UnknownLine],
    async handle(req, { params, body }) {
      return {
        body: await atTable(deps, req, { type: 'updateLine', lineId: params.lineId, qty: body.qty, at: Date.now() }),
      };
    },
  };
}

/** `DELETE /v1/diner/table/cart/{lineId}`. */
function removeCartLine(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'del',
    path: '/v1/diner/table/cart/{lineId}',
    response: TableViewAnswer,
    summary: 'Remove a cart line',
    params: LineParams,
    errors: [...ENGINE_ERRORS, ErrorCode.NoTable, D.NoSession, D.UnknownLine],
    async handle(req, { params }: { params: z.output<typeof LineParams> }) {
      return { body: await atTable(deps, req, { type: 'removeLine', lineId: params.lineId, at: Date.now() }) };
    },
  });
}

/** `POST /v1/diner/quote`: totals for lines, or for the table cart. */
function quote(deps: GatewayDeps): Route {
  return dinerRoute({
    method: 'post',
    path: '/v1/diner/quote',
    response: QuoteAnswer,
    summary: 'Server-computed totals for lines, or for the table cart when no lines are given',
    body: QuoteBody,
    errors: [...INPUT_ERRORS, ...ENGINE_ERRORS, ...LINE_ERRORS, ErrorCode.NoTable, D.EmptyCart, D.TableNotInStore],
    async handle(req, { body }: { body: z.output<typeof QuoteBody> }) {
      let lines: QuoteLine[] | undefined = body.lines;
      const s = session(req);
      const store = body.store ?? s.store;
      if (store === undefined) throw new HttpError(ErrorCode.NoTable, 'scan a table, or name the store');
      if (lines === undefined) {
        const t = seated(req);
        if (store !== t.store)
          throw new HttpError(D.TableNotInStore, `your table's cart is in store ${t.store}, not ${store}`, {
            details: { store, tableStore: t.store },
          });
        lines = await cartLines(deps, t.store, t.tableId);
      }
      const quote = await deps.engine.catalog(store).send({
        type: 'quote',
        channel: body.channel,
        lines,
        at: Date.now(),
      });
      // The catalog's quote carries costs for the order's events; a diner never sees them.
      return { body: { ...quote, lines: publicLines(quote.lines) } };
    },
  });
}
