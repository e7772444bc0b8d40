/**
 * Paying for a group-buy seat or a bargain through WeChat Pay. A payment's `out_trade_no` is made
 * from what it pays for: `gp_` and 20 characters of the digest of the group and member (a retry
 * of the prepay is the same payment, and the refund worker finds it again from the group's
 * refund instruction), `bp_` and the digest of the bargain. The prepay's record (`pay:<id>`, as
 * for orders) says which group or bargain and member; the callback (or the reconciler) gives the
 * actor its `pay` with the provider's transaction id and success time, under the command id
 * `campaign-pay:<transaction id>`, so a repeated callback changes nothing. Whether the payment
 * buys the seat or is refunded (late, a full or closed group, a second payment) is the actor's
 * call, never this file's.
 */
import { createHash } from 'node:crypto';
import { bargainOf, groupOf } from '@lunchrush/actors/campaigns';
import type { Redis } from 'ioredis';
import type { PaymentsConfig, PaymentsEngine } from './config.js';
import { PaymentError, PaymentErrorCode as ErrorCode } from './errors.js';
import type { PaymentProvider, PrepayResult, Transaction } from './provider.js';
import type { RedisWrites } from './redis-writes.js';

export type CampaignPayKind = 'group' | 'bargain';
export const CAMPAIGN_PAY_ID_RE = /^(gp|bp)_[A-Za-z0-9_-]{20}$/;

/**
 * The out_trade_no of a member's payment for a group (`gp_…`) or a bargain (`bp_…`): 23 characters.
 * A group seat's names its seat number (`seat`): a member who left a paid seat (refunded) and joined
 * again pays the new seat under a trade of its own (WeChat takes one payment per out_trade_no).
 * Without it, the id of payments made before seats were named (what the worker derives for their
 * instructions, which carry no trade).
 */
export function campaignPayId(kind: CampaignPayKind, targetId: string, memberId: string, seat?: number): string {
  const what = seat === undefined ? `${kind}:${targetId}:${memberId}` : `${kind}:${targetId}:${memberId}:${seat}`;
  const digest = createHash('sha256').update(what).digest('base64url').slice(0, 20);
  return `${kind === 'group' ? 'gp' : 'bp'}_${digest}`;
}

export interface CampaignPayRecord {
  readonly kind: CampaignPayKind;
  readonly store: string;
  /** The group or bargain. */
  readonly targetId: string;
  readonly memberId: string;
  readonly amountFen: number;
  readonly prepayId: string;
  readonly deadline: number;
  readonly createdAt: number;
}

export interface CampaignPrepay {
  readonly kind: CampaignPayKind;
  readonly store: string;
  readonly targetId: string;
  readonly memberId: string;
  readonly amountFen: number;
  /** Until when the diner may pay (the group's or bargain's deadline). */
  readonly deadline: number;
  readonly openid: string;
  /** A group seat's number (each seat is paid under a trade of its own). */
  readonly seat?: number;
}

export class CampaignPayments {
  constructor(
    private readonly engine: PaymentsEngine,
    private readonly redis: Redis,
    private readonly writes: RedisWrites,
    private readonly provider: PaymentProvider,
    private readonly cfg: PaymentsConfig,
    private readonly recordKey: (id: string) => string,
    private readonly pendingKey: string,
  ) {}

  async prepay(p: CampaignPrepay): Promise<{ payId: string } & PrepayResult> {
    const payId = campaignPayId(p.kind, p.targetId, p.memberId, p.seat);
    const result = await this.provider.prepay({
      orderId: payId,
      amountFen: p.amountFen,
      description: p.kind === 'group' ? '拼团' : '砍价',
      openid: p.openid,
      expireAt: p.deadline,
    });
    const now = Date.now();
    const rec: CampaignPayRecord = {
      kind: p.kind,
      store: p.store,
      targetId: p.targetId,
      memberId: p.memberId,
      amountFen: p.amountFen,
      prepayId: result.prepayId,
      deadline: p.deadline,
      createdAt: now,
    };
    const ttlS = Math.max(3600, Math.ceil((p.deadline - now) / 1000) + 7 * 86_400);
    await this.writes.run([
      // The fields of an order's record too (the reconciler reads `deadline`), and the campaign's.
      { set: this.recordKey(payId), value: JSON.stringify({ ...rec, campaign: rec }), ttlS },
      { zadd: this.pendingKey, score: now + this.cfg.wechatPay.queryAfterS * 1000, member: payId },
    ]);
    return { payId, ...result };
  }

  /** A successful transaction of a `gp_`/`bp_` payment to its group or bargain. */
  async confirm(tx: Transaction, paidAt: number): Promise<'recorded' | 'duplicate'> {
    const payId = tx.out_trade_no;
    const raw = await this.redis.get(this.recordKey(payId));
    const rec = raw === null ? undefined : (JSON.parse(raw) as { campaign?: CampaignPayRecord }).campaign;
    if (rec === undefined)
      throw new PaymentError(ErrorCode.UnknownOrder, `no campaign payment ${payId} was prepaid here`);
    if (tx.amount.total !== rec.amountFen || tx.amount.currency !== 'CNY')
      throw new PaymentError(ErrorCode.AmountMismatch, `paid ${tx.amount.total}, the price is ${rec.amountFen} CNY`, {
        details: { expected: rec.amountFen, paid: tx.amount.total },
      });
    const paymentId = tx.transaction_id!;
    const at = Date.now();
    const opts = { id: `campaign-pay:${paymentId}` };
    const r =
      rec.kind === 'group'
        ? await groupOf(this.engine, rec.store, rec.targetId).send(
            {
              type: 'pay',
              memberId: rec.memberId,
              paymentId,
              amountFen: tx.amount.total,
              outTradeNo: payId,
              paidAt,
              at,
            },
            opts,
          )
        : await bargainOf(this.engine, rec.store, rec.targetId).send(
            { type: 'pay', paymentId, amountFen: tx.amount.total, paidAt, at },
            opts,
          );
    await this.redis.zrem(this.pendingKey, payId);
    return r.duplicate === true ? 'duplicate' : 'recorded';
  }

  /** The record of a campaign payment (the refund worker needs its amount and out_trade_no). */
  async record(payId: string): Promise<CampaignPayRecord | undefined> {
    const raw = await this.redis.get(this.recordKey(payId));
    return raw === null ? undefined : (JSON.parse(raw) as { campaign?: CampaignPayRecord }).campaign;
  }
}
