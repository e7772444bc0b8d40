/**
 * Payments between the diner, the provider and the engine:
 *
 * - `prepay`: a pending order gets a prepay from the provider; the expected amount
 *   is kept in Redis (`pay:<orderId>`) and the order is queued for a lookup if no
 *   callback arrives (`pay:pending`, scored by when to ask).
 * - `notify`: a WeChat Pay callback is verified on its raw bytes, decrypted,
 *   checked against the order (merchant, app, amount, currency), then recorded with
 *   the engine's `confirmPayment` under the command id `pay:<transaction id>`. Only
 *   once the engine answers (the payment is durable) does WeChat get 204; any
 *   failure is a 4xx/5xx so WeChat tries again. A repeated callback is answered
 *   from the engine's idempotency: 204 again, nothing applied twice.
 * - the reconciler: every process polls `pay:pending` for orders whose callback
 *   is overdue, claims each with ZREM (one process wins), asks the provider, and
 *   records a payment it finds exactly like a callback would.
 */
import { orderOf, storeOfOrderId, type OrderDetail } from '@lunchrush/actors';
import { ProgramReader, memberOf, type MemberResult } from '@lunchrush/actors/members';
import { EngineError, ensureError } from '@lunchrush/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { PaymentsConfig, PaymentsEngine } from './config.js';
import { PaymentError, PaymentErrorCode as ErrorCode } from './errors.js';
import { RedisWrites } from './redis-writes.js';
import { CAMPAIGN_PAY_ID_RE, CampaignPayments } from './campaign-payments.js';
import type { PaymentProvider, PrepayResult, Transaction } from './provider.js';
import { WeChatPayKeys, openTransaction, verifyWeChatPaySignature } from './wechatpay.js';

interface PayRecord {
  store: string;
  /** A member's stored-value top-up (`t_…`), not an order: the card it goes to. */
  memberId?: string;
  amountFen: number;
  prepayId: string;
  deadline: number;
  createdAt: number;
  paid?: string;
}

/** Order ids carry their store (`o_<store>_<rest>`, the actors' format), so a callback knows where the order lives. */
export const storeOfOrder = storeOfOrderId;

/** A top-up's out_trade_no: `t_` and 20 characters (WeChat takes 6–32), never an order id (`o_…`). */
export const TOP_UP_ID_RE = /^t_[A-Za-z0-9_-]{20}$/;

export class Payments {
  private timer: NodeJS.Timeout | undefined;
  private readonly outcomes: Counter;
  private running = false;

  private readonly writes: RedisWrites;
  private readonly programs: ProgramReader;
  /** Group-buy seats and bargains (`gp_…`, `bp_…` payments). */
  readonly campaigns: CampaignPayments;

  constructor(
    private readonly engine: PaymentsEngine,
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly provider: PaymentProvider,
    private readonly keys: WeChatPayKeys,
    private readonly apiV3Key: string,
    private readonly cfg: PaymentsConfig,
    private readonly log: Logger,
    registry: Registry,
  ) {
    this.writes = new RedisWrites(redis);
    this.programs = new ProgramReader(engine);
    this.campaigns = new CampaignPayments(
      engine,
      redis,
      this.writes,
      provider,
      cfg,
      (id) => this.recordKey(id),
      this.pendingKey,
    );
    this.outcomes = new Counter({
      name: 'lunchrush_gateway_payment_notifications_total',
      help: 'Payment callbacks and order lookups by outcome',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    });
  }

  private recordKey(orderId: string): string {
    return `${this.prefix}:pay:${orderId}`;
  }

  private get pendingKey(): string {
    return `${this.prefix}:pay:pending`;
  }

  async prepay(order: OrderDetail, store: string, openid: string): Promise<PrepayResult> {
    const result = await this.provider.prepay({
      orderId: order.orderId,
      amountFen: wechatDueFen(order),
      description: `湘川小馆 ${order.orderId}`,
      openid,
      expireAt: order.deadline,
    });
    const now = Date.now();
    const rec: PayRecord = {
      store,
      amountFen: wechatDueFen(order),
      prepayId: result.prepayId,
      deadline: order.deadline,
      createdAt: now,
    };
    const ttl = Math.max(3600, Math.ceil((order.deadline - now) / 1000) + 7 * 86_400);
    await this.writes.run([
      { set: this.recordKey(order.orderId), value: JSON.stringify(rec), ttlS: ttl },
      { zadd: this.pendingKey, score: now + this.cfg.wechatPay.queryAfterS * 1000, member: order.orderId },
    ]);
    return result;
  }

  /**
   * A member's top-up: a prepay of `amountFen` under `topUpId` (the gateway makes it from the diner
   * and an Idempotency-Key); the callback (or the reconciler) puts it on the card with its bonus.
   */
  async prepayTopUp(topUpId: string, memberId: string, amountFen: number, openid: string): Promise<PrepayResult> {
    const now = Date.now();
    const deadline = now + 15 * 60_000;
    const result = await this.provider.prepay({
      orderId: topUpId,
      amountFen,
      description: '会员储值',
      openid,
      expireAt: deadline,
    });
    const rec: PayRecord = { store: '', memberId, amountFen, prepayId: result.prepayId, deadline, createdAt: now };
    await this.writes.run([
      { set: this.recordKey(topUpId), value: JSON.stringify(rec), ttlS: 8 * 86_400 },
      { zadd: this.pendingKey, score: now + this.cfg.wechatPay.queryAfterS * 1000, member: topUpId },
    ]);
    return result;
  }

  /** A paid top-up to the member's card (its `topUp` is idempotent by the transaction). */
  private async confirmTopUp(tx: Transaction, topUpId: string): Promise<'recorded' | 'duplicate'> {
    const raw = await this.redis.get(this.recordKey(topUpId));
    const rec = raw === null ? undefined : (JSON.parse(raw) as PayRecord);
    if (rec?.memberId === undefined)
      throw new PaymentError(ErrorCode.UnknownOrder, `no top-up ${topUpId} was prepaid here`);
    if (tx.amount.total !== rec.amountFen || tx.amount.currency !== 'CNY')
      throw new PaymentError(ErrorCode.AmountMismatch, `paid ${tx.amount.total}, top-up is ${rec.amountFen} CNY`, {
        details: { expected: rec.amountFen, paid: tx.amount.total },
      });
    // The chain's programme of now: its top-up bonus tiers (the event records the bonus it gave).
    const program = await this.programs.get();
    const r: MemberResult = await memberOf(this.engine, rec.memberId).send(
      { type: 'topUp', paymentId: tx.transaction_id!, amountFen: tx.amount.total, at: Date.now(), program },
      { id: `topup:${tx.transaction_id}` },
    );
    await this.redis.zrem(this.pendingKey, topUpId);
    return r.duplicate === true ? 'duplicate' : 'recorded';
  }

  /** The callback endpoint's work: answer 204 only once the payment is durable. */
  async notify(
    headers: Readonly<Record<string, string>>,
    rawBody: Buffer,
  ): Promise<'recorded' | 'duplicate' | 'ignored'> {
    try {
      verifyWeChatPaySignature(this.keys, headers, rawBody, this.cfg.signatureToleranceS);
      const { notification, transaction } = openTransaction(this.apiV3Key, rawBody);
      if (transaction === undefined) {
        this.log.info({ event: notification.event_type }, 'payment notification of a type we do not record');
        this.outcomes.inc({ source: 'callback', outcome: 'ignored' });
        return 'ignored';
      }
      const r = await this.confirm(transaction);
      this.outcomes.inc({ source: 'callback', outcome: r });
      return r;
    } catch (e) {
      const code = outcomeOf(e);
      this.outcomes.inc({ source: 'callback', outcome: code });
      this.log.warn({ code, msg: ensureError(e).message }, 'payment callback refused');
      throw e;
    }
  }

  /** Records a successful transaction with the engine; throws PaymentError when it must not or cannot. */
  async confirm(tx: Transaction): Promise<'recorded' | 'duplicate' | 'ignored'> {
    const orderId = tx.out_trade_no;
    const store = storeOfOrder(orderId);
    const topUp = TOP_UP_ID_RE.test(orderId);
    const campaign = CAMPAIGN_PAY_ID_RE.test(orderId);
    if (
      (store === undefined && !topUp && !campaign) ||
      tx.mchid !== this.cfg.wechatPay.mchId ||
      tx.appid !== this.cfg.wechatPay.appId
    )
      throw new PaymentError(ErrorCode.UnknownOrder, `transaction for ${tx.mchid}/${tx.appid}/${orderId} is not ours`);
    if (tx.trade_state !== 'SUCCESS') return 'ignored';
    if (tx.transaction_id === undefined || tx.success_time === undefined)
      throw new PaymentError(ErrorCode.BadRequest, 'a successful transaction needs transaction_id and success_time');
    const paidAt = Date.parse(tx.success_time);
    if (!Number.isFinite(paidAt))
      throw new PaymentError(ErrorCode.BadRequest, `success_time ${tx.success_time} is not RFC 3339`);
    if (campaign) return this.campaigns.confirm(tx, paidAt);
    if (topUp || store === undefined) return this.confirmTopUp(tx, orderId);

    const raw = await this.redis.get(this.recordKey(orderId));
    let expected: number;
    if (raw !== null) {
      expected = (JSON.parse(raw) as PayRecord).amountFen;
    } else {
      // Redis lost the prepay: the order itself says what it costs.
      const order = await orderOf(this.engine, store, orderId).send({ type: 'get' });
      expected = wechatDueFen(order);
    }
    if (tx.amount.total !== expected || tx.amount.currency !== 'CNY') {
      this.log.error(
        { orderId, expected, paid: tx.amount.total, currency: tx.amount.currency },
        'payment amount mismatch',
      );
      throw new PaymentError(
        ErrorCode.AmountMismatch,
        `paid ${tx.amount.total} ${tx.amount.currency}, order is ${expected} CNY`,
        {
          details: { expected, paid: tx.amount.total },
        },
      );
    }
    const r = await orderOf(this.engine, store, orderId).send(
      { type: 'confirmPayment', paymentId: tx.transaction_id, amountFen: tx.amount.total, paidAt, at: Date.now() },
      { id: `pay:${tx.transaction_id}` },
    );
    await this.redis.zrem(this.pendingKey, orderId);
    return r.duplicate === true ? 'duplicate' : 'recorded';
  }

  /** Starts polling for overdue payments. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.reconcile()
        .catch((e: unknown) => this.log.warn({ err: ensureError(e).message }, 'payment reconciliation failed'))
        .finally(() => (this.running = false));
    }, this.cfg.wechatPay.queryIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: orders whose callback is overdue are looked up with the provider. */
  async reconcile(now = Date.now()): Promise<number> {
    const due = await this.redis.zrangebyscore(this.pendingKey, '-inf', now, 'LIMIT', 0, 100);
    let done = 0;
    for (const orderId of due) {
      if ((await this.redis.zrem(this.pendingKey, orderId)) !== 1) continue; // another process has it
      const raw = await this.redis.get(this.recordKey(orderId));
      const rec = raw === null ? undefined : (JSON.parse(raw) as PayRecord);
      const requeue = (): Promise<number> =>
        this.redis.zadd(this.pendingKey, now + this.cfg.wechatPay.queryAfterS * 1000, orderId);
      try {
        const tx = await this.provider.queryOrder(orderId);
        if (tx?.trade_state === 'SUCCESS') {
          const r = await this.confirm(tx);
          this.outcomes.inc({ source: 'query', outcome: r });
          done++;
        } else if (tx?.trade_state === 'NOTPAY' || tx?.trade_state === 'USERPAYING') {
          // Still open: ask again until well past the order's deadline (a late payment is refunded by the order).
          if (rec === undefined || now < rec.deadline + 10 * 60_000) await requeue();
        }
      } catch (e) {
        const retry = !(e instanceof PaymentError) || e.retryable;
        this.log.warn({ orderId, err: ensureError(e).message, retry }, 'payment lookup failed');
        if (retry) await requeue();
      }
    }
    return done;
  }
}

/**
 * The code a refused callback is counted under: a payment refusal's, the order actor's reason
 * for an engine refusal (`already_paid`), the engine's own code, or `internal_error`.
 */
function outcomeOf(e: unknown): string {
  if (e instanceof PaymentError) return e.code;
  if (e instanceof EngineError) return e.reason ?? e.code;
  return 'internal_error';
}

/** What WeChat Pay collects for an order: its total less a member's stored value (the card paid that). */
export function wechatDueFen(order: OrderDetail): number {
  return order.totalFen - (order.member?.balanceFen ?? 0);
}
