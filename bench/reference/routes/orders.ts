/** A diner's orders: place one, pay it, read its status. */
import { createSign, randomBytes } from 'node:crypto';
import { orderIdFor } from '@lunchrush/actors';
import type pg from 'pg';
import type { Reference } from '../context.js';
import { Fail, json, mergeLines, type Route } from '../http.js';

export function orderRoutes(ref: Reference): Route[] {
  const { auth, catalog, backend } = ref;
  return [
    [
      'POST',
      /^\/v1\/diner\/orders$/,
      async (req) => {
        const s = await auth.session(req);
        const key = req.headers['idempotency-key'];
        if (key === undefined || !/^[A-Za-z0-9_-]{8,64}$/.test(key)) throw new Fail(400, 'missing_idempotency_key');
        const b = json(req);
        const store = s.store ?? (typeof b.store === 'string' ? b.store : undefined);
        if (store === undefined) throw new Fail(409, 'no_table');
        const lines = mergeLines(b.lines);
        const total = lines.reduce((a, l) => a + catalog.priceOf(store, l.skuId) * l.qty, 0);
        const orderId = orderIdFor(store, s.dinerId, key);
        const insert = (c: pg.Pool | pg.PoolClient): Promise<boolean> =>
          c
            .query(
              `INSERT INTO orders (order_id, store, table_id, diner_id, lines, total_fen, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending_payment') ON CONFLICT (order_id) DO NOTHING`,
              [orderId, store, s.tableId ?? null, s.dinerId, JSON.stringify(lines), total],
            )
            .then((r) => r.rowCount === 1);
        await backend.sell(store, `order:${orderId}`, lines, insert);
        return { status: 201, body: { order: { orderId, status: 'pending_payment', totalFen: total } } };
      },
    ],
    [
      'POST',
      /^\/v1\/diner\/orders\/([A-Za-z0-9_-]+)\/pay$/,
      async (req) => {
        const s = await auth.session(req);
        const r = await backend.db.query('SELECT status, total_fen, diner_id FROM orders WHERE order_id = $1', [
          req.params[0],
        ]);
        const o = r.rows[0] as { status: string; total_fen: number; diner_id: string } | undefined;
        if (o === undefined || o.diner_id !== s.dinerId) throw new Fail(404, 'unknown_order');
        if (o.status !== 'pending_payment') throw new Fail(409, 'invalid_transition');
        // wx.requestPayment's paySign: RSA-SHA256 with the merchant key, as the gateway signs it.
        const pkg = `prepay_id=wx${req.params[0]}`;
        const paySign = createSign('RSA-SHA256')
          .update(`app\n${Date.now()}\n${randomBytes(8).toString('hex')}\n${pkg}\n`)
          .sign(ref.rsa.privateKey, 'base64');
        return {
          body: {
            orderId: req.params[0],
            amountFen: o.total_fen,
            prepayId: `wx${req.params[0]}`,
            requestPayment: { package: pkg, paySign },
          },
        };
      },
    ],
    [
      'GET',
      /^\/v1\/diner\/orders\/([A-Za-z0-9_-]+)$/,
      async (req) => {
        const s = await auth.session(req);
        const r = await backend.db.query(
          'SELECT order_id, status, total_fen, lines, diner_id FROM orders WHERE order_id = $1',
          [req.params[0]],
        );
        const o = r.rows[0] as { order_id: string; status: string; total_fen: number; diner_id: string } | undefined;
        if (o === undefined || o.diner_id !== s.dinerId) throw new Fail(404, 'unknown_order');
        return { body: { orderId: o.order_id, status: o.status, totalFen: o.total_fen } };
      },
    ],
  ];
}
