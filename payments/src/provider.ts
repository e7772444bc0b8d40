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

/** A refund to send back to the payer: WeChat Pay's `POST /v3/refund/domestic/refunds`. */
export interface RefundRequest {
  /** The merchant's refund number (`out_refund_no`): the same number never refunds twice. */
  readonly outRefundNo: string;
  /**
   * The payment's out_trade_no: the order id for an order paid as such, the seat's `gp_…` or the
   * bargain's `bp_…` for a campaign order (the trade the refund goes back against).
   */
  readonly outTradeNo: string;
  /** The provider's transaction id of the payment, when the order knows it. */
  readonly transactionId: string | null;
  readonly amountFen: number;
  /** What the payment was (WeChat checks it against the transaction). */
  readonly totalFen: number;
  readonly reason: string;
}

/** A refund as WeChat Pay v3 answers it (create and query). */
export const RefundSchema = z.object({
  refund_id: z.string().min(1).max(64),
  out_refund_no: z.string().min(1).max(64),
  out_trade_no: z.string().max(64).optional(),
  transaction_id: z.string().max(64).optional(),
  /** SUCCESS, PROCESSING (WeChat is still sending it), CLOSED, ABNORMAL (needs a person). */
  status: z.enum(['SUCCESS', 'PROCESSING', 'CLOSED', 'ABNORMAL']),
  success_time: z.string().optional(),
  create_time: z.string().optional(),
  amount: z.object({
    refund: z.number().int(),
    total: z.number().int(),
    currency: z.string().optional(),
    payer_refund: z.number().int().optional(),
  }),
});
export type Refund = z.infer<typeof RefundSchema>;

export interface PaymentProvider {
  readonly name: string;
  prepay(p: PrepayRequest): Promise<PrepayResult>;
  /** The transaction for our order id, or undefined when the provider does not know it. */
  queryOrder(orderId: string): Promise<Transaction | undefined>;
  /** Starts (or, for an `outRefundNo` it has seen, reports) a refund. Throws PaymentError when refused. */
  refund(r: RefundRequest): Promise<Refund>;
  /** The refund under our refund number, or undefined when the provider has none. */
  queryRefund(outRefundNo: string): Promise<Refund | undefined>;
}
