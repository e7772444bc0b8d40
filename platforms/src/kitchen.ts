/**
 * A platform order's kitchen tickets: the kitchen cooks it like any other order, so an accepted
 * platform order sends one `new` ticket per station to the actors' kitchen stream
 * (`<ns>.kitchen.<store>.<station>`, `KitchenTicket`), where the printer daemon prints it and the
 * kitchen display shows it. A platform order is a sale, not an order actor (its stock is taken
 * in one `sell`), so the ticket is made here from the store's menu; its id is the kitchen's
 * (`ticket:<platform>.<id>:<station>:v1`) and JetStream's message id, so a platform's repeated
 * push (answered `duplicate` by the sale) publishes it again without printing it twice.
 */
import { catalogOf, type CommandSender } from '@lunchrush/actors';
import { kitchenTicketId, wire, type KitchenTicket, type KitchenTicketLine } from '@lunchrush/actors/wire';
import { encode } from '@lunchrush/engine';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

export interface PlatformSale {
  readonly store: string;
  /** `<platform>.<platform order id>`: the sale's ref, the kitchen's order id. */
  readonly orderId: string;
  readonly lines: readonly { readonly skuId: string; readonly qty: number }[];
  readonly placedAt: number;
}

/** The tickets of a platform sale, one per station in the order their first line appears (pure). */
export function platformTickets(
  sale: PlatformSale,
  menu: ReadonlyMap<string, { name: string; spec: string; station: string }>,
  at: number,
): KitchenTicket[] {
  const byStation = new Map<string, KitchenTicketLine[]>();
  sale.lines.forEach((l, i) => {
    const dish = menu.get(l.skuId) ?? { name: l.skuId, spec: '', station: 'main' };
    const line: KitchenTicketLine = { lineNo: i + 1, name: dish.name, spec: dish.spec, qty: l.qty, options: [] };
    const list = byStation.get(dish.station);
    if (list === undefined) byStation.set(dish.station, [line]);
    else list.push(line);
  });
  return [...byStation].map(([station, lines]) => ({
    kind: 'new',
    ticketId: kitchenTicketId(sale.orderId, station),
    orderId: sale.orderId,
    store: sale.store,
    station,
    channel: 'delivery',
    pickupNo: sale.orderId.slice(-4),
    lines,
    placedAt: sale.placedAt,
    at,
  }));
}

export class PlatformKitchen {
  constructor(
    private readonly o: { readonly nc: NatsConnection; readonly namespace: string; readonly engine: CommandSender },
  ) {}

  /** Publishes a sale's tickets (stored before this answers: the platform hears ok only then). */
  async send(sale: PlatformSale, at: number): Promise<void> {
    const { catalog } = await catalogOf(this.o.engine, sale.store).send({ type: 'get' });
    const menu = new Map<string, { name: string; spec: string; station: string }>();
    for (const spu of catalog.spus)
      for (const k of spu.skus) menu.set(k.skuId, { name: spu.name, spec: k.spec, station: spu.station });
    const w = wire(this.o.namespace);
    const js = jetstream(this.o.nc);
    for (const t of platformTickets(sale, menu, at))
      await js.publish(w.kitchenSubject(t.store, t.station), encode(t), { msgID: t.ticketId });
  }
}
