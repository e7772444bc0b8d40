/**
 * The engine stand-in of `--design null` (bench/reference/null.ts): an EngineClient that never
 * leaves the process. The order path is answered from nothing: a table's `submit`, an order's
 * `place`, a channel `sell` get an answer built from the command and a price list made at
 * start-up (no stock, no log, no actor), an order's `get`, `replay` and `confirmPayment` read
 * and mark a small map of the orders answered (a repeat is a duplicate, or 422 for another body). Everything else (the demo data, a diner's scan, the menu, a
 * staff member setting stock) runs through the real actors in a MemoryRuntime, so those routes
 * answer what the engine would, without I/O; they are off the measured order path.
 */
import {
  ActorTypes,
  CATALOG_ACTOR_ID,
  ErrorCode as D,
  publicLines,
  restaurantActors,
  type OrderDetail,
  type OrderStatus,
  type PricedLine,
  type Quote,
  type SaleResult,
  type TableView,
} from '@lunchrush/actors';
import { demoSetupCommands, type DemoData } from '@lunchrush/actors/demo';
import { EngineClient, EngineError, ErrorCode, MemoryRuntime, ensureError, type SendOptions } from '@lunchrush/engine';
import type { NatsConnection } from '@nats-io/transport-node';

/** As the order actor's: an unpaid order is cancelled after 15 minutes. */
const PAYMENT_WINDOW_MS = 15 * 60_000;
/** Orders remembered for `get` and `confirmPayment` (the lunch rush pays within seconds). */
const REMEMBERED_ORDERS = 50_000;

interface NullOrder {
  readonly store: string;
  readonly channel: OrderDetail['channel'];
  readonly dinerId: string | null;
  /** The digest of the request that placed it: a repeat with another is a conflict, as the order actor says. */
  readonly requestHash: string | null;
  readonly tableId: string | null;
  readonly tableLabel: string | null;
  readonly lines: readonly PricedLine[];
  readonly itemsFen: number;
  readonly packagingFeeFen: number;
  readonly deadline: number;
  status: OrderStatus;
  paidFen: number;
}

interface Line {
  readonly skuId: string;
  readonly qty: number;
}

/** How the stand-in spent its answers: canned on the order path, or through the in-memory actors. */
export interface NullCounts {
  canned: Record<string, number>;
  memory: Record<string, number>;
}

export class NullEngine extends EngineClient {
  private readonly runtime = new MemoryRuntime(restaurantActors);
  /** Store → SKU → the SKU priced once (qty 1, no options), without costs. */
  private readonly prices = new Map<string, Map<string, PricedLine>>();
  private readonly labels = new Map<string, string | null>();
  private readonly orders = new Map<string, NullOrder>();
  readonly counts: NullCounts = { canned: {}, memory: {} };

  /** `nc` only because an EngineClient has one; no command goes over it. */
  constructor(nc: NatsConnection, data: DemoData, skus: readonly string[]) {
    super(nc, { routeByProcess: false });
    const at = Date.now();
    for (const c of demoSetupCommands(data, at)) {
      const r = this.runtime.send(c.ref, c.command, { id: c.id });
      if (!r.ok) throw new Error(`demo data: ${c.ref.type} ${c.ref.id}: ${r.code} ${r.message}`);
    }
    for (const s of data.stores) {
      const byId = new Map<string, PricedLine>();
      for (const skuId of skus) {
        const q = this.runtime.send<Quote>(
          { store: s.storeId, type: ActorTypes.Catalog, id: CATALOG_ACTOR_ID },
          { type: 'quote', channel: 'dine_in', lines: [{ skuId, qty: 1, options: [] }], at },
        );
        if (q.ok) byId.set(skuId, publicLines(q.result.lines)[0]!);
      }
      this.prices.set(s.storeId, byId);
    }
  }

  override send<R = unknown>(
    store: string,
    actorType: string,
    actorId: string,
    command: unknown,
    opts: SendOptions = {},
  ): Promise<R> {
    const c = command as { type: string } & Record<string, unknown>;
    try {
      const canned = this.canned(store, actorType, actorId, c);
      if (canned !== undefined) {
        const k = `${actorType}.${c.type}`;
        this.counts.canned[k] = (this.counts.canned[k] ?? 0) + 1;
        return Promise.resolve(canned as R);
      }
    } catch (e) {
      return Promise.reject(ensureError(e));
    }
    const k = `${actorType}.${c.type}`;
    this.counts.memory[k] = (this.counts.memory[k] ?? 0) + 1;
    const r = this.runtime.send<R>({ store, type: actorType, id: actorId }, command, { id: opts.id ?? undefined });
    if (r.ok) return Promise.resolve(r.result);
    return Promise.reject(
      EngineError.answered(r.code, r.message, { retryable: false, reason: r.reason, details: r.details }),
    );
  }

  /** The answer on the order path, or undefined for a command the actors answer. */
  private canned(store: string, type: string, id: string, c: { type: string } & Record<string, unknown>): unknown {
    if (type === ActorTypes.Table && c.type === 'submit') {
      const order = this.place(store, c.orderId as string, 'dine_in', c, id);
      return { order };
    }
    if (type === ActorTypes.Order && c.type === 'place')
      return this.place(store, id, c.channel as OrderDetail['channel'], c, null);
    if (type === ActorTypes.Sale && c.type === 'sell') {
      const lines = c.lines as Line[];
      const answer: SaleResult = {
        channel: c.channel as SaleResult['channel'],
        ref: c.ref as string,
        duplicate: false,
        skus: lines.map((l) => ({ skuId: l.skuId, qty: l.qty, available: 0 })),
        at: c.at as number,
      };
      return answer;
    }
    if (type !== ActorTypes.Order) return undefined;
    const o = this.orders.get(id);
    if (c.type === 'get') {
      if (o === undefined) throw refusal(D.OrderNotFound, `no order ${id}`);
      return detail(id, o);
    }
    if (c.type === 'replay') {
      if (o === undefined) throw refusal(D.OrderNotFound, `no order ${id}`);
      return repeat(id, o, c.requestHash);
    }
    if (c.type === 'confirmPayment') {
      if (o === undefined) throw refusal(D.OrderNotFound, `no order ${id}`);
      const duplicate = o.status === 'paid';
      o.status = 'paid';
      o.paidFen = o.itemsFen + o.packagingFeeFen;
      return { ...detail(id, o), ...(duplicate ? { duplicate } : {}) };
    }
    return undefined;
  }

  private place(
    store: string,
    orderId: string,
    channel: OrderDetail['channel'],
    c: Record<string, unknown>,
    tableId: string | null,
  ): OrderDetail {
    const given = c.lines as readonly Line[] | undefined;
    const known = this.orders.get(orderId);
    if (known !== undefined) return repeat(orderId, known, c.requestHash);
    const prices = this.prices.get(store);
    if (prices === undefined) throw refusal(D.StoreNotConfigured, `no store ${store}`);
    // A cart order (no lines) orders the first SKU: the stand-in keeps no carts.
    const wanted = given ?? [{ skuId: prices.keys().next().value!, qty: 1 }];
    const lines: PricedLine[] = [];
    let itemsFen = 0;
    let packagingFeeFen = 0;
    for (const l of wanted) {
      const p = prices.get(l.skuId);
      if (p === undefined) throw refusal(D.UnknownSku, `no SKU ${l.skuId} the stand-in can price`);
      const line: PricedLine = {
        ...p,
        lineNo: lines.length + 1,
        qty: l.qty,
        amountFen: p.unitPriceFen * l.qty,
        packagingFeeFen: p.packagingFeeFen * l.qty,
      };
      itemsFen += line.amountFen;
      packagingFeeFen += line.packagingFeeFen;
      lines.push(line);
    }
    const o: NullOrder = {
      store,
      channel,
      dinerId: typeof c.dinerId === 'string' ? c.dinerId : null,
      requestHash: typeof c.requestHash === 'string' ? c.requestHash : null,
      tableId,
      tableLabel: tableId === null ? null : this.labelOf(store, tableId),
      lines,
      itemsFen,
      packagingFeeFen,
      deadline: (typeof c.at === 'number' ? c.at : Date.now()) + PAYMENT_WINDOW_MS,
      status: 'pending_payment',
      paidFen: 0,
    };
    this.orders.set(orderId, o);
    if (this.orders.size > REMEMBERED_ORDERS) this.orders.delete(this.orders.keys().next().value!);
    return detail(orderId, o);
  }

  private labelOf(store: string, tableId: string): string | null {
    const key = `${store}.${tableId}`;
    let label = this.labels.get(key);
    if (label === undefined) {
      const t = this.runtime.send<TableView>({ store, type: ActorTypes.Table, id: tableId }, { type: 'get' });
      label = t.ok && t.result.label !== '' ? t.result.label : null;
      this.labels.set(key, label);
    }
    return label;
  }
}

function detail(orderId: string, o: NullOrder): OrderDetail {
  const d: OrderDetail = {
    orderId,
    status: o.status,
    totalFen: o.itemsFen + o.packagingFeeFen,
    deadline: o.deadline,
    paidFen: o.paidFen,
    refundedFen: 0,
    // As the order actor counts its events: Created + PaymentRequested, then PaymentConfirmed.
    version: o.paidFen > 0 ? 3 : 2,
    channel: o.channel,
    dinerId: o.dinerId,
    tableId: o.tableId,
    tableLabel: o.tableLabel,
    lines: o.lines,
    itemsFen: o.itemsFen,
    packagingFeeFen: o.packagingFeeFen,
    deliveryFeeFen: 0,
    discountFen: 0,
    stations: [],
    refunds: [],
    urges: 0,
    // What the order actor answers at these two statuses (the stand-in keeps no other).
    dinerActions: o.status === 'pending_payment' ? ['pay', 'cancel'] : ['cancel', 'urge', 'refund'],
  };
  return d;
}

/** A placement again: the order as a duplicate, or a conflict when another request chose its id. */
function repeat(orderId: string, o: NullOrder, requestHash: unknown): OrderDetail {
  if (typeof requestHash === 'string' && o.requestHash !== null && requestHash !== o.requestHash)
    throw refusal(D.IdempotencyConflict, `order ${orderId} was placed by another request`);
  return { ...detail(orderId, o), duplicate: true };
}

function refusal(reason: string, message: string): EngineError {
  return EngineError.answered(ErrorCode.Rejected, message, { retryable: false, reason });
}
