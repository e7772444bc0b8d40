/** The payment simulator: what WeChat Pay and the merchant do with each callback, in-process. */
import { createSign, createVerify, randomBytes } from 'node:crypto';
import type { Reference } from '../context.js';
import { Fail, json, type Route } from '../http.js';

export function simulatorRoutes(ref: Reference): Route[] {
  return [
    [
      'POST',
      /^\/v1\/simulator\/wechatpay\/pay$/,
      async (req) => {
        const b = json(req);
        const prepayId = typeof b.prepayId === 'string' ? b.prepayId : '';
        const orderId = prepayId.slice(2);
        // What WeChat Pay and the merchant do with each callback: sign, then verify.
        const payload = `${Date.now()}\n${randomBytes(16).toString('hex')}\n${JSON.stringify({ orderId })}\n`;
        const sig = createSign('RSA-SHA256').update(payload).sign(ref.rsa.privateKey);
        if (!createVerify('RSA-SHA256').update(payload).verify(ref.rsa.publicKey, sig))
          throw new Fail(401, 'invalid_signature');
        await ref.backend.db.query(
          `UPDATE orders SET status = 'paid' WHERE order_id = $1 AND status = 'pending_payment'`,
          [orderId],
        );
        return { body: { callbackStatus: 204 } };
      },
    ],
  ];
}
