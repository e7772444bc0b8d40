/**
 * Every engine command of a gateway process goes through here: a bound on
 * commands in flight (past it a request is refused at once with 503 instead of
 * queueing without end — backpressure, not collapse) and a deadline per command,
 * retries of retryable engine errors included (EngineClient retries with the
 * same command id, so a retry never applies a command twice).
 *
 * Routes send through typed handles over the gate (`gate.order(store, id).send({ type: 'accept', … })`,
 * `@lunchrush/actors`' handles): a command is one of the actors' (`ActorCommand`) and the reply is
 * the one that command gives, so nothing untyped crosses to the engine.
 */
import {
  catalogOf,
  orderOf,
  saleOf,
  stockOf,
  storeOf,
  tableOf,
  type ActorCommand,
  type CatalogHandle,
  type CommandSender,
  type OrderHandle,
  type SaleHandle,
  type StockHandle,
  type StoreHandle,
  type TableHandle,
} from '@lunchrush/actors';
import type { EngineClient, SendOptions } from '@lunchrush/engine';
import { Counter, Gauge, type Registry } from 'prom-client';
import { ErrorCode, HttpError } from './errors.js';

export class EngineGate implements CommandSender {
  private inflight = 0;
  private readonly gauge: Gauge;

  constructor(
    readonly client: EngineClient,
    private readonly maxInflight: number,
    private readonly timeoutMs: number,
    private readonly retryAfterS: number,
    registry: Registry,
  ) {
    this.gauge = new Gauge({
      name: 'lunchrush_gateway_engine_inflight',
      help: 'Engine commands in flight from this gateway process',
      registers: [registry],
      collect: () => this.gauge.set(this.inflight),
    });
    const routed = client.routed;
    new Counter({
      name: 'lunchrush_gateway_engine_commands_total',
      help: 'Engine commands sent, retries counted, by route: local (a partition of this node, in process) or remote (over NATS)',
      labelNames: ['route'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ route: 'local' }, routed.local);
        this.inc({ route: 'remote' }, routed.remote);
      },
    });
  }

  get inFlight(): number {
    return this.inflight;
  }

  order(store: string, orderId: string): OrderHandle {
    return orderOf(this, store, orderId);
  }

  table(store: string, tableId: string): TableHandle {
    return tableOf(this, store, tableId);
  }

  stock(store: string, skuId: string): StockHandle {
    return stockOf(this, store, skuId);
  }

  /** `saleId`: `saleActorId(channel, ref)`. */
  sale(store: string, saleId: string): SaleHandle {
    return saleOf(this, store, saleId);
  }

  catalog(store: string): CatalogHandle {
    return catalogOf(this, store);
  }

  store(store: string): StoreHandle {
    return storeOf(this, store);
  }

  /**
   * What the handles send through. Of `opts` only `id` (null: no id, the actor recognises a repeat by
   * itself, see `SendOptions.id`) and `req` (the HTTP request's id, `RequestInfo.id`: the engine logs
   * it with the command and carries it to the kitchen ticket) and `parsed` (`SendOptions.parsed`) are
   * taken; the deadline is the gate's.
   */
  async send<R>(store: string, type: string, id: string, command: ActorCommand, opts?: SendOptions): Promise<R> {
    if (this.inflight >= this.maxInflight) {
      throw new HttpError(ErrorCode.GatewayOverloaded, `${this.inflight} engine commands in flight on this gateway`, {
        retryAfterS: this.retryAfterS,
      });
    }
    this.inflight++;
    try {
      const o: SendOptions = { timeout: this.timeoutMs };
      if (opts?.id !== undefined) o.id = opts.id;
      if (opts?.req !== undefined) o.req = opts.req;
      if (opts?.parsed === true) o.parsed = true;
      return await this.client.send<R>(store, type, id, command, o);
    } finally {
      this.inflight--;
    }
  }
}
