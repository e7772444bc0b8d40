/** The diner's way in: login, scan a table, the store's menu. */
import { createHash, randomBytes } from 'node:crypto';
import { verifyTableToken } from '@lunchrush/gateways';
import { SESSION_TTL_S } from '../auth.js';
import type { Reference } from '../context.js';
import { Fail, json, type Route } from '../http.js';

export function dinerRoutes(ref: Reference): Route[] {
  const { auth, catalog } = ref;
  return [
    [
      'POST',
      /^\/v1\/diner\/login$/,
      async (req) => {
        const b = json(req);
        if (typeof b.code !== 'string') throw new Fail(400, 'validation_failed');
        const token = `ds_${randomBytes(24).toString('base64url')}`;
        const dinerId = `d_${createHash('sha256').update(b.code).digest('base64url').slice(0, 16)}`;
        await auth.save(token, { dinerId });
        return { body: { sessionToken: token, dinerId, expiresInS: SESSION_TTL_S } };
      },
    ],
    [
      'POST',
      /^\/v1\/diner\/scan$/,
      async (req) => {
        const s = await auth.session(req);
        const t = verifyTableToken(ref.cfg.qrKeys, String(json(req).tableToken));
        const token = req.headers.authorization!.slice(7);
        await auth.save(token, { ...s, store: t.store, tableId: t.tableId });
        return { body: { store: { storeId: t.store }, table: { tableId: t.tableId } } };
      },
    ],
    [
      'GET',
      /^\/v1\/stores\/(\d{3})\/menu$/,
      (req) => {
        const m = catalog.menus.get(req.params[0]!);
        if (m === undefined) return Promise.reject(new Fail(404, 'store_not_configured'));
        if (req.headers['if-none-match'] === m.etag) return Promise.resolve({ status: 304, headers: { etag: m.etag } });
        if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? ''))
          return Promise.resolve({ raw: m.gzip, headers: { etag: m.etag, 'content-encoding': 'gzip' } });
        return Promise.resolve({ raw: m.body, headers: { etag: m.etag } });
      },
    ],
  ];
}
