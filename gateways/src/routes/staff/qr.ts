/**
 * The store's table QR codes as a printable sheet (PNG or PDF), each signed with the current
 * QR key, rendered on a worker pool.
 */
import { ErrorCode as D, parseTableCode, STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import type { z } from 'zod';
import { QrSheetAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../../errors.js';
import type { Route } from '../../http.js';
import { QrBatchError, renderQrBatch, tableQrUrl } from '../../qr/index.js';
import { QrBatchQuery, StoreParams } from '../../schemas.js';
import { signTableToken } from '../../tokens.js';
import { STAFF_BASE as base, staffRoute } from './common.js';

/** `GET …/tables/qr`. */
export function qrSheetRoute(deps: GatewayDeps): Route {
  const { engine, storeTables, cfg } = deps;
  return staffRoute({
    method: 'get',
    path: `${base}/tables/qr`,
    response: QrSheetAnswer,
    summary: "Printable table QR codes of the store's tables (PNG sheet or PDF), signed with the current QR key",
    description:
      'Each code carries `<public URL>/qr?t=<signed table token>`; reprint after rotating GATEWAY_QR_KEYS. Rendered on a worker pool.',
    roles: MAY.setup,
    params: StoreParams,
    query: QrBatchQuery,
    errors: [...ENGINE_ERRORS, D.TableNotConfigured],
    async handle(
      _req,
      { params, query }: { params: z.output<typeof StoreParams>; query: z.output<typeof QrBatchQuery> },
    ) {
      const store = await storeTables.view(params.store);
      if (store.tables.length === 0)
        throw new HttpError(D.TableNotConfigured, `store ${params.store} has no tables set up`);
      const views = await Promise.all(store.tables.map((id) => engine.table(params.store, id).send({ type: 'get' })));
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
  });
}
