/** The staff routes the bench uses: a table's turnover and a SKU's stock. */
import type { Reference } from '../context.js';
import { Fail, json, type Route } from '../http.js';

export function staffRoutes(ref: Reference): Route[] {
  const { auth, backend } = ref;
  return [
    [
      // A waiter closes a table when the party leaves and marks it cleaned: the table's state in Redis.
      'POST',
      /^\/v1\/staff\/stores\/(\d{3})\/tables\/([A-Za-z0-9_-]+)\/(close|cleaned)$/,
      async (req) => {
        const [store, table, action] = req.params as [string, string, string];
        auth.staff(req, store);
        await backend.redis.set(`${backend.kp}table:${table}`, action === 'close' ? 'cleaning' : 'free');
        return { body: { tableId: table, status: action === 'close' ? 'cleaning' : 'free' } };
      },
    ],
    [
      'GET',
      /^\/v1\/staff\/stores\/(\d{3})\/stock\/([A-Za-z0-9_-]+)$/,
      async (req) => {
        const [store, sku] = req.params as [string, string];
        auth.staff(req, store);
        if (backend.design === 'a') {
          const [a, s] = await backend.redis.mget(backend.stockKey(store, sku), `${backend.stockKey(store, sku)}:sold`);
          return { body: { skuId: sku, available: Number(a ?? 0), reserved: 0, sold: Number(s ?? 0) } };
        }
        const r = await backend.db.query('SELECT available, sold FROM stock WHERE store = $1 AND sku = $2', [
          store,
          sku,
        ]);
        const row = r.rows[0] as { available: number; sold: number } | undefined;
        return { body: { skuId: sku, available: row?.available ?? 0, reserved: 0, sold: row?.sold ?? 0 } };
      },
    ],
    [
      'POST',
      /^\/v1\/staff\/stores\/(\d{3})\/stock\/([A-Za-z0-9_-]+)\/set$/,
      async (req) => {
        const [store, sku] = req.params as [string, string];
        auth.staff(req, store);
        const n = Number(json(req).available);
        if (!Number.isInteger(n) || n < 0) throw new Fail(400, 'validation_failed');
        if (backend.design === 'a') await backend.redis.set(backend.stockKey(store, sku), n);
        else
          await backend.db.query(
            'INSERT INTO stock (store, sku, available) VALUES ($1, $2, $3) ON CONFLICT (store, sku) DO UPDATE SET available = $3',
            [store, sku, n],
          );
        return { body: { skuId: sku, available: n } };
      },
    ],
  ];
}
