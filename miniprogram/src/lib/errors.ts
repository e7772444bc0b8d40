/** Errors the gateway answers (`{code, message, details?}`), with the words a diner reads. */

export const ErrorCode = {
  Network: 'network',
  Unauthorized: 'unauthorized',
  TokenExpired: 'token_expired',
  NoTable: 'no_table',
  SoldOut: 'sold_out',
  InvalidQrToken: 'invalid_qr_token',
  QrKeyRetired: 'qr_key_retired',
  StoreClosed: 'store_closed',
  EmptyCart: 'empty_cart',
  UrgeTooSoon: 'urge_too_soon',
  RefundNotAllowed: 'refund_not_allowed',
  InvalidTransition: 'invalid_transition',
  PaymentCancelled: 'payment_cancelled',
} as const;

const WORDS: Record<string, string> = {
  network: '网络不太稳定，请稍后重试',
  unauthorized: '登录已失效，请重新扫码',
  token_expired: '登录已过期，请重新扫码',
  login_failed: '微信登录失败，请重试',
  no_table: '请先扫描桌上的二维码',
  no_session: '这桌还没有开台，请重新扫码',
  invalid_qr_token: '二维码无效，请扫描桌上的点餐码',
  qr_key_retired: '这张二维码已停用，请联系店员',
  invalid_table_code: '二维码无效，请扫描桌上的点餐码',
  table_not_configured: '这张桌子暂未开放，请联系店员',
  table_not_ready: '桌台正在清理，请稍候或联系店员',
  sold_out: '有菜品已售罄，请调整后再下单',
  store_closed: '门店已打烊或暂停营业',
  store_not_configured: '门店暂未开放',
  empty_cart: '购物车是空的，先去点菜吧',
  unknown_sku: '菜品已下架',
  item_unavailable: '菜品暂不可点',
  outside_availability_window: '该菜品不在供应时段',
  invalid_option: '请检查口味和加料的选择',
  channel_not_allowed: '该菜品不支持堂食',
  urge_too_soon: '刚刚催过单了，请稍后再催',
  no_store_available: '这个地址附近暂时没有门店能送达',
  delivery_not_found: '订单还在制作中，出餐后为你呼叫骑手',
  refund_not_allowed: '当前状态不能申请退款',
  refund_in_progress: '退款申请处理中',
  nothing_to_refund: '没有可退的金额',
  invalid_transition: '订单状态已变化，请刷新',
  not_your_order: '这不是你的订单',
  order_not_found: '找不到这笔订单',
  rate_limited: '操作太频繁，请稍后再试',
  payment_cancelled: '已取消支付',
  payment_failed: '支付未完成，请重试',
  payment_provider_error: '支付服务暂不可用，请稍后重试',
  idempotency_in_progress: '订单提交中，请稍候',
  overloaded: '门店太忙了，请稍后重试',
  gateway_overloaded: '门店太忙了，请稍后重试',
  partition_moving: '系统切换中，请稍后重试',
  timeout: '网络超时，请重试',
  not_enrolled: '请先加入会员',
  already_enrolled: '你已经是会员了',
  already_checked_in: '今天已经签到过了',
  campaign_exhausted: '券已经被抢光了',
  claim_limit_reached: '你已经领过这张券了',
  campaign_not_open: '活动未开始或已结束',
  campaign_not_defined: '活动不存在',
  coupon_unavailable: '优惠券已被使用或不可用',
  coupon_expired: '优惠券已过期',
  coupon_not_applicable: '优惠券不满足使用条件',
  coupon_stacking: '优惠券不能叠加使用',
  insufficient_points: '积分不足',
  insufficient_balance: '余额不足',
  group_campaign_not_found: '拼团活动不存在',
  group_campaign_not_open: '拼团活动未开始或已结束',
  group_not_found: '找不到这个团',
  group_not_open: '团长还没付款，稍后再来参团',
  group_full: '这个团已经满员了，去开个新团吧',
  group_expired: '这个团已经过期了',
  group_closed: '这个团已经结束了',
  group_member_limit: '你参加的团已达上限',
  group_not_a_member: '你还没有参加这个团',
  share_code_invalid: '分享链接无效',
  share_code_key_retired: '分享链接已失效，请让朋友重新分享',
  share_code_expired: '分享链接已过期',
  share_code_wrong_campaign: '分享链接不属于这个活动',
  bargain_campaign_not_found: '砍价活动不存在',
  bargain_campaign_not_open: '砍价活动未开始或已结束',
  bargain_not_found: '找不到这个砍价',
  bargain_self_help: '不能给自己砍价哦',
  bargain_already_helped: '你已经帮砍过了',
  bargain_device_already_helped: '这台手机已经帮砍过了',
  bargain_help_limit_reached: '今天帮砍次数已用完',
  bargain_floor_reached: '已经砍到底价啦',
  bargain_closed: '砍价已结束',
  lottery_not_found: '抽奖活动不存在',
  lottery_not_open: '抽奖活动未开始或已结束',
  lottery_daily_limit_reached: '今天的抽奖次数已用完',
  lottery_entry_used: '这笔订单已经抽过奖了',
  lottery_entry_not_paid: '需要先完成一笔订单才能抽奖',
  already_paid: '已经付过款了',
};

const RETRYABLE = new Set(['network', 'overloaded', 'gateway_overloaded', 'partition_moving', 'timeout', 'shutting_down', 'internal', 'idempotency_in_progress']);

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: unknown,
    readonly retryAfterS?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }

  /** What the diner reads. */
  get words(): string {
    return WORDS[this.code] ?? '出了点问题，请稍后重试';
  }
}

export function wordsFor(e: unknown): string {
  return e instanceof ApiError ? e.words : '出了点问题，请稍后重试';
}

/**
 * Normalises anything thrown into an Error. The engine's `ensureError` is the one definition; the
 * mini-program imports no package of the repo (it runs in WeChat, built on its own), so it keeps this copy.
 */
export function ensureError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}

/** Short lines of a `sold_out` refusal: `{skuId, available, qty, lineId?}`. */
export function soldOutLines(e: unknown): { skuId: string; available: number; qty: number; lineId?: string }[] {
  if (!(e instanceof ApiError) || e.code !== ErrorCode.SoldOut) return [];
  const d = e.details as { lines?: { skuId: string; available: number; qty: number; lineId?: string }[] } | undefined;
  return d?.lines ?? [];
}
