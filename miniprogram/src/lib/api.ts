/**
 * The gateway's HTTP API, over a transport (`wx.request` in WeChat, fetch in tests).
 * Every answer that is not 2xx becomes an ApiError with the gateway's code.
 */
import type { Address, DeliveryQuote, DeliveryView, GeoPoint } from './delivery-types';
import { ApiError } from './errors';
import type {
  Campaign,
  CheckoutPlan,
  MemberCard,
  Menu,
  OptionPick,
  OrderDetail,
  OrderSummary,
  PayChoice,
  PrepayAnswer,
  Quote,
  RecoAnswer,
  RecoEventIn,
  ScanAnswer,
  StockAnswer,
  TableView,
} from './types';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
}
export interface HttpResponse {
  status: number;
  /** Parsed JSON when the answer was JSON, else the text. */
  data: unknown;
  headers: Record<string, string>;
}
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** `wx.request` as a Transport. */
export function wxTransport(): Transport {
  return (req) =>
    new Promise((resolve, reject) => {
      // wx.request has no PATCH (OPTIONS GET HEAD POST PUT DELETE TRACE CONNECT only).
      if (req.method === 'PATCH') {
        reject(new ApiError('unsupported_method', 'wx.request cannot send PATCH', 0));
        return;
      }
      const method = req.method;
      wx.request({
        url: req.url,
        method,
        header: req.headers,
        data: req.body ?? '',
        dataType: 'json',
        success: (r) =>
          resolve({ status: r.statusCode, data: r.data, headers: (r.header ?? {}) }),
        fail: (e) => reject(new ApiError('network', e.errMsg, 0)),
      });
    });
}

export interface ApiOptions {
  baseUrl: string;
  transport: Transport;
  /** Sent as X-Device-Id (the gateway rate-limits per device). */
  deviceId?: string;
  /** A new session token arrived (the gateway renews one past half its life): keep it. */
  onToken?: (token: string) => void;
}

let keySeq = 0;
/** A new Idempotency-Key per order attempt: 8–64 of A–Z a–z 0–9 _ -. */
export function newIdempotencyKey(now = Date.now(), rand = Math.random): string {
  keySeq = (keySeq + 1) % 100000;
  return `mp-${now.toString(36)}-${Math.floor(rand() * 36 ** 6).toString(36)}-${keySeq}`;
}

export class Api {
  token: string | null = null;
  private menuCache = new Map<string, { etag: string; menu: Menu }>();

  constructor(private readonly opts: ApiOptions) {}

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  async call<T>(
    method: HttpRequest['method'],
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; data: T; headers: Record<string, string> }> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    if (this.opts.deviceId !== undefined) headers['x-device-id'] = this.opts.deviceId;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    let r: HttpResponse;
    try {
      r = await this.opts.transport({ method, url: `${this.opts.baseUrl}${path}`, headers, ...(payload === undefined ? {} : { body: payload }) });
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError('network', e instanceof Error ? e.message : String(e), 0, undefined, undefined, { cause: e });
    }
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) lower[k.toLowerCase()] = v;
    // The session token is signed and expires: an answer may carry its renewal (or, from a scan, the seated one).
    const renewed = lower['session-token'];
    if (renewed !== undefined && renewed !== '' && renewed !== this.token) {
      this.token = renewed;
      this.opts.onToken?.(renewed);
    }
    if (r.status >= 200 && r.status < 400) return { status: r.status, data: r.data as T, headers: lower };
    const b = (typeof r.data === 'object' && r.data !== null ? r.data : {}) as { code?: string; message?: string; details?: unknown };
    const ra = Number(lower['retry-after']);
    throw new ApiError(
      b.code ?? `http_${r.status}`,
      b.message ?? `HTTP ${r.status}`,
      r.status,
      b.details,
      Number.isFinite(ra) && ra > 0 ? ra : undefined,
    );
  }

  private async data<T>(method: HttpRequest['method'], path: string, body?: unknown, extra?: Record<string, string>): Promise<T> {
    return (await this.call<T>(method, path, body, extra)).data;
  }

  async login(code: string): Promise<{ sessionToken: string; dinerId: string; expiresInS: number }> {
    const r = await this.data<{ sessionToken: string; dinerId: string; expiresInS: number }>('POST', '/v1/diner/login', { code });
    this.token = r.sessionToken;
    return r;
  }

  resolveTable(token: string): Promise<{ store: string; area: string; table: string; tableId: string }> {
    return this.data('GET', `/v1/tables/resolve?token=${encodeURIComponent(token)}`);
  }

  /** Sits at the table; the answer's session token names it, and is the one sent from then on. */
  async scan(tableToken: string, partySize: number): Promise<ScanAnswer> {
    const r = await this.data<ScanAnswer>('POST', '/v1/diner/scan', { tableToken, partySize });
    this.token = r.sessionToken;
    return r;
  }

  /** The menu, revalidated with its ETag (304 answers the copy in hand). */
  async menu(store: string): Promise<Menu> {
    const hit = this.menuCache.get(store);
    const r = await this.call<Menu>('GET', `/v1/stores/${store}/menu`, undefined, hit === undefined ? {} : { 'if-none-match': hit.etag });
    if (r.status === 304 && hit !== undefined) return hit.menu;
    const etag = r.headers.etag;
    if (etag !== undefined) this.menuCache.set(store, { etag, menu: r.data });
    return r.data;
  }

  stock(store: string): Promise<StockAnswer> {
    return this.data('GET', `/v1/stores/${store}/stock`);
  }

  /**
   * 为你推荐 (`menu`) or what goes with the cart (`cart`), and the hour's hot list, for the table
   * this session sits at, with what this diner ordered before.
   */
  recommendations(q: { context: 'menu' | 'cart'; cart: readonly string[]; party?: number; limit?: number }): Promise<RecoAnswer> {
    const cart = q.cart.length > 0 ? `&cart=${q.cart.map(encodeURIComponent).join(',')}` : '';
    const party = q.party !== undefined && q.party >= 1 && q.party <= 50 ? `&party=${q.party}` : '';
    return this.data('GET', `/v1/diner/recommendations?context=${q.context}&limit=${q.limit ?? 6}${cart}${party}`);
  }

  /** Suggestions shown and tapped at this table (the table and A/B arm come from the session). */
  recoEvents(store: string, events: readonly RecoEventIn[]): Promise<{ accepted: number }> {
    return this.data('POST', `/v1/stores/${store}/recommendations/events`, { events });
  }

  table(): Promise<TableView> {
    return this.data('GET', '/v1/diner/table');
  }

  async addLine(line: { lineId: string; skuId: string; qty: number; options: OptionPick[]; note?: string }): Promise<TableView> {
    return (await this.data<{ lineId: string; table: TableView }>('POST', '/v1/diner/table/cart', line)).table;
  }

  /** PATCH: not available through wx.request (see AppContext.setLineQty). */
  updateLine(lineId: string, qty: number): Promise<TableView> {
    return this.data('PATCH', `/v1/diner/table/cart/${encodeURIComponent(lineId)}`, { qty });
  }

  removeLine(lineId: string): Promise<TableView> {
    return this.data('DELETE', `/v1/diner/table/cart/${encodeURIComponent(lineId)}`);
  }

  /** Server-computed totals of the table's cart. */
  quote(): Promise<Quote> {
    return this.data('POST', '/v1/diner/quote', {});
  }

  /** The table's cart becomes one order (with `pay`, the member card pays part). Keep `key` for retries. */
  async placeOrder(key: string, pay?: PayChoice): Promise<OrderDetail> {
    const body = pay === undefined ? {} : { pay };
    return (await this.data<{ order: OrderDetail }>('POST', '/v1/diner/orders', body, { 'idempotency-key': key })).order;
  }

  /** The member card: level, points, stored value, coupons (`enrolled: false` before joining). */
  member(): Promise<MemberCard> {
    return this.data('GET', '/v1/diner/member');
  }

  enroll(birthday?: string): Promise<MemberCard> {
    return this.data('POST', '/v1/diner/member/enroll', birthday === undefined ? {} : { birthday });
  }

  checkIn(): Promise<MemberCard> {
    return this.data('POST', '/v1/diner/member/check-in');
  }

  /** A WeChat Pay prepay for the card's stored value; keep `key` for retries of the same top-up. */
  topUp(amountFen: number, key: string): Promise<PrepayAnswer> {
    return this.data('POST', '/v1/diner/member/top-up', { amountFen }, { 'idempotency-key': key });
  }

  async couponCentre(): Promise<Campaign[]> {
    return (await this.data<{ campaigns: Campaign[] }>('GET', '/v1/diner/coupon-centre')).campaigns;
  }

  async claim(campaignId: string): Promise<MemberCard> {
    return (await this.data<{ card: MemberCard }>('POST', `/v1/diner/coupon-centre/${campaignId}/claim`)).card;
  }

  /** What the table's cart costs with the card: discounts with reasons, points, stored value, WeChat Pay. */
  checkout(pay: PayChoice): Promise<CheckoutPlan> {
    return this.data('POST', '/v1/diner/checkout', pay);
  }

  async orders(): Promise<OrderDetail[]> {
    return (await this.data<{ orders: OrderDetail[] }>('GET', '/v1/diner/orders')).orders;
  }

  order(orderId: string): Promise<OrderDetail> {
    return this.data('GET', `/v1/diner/orders/${orderId}`);
  }

  /** Where a delivery to this address would go now: the store, the quoted wait and fee. */
  deliveryQuote(location: GeoPoint, lines: readonly { skuId: string; qty: number; options?: OptionPick[] }[]): Promise<DeliveryQuote> {
    return this.data('POST', '/v1/diner/delivery/quote', { location, lines });
  }

  /** A delivery order to an address, routed by the gateway to the store that serves it best. Keep `key` for retries. */
  async placeDelivery(key: string, lines: readonly { skuId: string; qty: number; options?: OptionPick[] }[], to: Address): Promise<OrderDetail> {
    const delivery = { address: to.address, contact: to.contact, phone: to.phone, location: to.location };
    const body = { channel: 'delivery', lines: lines.map((l) => ({ skuId: l.skuId, qty: l.qty, options: l.options ?? [] })), delivery };
    return (await this.data<{ order: OrderDetail }>('POST', '/v1/diner/orders', body, { 'idempotency-key': key })).order;
  }

  /** A pickup (到店自取) at a store, for a diner who is not seated there. Keep `key` for retries. */
  async placeTakeaway(key: string, store: string, lines: readonly { skuId: string; qty: number; options?: OptionPick[] }[]): Promise<OrderDetail> {
    const body = { channel: 'takeaway', store, lines: lines.map((l) => ({ skuId: l.skuId, qty: l.qty, options: l.options ?? [] })) };
    return (await this.data<{ order: OrderDetail }>('POST', '/v1/diner/orders', body, { 'idempotency-key': key })).order;
  }

  /** The rider of a delivery order (404 `delivery_not_found` until its kitchen has it ready). */
  delivery(orderId: string): Promise<DeliveryView> {
    return this.data('GET', `/v1/diner/orders/${orderId}/delivery`);
  }

  prepay(orderId: string): Promise<PrepayAnswer> {
    return this.data('POST', `/v1/diner/orders/${orderId}/pay`);
  }

  /** Development only: the gateway's WeChat Pay simulator plays the diner paying. */
  simulatePay(payUrl: string, body: { prepayId: string }): Promise<{ callbackStatus: number }> {
    return this.data('POST', payUrl, body);
  }

  cancel(orderId: string, reason?: string): Promise<OrderSummary> {
    return this.data('POST', `/v1/diner/orders/${orderId}/cancel`, reason === undefined ? {} : { reason });
  }

  urge(orderId: string): Promise<OrderSummary> {
    return this.data('POST', `/v1/diner/orders/${orderId}/urge`);
  }

  requestRefund(orderId: string, reason: string, lines?: { lineNo: number; qty: number }[]): Promise<OrderSummary> {
    return this.data('POST', `/v1/diner/orders/${orderId}/refunds`, { reason, ...(lines === undefined ? {} : { lines }) });
  }

  review(orderId: string, rating: number, comment?: string): Promise<OrderSummary> {
    return this.data('POST', `/v1/diner/orders/${orderId}/review`, { rating, ...(comment ? { comment } : {}) });
  }
}
