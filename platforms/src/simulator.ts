/**
 * A local delivery platform (美团外卖 or 饿了么 by the `PlatformApi` it is given) that signs and
 * verifies exactly like the real one: it keeps its own copy of each store's menu and stock, sells
 * from it (a dish its copy shows sold out is never ordered), pushes signed orders, cancels,
 * refund requests and reminders to our callback, and serves the API we call (stock, menu, order
 * status, reads), refusing forged, stale and replayed calls. `down` makes it answer 503 to
 * everything, as an outage does. For tests and the bench; `applied` is what it took, in order.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PlatformError, PlatformErrorCode as E } from './errors.js';
import type { CallReply, PlatformApi, PlatformCall, PlatformPush, PushOutcome, WireRequest } from './platform.js';
import { DEFAULT_SIGNATURE_TOLERANCE_S } from './signing.js';
import { MemorySeenSignatures } from './seen.js';

export interface SimItem {
  name: string;
  priceFen: number;
  stock: number;
}

export type Tamper = 'signature' | 'stale' | 'replay';

export interface SimOrder {
  readonly poi: string;
  readonly lines: readonly { sku: string; qty: number }[];
  status: string;
}

export interface SimulatorOptions {
  /** The platform's wire shape, given the simulator's own API base URL. */
  readonly api: (apiBase: string) => PlatformApi;
  /** Where our callback listens (`http://127.0.0.1:<port>`). */
  readonly pushTo: string;
  readonly port?: number;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class PlatformSimulator {
  readonly items = new Map<string, Map<string, SimItem>>();
  readonly orders = new Map<string, SimOrder>();
  /** Every call it accepted, in order. */
  readonly applied: PlatformCall[] = [];
  /** Calls refused as forged, stale or replayed. */
  refusedCalls = 0;
  down = false;
  private readonly seen = new MemorySeenSignatures();
  private lastPush: WireRequest | undefined;
  private n = 0;

  private constructor(
    private readonly server: Server,
    readonly api: PlatformApi,
    readonly url: string,
    private readonly pushTo: string,
  ) {}

  static async start(o: SimulatorOptions): Promise<PlatformSimulator> {
    // The server is made before the simulator it serves (which needs its URL).
    const box: { sim?: PlatformSimulator } = {};
    const server = createServer((req, res) => void box.sim?.serve(req, res));
    server.keepAliveTimeout = 30_000;
    server.listen(o.port ?? 0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    box.sim = new PlatformSimulator(server, o.api(url), url, o.pushTo);
    return box.sim;
  }

  seed(poi: string, items: Readonly<Record<string, SimItem>>): void {
    this.items.set(poi, new Map(Object.entries(items).map(([k, v]) => [k, { ...v }])));
  }

  item(poi: string, sku: string): SimItem | undefined {
    return this.items.get(poi)?.get(sku);
  }

  // ---------------------------------------------------------------- the platform's customers

  /** A customer orders: refused here if this platform's copy is short, else pushed to us. */
  async order(
    poi: string,
    lines: readonly { sku: string; qty: number }[],
    id = this.nextId(),
  ): Promise<PushOutcome & { id: string }> {
    const menu = this.items.get(poi);
    const short = lines.find((l) => (menu?.get(l.sku)?.stock ?? 0) < l.qty);
    if (short !== undefined) return { ok: false, code: E.SoldOut, message: `${short.sku} 已售罄 (平台)`, id };
    for (const l of lines) menu!.get(l.sku)!.stock -= l.qty;
    const priced = lines.map((l) => ({ ...l, priceFen: menu!.get(l.sku)!.priceFen }));
    const totalFen = priced.reduce((a, l) => a + l.priceFen * l.qty, 0);
    const r = await this.push({ kind: 'new', poi, platformOrderId: id, lines: priced, totalFen, at: Date.now() });
    if (r.ok) this.orders.set(id, { poi, lines, status: 'new' });
    else for (const l of lines) menu!.get(l.sku)!.stock += l.qty; // the merchant refused it: back on this copy
    return { ...r, id };
  }

  async cancel(id: string, reason = '用户取消'): Promise<PushOutcome> {
    const o = this.mustOrder(id);
    return this.push({ kind: 'cancel', poi: o.poi, platformOrderId: id, reason });
  }

  async refund(id: string, reason = '用户申请退款'): Promise<PushOutcome> {
    const o = this.mustOrder(id);
    return this.push({ kind: 'refund', poi: o.poi, platformOrderId: id, refundId: `${id}-r1`, reason });
  }

  async remind(id: string): Promise<PushOutcome> {
    const o = this.mustOrder(id);
    return this.push({ kind: 'remind', poi: o.poi, platformOrderId: id, remindId: `${id}-m${++this.n}` });
  }

  /** A push as the platform signs it, or a forged one (`tamper`): a bad signature, an old timestamp, the last push again. */
  async push(p: PlatformPush, tamper?: Tamper): Promise<PushOutcome> {
    let req: WireRequest;
    if (tamper === 'replay' && this.lastPush !== undefined) req = this.lastPush;
    else {
      const at = tamper === 'stale' ? Date.now() - (DEFAULT_SIGNATURE_TOLERANCE_S + 60) * 1000 : Date.now();
      req = this.api.signPush(p, at);
      if (tamper === 'signature')
        req = {
          ...req,
          body: req.body.replace(
            /([0-9a-fA-F])([^0-9a-fA-F]*)$/,
            (_m, c: string, rest: string) => `${c === '0' ? '1' : '0'}${rest}`,
          ),
        };
      this.lastPush = req;
    }
    try {
      const res = await fetch(this.pushTo + req.path, {
        method: 'POST',
        headers: { 'content-type': req.contentType },
        body: req.body,
      });
      return this.api.readPushAnswer({ status: res.status, body: await res.text() });
    } catch (e) {
      return { ok: false, code: E.Unavailable, message: (e as Error).message };
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  // ---------------------------------------------------------------- the API we call

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (this.down) {
      res.writeHead(503).end('service unavailable');
      return;
    }
    let call: PlatformCall | undefined;
    let reply: CallReply;
    try {
      const v = this.api.verifyCall(req.url ?? '/', body, Date.now());
      if (!(await this.seen.firstTime(v.signature, DEFAULT_SIGNATURE_TOLERANCE_S * 2000)))
        throw new PlatformError(E.Replayed, '重复请求');
      call = v.call;
      reply = this.apply(call);
    } catch (e) {
      if (!(e instanceof PlatformError)) throw e;
      if (e.code === E.InvalidSignature || e.code === E.StaleTimestamp || e.code === E.Replayed) this.refusedCalls++;
      reply = { ok: false, code: e.code, message: e.message };
    }
    const a = this.api.answerCall(reply, call ?? { op: 'list', poi: '' });
    res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8' }).end(a.body);
  }

  private apply(c: PlatformCall): CallReply {
    const menu = this.items.get(c.poi);
    if (menu === undefined) return { ok: false, code: E.UnknownStore, message: `门店 ${c.poi} 不存在` };
    switch (c.op) {
      case 'stock': {
        const missing = c.items.find((i) => !menu.has(i.sku));
        if (missing !== undefined) return { ok: false, code: E.UnknownSku, message: `商品 ${missing.sku} 不存在` };
        for (const i of c.items) menu.get(i.sku)!.stock = i.stock;
        break;
      }
      case 'menu':
        for (const i of c.items) {
          const had = menu.get(i.sku);
          menu.set(i.sku, { name: i.name, priceFen: i.priceFen, stock: had?.stock ?? 0 });
        }
        break;
      case 'order': {
        const o = this.orders.get(c.platformOrderId);
        if (o === undefined) return { ok: false, code: E.UnknownOrder, message: `订单 ${c.platformOrderId} 不存在` };
        o.status = c.status;
        break;
      }
      case 'list':
        return { ok: true, view: { items: [...menu].map(([sku, i]) => ({ sku, ...i })), orders: [] } };
      case 'orders': {
        const orders = [...this.orders]
          .filter(([, o]) => o.poi === c.poi)
          .map(([platformOrderId, o]) => ({ platformOrderId, status: o.status }));
        return { ok: true, view: { items: [], orders } };
      }
    }
    this.applied.push(c);
    return { ok: true };
  }

  private mustOrder(id: string): SimOrder {
    const o = this.orders.get(id);
    if (o === undefined) throw new Error(`no order ${id} on this platform`);
    return o;
  }

  private nextId(): string {
    return `${this.api.name === 'meituan' ? '2701' : '3001'}${Date.now()}${String(++this.n).padStart(4, '0')}`;
  }
}
