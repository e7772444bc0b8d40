/** The POS and delivery platforms' webhooks: a signed sale, taken from the same stock as diners' orders. */
import { verifyWebhook } from '@lunchrush/gateways';
import type pg from 'pg';
import type { Reference } from '../context.js';
import { json, mergeLines, type Reply, type Req, type Route } from '../http.js';

export function channelRoutes(ref: Reference): Route[] {
  return (['pos', 'delivery'] as const).map(
    (channel) =>
      [
        'POST',
        channel === 'pos' ? /^\/v1\/channels\/pos\/(\d{3})\/sales$/ : /^\/v1\/channels\/delivery\/(\d{3})\/orders$/,
        async (req: Req): Promise<Reply> => {
          verifyWebhook(channel === 'pos' ? ref.cfg.posSecret : ref.cfg.deliverySecret, req.headers, req.body, 300);
          const b = json(req);
          const saleRef = channel === 'pos' ? String(b.saleId) : `${String(b.platform)}.${String(b.platformOrderId)}`;
          const store = req.params[0]!;
          const lines = mergeLines(b.lines);
          const insert = (c: pg.Pool | pg.PoolClient): Promise<boolean> =>
            c
              .query(
                'INSERT INTO channel_sales (channel, ref, store, lines) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
                [channel, saleRef, store, JSON.stringify(lines)],
              )
              .then((r) => r.rowCount === 1);
          await ref.backend.sell(store, `${channel}:${saleRef}`, lines, insert);
          return { body: { ref: saleRef, duplicate: false } };
        },
      ] as Route,
  );
}
