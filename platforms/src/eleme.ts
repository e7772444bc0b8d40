/**
 * 饿了么开放平台's wire shape. Calls are one JSON envelope to `<api base>/api/v1/`:
 * `{nop, id, action, token, metas: {app_key, timestamp}, params, signature}` (`elemeCallSign`),
 * answered `{id, result, error}`. Message pushes are JSON `{requestId, type, appId, message (a JSON
 * string), shopId, timestamp (ms), userId, signature}` (`elemePushSign`) to one callback URL,
 * answered `{"message":"ok"}` (or, refused, `{"message":"fail","error":{code,message}}`). Types:
 * 10 new order, 14 cancelled, 30 refund requested, 45 remind. Prices are yuan numbers.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import type {
  AppCredentials,
  CallReply,
  OrderSyncStatus,
  PlatformApi,
  PlatformCall,
  PlatformPush,
  PushOutcome,
  WireAnswer,
  WireRequest,
} from './platform.js';
import { DEFAULT_SIGNATURE_TOLERANCE_S, checkSigned, elemeCallSign, elemePushSign } from './signing.js';
import { CodeTable, jsonObject, parseWire as parse } from './wire-codes.js';

export const ELEME_PUSH_PATH = '/v1/platforms/eleme/push';
const JSON_TYPE = 'application/json; charset=utf-8';

const CODES = new CodeTable<string>({
  [E.BadRequest]: 'INVALID_PARAM',
  [E.InvalidSignature]: 'INVALID_SIGNATURE',
  [E.StaleTimestamp]: 'INVALID_TIMESTAMP',
  [E.Replayed]: 'REPLAYED_REQUEST',
  [E.UnknownStore]: 'SHOP_NOT_FOUND',
  [E.UnknownSku]: 'ITEM_NOT_FOUND',
  [E.SoldOut]: 'STOCK_NOT_ENOUGH',
  [E.RefundRefused]: 'REFUND_NOT_ALLOWED',
  [E.UnknownOrder]: 'ORDER_NOT_FOUND',
  [E.Unavailable]: 'SERVER_ERROR',
  [E.RateLimited]: 'ACCESS_LIMITED',
  [E.Refused]: 'BIZ_ERROR',
});

const PUSH_TYPE = { new: 10, cancel: 14, refund: 30, remind: 45 } as const;

const ACTION: Readonly<Record<OrderSyncStatus, string>> = {
  confirmed: 'eleme.order.confirmOrderLite',
  ready: 'eleme.order.mealComplete',
  delivered: 'eleme.order.receivedOrderLite',
  cancelled: 'eleme.order.cancelOrderLite',
  refund_agreed: 'eleme.order.agreeRefundLite',
  refund_refused: 'eleme.order.disagreeRefundLite',
};
const STATUS_OF = new Map(Object.entries(ACTION).map(([s, a]) => [a, s as OrderSyncStatus]));
const STOCK = 'eleme.product.item.batchUpdateStock';
const MENU = 'eleme.product.item.batchUpdateItems';
const LIST = 'eleme.product.item.getShopItems';
const ORDERS = 'eleme.order.getShopOrders';

const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
const PushSchema = z.strictObject({
  requestId: z.string().min(1).max(64),
  type: z.number().int(),
  appId: z.string(),
  message: z.string(),
  shopId: Id,
  timestamp: z.number().int(),
  userId: z.string(),
  signature: z.string(),
});
const NewOrder = z.object({
  id: Id,
  groups: z.array(
    z.object({
      items: z.array(
        z.object({ extendCode: Id, quantity: z.number().int().min(1).max(1000), price: z.number().min(0) }),
      ),
    }),
  ),
  totalPrice: z.number().min(0),
  activeAt: z.number().int(),
});
const OrderRef = z.object({
  orderId: Id,
  reason: z.string().default(''),
  refundId: Id.optional(),
  remindId: Id.optional(),
});
const CallSchema = z.strictObject({
  nop: z.literal('1.0.0'),
  id: z.string(),
  action: z.string(),
  token: z.string(),
  metas: z.strictObject({ app_key: z.string(), timestamp: z.number().int() }),
  params: z.record(z.string(), z.unknown()),
  signature: z.string(),
});
const ParamsShop = z.object({ shopId: Id });
const StockParams = ParamsShop.extend({ specStocks: z.array(z.object({ skuId: Id, stock: z.number().int().min(0) })) });
const MenuParams = ParamsShop.extend({
  items: z.array(z.object({ extendCode: Id, name: z.string(), price: z.number().min(0) })),
});
const OrderParams = ParamsShop.extend({ orderId: Id, reason: z.string().optional() });
const ViewItems = z.array(z.object({ extendCode: z.string(), name: z.string(), price: z.number(), stock: z.number() }));
const ViewOrders = z.array(z.object({ orderId: z.string(), status: z.string() }));

export class ElemeApi implements PlatformApi {
  readonly name = 'eleme' as const;
  private readonly token: string;

  constructor(
    private readonly creds: AppCredentials & { readonly token: string },
    private readonly apiBase: string,
    private readonly toleranceS = DEFAULT_SIGNATURE_TOLERANCE_S,
  ) {
    this.token = creds.token;
  }

  // ---------------------------------------------------------------- our side

  verifyPush(path: string, body: string, nowMs: number): { push: PlatformPush; signature: string } {
    if (path !== ELEME_PUSH_PATH) throw new PlatformError(E.BadRequest, `未知的推送地址 ${path}`);
    const m = parse(PushSchema, jsonObject(body), '推送');
    if (m.appId !== this.creds.appId) throw new PlatformError(E.InvalidSignature, 'appId 不匹配');
    checkSigned(m.signature, elemePushSign(m, this.creds.secret), m.timestamp, nowMs, this.toleranceS);
    const msg = jsonObject(m.message);
    const poi = m.shopId;
    if (m.type === PUSH_TYPE.new) {
      const o = parse(NewOrder, msg, 'message');
      const lines = o.groups.flatMap((g) =>
        g.items.map((i) => ({ sku: i.extendCode, qty: i.quantity, priceFen: Math.round(i.price * 100) })),
      );
      if (lines.length === 0) throw new PlatformError(E.BadRequest, '订单没有商品');
      const push: PlatformPush = {
        kind: 'new',
        poi,
        platformOrderId: o.id,
        lines,
        totalFen: Math.round(o.totalPrice * 100),
        at: o.activeAt,
      };
      return { push, signature: m.signature };
    }
    const r = parse(OrderRef, msg, 'message');
    const platformOrderId = r.orderId;
    switch (m.type) {
      case PUSH_TYPE.cancel:
        return { push: { kind: 'cancel', poi, platformOrderId, reason: r.reason }, signature: m.signature };
      case PUSH_TYPE.refund:
        return {
          push: { kind: 'refund', poi, platformOrderId, refundId: r.refundId ?? platformOrderId, reason: r.reason },
          signature: m.signature,
        };
      case PUSH_TYPE.remind:
        return {
          push: { kind: 'remind', poi, platformOrderId, remindId: r.remindId ?? m.requestId },
          signature: m.signature,
        };
      default:
        throw new PlatformError(E.BadRequest, `未知的消息类型 ${m.type}`);
    }
  }

  answerPush(o: PushOutcome): WireAnswer {
    if (o.ok) return { status: 200, body: JSON.stringify({ message: 'ok' }) };
    return {
      status: 200,
      body: JSON.stringify({ message: 'fail', error: { code: CODES.theirs(o.code), message: o.message } }),
    };
  }

  signCall(call: PlatformCall, nowMs: number): WireRequest {
    const { action, params } = callParams(call);
    const metas = { app_key: this.creds.appId, timestamp: Math.floor(nowMs / 1000) };
    const signature = elemeCallSign(action, this.token, { ...metas, ...params }, this.creds.secret);
    const body = JSON.stringify({
      nop: '1.0.0',
      id: randomUUID(),
      action,
      token: this.token,
      metas,
      params,
      signature,
    });
    return { path: '/api/v1/', contentType: JSON_TYPE, body };
  }

  readReply(a: WireAnswer, call: PlatformCall): CallReply {
    if (a.status === 429) return { ok: false, code: E.RateLimited, message: 'HTTP 429' };
    if (a.status !== 200) return { ok: false, code: E.Unavailable, message: `HTTP ${a.status}` };
    const j = jsonObject(a.body);
    if (j === undefined) return { ok: false, code: E.Unavailable, message: '应答不是 JSON' };
    const err = j.error as { code?: string; message?: string } | null | undefined;
    if (err !== null && err !== undefined)
      return { ok: false, code: CODES.ours(String(err.code)), message: String(err.message ?? '') };
    if (call.op === 'list') {
      const items = ViewItems.parse(j.result).map((i) => ({
        sku: i.extendCode,
        name: i.name,
        priceFen: Math.round(i.price * 100),
        stock: i.stock,
      }));
      return { ok: true, view: { items, orders: [] } };
    }
    if (call.op === 'orders')
      return {
        ok: true,
        view: {
          items: [],
          orders: ViewOrders.parse(j.result).map((o) => ({ platformOrderId: o.orderId, status: o.status })),
        },
      };
    return { ok: true };
  }

  // ---------------------------------------------------------------- the platform's side

  signPush(push: PlatformPush, nowMs: number): WireRequest {
    const message =
      push.kind === 'new'
        ? {
            id: push.platformOrderId,
            groups: [
              { items: push.lines.map((l) => ({ extendCode: l.sku, quantity: l.qty, price: l.priceFen / 100 })) },
            ],
            totalPrice: push.totalFen / 100,
            activeAt: push.at,
          }
        : push.kind === 'cancel'
          ? { orderId: push.platformOrderId, reason: push.reason }
          : push.kind === 'refund'
            ? { orderId: push.platformOrderId, refundId: push.refundId, reason: push.reason }
            : { orderId: push.platformOrderId, remindId: push.remindId };
    const m = {
      requestId: randomUUID().replaceAll('-', ''),
      type: PUSH_TYPE[push.kind],
      appId: this.creds.appId,
      message: JSON.stringify(message),
      shopId: push.poi,
      timestamp: nowMs,
      userId: 'sim-user',
    };
    return {
      path: ELEME_PUSH_PATH,
      contentType: JSON_TYPE,
      body: JSON.stringify({ ...m, signature: elemePushSign(m, this.creds.secret) }),
    };
  }

  readPushAnswer(a: WireAnswer): PushOutcome {
    const j = a.status === 200 ? jsonObject(a.body) : undefined;
    if (j === undefined) return { ok: false, code: E.Unavailable, message: `HTTP ${a.status}` };
    if (j.message === 'ok') return { ok: true };
    const err = (j.error ?? {}) as { code?: string; message?: string };
    return { ok: false, code: CODES.ours(String(err.code)), message: String(err.message ?? '') };
  }

  verifyCall(path: string, body: string, nowMs: number): { call: PlatformCall; signature: string } {
    if (path !== '/api/v1/') throw new PlatformError(E.BadRequest, `未知接口 ${path}`);
    const c = parse(CallSchema, jsonObject(body), '请求');
    if (c.metas.app_key !== this.creds.appId || c.token !== this.token)
      throw new PlatformError(E.InvalidSignature, 'app_key 或 token 不匹配');
    const expected = elemeCallSign(c.action, c.token, { ...c.metas, ...c.params }, this.creds.secret);
    checkSigned(c.signature, expected, c.metas.timestamp * 1000, nowMs, this.toleranceS);
    return { call: readCall(c.action, c.params), signature: c.signature };
  }

  answerCall(r: CallReply, call: PlatformCall): WireAnswer {
    const id = randomUUID();
    if (!r.ok)
      return {
        status: 200,
        body: JSON.stringify({ id, result: null, error: { code: CODES.theirs(r.code), message: r.message } }),
      };
    const result =
      r.view === undefined
        ? true
        : call.op === 'orders'
          ? r.view.orders.map((o) => ({ orderId: o.platformOrderId, status: o.status }))
          : r.view.items.map((i) => ({ extendCode: i.sku, name: i.name, price: i.priceFen / 100, stock: i.stock }));
    return { status: 200, body: JSON.stringify({ id, result, error: null }) };
  }
}

function callParams(call: PlatformCall): { action: string; params: Record<string, unknown> } {
  switch (call.op) {
    case 'stock':
      return {
        action: STOCK,
        params: { shopId: call.poi, specStocks: call.items.map((i) => ({ skuId: i.sku, stock: i.stock })) },
      };
    case 'menu':
      return {
        action: MENU,
        params: {
          shopId: call.poi,
          items: call.items.map((i) => ({ extendCode: i.sku, name: i.name, price: i.priceFen / 100 })),
        },
      };
    case 'order':
      return {
        action: ACTION[call.status],
        params: {
          shopId: call.poi,
          orderId: call.platformOrderId,
          ...(call.reason === undefined ? {} : { reason: call.reason }),
        },
      };
    case 'list':
      return { action: LIST, params: { shopId: call.poi } };
    case 'orders':
      return { action: ORDERS, params: { shopId: call.poi } };
  }
}

function readCall(action: string, params: Record<string, unknown>): PlatformCall {
  if (action === STOCK) {
    const p = parse(StockParams, params, 'params');
    return { op: 'stock', poi: p.shopId, items: p.specStocks.map((s) => ({ sku: s.skuId, stock: s.stock })) };
  }
  if (action === MENU) {
    const p = parse(MenuParams, params, 'params');
    return {
      op: 'menu',
      poi: p.shopId,
      items: p.items.map((i) => ({ sku: i.extendCode, name: i.name, priceFen: Math.round(i.price * 100) })),
    };
  }
  if (action === LIST) return { op: 'list', poi: parse(ParamsShop, params, 'params').shopId };
  if (action === ORDERS) return { op: 'orders', poi: parse(ParamsShop, params, 'params').shopId };
  const status = STATUS_OF.get(action);
  if (status === undefined) throw new PlatformError(E.BadRequest, `未知接口 ${action}`);
  const p = parse(OrderParams, params, 'params');
  const call: PlatformCall = { op: 'order', poi: p.shopId, platformOrderId: p.orderId, status };
  return p.reason === undefined ? call : { ...call, reason: p.reason };
}
