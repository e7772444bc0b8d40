/**
 * The HTTP API subset the scenarios speak (and the reference designs serve), on an
 * undici Pool with many keep-alive connections. Every call returns status, parsed
 * body and a short code for the error tables: `ok`, or `<status> <code>`, or
 * `net <error>` when no answer came.
 */
import { parseConfig, signStaffToken, signTableToken, signWebhook } from '@lunchrush/gateways';
import { parseTableCode } from '@lunchrush/actors';
import { Pool } from 'undici';

export interface Answer<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly code: string;
}

/** The development keys (GATEWAY_DEV_SECRETS=1): the stack the bench starts, and reference designs, use them. */
export const devConfig = parseConfig({ GATEWAY_DEV_SECRETS: '1' });

const MENU_HEADERS: Readonly<Record<string, string>> = { 'accept-encoding': 'gzip' };

export class Api {
  readonly pool: Pool;
  private keys = 0;
  private readonly run = Math.random().toString(36).slice(2, 8);

  /** The payment simulator's own server, when it is not the target itself. */
  private readonly simulator: Api | undefined;

  constructor(
    readonly url: string,
    connections = 256,
    simulatorUrl?: string,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000 });
    this.simulator = simulatorUrl === undefined ? undefined : new Api(simulatorUrl, connections);
  }

  idemKey(): string {
    return `b${this.run}${(++this.keys).toString(36)}`;
  }

  async call<T = any>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    opts: {
      body?: unknown;
      raw?: string;
      token?: string;
      headers?: Record<string, string>;
      /** Discard a 2xx body unread (the menu: ~29 KB the scenarios never look at). */
      discardOk?: boolean;
    } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.raw;
    if (body === undefined && opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    try {
      const r = await this.pool.request({ method, path, headers, body });
      if (opts.discardOk === true && r.statusCode >= 200 && r.statusCode < 300) {
        await r.body.dump({ limit: Number.MAX_SAFE_INTEGER });
        return { status: r.statusCode, body: undefined as T, code: 'ok' };
      }
      const text = await r.body.text();
      let parsed: unknown = undefined;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const ok = r.statusCode >= 200 && r.statusCode < 300;
      const code = ok
        ? 'ok'
        : `${r.statusCode} ${(parsed as { code?: string } | undefined)?.code ?? (r.statusCode === 304 ? 'not_modified' : 'error')}`;
      return { status: r.statusCode, body: parsed as T, code };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { status: 0, body: undefined as T, code: `net ${err.code ?? err.message ?? 'error'}` };
    }
  }

  async login(name: string): Promise<{ token: string; dinerId: string }> {
    const r = await this.call<{ sessionToken: string; dinerId: string }>('POST', '/v1/diner/login', {
      body: { code: `${name}-1` },
    });
    if (r.status !== 200) throw new Error(`login: ${r.code} ${JSON.stringify(r.body)}`);
    return { token: r.body.sessionToken, dinerId: r.body.dinerId };
  }

  /** Seats the diner; resolves with the session token to send from then on (a new one names the table). */
  async scan(token: string, tableId: string): Promise<string> {
    const tableToken = signTableToken(devConfig.qrKeys, parseTableCode(tableId));
    const r = await this.call<{ sessionToken?: string }>('POST', '/v1/diner/scan', {
      token,
      body: { tableToken, partySize: 2 },
    });
    if (r.status !== 200) throw new Error(`scan ${tableId}: ${r.code} ${JSON.stringify(r.body)}`);
    return r.body.sessionToken ?? token;
  }

  menu(store: string, etag?: string): Promise<Answer> {
    // The load generator reads the menu (the server writes all of it) but does not parse it. It takes
    // gzip, as a mini-program that sets Accept-Encoding on wx.request does (~4 KB instead of ~29 KB).
    return this.call('GET', `/v1/stores/${store}/menu`, {
      discardOk: true,
      headers: etag === undefined ? MENU_HEADERS : { ...MENU_HEADERS, 'if-none-match': etag },
    });
  }

  placeOrder(
    token: string,
    lines: { skuId: string; qty: number }[],
  ): Promise<Answer<{ order: { orderId: string; status: string; totalFen: number } }>> {
    return this.call('POST', '/v1/diner/orders', {
      token,
      body: { lines: lines.map((l) => ({ ...l, options: [] })) },
      headers: { 'idempotency-key': this.idemKey() },
    });
  }

  /** The table's shared cart becomes the order. */
  placeCartOrder(token: string): Promise<Answer<{ order: { orderId: string } }>> {
    return this.call('POST', '/v1/diner/orders', { token, body: {}, headers: { 'idempotency-key': this.idemKey() } });
  }

  addToCart(token: string, skuId: string, qty: number): Promise<Answer> {
    return this.call('POST', '/v1/diner/table/cart', { token, body: { skuId, qty, options: [] } });
  }

  prepay(token: string, orderId: string): Promise<Answer<{ prepayId: string }>> {
    return this.call('POST', `/v1/diner/orders/${orderId}/pay`, { token });
  }

  simulatePay(prepayId: string): Promise<Answer<{ callbackStatus?: number }>> {
    return (this.simulator ?? this).call('POST', '/v1/simulator/wechatpay/pay', { body: { prepayId } });
  }

  order(token: string, orderId: string): Promise<Answer<{ orderId: string; status: string }>> {
    return this.call('GET', `/v1/diner/orders/${orderId}`, { token });
  }

  posSale(store: string, saleId: string, lines: { skuId: string; qty: number }[]): Promise<Answer> {
    return this.signed(`/v1/channels/pos/${store}/sales`, devConfig.posSecret, { saleId, lines });
  }

  deliveryOrder(store: string, platformOrderId: string, lines: { skuId: string; qty: number }[]): Promise<Answer> {
    return this.signed(`/v1/channels/delivery/${store}/orders`, devConfig.deliverySecret, {
      platform: 'meituan',
      platformOrderId,
      lines,
    });
  }

  private signed(path: string, secret: Buffer, body: unknown): Promise<Answer> {
    const raw = JSON.stringify(body);
    const ts = Math.floor(Date.now() / 1000);
    return this.call('POST', path, {
      raw,
      headers: { 'x-lunchrush-timestamp': String(ts), 'x-lunchrush-signature': signWebhook(secret, ts, raw) },
    });
  }

  private readonly staffTokens = new Map<string, string>();

  staffToken(store: string): string {
    let t = this.staffTokens.get(store);
    if (t === undefined) {
      t = signStaffToken(devConfig.staffKeys, { store, role: 'manager', staffId: 'bench', ttlS: 3600 });
      this.staffTokens.set(store, t);
    }
    return t;
  }

  /** A waiter's table action: `close` (the party leaves; `force` with unpaid orders) or `cleaned`. */
  tableAction(store: string, tableId: string, action: 'close' | 'cleaned', body?: { force: boolean }): Promise<Answer> {
    return this.call('POST', `/v1/staff/stores/${store}/tables/${tableId}/${action}`, {
      token: this.staffToken(store),
      ...(body === undefined ? {} : { body }),
    });
  }

  async setStock(store: string, skuId: string, available: number): Promise<void> {
    const r = await this.call('POST', `/v1/staff/stores/${store}/stock/${skuId}/set`, {
      token: this.staffToken(store),
      body: { available, reason: 'bench' },
    });
    if (r.status !== 200) throw new Error(`set stock ${store}/${skuId}: ${r.code} ${JSON.stringify(r.body)}`);
  }

  async stock(store: string, skuId: string): Promise<{ available: number; reserved: number; sold: number }> {
    const r = await this.call<{ available: number; reserved: number; sold: number }>(
      'GET',
      `/v1/staff/stores/${store}/stock/${skuId}`,
      { token: this.staffToken(store) },
    );
    if (r.status !== 200) throw new Error(`stock ${store}/${skuId}: ${r.code}`);
    return r.body;
  }

  /** A member card for the diner (coupon-drop). */
  enroll(token: string): Promise<Answer> {
    return this.call('POST', '/v1/diner/member/enroll', { token, body: {} });
  }

  /** A manager defines a coupon campaign (coupon-drop). */
  defineCampaign(store: string, campaignId: string, def: unknown): Promise<Answer> {
    return this.call('PUT', `/v1/staff/stores/${store}/campaigns/${campaignId}`, {
      token: this.staffToken(store),
      body: def,
    });
  }

  campaign(store: string, campaignId: string): Promise<Answer<{ total: number; issued: number; remaining: number }>> {
    return this.call('GET', `/v1/staff/stores/${store}/campaigns/${campaignId}`, { token: this.staffToken(store) });
  }

  claim(token: string, campaignId: string): Promise<Answer<{ coupon: { couponId: string } }>> {
    return this.call('POST', `/v1/diner/coupon-centre/${campaignId}/claim`, { token });
  }

  /** An order the member card helps pay: the best coupon (coupon-drop's orders). */
  placeOrderWithCoupon(
    token: string,
    store: string,
    lines: { skuId: string; qty: number }[],
  ): Promise<Answer<{ order: { orderId: string; discounts?: { kind: string }[] } }>> {
    return this.call('POST', '/v1/diner/orders', {
      token,
      body: {
        channel: 'takeaway',
        store,
        lines: lines.map((l) => ({ ...l, options: [] })),
        pay: { couponIds: 'best' },
      },
      headers: { 'idempotency-key': this.idemKey() },
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.simulator?.close()]);
  }
}

/** Run `fn` over `items` with at most `n` at once. */
export async function pool<T, R>(items: readonly T[], n: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
    }),
  );
  return out;
}
