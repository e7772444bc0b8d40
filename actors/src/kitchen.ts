/**
 * Kitchen tickets: what the order actor sends to each station when the order is
 * accepted (and voids or urges later). They go out as JetStream side outputs
 * on `kitchen.<store>.<station>`, with an id stable across retries
 * (`ticket:<orderId>:<station>:v1`), so the printer daemon prints each exactly
 * once however often the engine re-publishes it.
 */
import type { SideOutput } from '@lunchrush/engine';
import type { ServiceChannel } from './domain.js';
import type { PricedLine } from './pricing.js';
import { kitchenSubject, ticketId, urgeTicketId, voidTicketId } from './outputs.js';

export interface KitchenTicketLine {
  readonly lineNo: number;
  readonly name: string;
  readonly spec: string;
  readonly qty: number;
  readonly options: readonly string[];
  readonly note?: string;
}

export interface KitchenTicket {
  /** `new` to cook, `void` to stop (refund), `urge` to hurry (催单). */
  readonly kind: 'new' | 'void' | 'urge';
  readonly ticketId: string;
  readonly orderId: string;
  readonly store: string;
  readonly station: string;
  readonly channel: ServiceChannel;
  readonly tableId?: string;
  readonly tableLabel?: string;
  /** Short number called out at the pass: the last 4 characters of the order id. */
  readonly pickupNo: string;
  readonly lines: readonly KitchenTicketLine[];
  readonly placedAt: number;
  readonly at: number;
  readonly refundId?: string;
  readonly urgeCount?: number;
}

/** Stations in the order their first line appears, with that station's lines. */
export function splitByStation(lines: readonly PricedLine[]): [string, PricedLine[]][] {
  const by = new Map<string, PricedLine[]>();
  for (const l of lines) {
    const list = by.get(l.station);
    if (list === undefined) by.set(l.station, [l]);
    else list.push(l);
  }
  return [...by.entries()];
}

export interface TicketOrder {
  readonly store: string;
  readonly orderId: string;
  readonly channel: ServiceChannel;
  readonly tableId?: string;
  readonly tableLabel?: string;
  readonly placedAt: number;
}

function ticketLine(l: PricedLine, qty = l.qty): KitchenTicketLine {
  const base = { lineNo: l.lineNo, name: l.name, spec: l.spec, qty, options: l.options.map((o) => o.name) };
  return l.note === undefined ? base : { ...base, note: l.note };
}

function ticket(
  o: TicketOrder,
  station: string,
  kind: KitchenTicket['kind'],
  id: string,
  lines: KitchenTicketLine[],
  at: number,
  extra: Partial<KitchenTicket> = {},
): SideOutput {
  const data: KitchenTicket = {
    kind,
    ticketId: id,
    orderId: o.orderId,
    store: o.store,
    station,
    channel: o.channel,
    ...(o.tableId === undefined ? {} : { tableId: o.tableId }),
    ...(o.tableLabel === undefined ? {} : { tableLabel: o.tableLabel }),
    pickupNo: o.orderId.slice(-4),
    lines,
    placedAt: o.placedAt,
    at,
    ...extra,
  };
  return { subject: kitchenSubject(o.store, station), id, data, jetstream: true };
}

export function newTickets(o: TicketOrder, lines: readonly PricedLine[], at: number): SideOutput[] {
  return splitByStation(lines).map(([station, ls]) =>
    ticket(
      o,
      station,
      'new',
      ticketId(o.orderId, station),
      ls.map((l) => ticketLine(l)),
      at,
    ),
  );
}

/** Void tickets for refunded lines (`qty` per line number), one per station concerned. */
export function voidTickets(
  o: TicketOrder,
  lines: readonly PricedLine[],
  qtyByLine: ReadonlyMap<number, number>,
  stations: ReadonlySet<string>,
  refundId: string,
  at: number,
): SideOutput[] {
  const affected = lines.filter((l) => qtyByLine.has(l.lineNo) && stations.has(l.station));
  return splitByStation(affected).map(([station, ls]) =>
    ticket(
      o,
      station,
      'void',
      voidTicketId(o.orderId, station, refundId),
      ls.map((l) => ticketLine(l, qtyByLine.get(l.lineNo))),
      at,
      { refundId },
    ),
  );
}

export function urgeTickets(
  o: TicketOrder,
  lines: readonly PricedLine[],
  stations: ReadonlySet<string>,
  n: number,
  at: number,
): SideOutput[] {
  return splitByStation(lines.filter((l) => stations.has(l.station))).map(([station, ls]) =>
    ticket(
      o,
      station,
      'urge',
      urgeTicketId(o.orderId, station, n),
      ls.map((l) => ticketLine(l)),
      at,
      { urgeCount: n },
    ),
  );
}
