/**
 * 美团外卖开放平台's wire shape. Pushes and calls are form-encoded POSTs carrying `app_id`,
 * `timestamp` (unix s) and `sig` (`meituanSign` over the full URL, see signing.ts). Pushes go to
 * one callback URL per kind (`/v1/platforms/meituan/push/<new|cancel|refund|remind>`); calls to
 * `<api base>/api/v1/<endpoint>`. Answers: `{"data":"ok"}`, `{"data":[…]}` for reads, or
 * `{"data":"ng","error":{"code":<n>,"msg":"…"}}`; prices are yuan with two decimals.
 */
import { z } from 'zod';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import type {
  AppCredentials,
  CallReply,
  OrderSyncStatus,
  PlatformApi,
  PlatformCall,
  PlatformPush,
  PlatformView,
  PushOutcome,
  WireAnswer,
  WireRequest,
} from './platform.js';
import { DEFAULT_SIGNATURE_TOLERANCE_S, checkSigned, meituanSign } from './signing.js';
import { CodeTable, fenOf, jsonObject, parseWire, yuan } from './wire-codes.js';

export const MEITUAN_PUSH_PATH = '/v1/platforms/meituan/push/';
const FORM = 'application/x-www-form-urlencoded';

const CODES = new CodeTable<number>({
  [E.BadRequest]: 700,
  [E.InvalidSignature]: 703,
  [E.StaleTimestamp]: 705,
  [E.Replayed]: 706,
  [E.UnknownStore]: 801,
  [E.UnknownSku]: 802,
  [E.SoldOut]: 808,
  [E.RefundRefused]: 809,
  [E.UnknownOrder]: 810,
  [E.Unavailable]: 1000,
  [E.RateLimited]: 1001,
  [E.Refused]: 1100,
});

const STATUS_ENDPOINT: Readonly<Record<OrderSyncStatus, string>> = {
  confirmed: 'order/confirm',
  ready: 'order/preparationMealComplete',
  delivered: 'order/arrived',
  cancelled: 'order/cancel',
  refund_agreed: 'order/refund/agree',
  refund_refused: 'order/refund/reject',
};
const STATUS_OF = new Map(Object.entries(STATUS_ENDPOINT).map(([s, e]) => [e, s as OrderSyncStatus]));

const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
const DetailSchema = z.array(
  z.strictObject({ app_food_code: Id, quantity: z.number().int().min(1).max(1000), price: z.number().min(0) }),
);
const FoodStock = z.array(z.object({ app_food_code: Id, skus: z.array(z.object({ sku_id: Id, stock: z.string() })) }));
const FoodMenu = z.array(
  z.object({ app_food_code: Id, name: z.string(), skus: z.array(z.object({ sku_id: Id, price: z.string() })) }),
);

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function need(p: URLSearchParams, k: string): string {
  const v = p.get(k);
  if (v === null || v === '') throw new PlatformError(E.BadRequest, `缺少参数 ${k}`);
  return v;
}

function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new PlatformError(E.BadRequest, `${what} 不是 JSON`);
  }
  return parseWire(schema, v, what);
}

export class MeituanApi implements PlatformApi {
  readonly name = 'meituan' as const;

  constructor(
    private readonly creds: AppCredentials,
    /** Where pushes are sent (our callback base, e.g. `https://lr.example.com`): part of what is signed. */
    private readonly pushBase: string,
    /** The platform's API base (`https://waimaiopen.meituan.com`, or a simulator's). */
    private readonly apiBase: string,
    private readonly toleranceS = DEFAULT_SIGNATURE_TOLERANCE_S,
  ) {}

  private signed(url: string, params: Record<string, string>, nowMs: number): string {
    const all = { ...params, app_id: this.creds.appId, timestamp: String(Math.floor(nowMs / 1000)) };
    return form({ ...all, sig: meituanSign(url, all, this.creds.secret) });
  }

  private verify(url: string, body: string, nowMs: number): { p: URLSearchParams; sig: string } {
    const p = new URLSearchParams(body);
    const sig = need(p, 'sig');
    if (need(p, 'app_id') !== this.creds.appId) throw new PlatformError(E.InvalidSignature, 'app_id 不匹配');
    const params: Record<string, string> = {};
    for (const [k, v] of p) if (k !== 'sig') params[k] = v;
    const ts = need(p, 'timestamp');
    checkSigned(
      sig,
      meituanSign(url, params, this.creds.secret),
      /^\d{1,12}$/.test(ts) ? Number(ts) * 1000 : NaN,
      nowMs,
      this.toleranceS,
    );
    return { p, sig };
  }

  // ---------------------------------------------------------------- our side

  verifyPush(path: string, body: string, nowMs: number): { push: PlatformPush; signature: string } {
    if (!path.startsWith(MEITUAN_PUSH_PATH)) throw new PlatformError(E.BadRequest, `未知的推送地址 ${path}`);
    const { p, sig } = this.verify(this.pushBase + path, body, nowMs);
    const kind = path.slice(MEITUAN_PUSH_PATH.length);
    const platformOrderId = need(p, 'order_id');
    const poi = need(p, 'app_poi_code');
    switch (kind) {
      case 'new': {
        const lines = parseJson(DetailSchema, need(p, 'detail'), 'detail').map((d) => ({
          sku: d.app_food_code,
          qty: d.quantity,
          priceFen: Math.round(d.price * 100),
        }));
        if (lines.length === 0) throw new PlatformError(E.BadRequest, 'detail 为空');
        const at = Number(need(p, 'ctime')) * 1000;
        return { push: { kind, poi, platformOrderId, lines, totalFen: fenOf(need(p, 'total')), at }, signature: sig };
      }
      case 'cancel':
        return { push: { kind, poi, platformOrderId, reason: p.get('reason') ?? '' }, signature: sig };
      case 'refund':
        return {
          push: { kind, poi, platformOrderId, refundId: need(p, 'refund_id'), reason: p.get('reason') ?? '' },
          signature: sig,
        };
      case 'remind':
        return { push: { kind, poi, platformOrderId, remindId: need(p, 'remind_id') }, signature: sig };
      default:
        throw new PlatformError(E.BadRequest, `未知的推送类型 ${kind}`);
    }
  }

  answerPush(o: PushOutcome): WireAnswer {
    if (o.ok) return { status: 200, body: JSON.stringify({ data: 'ok' }) };
    return { status: 200, body: JSON.stringify({ data: 'ng', error: { code: CODES.theirs(o.code), msg: o.message } }) };
  }

  signCall(call: PlatformCall, nowMs: number): WireRequest {
    const { endpoint, params } = callParams(call);
    const path = `/api/v1/${endpoint}`;
    return { path, contentType: FORM, body: this.signed(this.apiBase + path, params, nowMs) };
  }

  readReply(a: WireAnswer, call: PlatformCall): CallReply {
    if (a.status === 429) return { ok: false, code: E.RateLimited, message: `HTTP 429` };
    if (a.status >= 500 || a.status !== 200) return { ok: false, code: E.Unavailable, message: `HTTP ${a.status}` };
    const j = jsonObject(a.body);
    if (j === undefined) return { ok: false, code: E.Unavailable, message: '应答不是 JSON' };
    if (j.data === 'ok') return { ok: true };
    if (Array.isArray(j.data) && (call.op === 'list' || call.op === 'orders'))
      return { ok: true, view: readView(call.op, j.data) };
    const err = (j.error ?? {}) as { code?: number; msg?: string };
    return { ok: false, code: CODES.ours(Number(err.code)), message: String(err.msg ?? 'ng') };
  }

  // ---------------------------------------------------------------- the platform's side

  signPush(push: PlatformPush, nowMs: number): WireRequest {
    const base = { order_id: push.platformOrderId, app_poi_code: push.poi };
    const params: Record<string, string> =
      push.kind === 'new'
        ? {
            ...base,
            detail: JSON.stringify(
              push.lines.map((l) => ({ app_food_code: l.sku, quantity: l.qty, price: l.priceFen / 100 })),
            ),
            total: yuan(push.totalFen),
            ctime: String(Math.floor(push.at / 1000)),
          }
        : push.kind === 'cancel'
          ? { ...base, reason_code: '1001', reason: push.reason }
          : push.kind === 'refund'
            ? { ...base, notify_type: 'apply', refund_id: push.refundId, reason: push.reason }
            : { ...base, remind_id: push.remindId };
    const path = MEITUAN_PUSH_PATH + push.kind;
    return { path, contentType: FORM, body: this.signed(this.pushBase + path, params, nowMs) };
  }

  readPushAnswer(a: WireAnswer): PushOutcome {
    const j = a.status === 200 ? jsonObject(a.body) : undefined;
    if (j?.data === 'ok') return { ok: true };
    const err = (j?.error ?? {}) as { code?: number; msg?: string };
    if (j === undefined) return { ok: false, code: E.Unavailable, message: `HTTP ${a.status}` };
    return { ok: false, code: CODES.ours(Number(err.code)), message: String(err.msg ?? '') };
  }

  verifyCall(path: string, body: string, nowMs: number): { call: PlatformCall; signature: string } {
    const { p, sig } = this.verify(this.apiBase + path, body, nowMs);
    const endpoint = path.replace(/^\/api\/v1\//, '');
    const poi = need(p, 'app_poi_code');
    if (endpoint === 'retail/sku/stock') {
      const items = parseJson(FoodStock, need(p, 'food_data'), 'food_data').flatMap((f) =>
        f.skus.map((k) => ({ sku: k.sku_id, stock: Number(k.stock) })),
      );
      return { call: { op: 'stock', poi, items }, signature: sig };
    }
    if (endpoint === 'retail/batchinitdata') {
      const items = parseJson(FoodMenu, need(p, 'food_data'), 'food_data').flatMap((f) =>
        f.skus.map((k) => ({ sku: k.sku_id, name: f.name, priceFen: fenOf(k.price) })),
      );
      return { call: { op: 'menu', poi, items }, signature: sig };
    }
    if (endpoint === 'retail/list') return { call: { op: 'list', poi }, signature: sig };
    if (endpoint === 'order/list') return { call: { op: 'orders', poi }, signature: sig };
    const status = STATUS_OF.get(endpoint);
    if (status === undefined) throw new PlatformError(E.BadRequest, `未知接口 ${endpoint}`);
    const reason = p.get('reason');
    const call: PlatformCall = { op: 'order', poi, platformOrderId: need(p, 'order_id'), status };
    return { call: reason === null ? call : { ...call, reason }, signature: sig };
  }

  answerCall(r: CallReply, call: PlatformCall): WireAnswer {
    if (!r.ok)
      return {
        status: 200,
        body: JSON.stringify({ data: 'ng', error: { code: CODES.theirs(r.code), msg: r.message } }),
      };
    if (r.view === undefined) return { status: 200, body: JSON.stringify({ data: 'ok' }) };
    const data =
      call.op === 'orders'
        ? r.view.orders.map((o) => ({ order_id: o.platformOrderId, status: o.status }))
        : r.view.items.map((i) => ({
            app_food_code: i.sku,
            name: i.name,
            skus: [{ sku_id: i.sku, price: yuan(i.priceFen), stock: String(i.stock) }],
          }));
    return { status: 200, body: JSON.stringify({ data }) };
  }
}

function callParams(call: PlatformCall): { endpoint: string; params: Record<string, string> } {
  switch (call.op) {
    case 'stock':
      return {
        endpoint: 'retail/sku/stock',
        params: {
          app_poi_code: call.poi,
          food_data: JSON.stringify(
            call.items.map((i) => ({ app_food_code: i.sku, skus: [{ sku_id: i.sku, stock: String(i.stock) }] })),
          ),
        },
      };
    case 'menu':
      return {
        endpoint: 'retail/batchinitdata',
        params: {
          app_poi_code: call.poi,
          food_data: JSON.stringify(
            call.items.map((i) => ({
              app_food_code: i.sku,
              name: i.name,
              skus: [{ sku_id: i.sku, price: yuan(i.priceFen) }],
            })),
          ),
        },
      };
    case 'order': {
      const params: Record<string, string> = { app_poi_code: call.poi, order_id: call.platformOrderId };
      if (call.reason !== undefined) params.reason = call.reason;
      return { endpoint: STATUS_ENDPOINT[call.status], params };
    }
    case 'list':
      return { endpoint: 'retail/list', params: { app_poi_code: call.poi } };
    case 'orders':
      return { endpoint: 'order/list', params: { app_poi_code: call.poi } };
  }
}

const ViewItem = z.object({
  app_food_code: z.string(),
  name: z.string(),
  skus: z.array(z.object({ sku_id: z.string(), price: z.string(), stock: z.string() })),
});
const ViewOrder = z.object({ order_id: z.string(), status: z.string() });

function readView(op: 'list' | 'orders', data: unknown[]): PlatformView {
  if (op === 'orders') {
    const orders = z
      .array(ViewOrder)
      .parse(data)
      .map((o) => ({ platformOrderId: o.order_id, status: o.status }));
    return { items: [], orders };
  }
  const items = z
    .array(ViewItem)
    .parse(data)
    .flatMap((f) =>
      f.skus.map((k) => ({ sku: k.sku_id, name: f.name, priceFen: fenOf(k.price), stock: Number(k.stock) })),
    );
  return { items, orders: [] };
}
