/**
 * The audit trail of staff actions, and its view and export.
 *
 * `audited(deps, routes)` wraps every staff route that changes something (any method but
 * GET): once the handler has succeeded, an entry goes to the store's `audit` actor — who
 * (role:id), when, from where (the client's address), what (method, path, the route's
 * summary), on what (path parameters) and an excerpt of what was sent (passwords never:
 * keys named like one are dropped). The reply waits for the entry, so an acknowledged
 * action is in the trail; a trail that cannot be written is logged and the action's answer
 * still goes out (the action happened). Account changes and logins are written by the
 * account actor itself, in the same append as the change (the chain's log, store `000`); so are
 * what staff do with a table (`auditsItself`: the table writes the entry it is sent, in the same
 * transaction as the action, so the action and its entry are durable together or not at all).
 */
import { CHAIN_STORE_ID, STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { auditOf, type AuditEntry, type AuditEntryInput } from '@lunchrush/actors/staff';
import type { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ENGINE_ERRORS, ErrorCode, HttpError } from '../errors.js';
import { route, type RequestInfo, type Route } from '../http.js';
import { StoreParams } from '../schemas.js';
import { STAFF_BASE as base, STAFF_ERRORS } from '../routes/staff/common.js';
import { AuditAnswer, AuditQuery } from './schemas.js';

/** Keys whose values never go into the trail: passwords, TOTP secrets and codes, tokens. */
const SECRET_KEY = /pass|secret|totp|token|^code$/i;

/** An excerpt of the body: JSON without secret-looking keys, else its type and size. */
export function excerpt(req: RequestInfo, max = 600): string {
  if (req.body.length === 0) return '';
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type !== 'application/json') return `${type || 'body'}, ${req.body.length} bytes`;
  try {
    const text = JSON.stringify(JSON.parse(req.body.toString('utf8')), (k, v: unknown) =>
      k !== '' && SECRET_KEY.test(k) ? '***' : v,
    );
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  } catch {
    return `${req.body.length} bytes`;
  }
}

export function entryOf(r: Route, req: RequestInfo): AuditEntryInput {
  const c = req.staff!;
  const { store: _, ...target } = req.params;
  return {
    at: Date.now(),
    who: `${c.role}:${c.staffId}`,
    role: c.role,
    ip: req.ip.slice(0, 64),
    action: `${r.method === 'del' ? 'DELETE' : r.method.toUpperCase()} ${r.path}`.slice(0, 200),
    summary: r.summary.slice(0, 200),
    target: Object.keys(target).length === 0 ? '' : JSON.stringify(target).slice(0, 300),
    detail: excerpt(req),
  };
}

/** The staff routes, those that change something recording an audit entry once they succeed. */
export function audited(deps: GatewayDeps, routes: readonly Route[]): Route[] {
  return routes.map((r) => {
    if (r.auth !== 'staff' || r.method === 'get') return r;
    const handle = r.handle.bind(r);
    if (r.auditsItself === true) {
      return {
        ...r,
        handle(req, input) {
          req.audit = entryOf(r, req);
          return handle(req, input);
        },
      };
    }
    return {
      ...r,
      async handle(req, input) {
        const reply = await handle(req, input);
        const store = req.params.store ?? req.staff!.store;
        try {
          await auditOf(deps.engine, store).send({ type: 'record', entry: entryOf(r, req) });
        } catch (e) {
          deps.log.error({ err: e, path: r.path, reqId: req.id }, 'audit entry not written');
        }
        return reply;
      },
    };
  });
}

const CSV_COLUMNS = ['seq', 'at', 'who', 'role', 'ip', 'action', 'summary', 'target', 'detail'] as const;

function csvCell(v: string | number): string {
  const s = String(v);
  // A leading = + - @ would be a formula in a spreadsheet: quoted and prefixed.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) =>
    CSV_COLUMNS.map((k) => csvCell(k === 'at' ? new Date(e.at).toISOString() : e[k])).join(','),
  );
  return `\uFEFF${CSV_COLUMNS.join(',')}\n${rows.join('\n')}\n`;
}

/** `GET …/audit`: the newest entries of the store's (or, for the admin, the chain's) trail, JSON or CSV. */
export function auditRoute(deps: GatewayDeps): Route {
  return route({
    method: 'get',
    path: `${base}/audit`,
    response: AuditAnswer,
    tag: 'console',
    summary: "The store's audit trail (who did what, when, from where), newest first; CSV for export",
    auth: 'staff',
    roles: MAY.audit,
    params: StoreParams,
    query: AuditQuery,
    errors: [...STAFF_ERRORS, ...ENGINE_ERRORS],
    async handle(req, { params, query }: { params: z.output<typeof StoreParams>; query: z.output<typeof AuditQuery> }) {
      if (query.scope === 'chain' && req.staff!.role !== 'admin')
        throw new HttpError(ErrorCode.RoleForbidden, "only the chain admin reads the chain's trail");
      const store = query.scope === 'chain' ? CHAIN_STORE_ID : params.store;
      const page = await auditOf(deps.engine, store).send({
        type: 'list',
        limit: query.limit,
        ...(query.before === undefined ? {} : { before: query.before }),
      });
      if (query.format === 'json') return { body: page };
      return {
        body: auditCsv(page.entries),
        contentType: 'text/csv; charset=utf-8',
        headers: { 'content-disposition': `attachment; filename="audit-${store}.csv"` },
      };
    },
  });
}
