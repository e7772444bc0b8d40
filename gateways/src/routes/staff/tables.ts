/**
 * A store's tables for staff: the board (every table with its party, cart and orders), setting
 * a table up, and what staff do with a table (seat a party, close, cleaned, merge, transfer).
 */
import { ErrorCode as D, parseTableCode, STAFF_PERMISSIONS as MAY, type TableCommand } from '@lunchrush/actors';
import type { z } from 'zod';
import { BoardAnswer, TableViewAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, HttpError } from '../../errors.js';
import type { RequestInfo, Route } from '../../http.js';
import { randomText } from '@lunchrush/payments';
import {
  CloseTableBody,
  ConfigureTableBody,
  MergeBody,
  OpenTableBody,
  StoreParams,
  StoreTableParams,
  TransferBody,
} from '../../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, by, staffRoute } from './common.js';

/** The board and a table's setup. */
export function tableSetupRoutes(deps: GatewayDeps): Route[] {
  return [board(deps), configureTable(deps)];
}

/** What staff do with a table's party. */
export function tableActionRoutes(deps: GatewayDeps): Route[] {
  return [
    tableAction(deps, 'open', 'Seat a party at a table', OpenTableBody, [D.TableNotReady], (req, b, at) => ({
      type: 'open',
      sessionId: `ts_${randomText(9, 'base64url')}`,
      partySize: b.partySize,
      dinerId: `staff:${req.staff!.staffId}`,
      at,
    })),
    tableAction(
      deps,
      'close',
      'The party leaves (force: even with unpaid orders)',
      CloseTableBody,
      [D.UnpaidOrders, D.TableMerged, D.NoSession],
      (req, b, at) => ({ type: 'close', by: by(req), force: b?.force ?? false, at }),
    ),
    tableAction(
      deps,
      'cleaned',
      'The table is clean and free again',
      undefined,
      [D.InvalidTransition],
      (_req, _b, at) => ({ type: 'cleaned', at }),
    ),
    tableAction(
      deps,
      'merge',
      "Merge this table's party into another table's session",
      MergeBody,
      [D.TableMerged, D.TableNotReady, D.NoSession, D.InvalidCommand],
      (_req, b, at) => ({ type: 'merge', intoTableId: b.intoTableId, at }),
    ),
    tableAction(
      deps,
      'transfer',
      'Move the whole session to a free table',
      TransferBody,
      [D.TableOccupied, D.TableMerged, D.NoSession],
      (_req, b, at) => ({ type: 'transfer', toTableId: b.toTableId, at }),
    ),
  ];
}

/** `GET …/board`: the store and every table of it. */
function board(deps: GatewayDeps): Route {
  const { engine, storeTables } = deps;
  return staffRoute({
    method: 'get',
    path: `${base}/board`,
    response: BoardAnswer,
    summary: 'The table board: store load and every table with its status, party, cart and orders',
    roles: MAY.view,
    params: StoreParams,
    errors: [...ENGINE_ERRORS],
    async handle(_req, { params }: { params: z.output<typeof StoreParams> }) {
      const at = Date.now();
      const store = await storeTables.view(params.store, at);
      const tables = await Promise.all(store.tables.map((id) => engine.table(params.store, id).send({ type: 'get' })));
      return { body: { store, tables, at } };
    },
  });
}

/** `PUT …/tables/{tableId}`: set a table up (its id is its 13-digit table code). */
function configureTable(deps: GatewayDeps): Route {
  const { engine } = deps;
  return staffRoute({
    method: 'put',
    path: `${base}/tables/{tableId}`,
    response: TableViewAnswer,
    summary: 'Set up a table (label, area name, seats); its id is its 13-digit table code',
    roles: MAY.setup,
    params: StoreTableParams,
    body: ConfigureTableBody,
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.InvalidTableCode],
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
      const view = await engine.table(params.store, params.tableId).send({
        type: 'configure',
        config: body,
        at: Date.now(),
      });
      return { body: view };
    },
  });
}

/** `POST …/tables/{tableId}/{action}`: one command to the table actor. */
function tableAction<B = undefined>(
  deps: GatewayDeps,
  action: 'open' | 'close' | 'cleaned' | 'merge' | 'transfer',
  summary: string,
  body: z.ZodType<B> | undefined,
  extraErrors: readonly string[],
  command: (req: RequestInfo, b: B, at: number) => TableCommand,
): Route {
  const { engine } = deps;
  return staffRoute({
    method: 'post',
    path: `${base}/tables/{tableId}/${action}`,
    response: TableViewAnswer,
    summary,
    roles: MAY.tables,
    params: StoreTableParams,
    ...(body === undefined ? {} : { body }),
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.TableNotConfigured, D.InvalidTableCode, ...extraErrors],
    // The table writes the trail entry with the action: one append, not two in turn.
    auditsItself: true,
    async handle(req, { params, body: b }: { params: z.output<typeof StoreTableParams>; body: B }) {
      const at = Date.now();
      const cmd = command(req, b, at);
      const sent = req.audit === undefined ? cmd : ({ ...cmd, audit: req.audit } as TableCommand);
      return { body: await engine.table(params.store, params.tableId).send(sent) };
    },
  });
}
