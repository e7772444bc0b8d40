/**
 * What the gateway needs from a payment provider: a prepay the mini-program can
 * pay with, and a way to ask about an order whose callback never came. Callback
 * verification is the provider's too (`verifyCallback`), because each provider
 * signs differently; WeChat Pay v3 and its simulator share one implementation.
 */
import { z } from 'zod';

export interface PrepayRequest {
  readonly orderId: string;
  readonly amountFen: number;
  readonly description: string;
  readonly openid: string;
  /** The order's payment deadline: the prepay expires with it. */
  readonly expireAt: number;
}

export interface PrepayResult {
  readonly prepayId: string;
  /** Passed as is to `wx.requestPayment`. */
  readonly requestPayment: {
    readonly timeStamp: string;
    readonly nonceStr: string;
    readonly package: string;
    readonly signType: 'RSA';
    readonly paySign: string;
  };
}

/** A WeChat Pay v3 transaction (decrypted callback resource, or an order query's answer). */
export const TransactionSchema = z.object({
  appid: z.string(),
  mchid: z.string(),
  out_trade_no: z.string().min(1).max(64),
  transaction_id: z.string().max(64).optional(),
  trade_type: z.string().optional(),
  trade_state: z.string(),
  trade_state_desc: z.string().optional(),
  success_time: z.string().optional(),
  payer: z.object({ openid: z.string() }).partial().optional(),
  amount: z.object({
    total: z.number().int(),
    payer_total: z.number().int().optional(),
    currency: z.string(),
    payer_currency: z.string().optional(),
  }),
});
export type Transaction = z.infer<typeof TransactionSchema>;

export interface PaymentProvider {
  readonly name: string;
  prepay(p: PrepayRequest): Promise<PrepayResult>;
  /** The transaction for our order id, or undefined when the provider does not know it. */
  queryOrder(orderId: string): Promise<Transaction | undefined>;
}
