/**
 * A store's own menu layer for managers: export the effective menu, import one (JSON or CSV,
 * every problem reported at once), after which every gateway's menu copy is renewed.
 */
import {
  ErrorCode as D,
  catalogToCsv,
  catalogToJson,
  parseCatalogCsv,
  parseCatalogJson,
  STAFF_PERMISSIONS as MAY,
} from '@lunchrush/actors';
import type { z } from 'zod';
import { CatalogExportAnswer, CatalogImportedAnswer } from '../../answers.js';
import type { GatewayDeps } from '../../deps.js';
import { ENGINE_ERRORS } from '../../errors.js';
import type { Route } from '../../http.js';
import { ExportQuery, StoreParams } from '../../schemas.js';
import { BODY_ERRORS, STAFF_BASE as base, staffRoute } from './common.js';

export function catalogRoutes(deps: GatewayDeps): Route[] {
  return [exportCatalog(deps), importCatalog(deps)];
}

/** `GET …/catalog`: JSON or CSV, with cost prices. */
function exportCatalog(deps: GatewayDeps): Route {
  const { engine } = deps;
  return staffRoute({
    method: 'get',
    path: `${base}/catalog`,
    response: CatalogExportAnswer,
    summary: 'Export the effective menu as JSON or CSV (actors catalog-io format, with cost prices)',
    roles: MAY.setup,
    params: StoreParams,
    query: ExportQuery,
    errors: [...ENGINE_ERRORS],
    async handle(
      _req,
      { params, query }: { params: z.output<typeof StoreParams>; query: z.output<typeof ExportQuery> },
    ) {
      const r = await engine.catalog(params.store).send({ type: 'get' });
      const headers = {
        'x-catalog-rev': String(r.rev),
        'content-disposition': `attachment; filename="catalog-${params.store}.${query.format}"`,
      };
      return query.format === 'csv'
        ? { body: catalogToCsv(r.catalog), contentType: 'text/csv; charset=utf-8', headers }
        : { body: catalogToJson(r.catalog), contentType: 'application/json; charset=utf-8', headers };
    },
  });
}

/** `PUT …/catalog`: the store's own layer; the menu copies are told. */
function importCatalog(deps: GatewayDeps): Route {
  const { engine, cfg } = deps;
  return staffRoute({
    method: 'put',
    path: `${base}/catalog`,
    response: CatalogImportedAnswer,
    summary: "Import the store's own menu layer from JSON or CSV (Content-Type decides)",
    description:
      'Problems are all reported at once in details.issues, each with row and field. The menu cache is invalidated on success.',
    roles: MAY.setup,
    params: StoreParams,
    bodyTypes: ['application/json', 'text/csv'],
    maxBodyBytes: cfg.maxImportBytes,
    errors: [...BODY_ERRORS, ...ENGINE_ERRORS, D.CatalogInvalid, D.CatalogConflict, D.InvalidCommand],
    async handle(req, { params }: { params: z.output<typeof StoreParams> }) {
      const text = req.body.toString('utf8');
      const csv = (req.headers['content-type'] ?? '').startsWith('text/csv');
      const catalog = csv ? parseCatalogCsv(text) : parseCatalogJson(text);
      const r = await engine.catalog(params.store).send({
        type: 'import',
        catalog,
        at: Date.now(),
      });
      deps.menu.announce(deps.nc, cfg.namespace, params.store, r.rev);
      return { body: { rev: r.rev, spus: catalog.spus.length } };
    },
  });
}
